"""Pure conversation rules: thread keys, the edit window, who may see a thread."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from licita.boards.rules import parse_mentions

__all__ = ["EDIT_WINDOW", "direct_key", "parse_mentions", "readable_kinds", "within_edit_window"]

EDIT_WINDOW = timedelta(minutes=15)
KIND_PERMISSION = {"tender": "tenders:read", "card": "boards:read"}


def direct_key(user_ids: Iterable[str]) -> str:
    """One direct thread per pair of people, whoever starts it (sorted ids)."""
    return ",".join(sorted(set(user_ids)))


def within_edit_window(created_at: datetime, now: datetime | None = None, window: timedelta = EDIT_WINDOW) -> bool:
    moment = now or datetime.now(UTC)
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return moment - created_at <= window


def readable_kinds(can: Iterable[str]) -> list[str]:
    """Thread kinds a person may read without being a participant: those of what they can read."""
    held = set(can)
    return [kind for kind, permission in KIND_PERMISSION.items() if permission in held]
