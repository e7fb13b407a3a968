"""Time for a Brazilian product: one Brasília timezone and one clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

# Brasília time. Brazil has had no daylight saving since 2019, so a fixed offset is exact for current
# dates and avoids tzdata on Lambda; ICS feeds name America/Sao_Paulo explicitly.
BRT = timezone(timedelta(hours=-3), "BRT")
BRT_ZONE_NAME = "America/Sao_Paulo"


def utcnow() -> datetime:
    return datetime.now(UTC)


def format_brt(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A timestamp as Brazilians read it (dd/mm/aaaa, Brasília time); empty when unknown."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BRT).strftime(fmt)
