"""Field-by-field scoring exactly as design/EXTRACTION.md defines it.

- strings: equal after folding case, accents and whitespace (numbers such as "042/2025" are
  compared as written: "42/2025" is wrong);
- ``object``: token overlap >= 0.5, measured as the Dice coefficient of the two token sets
  (words of >= 2 characters after folding, Portuguese stop-words removed), so that neither a
  very short nor a padded answer can pass on recall alone;
- ``session_datetime``: same instant (naive values are read as Brasília time, -03:00);
- ``estimated_value``: within R$ 0.01; ``items_count``: exact; booleans: equal;
- null in the truth and null in the output is correct.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta, timezone
from typing import Any

from licita.extraction.models import FIELD_NAMES

OBJECT_OVERLAP_THRESHOLD = 0.5
_BRT = timezone(timedelta(hours=-3))
_STOPWORDS = frozenset(
    """a o as os de da do das dos e em no na nos nas para por pelo pela pelos pelas com sem ao aos um uma
    que se ou sua seu suas seus etc""".split()  # noqa: SIM905 - a word list reads better as text
)


def normalize_text(value: object) -> str:
    """Fold case, accents and whitespace."""
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def tokens(value: object) -> set[str]:
    return {t for t in re.findall(r"[a-z0-9]+", normalize_text(value)) if len(t) >= 2 and t not in _STOPWORDS}


def token_overlap(a: object, b: object) -> float:
    """Dice coefficient of the token sets (0..1)."""
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return 0.0
    return 2 * len(ta & tb) / (len(ta) + len(tb))


def _instant(value: object) -> datetime | date | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=_BRT)
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_BRT)


def same_instant(a: object, b: object) -> bool:
    ia, ib = _instant(a), _instant(b)
    if ia is None or ib is None:
        return False
    if isinstance(ia, datetime) and isinstance(ib, datetime):
        return ia == ib
    if isinstance(ia, datetime) or isinstance(ib, datetime):
        return False
    return ia == ib


def money_equal(a: object, b: object) -> bool:
    try:
        return abs(float(a) - float(b)) <= 0.01 + 1e-9  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def field_correct(name: str, result: object, truth: object) -> bool:
    if truth is None or result is None:
        return truth is None and result is None
    if name == "object":
        return token_overlap(result, truth) >= OBJECT_OVERLAP_THRESHOLD
    if name == "session_datetime":
        return same_instant(result, truth)
    if name == "estimated_value":
        return money_equal(result, truth)
    if name == "items_count":
        try:
            return float(str(result)) == float(str(truth))
        except (TypeError, ValueError):
            return False
    if isinstance(truth, bool) or isinstance(result, bool):
        return isinstance(result, bool) and isinstance(truth, bool) and result == truth
    return normalize_text(result) == normalize_text(truth)


def _value(fields: Mapping[str, Any], name: str) -> object:
    entry = fields.get(name)
    if isinstance(entry, Mapping):
        return entry.get("value")
    return entry


def score(result: Mapping[str, Any], truth: Mapping[str, Any]) -> dict[str, bool]:
    """Per-field correctness of an EXTRACTION.md result dict against a truth dict."""
    r_fields = result.get("fields", {})
    t_fields = truth.get("fields", {})
    return {name: field_correct(name, _value(r_fields, name), _value(t_fields, name)) for name in FIELD_NAMES}


def accuracy(scores: Iterable[Mapping[str, bool]]) -> float:
    values = [ok for s in scores for ok in s.values()]
    return sum(values) / len(values) if values else 0.0


def empty_result() -> dict[str, Any]:
    """The "empty extractor" baseline: every field null."""
    return {"fields": {name: {"value": None} for name in FIELD_NAMES}}
