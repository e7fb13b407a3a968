"""Pure calendar rules: RFC 5545 recurrence (python-dateutil) evaluated in Brasília wall time, occurrence
windows, reminder due times, feed tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from licita.core.security.tokens import new_secret
from licita.core.time import BRT_ZONE_NAME

MAX_OCCURRENCES = 1000
_FORBIDDEN_FREQ = ("SECONDLY", "MINUTELY")


@cache
def zone() -> ZoneInfo:
    return ZoneInfo(BRT_ZONE_NAME)


def check_rrule(value: str, start: datetime) -> str:
    """A valid RRULE value (without the ``RRULE:`` prefix) or ValueError with the reason in Portuguese."""
    from dateutil.rrule import rrulestr  # noqa: PLC0415  (heavy: dateutil.rrule, only for recurring events)

    text = value.strip().removeprefix("RRULE:")
    if not text or "\n" in text or len(text) > 500:
        raise ValueError("regra de recorrência vazia ou longa demais")
    upper = text.upper()
    if any(f"FREQ={f}" in upper for f in _FORBIDDEN_FREQ):
        raise ValueError("frequência mínima é diária ou horária")
    try:
        rrulestr(text, dtstart=start.astimezone(zone()))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"regra de recorrência inválida (RFC 5545): {exc}") from None
    return text


def occurrences(start: datetime, end: datetime, rrule: str | None, exdates: list[Any], window_start: datetime,
                window_end: datetime, limit: int = MAX_OCCURRENCES) -> list[tuple[datetime, datetime]]:
    """(start, end) of each occurrence overlapping the window. Recurrence runs in São Paulo wall time, so
    "every Monday at 09:00" stays 09:00 locally whatever the offset."""
    duration = end - start
    if not rrule:
        return [(start.astimezone(zone()), end.astimezone(zone()))] if start < window_end and end > window_start else []
    from dateutil.rrule import rrulestr  # noqa: PLC0415  (heavy: dateutil.rrule, only for recurring events)

    local_start = start.astimezone(zone())
    rule = rrulestr(rrule, dtstart=local_start)
    skipped = {_parse(x) for x in exdates}
    out: list[tuple[datetime, datetime]] = []
    for occurrence in rule.xafter(window_start - duration, count=limit * 2, inc=True):
        if occurrence >= window_end or len(out) >= limit:
            break
        if occurrence in skipped or occurrence + duration <= window_start:
            continue
        out.append((occurrence, occurrence + duration))
    return out


def _parse(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def reminders_due(occurrence_start: datetime, minutes: list[int], now: datetime,
                  lookback: timedelta = timedelta(minutes=15)) -> list[int]:
    """Which reminder offsets fall due in (now - lookback, now] for one occurrence (a late run still sends)."""
    due = []
    for m in minutes:
        at = occurrence_start - timedelta(minutes=m)
        if now - lookback < at <= now and occurrence_start > now - lookback:
            due.append(m)
    return due


def new_feed_token() -> tuple[str, str]:
    """(token for the URL, its hash for storage): 256 random bits; only the hash is kept."""
    return new_secret(32)
