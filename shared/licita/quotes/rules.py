"""Pure quote rules: link tokens, link state, per-item comparison statistics and bid pricing (BDI). No I/O.

Outliers: with three or more prices, the Iglewicz–Hoaglin modified z-score on the median absolute deviation
(MAD), |0.6745·(x − median) / MAD| > 3.5; when MAD is 0 (most prices equal) a price more than 50 % away from
the median is an outlier. Robust to the one absurd price that would drag a mean.

Pricing: bid = cost × (1 + BDI), BDI = (1 + admin)(1 + freight)(1 + margin) / (1 − taxes) − 1, percentages
per quote and overridable per item. Taxes are "por dentro" (on the sale price), the usual convention in
Brazilian public procurement.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import Any

TOKEN_BYTES = 32
Z_LIMIT = Decimal("3.5")
ZERO_MAD_SHARE = Decimal("0.5")
CENTS = Decimal("0.01")
PRICING_KEYS = ("admin_pct", "freight_pct", "taxes_pct", "margin_pct")
DEFAULT_PRICING = {"admin_pct": 0.0, "freight_pct": 0.0, "taxes_pct": 0.0, "margin_pct": 15.0}


# ------------------------------------------------------------------------------ links
def new_token() -> str:
    """A random URL-safe token (256 bits); only its hash is stored."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_token(token: str) -> bool:
    return 20 <= len(token) <= 100 and all(c.isalnum() or c in "-_" for c in token)


def link_problem(*, revoked_at: datetime | None, expires_at: datetime | None, quote_status: str,
                 deadline_at: datetime, now: datetime) -> tuple[int, str, str] | None:
    """Why a supplier link cannot be used now: (HTTP status, code, Portuguese message), or None."""
    if revoked_at is not None or expires_at is None:
        return 410, "link_revoked", "Este link foi cancelado pela empresa. Peça um novo link a quem o enviou."
    if quote_status in ("CLOSED", "CANCELLED"):
        return 409, "quote_closed", "Esta cotação foi encerrada pela empresa e não aceita mais respostas."
    if now >= min(expires_at, deadline_at):
        return 410, "quote_expired", "O prazo desta cotação terminou; respostas não são mais aceitas."
    return None


# ------------------------------------------------------------------------------ comparison
@dataclass(frozen=True)
class Offer:
    link_id: str
    supplier: str
    unit_price: Decimal


@dataclass
class ItemStats:
    offers: list[Offer]
    lowest: Decimal | None = None
    highest: Decimal | None = None
    median: Decimal | None = None
    spread: Decimal | None = None  # highest − lowest
    spread_pct: Decimal | None = None  # (highest − lowest) / lowest · 100
    outliers: set[str] = field(default_factory=set)  # link ids
    suggested: str | None = None  # link id of the lowest non-outlier offer


def outlier_ids(offers: Sequence[Offer]) -> set[str]:
    if len(offers) < 3:
        return set()
    prices = [o.unit_price for o in offers]
    med = Decimal(median(prices))
    mad = Decimal(median([abs(p - med) for p in prices]))
    found: set[str] = set()
    for offer in offers:
        deviation = abs(offer.unit_price - med)
        if mad > 0:
            if Decimal("0.6745") * deviation / mad > Z_LIMIT:
                found.add(offer.link_id)
        elif med > 0 and deviation > ZERO_MAD_SHARE * med:
            found.add(offer.link_id)
    return found


def item_stats(offers: Sequence[Offer]) -> ItemStats:
    stats = ItemStats(offers=sorted(offers, key=lambda o: (o.unit_price, o.supplier)))
    if not offers:
        return stats
    prices = [o.unit_price for o in stats.offers]
    stats.lowest, stats.highest = prices[0], prices[-1]
    stats.median = Decimal(median(prices))
    stats.spread = stats.highest - stats.lowest
    stats.spread_pct = (stats.spread / stats.lowest * 100).quantize(CENTS) if stats.lowest > 0 else None
    stats.outliers = outlier_ids(stats.offers)
    stats.suggested = next((o.link_id for o in stats.offers if o.link_id not in stats.outliers), None)
    return stats


# ------------------------------------------------------------------------------ pricing
def effective_pricing(quote: Mapping[str, Any] | None, item: Mapping[str, Any] | None) -> dict[str, Decimal]:
    """The item's percentages: its own override, else the quote's, else the defaults."""
    values: dict[str, Decimal] = {}
    for key in PRICING_KEYS:
        raw = (item or {}).get(key)
        if raw is None:
            raw = (quote or {}).get(key)
        if raw is None:
            raw = DEFAULT_PRICING[key]
        values[key] = Decimal(str(raw))
    return values


def bdi(p: Mapping[str, Decimal]) -> Decimal:
    """BDI as a fraction (0.25 = 25 %); ValueError when taxes reach 100 %."""
    hundred = Decimal(100)
    taxes = p["taxes_pct"] / hundred
    if taxes >= 1:
        raise ValueError("impostos devem ser menores que 100%")
    gross = (1 + p["admin_pct"] / hundred) * (1 + p["freight_pct"] / hundred) * (1 + p["margin_pct"] / hundred)
    return gross / (1 - taxes) - 1


def bid_price(cost: Decimal, p: Mapping[str, Decimal]) -> Decimal:
    return (cost * (1 + bdi(p))).quantize(CENTS, rounding=ROUND_HALF_UP)


def above_estimate(bid: Decimal | None, estimate: Decimal | None) -> bool:
    """A bid above the tender's estimated unit price is a reason for disqualification (Lei 14.133, art. 59)."""
    return bid is not None and estimate is not None and bid > estimate
