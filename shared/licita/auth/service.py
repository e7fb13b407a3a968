"""Sessions and tokens: login, refresh rotation with reuse detection, revocation, expiry.

A session is one refresh-token family. Access tokens are short-lived JWTs naming the session; the
authorizer confirms the session is still alive (short Redis cache), so a revocation takes effect within
``SESSION_CACHE_SECONDS`` everywhere, immediately where the cache entry is dropped.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from licita.accounts.models import Company, RefreshToken, Status, User, UserSession
from licita.accounts.sessions import forget_session
from licita.audit.service import Actor, record, valid_ip
from licita.auth.bearer import check_alive
from licita.auth.schemas import SessionList, SessionOut, TokenPair
from licita.core.config import get_settings
from licita.core.errors import Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized
from licita.core.security.passwords import hash_password, needs_rehash, verify_password
from licita.core.security.permissions import grantable_to
from licita.core.security.principal import Principal
from licita.core.security.tokens import (
    hash_refresh_token,
    issue_access_token,
    new_refresh_token,
)
from licita.platform import ratelimit
from licita.platform.db.engine import system_transaction


def _now() -> datetime:
    return datetime.now(UTC)


def _session_alive_clause(now: datetime) -> Any:
    idle = timedelta(minutes=get_settings().session_idle_timeout_minutes)
    return (
        UserSession.revoked_at.is_(None)
        & (UserSession.expires_at > now)
        & (UserSession.last_activity_at > now - idle)
    )


# ----------------------------------------------------------------------------------------- login
def login(email: str, password: str, actor: Actor) -> TokenPair:
    settings = get_settings()
    email = email.strip().lower()
    window = settings.login_window_seconds
    ip_key, account_key = f"login:ip:{actor.ip}", f"login:acct:{email}"

    by_ip = ratelimit.hit(ip_key, settings.login_max_per_ip, window)
    if not by_ip.allowed:
        raise TooManyRequests("Muitas tentativas de login deste endereço. Aguarde.", retry_after=by_ip.retry_after,
                              details={"scope": "ip"})
    if ratelimit.peek(account_key, window) >= settings.login_max_per_account:
        decision = ratelimit.hit(account_key, settings.login_max_per_account, window)
        raise TooManyRequests("Muitas tentativas de login para esta conta. Aguarde.",
                              retry_after=decision.retry_after, details={"scope": "account"})

    with system_transaction() as db:
        user = db.scalar(select(User).where(User.email == email))
        # always one bcrypt verification (a dummy hash for unknown users): timing reveals no account
        password_ok = verify_password(password, user.password_hash if user is not None else None)
        if user is None or not password_ok:
            ratelimit.hit(account_key, settings.login_max_per_account, window)
            raise Unauthorized("E-mail ou senha inválidos.", code="invalid_credentials")
        company = db.scalar(select(Company).where(Company.id == user.company_id).with_for_update())
        assert company is not None
        if user.status != Status.ACTIVE:
            raise Forbidden("Usuário inativo ou suspenso.", code="user_inactive")
        if company.status != Status.ACTIVE:
            raise Forbidden("Empresa suspensa ou inativa.", code="company_inactive")

        now = _now()
        capped = _enforce_session_cap(db, company, now, actor)
        session = UserSession(
            id=uuid.uuid4(), user_id=user.id, company_id=company.id, ip_address=valid_ip(actor.ip),
            user_agent=actor.user_agent, created_at=now, last_activity_at=now,
            expires_at=now + timedelta(hours=settings.session_absolute_hours),
        )
        db.add(session)
        db.flush()  # the session row must exist before its refresh token references it
        user.last_login_at = now
        if needs_rehash(user.password_hash):  # older scheme (72-byte bcrypt) or another cost: upgrade now
            user.password_hash = hash_password(password)
        pair = _issue_tokens(db, user, session, company)
        record(db, Actor(str(user.id), str(company.id), actor.ip, actor.user_agent, actor.request_id),
               "auth.login", "user_session", session.id, company_id=company.id)
    ratelimit.reset(account_key, window)
    for sid in capped:  # the oldest sessions stop at the authorizer now, and their sockets close
        forget_session(sid)
    return pair


def _enforce_session_cap(db: Session, company: Company, now: datetime, actor: Actor) -> list[uuid.UUID]:
    settings = get_settings()
    cap = company.max_concurrent_sessions or settings.max_concurrent_sessions
    active = list(db.scalars(
        select(UserSession).where(UserSession.company_id == company.id, _session_alive_clause(now))
        .order_by(UserSession.created_at)
    ))
    excess = len(active) - cap + 1
    if excess <= 0:
        return []
    if settings.session_cap_policy == "deny":
        raise Conflict("Limite de sessões simultâneas da empresa atingido.", code="session_limit_reached",
                       details={"limit": cap})
    for old in active[:excess]:
        _revoke(db, old, "session_cap", now)
        record(db, actor, "auth.session_revoked", "user_session", old.id, company_id=company.id,
               after={"reason": "session_cap"})
    return [old.id for old in active[:excess]]


def _issue_tokens(db: Session, user: User, session: UserSession, company: Company) -> TokenPair:
    settings = get_settings()
    refresh, refresh_hash = new_refresh_token()
    db.add(RefreshToken(token_hash=refresh_hash, session_id=session.id, company_id=session.company_id))
    # only known permissions, and platform ones only inside the platform company, ever reach a token
    permissions = grantable_to(user.permissions or [], platform_company=bool(company.is_platform))
    access, _exp = issue_access_token(
        user_id=str(user.id), company_id=str(user.company_id), role=user.role,
        session_id=str(session.id), permissions=permissions, plan=company.plan,
        must_change_password=user.must_change_password,
    )
    return TokenPair(
        access_token=access, expires_in=settings.access_token_ttl_seconds, refresh_token=refresh,
        refresh_expires_at=session.expires_at, session_id=session.id,
        must_change_password=user.must_change_password,
    )


# --------------------------------------------------------------------------------------- refresh
GRACE_REISSUES = 3  # concurrent refreshes a client may fire with one token (tabs, retries)


def refresh(refresh_token: str, actor: Actor) -> TokenPair:
    """Rotate: the presented token is spent and a new pair issued in the same session (family).

    A spent token presented again within ``REFRESH_GRACE_SECONDS`` of its rotation (two tabs refreshing
    at once, a retry after a lost response) gets a fresh pair of the same family, at most
    ``GRACE_REISSUES`` times. After the window it is a theft signal and the whole family is revoked.
    Concurrent calls serialise on the token row's lock, so exactly one rotates and the others see it spent.
    """
    now = _now()
    reused_session: uuid.UUID | None = None
    with system_transaction() as db:
        row = db.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == hash_refresh_token(refresh_token))
            .with_for_update()
        )
        if row is None:
            raise Unauthorized("Refresh token inválido.", code="refresh_invalid")
        session = db.get(UserSession, row.session_id, with_for_update=True)
        assert session is not None
        if row.used_at is not None and not _in_grace(row, session, now):
            # A rotated token came back: someone holds a stolen copy. Kill the whole family.
            if session.revoked_at is None:
                _revoke(db, session, "refresh_reuse", now)
                record(db, actor, "auth.refresh_reuse_detected", "user_session", session.id,
                       company_id=session.company_id)
            reused_session = session.id
        else:
            _check_alive(session, now)
            user = db.get(User, session.user_id)
            company = db.get(Company, session.company_id)
            assert user is not None and company is not None
            if user.status != Status.ACTIVE or company.status != Status.ACTIVE:
                _revoke(db, session, "account_inactive", now)
                reused_session = session.id
            else:
                if row.used_at is None:
                    row.used_at = now
                else:
                    row.grace_reissues = (row.grace_reissues or 0) + 1
                session.last_activity_at = now
                return _issue_tokens(db, user, session, company)
    forget_session(reused_session)
    raise Unauthorized("Sessão encerrada: refresh token reutilizado ou conta inativa.", code="session_revoked")


def _in_grace(row: RefreshToken, session: UserSession, now: datetime) -> bool:
    grace = timedelta(seconds=get_settings().refresh_grace_seconds)
    return (row.used_at is not None and session.revoked_at is None and now - row.used_at <= grace
            and (row.grace_reissues or 0) < GRACE_REISSUES)


def _check_alive(session: UserSession, now: datetime) -> None:
    check_alive(session.revoked_at, session.expires_at, session.last_activity_at, now)


def _revoke(db: Session, session: UserSession, reason: str, now: datetime) -> None:
    session.revoked_at = now
    session.revoke_reason = reason


# ------------------------------------------------------------------------------ logout / sessions
def logout(principal: Principal, actor: Actor) -> None:
    revoke_session(principal, principal.session_id, actor, reason="logout")


def revoke_session(principal: Principal, session_id: str, actor: Actor, *, reason: str = "revoked") -> None:
    try:
        sid = uuid.UUID(session_id)
    except ValueError:
        raise NotFound("Sessão não encontrada.") from None
    with system_transaction() as db:
        session = db.get(UserSession, sid, with_for_update=True)
        visible = session is not None and (
            str(session.user_id) == principal.user_id
            or (str(session.company_id) == principal.company_id and principal.can("users:write"))
        )
        if session is None or not visible:
            raise NotFound("Sessão não encontrada.")
        if session.revoked_at is None:
            _revoke(db, session, reason, _now())
            record(db, actor, f"auth.{reason}", "user_session", session.id, company_id=session.company_id)
    forget_session(sid)


def list_sessions(principal: Principal) -> SessionList:
    now = _now()
    with system_transaction() as db:
        rows = db.scalars(
            select(UserSession).where(UserSession.user_id == uuid.UUID(principal.user_id),
                                      _session_alive_clause(now))
            .order_by(UserSession.created_at.desc())
        )
        return SessionList(items=[
            SessionOut(id=s.id, user_id=s.user_id, ip_address=None if s.ip_address is None else str(s.ip_address),
                       user_agent=s.user_agent, created_at=s.created_at, last_activity_at=s.last_activity_at,
                       expires_at=s.expires_at, current=str(s.id) == principal.session_id)
            for s in rows
        ])


# ------------------------------------------------------------------------------------ authorizer
# ----------------------------------------------------------------------------------- maintenance
def expire_sessions(now: datetime | None = None) -> dict[str, int]:
    """Close sessions past their idle timeout or absolute expiry (run by the schedule)."""
    now = now or _now()
    idle = timedelta(minutes=get_settings().session_idle_timeout_minutes)
    with system_transaction() as db:
        expired = db.execute(
            update(UserSession)
            .where(UserSession.revoked_at.is_(None), UserSession.expires_at <= now)
            .values(revoked_at=now, revoke_reason="expired").returning(UserSession.id)
        ).scalars().all()
        idled = db.execute(
            update(UserSession)
            .where(UserSession.revoked_at.is_(None), UserSession.last_activity_at <= now - idle)
            .values(revoked_at=now, revoke_reason="idle_timeout").returning(UserSession.id)
        ).scalars().all()
        active = db.scalar(select(func.count()).select_from(UserSession).where(_session_alive_clause(now)))
    for sid in [*expired, *idled]:
        forget_session(sid)
    return {"expired": len(expired), "idle": len(idled), "active": int(active or 0)}
