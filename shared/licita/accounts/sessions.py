"""Ending sessions: every revocation path (logout, reuse, role or password change, suspension, expiry)
goes through here, so the authorizer cache, the open sockets and the owner's notice follow at once."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from licita.accounts.models import UserSession
from licita.core.config import get_settings
from licita.platform.clients import get_redis
from licita.platform.db.engine import system_transaction
from licita.platform.queues import publish
from licita.realtime.service import on_session_revoked

log = logging.getLogger("licita.sessions")


def _now() -> datetime:
    return datetime.now(UTC)


def session_cache_key(session_id: str) -> str:
    """The authorizer's short-lived 'alive' mark for a session."""
    return f"sess:{session_id}"


def forget_session(session_id: str | uuid.UUID) -> None:
    """Make a revocation bite on the next request: drop the cached mark, close the session's sockets and,
    when it was ended from elsewhere (not a logout or an expiry), tell its owner. Best effort after the
    first step: a socket or queue problem never fails a logout."""
    sid = str(session_id)
    get_redis().delete(session_cache_key(sid))
    on_session_revoked(sid)
    try:
        announce_revocation(sid)
    except Exception:
        log.warning("could not publish session.revoked for %s", sid, exc_info=True)


def revoke_user_sessions(db: Session, user_ids: list[uuid.UUID] | None, company_id: uuid.UUID | None,
                          reason: str, keep: str | None = None) -> list[uuid.UUID]:
    stmt = update(UserSession).where(UserSession.revoked_at.is_(None))
    if user_ids is not None:
        stmt = stmt.where(UserSession.user_id.in_(user_ids))
    if company_id is not None:
        stmt = stmt.where(UserSession.company_id == company_id)
    if keep:
        stmt = stmt.where(UserSession.id != uuid.UUID(keep))
    revoked = list(db.execute(stmt.values(revoked_at=_now(), revoke_reason=reason)
                              .returning(UserSession.id)).scalars())
    return revoked


def after_revocation(session_ids: list[uuid.UUID]) -> None:
    """Make revocations bite now: drop authorizer cache entries (which also closes the sessions' sockets)."""
    for sid in session_ids:
        forget_session(sid)


ANNOUNCED_REASONS = frozenset({"revoked", "refresh_reuse", "password_changed", "password_reset", "role_changed",
                               "session_cap", "company_suspended", "user_deactivated", "permissions_changed"})


def announce_revocation(session_id: str) -> None:
    """Tell the owner through the notification pipeline when their session was ended from elsewhere."""
    if not get_settings().notifications_queue_url:
        return

    with system_transaction() as db:
        session = db.get(UserSession, uuid.UUID(session_id))
        if session is None or session.revoked_at is None or session.revoke_reason not in ANNOUNCED_REASONS:
            return
        user_id, company_id, reason = str(session.user_id), str(session.company_id), session.revoke_reason
        at = session.revoked_at.isoformat()
    publish("session.revoked", company_id, {"session_id": session_id, "reason": reason, "revoked_at": at,
                                            "target_user_id": user_id, "dedup_key": f"session-revoked:{session_id}"},
            user_id=user_id)
