"""Alerts of discovery through the notify pipeline (socket, inbox, e-mail per preferences): new matches,
tender changes, the 07:00 digest; plus the ``tender.dates_changed`` domain event for calendars/boards.

Matches are marked ``notified_at`` only after their event is on the queue; an event that could not be
published goes out on the next cycle with the same ``dedup_key`` (the pipeline delivers it once).
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from licita.core.config import get_settings
from licita.core.time import BRT
from licita.discovery import rules
from licita.discovery.matching import explain_matches
from licita.discovery.rules import dedup_of
from licita.notifications.service import load_users
from licita.platform.db.engine import system_transaction
from licita.platform.pncp.models import PUBLIC_URL, CompraRef
from licita.platform.queues import publish, publish_quietly

log = logging.getLogger("licita.discovery.alerts")
MAX_LISTED = 10
PENDING_WINDOW = timedelta(days=7)

# a match with its search and compra, as the alert and the digest list it
_MATCHES = """
    SELECT m.id, m.company_id, m.search_id, m.numero_controle, m.explanation, m.degraded, m.matched_at,
           s.name AS search_name, s.owner_user_id, c.objeto, c.orgao_razao_social, c.uf, c.municipio_nome,
           c.valor_total_estimado, c.data_encerramento_proposta
    FROM search_matches m
    JOIN saved_searches s ON s.id = m.search_id
    JOIN pncp_compras c ON c.id = m.compra_id
"""
_PENDING = text(_MATCHES + """
    WHERE m.notified_at IS NULL AND m.matched_at >= :since AND s.alert AND s.active
    ORDER BY m.search_id, m.matched_at
    LIMIT 5000
""")


def public_link(numero_controle: str) -> str:
    try:
        return CompraRef.parse(numero_controle).public_url
    except ValueError:
        return PUBLIC_URL.format(cnpj="", ano="", seq="")


def match_summary(row: Any) -> dict[str, Any]:
    hits = row.explanation or []
    return {"numero_controle": row.numero_controle, "objeto": (row.objeto or "")[:300],
            "orgao": row.orgao_razao_social, "uf": row.uf, "municipio": row.municipio_nome,
            "valor_total_estimado": None if row.valor_total_estimado is None else str(row.valor_total_estimado),
            "data_encerramento_proposta": row.data_encerramento_proposta.isoformat()
            if row.data_encerramento_proposta else None,
            "link": public_link(row.numero_controle), "why": [h.get("text") for h in hits[:3] if isinstance(h, dict)]}


def publish_pending_matches(now: datetime | None = None) -> int:
    """One event per saved search with its new matches; returns how many events went out."""
    if not get_settings().notifications_queue_url:
        return 0

    now = now or datetime.now(UTC)
    with system_transaction() as db:
        rows = db.execute(_PENDING, {"since": now - PENDING_WINDOW}).all()
        listed: dict[Any, int] = defaultdict(int)
        missing = []
        for row in rows:
            listed[row.search_id] += 1
            if listed[row.search_id] <= MAX_LISTED and not row.explanation:
                missing.append(row.id)
        if missing:  # an alert always says why (bulk re-matching may have left them for later)

            explain_matches(db, missing)
            rows = db.execute(_PENDING, {"since": now - PENDING_WINDOW}).all()
    by_search: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in rows:
        by_search[row.search_id].append(row)
    sent = 0
    for search_id, matches in by_search.items():
        first = matches[0]
        payload: dict[str, Any] = {
            "search_id": str(search_id), "search_name": first.search_name, "count": len(matches),
            "degraded": any(m.degraded for m in matches), "matches": [match_summary(m) for m in matches[:MAX_LISTED]],
            "dedup_key": f"discovery.match:{dedup_of([m.id for m in matches])}", "link": "/discovery/matches",
        }
        if first.owner_user_id is not None:
            payload["recipient_ids"] = [str(first.owner_user_id)]
        try:
            publish("discovery.match", str(first.company_id), payload)
        except Exception:
            log.warning("match alert for search %s not published (retried next cycle)", search_id, exc_info=True)
            continue
        with system_transaction() as db:
            db.execute(text("UPDATE search_matches SET notified_at = now() WHERE id = ANY(CAST(:ids AS uuid[]))"),
                       {"ids": [str(m.id) for m in matches]})
        sent += 1
    return sent


def publish_tender_changes(company_id: uuid.UUID, tender: dict[str, Any], changes: Sequence[rules.Change], *,
                           degraded: bool) -> None:
    """The change alert (every watching user of the company) and, for new dates, the domain event."""
    if not get_settings().notifications_queue_url:
        return
    payload = {**tender, "degraded": degraded, "changes": [{"kind": c.kind, "field": c.field, "message": c.message}
                                                           for c in changes],
               "dedup_key": f"discovery.change:{tender['tender_id']}:{dedup_of([c.dedup for c in changes])}"}
    publish_quietly("discovery.tender_changed", str(company_id), payload)
    dates = {c.field: c.after for c in changes if c.kind == "dates"}
    if dates:
        publish_quietly("tender.dates_changed", str(company_id), {
            "tender_id": tender["tender_id"], "title": tender.get("title"), "dates": dates,
            "dedup_key": f"tender.dates_changed:{tender['tender_id']}:{dedup_of(list(map(str, dates.values())))}"})


_DIGEST = text(_MATCHES + """
    WHERE m.matched_at >= :since AND m.matched_at < :until AND s.active
    ORDER BY m.company_id, m.matched_at DESC
""")


def send_digest(now: datetime | None = None) -> int:
    """07:00 Brasília: each user with ``discovery:read`` gets the last 24 h of matches they may see."""
    if not get_settings().notifications_queue_url:
        return 0

    now = now or datetime.now(UTC)
    day = now.astimezone(BRT).date().isoformat()
    with system_transaction() as db:
        rows = db.execute(_DIGEST, {"since": now - timedelta(hours=24), "until": now}).all()
    by_company: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in rows:
        by_company[row.company_id].append(row)
    sent = 0
    for company_id, matches in by_company.items():
        for user in load_users(str(company_id)):
            if not user.can("discovery:read"):
                continue
            mine = [m for m in matches if m.owner_user_id is None or str(m.owner_user_id) == user.user_id]
            if not mine:
                continue
            payload = {"target_user_id": user.user_id, "date": day, "count": len(mine),
                       "matches": [{**match_summary(m), "search_name": m.search_name} for m in mine[:30]],
                       "degraded": any(m.degraded for m in mine), "dedup_key": f"discovery.digest:{user.user_id}:{day}",
                       "link": "/discovery/matches"}
            if publish_quietly("discovery.digest", str(company_id), payload):
                sent += 1
    return sent
