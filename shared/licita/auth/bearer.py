"""Bearer-token verification for the authorizer, the WebSocket $connect and the API's fallback path.

Kept apart from the login/refresh service so the hot, cold-start-sensitive callers load as little as
possible: a JWT check, a Redis 'alive' mark, and only on a cache miss one query for the session.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from licita.accounts.sessions import session_cache_key
from licita.core.config import get_settings
from licita.core.errors import Unauthorized
from licita.core.security.principal import Principal
from licita.core.security.tokens import bearer_token, decode_access_token

ACTIVITY_WRITE_INTERVAL = timedelta(seconds=60)


def _now() -> datetime:
    return datetime.now(UTC)


def check_alive(revoked_at: datetime | None, expires_at: datetime, last_activity_at: datetime, now: datetime) -> None:
    """Why a session can no longer be used, as the error the client sees."""
    if revoked_at is not None:
        raise Unauthorized("Sessão encerrada.", code="session_revoked")
    if expires_at <= now:
        raise Unauthorized("Sessão expirada.", code="session_expired")
    if last_activity_at <= now - timedelta(minutes=get_settings().session_idle_timeout_minutes):
        raise Unauthorized("Sessão expirada por inatividade.", code="session_idle")


def authorize(token: str) -> Principal:
    """Verify an access token AND that its session, user and company are still active."""
    claims = decode_access_token(token)
    sid = str(claims["sid"])
    from licita.platform.clients import get_redis

    redis = get_redis()
    cache_key = session_cache_key(sid)
    if not redis.exists(cache_key):
        _confirm_session(sid)
        redis.set(cache_key, "1", ex=get_settings().session_cache_seconds)
    return Principal(
        user_id=str(claims["sub"]), company_id=str(claims["cid"]), role=str(claims["role"]),
        session_id=sid, permissions=frozenset(claims.get("perms") or ()),
        plan=str(claims.get("plan") or "basic"), must_change_password=bool(claims.get("mcp")),
    )


def _confirm_session(sid: str) -> None:
    now = _now()
    try:
        session_id = uuid.UUID(sid)
    except ValueError:
        raise Unauthorized("Token inválido.", code="token_invalid") from None
    from sqlalchemy import select

    from licita.accounts.models import Company, Status, User, UserSession
    from licita.platform.db.engine import system_transaction

    with system_transaction() as db:
        row = db.execute(
            select(UserSession, User.status, Company.status)
            .join(User, User.id == UserSession.user_id)
            .join(Company, Company.id == UserSession.company_id)
            .where(UserSession.id == session_id)
        ).one_or_none()
        if row is None:
            raise Unauthorized("Sessão inexistente.", code="session_revoked")
        session, user_status, company_status = row
        check_alive(session.revoked_at, session.expires_at, session.last_activity_at, now)
        if user_status != Status.ACTIVE or company_status != Status.ACTIVE:
            raise Unauthorized("Conta ou empresa inativa.", code="account_inactive")
        if session.last_activity_at < now - ACTIVITY_WRITE_INTERVAL:
            session.last_activity_at = now


def authenticate_bearer(authorization: str | None) -> Principal:
    return authorize(bearer_token(authorization))


