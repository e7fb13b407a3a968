"""Bearer-token verification for the authorizer, the WebSocket $connect and the API's fallback path.

Kept apart from the login/refresh service so the hot, cold-start-sensitive callers load as little as
possible: a JWT check, a Redis 'alive' mark read with the standard-library RESP client (platform/resp.py),
and only on a cache miss one query for the session, through ``platform.db.light`` (the standard-library
``pgwire`` client in a system-scoped transaction; no SQLAlchemy, no ORM models, no psycopg: importing them
cost the authorizer ~400 ms of cold start).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from licita.core.config import get_settings
from licita.core.errors import Unauthorized
from licita.core.security.principal import Principal
from licita.core.security.tokens import bearer_token, decode_access_token
from licita.platform.clients import get_resp
from licita.platform.db import light

ACTIVITY_WRITE_INTERVAL = timedelta(seconds=60)
ACTIVE = "ACTIVE"  # accounts.models.Status.ACTIVE, without importing the models

_SESSION = ("SELECT s.revoked_at, s.expires_at, s.last_activity_at, u.status, c.status FROM user_sessions s"
            " JOIN users u ON u.id = s.user_id JOIN companies c ON c.id = s.company_id WHERE s.id = %s")
_TOUCH = "UPDATE user_sessions SET last_activity_at = %s WHERE id = %s AND last_activity_at < %s"


def session_cache_key(session_id: str) -> str:
    """The authorizer's short-lived 'alive' mark (the same key as ``accounts.sessions.session_cache_key``)."""
    return f"sess:{session_id}"


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

    redis = get_resp()  # stdlib RESP client: redis-py's import is most of a cold start (see platform/resp.py)
    cache_key = session_cache_key(sid)
    if not redis.execute("EXISTS", cache_key):
        _confirm_session(sid)
        redis.execute("SET", cache_key, "1", "EX", get_settings().session_cache_seconds)
    return Principal(
        user_id=str(claims["sub"]), company_id=str(claims["cid"]), role=str(claims["role"]),
        session_id=sid, permissions=frozenset(claims.get("perms") or ()),
        plan=str(claims.get("plan") or "basic"), must_change_password=bool(claims.get("mcp")),
    )


def _confirm_session(sid: str) -> None:
    try:
        session_id = uuid.UUID(sid)
    except ValueError:
        raise Unauthorized("Token inválido.", code="token_invalid") from None
    light.run_system(lambda cur: _check_session(cur, session_id))


def _check_session(cur: Any, session_id: uuid.UUID) -> None:
    now = _now()
    row = cur.execute(_SESSION, (session_id,)).fetchone()
    if row is None:
        raise Unauthorized("Sessão inexistente.", code="session_revoked")
    revoked_at, expires_at, last_activity_at, user_status, company_status = row
    check_alive(revoked_at, expires_at, last_activity_at, now)
    if user_status != ACTIVE or company_status != ACTIVE:
        raise Unauthorized("Conta ou empresa inativa.", code="account_inactive")
    if last_activity_at < now - ACTIVITY_WRITE_INTERVAL:
        cur.execute(_TOUCH, (now, session_id, now - ACTIVITY_WRITE_INTERVAL))


def authenticate_bearer(authorization: str | None) -> Principal:
    return authorize(bearer_token(authorization))
