"""LIKE patterns, for SQLAlchemy lists (``listing``) and plain ones (``light``) alike."""

from __future__ import annotations


def like_pattern(text: str) -> str:
    """A ``%text%`` pattern in which the user's LIKE metacharacters match themselves (ESCAPE '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
