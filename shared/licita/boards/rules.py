"""Pure kanban rules: board templates, rank strings, mention parsing, optimistic versions.

Ranks are strings over ``0-9a-z`` compared byte-wise (the column uses the "C" collation). A card placed
between two neighbours gets a rank strictly between theirs, so a move writes one row and never renumbers
the list. A random pick inside the gap (not the exact midpoint) makes two people dropping a card into the
same gap at the same moment get different ranks; ties that still happen are ordered by id and the rare
gap that runs out is rebalanced (:func:`spread`).
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from licita.core.errors import Conflict

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
BASE = len(ALPHABET)
MAX_RANK_LENGTH = 48  # beyond this a list is rebalanced (column holds 64)
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_RANK = re.compile(r"^[0-9a-z]{1,64}$")


@dataclass(frozen=True)
class Stage:
    key: str
    name: str


TEMPLATES: dict[str, tuple[Stage, ...]] = {
    "bid_pipeline": (
        Stage("triagem", "Triagem"), Stage("em_analise", "Em análise"), Stage("cotacao", "Cotação"),
        Stage("proposta_enviada", "Proposta enviada"), Stage("sessao", "Sessão"), Stage("ganha", "Ganha"),
        Stage("perdida", "Perdida"), Stage("desistencia", "Desistência"),
    ),
    "simple": (Stage("a_fazer", "A fazer"), Stage("fazendo", "Fazendo"), Stage("feito", "Feito")),
    "blank": (),
}
TEMPLATE_NAMES = {"bid_pipeline": "Funil de licitações", "simple": "Tarefas simples", "blank": "Quadro em branco"}
INTAKE_STAGE = "triagem"  # where READY tenders land on a bid pipeline board


def valid_rank(rank: str) -> bool:
    return bool(_RANK.match(rank)) and not rank.endswith("0")


def rank_between(lo: str | None, hi: str | None, rnd: random.Random | None = None) -> str:
    """A rank strictly between ``lo`` and ``hi`` (None = open end). Never ends in ``0``, so there is
    always room before any rank. Raises ValueError when ``lo >= hi`` (the caller rebalances)."""
    pick = rnd or random
    low = lo or ""
    if hi is not None and low >= hi:
        raise ValueError("no rank between equal or inverted bounds")
    out: list[str] = []
    i = 0
    upper: str | None = hi
    while True:
        a = _INDEX[low[i]] if i < len(low) else 0
        b = _INDEX[upper[i]] if upper is not None and i < len(upper) else BASE
        if a == b:
            out.append(ALPHABET[a])
            i += 1
            continue
        if b - a > 1:
            span = b - a - 1
            if lo is None and upper is not None:  # prepending: small steps down from hi, slow growth
                digit = max(a + 1, b - pick.randint(1, 3))
            elif hi is None:  # appending: small steps up, slow growth
                digit = min(b - 1, a + pick.randint(1, 3))
            else:  # near the middle (balanced growth), not exactly on it (concurrent drops differ)
                middle = a + 1 + span // 2
                jitter = max(1, span // 4)
                digit = min(b - 1, max(a + 1, middle + pick.randint(-jitter, jitter) if span > 2 else middle))
            out.append(ALPHABET[digit])
            if (hi is not None and lo is not None) or span < 4:  # a random tail keeps concurrent drops apart
                out.append(ALPHABET[pick.randint(1, BASE - 1)])
            return "".join(out)
        out.append(ALPHABET[a])  # b == a + 1: keep lo's digit, anything above lo's rest will do
        i += 1
        upper = None


def spread(count: int) -> list[str]:
    """``count`` evenly spaced ranks (templates, rebalancing): short strings with room around each."""
    if count <= 0:
        return []
    width = 1
    while BASE ** width <= count * 4:
        width += 1
    step = BASE ** width // (count + 1)
    ranks = []
    for n in range(1, count + 1):
        value, digits = n * step, []
        for _ in range(width):
            value, d = divmod(value, BASE)
            digits.append(ALPHABET[d])
        rank = "".join(reversed(digits)).rstrip("0") or ALPHABET[1]
        ranks.append(rank)
    return ranks


def place(ordered: Sequence[tuple[str, str]], before_id: str | None, after_id: str | None,
          moving_id: str | None = None) -> tuple[str | None, str | None]:
    """Bounds (lo, hi) for an item dropped right after ``after_id`` or right before ``before_id`` in
    ``ordered`` [(id, rank)] (the moving item itself excluded); neither given means the end of the list."""
    items = [(i, r) for i, r in ordered if i != moving_id]
    ids = [i for i, _ in items]
    if after_id is not None:
        if after_id not in ids:
            raise Conflict("O item de referência não está mais nesta lista; recarregue.", code="stale_position")
        k = ids.index(after_id)
        return items[k][1], items[k + 1][1] if k + 1 < len(items) else None
    if before_id is not None:
        if before_id not in ids:
            raise Conflict("O item de referência não está mais nesta lista; recarregue.", code="stale_position")
        k = ids.index(before_id)
        return items[k - 1][1] if k > 0 else None, items[k][1]
    return (items[-1][1] if items else None), None


def check_version(current: int, sent: int, what: str = "item") -> None:
    """Optimistic concurrency: an edit based on an older version is refused (409), never merged silently."""
    if current != sent:
        raise Conflict(f"Este {what} foi alterado por outra pessoa; recarregue e tente de novo.",
                       code="version_conflict", details={"current_version": current, "sent_version": sent})


_MENTION = re.compile(r"@\[[^\]\n]{1,80}\]\(([0-9a-fA-F-]{36})\)|(?<![\w@])@([0-9a-fA-F-]{36})\b")


def parse_mentions(text: str) -> list[str]:
    """User ids mentioned as ``@[Nome](uuid)`` (what the SPA inserts) or a bare ``@uuid``, in order, once."""
    found: list[str] = []
    for match in _MENTION.finditer(text):
        raw = match.group(1) or match.group(2)
        try:
            value = str(uuid.UUID(raw))
        except ValueError:
            continue
        if value not in found:
            found.append(value)
    return found


def sort_key(item_id: object, rank: str) -> tuple[str, str]:
    return rank, str(item_id)


def ids(values: Iterable[object]) -> list[str]:
    return [str(v) for v in values]
