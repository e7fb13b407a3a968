"""The SPA's timeline (MongoDB ``activity_history``): when its documents are written.

Kept light (no SQLAlchemy) because every API function wraps each request in ``activity_after_request``:
inside it, the documents of committed transactions are held and written once the handler is over, so the
real-time push that follows a commit does not wait for the timeline write.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from licita.platform.clients import get_mongo

log = logging.getLogger("licita.audit")
_AFTER_REQUEST: ContextVar[list[dict[str, Any]] | None] = ContextVar("licita_activity_after_request", default=None)


@contextmanager
def activity_after_request() -> Iterator[None]:
    """Hold the timeline writes of transactions committed inside, and write them all at the end (also when the
    handler fails after a commit: what was committed is in the timeline)."""
    held: list[dict[str, Any]] = []
    token = _AFTER_REQUEST.set(held)
    try:
        yield
    finally:
        _AFTER_REQUEST.reset(token)
        write_activity(held)


def committed(docs: list[dict[str, Any]]) -> None:
    """A transaction committed these documents: write them now, or at the end of the current request."""
    held = _AFTER_REQUEST.get()
    if held is not None:
        held.extend(docs)
    else:
        write_activity(docs)


def write_activity(docs: list[dict[str, Any]]) -> None:
    if not docs:
        return
    try:
        get_mongo()["activity_history"].insert_many(docs)
    except Exception:  # the timeline is derived data; the audit_log row is already committed
        log.warning("activity_history write failed for %d entries", len(docs), exc_info=True)
