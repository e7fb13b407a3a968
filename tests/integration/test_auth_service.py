"""Auth service against real PostgreSQL and Redis: sessions, rotation, reuse, caps, expiry, limits."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import select, update

from factories import PASSWORD, make_company, make_user
from licita.accounts import sessions
from licita.accounts.models import Company, UserSession
from licita.audit.service import Actor
from licita.auth import bearer
from licita.auth import me as current_user
from licita.auth import service as auth
from licita.core.config import get_settings
from licita.core.errors import Conflict, Forbidden, TooManyRequests, Unauthorized
from licita.platform.db.engine import system_transaction


def actor(ip: str | None = None) -> Actor:
    return Actor(ip=ip or f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7", user_agent="pytest")


def test_login_issues_tokens_that_authorize_and_name_the_session() -> None:
    user = make_user(make_company(), role="MANAGER")
    pair = auth.login(user.email.upper(), PASSWORD, actor())
    principal = bearer.authorize(pair.access_token)
    assert principal.user_id == str(user.id)
    assert principal.session_id == str(pair.session_id)
    assert principal.role == "MANAGER"
    assert current_user.me(principal).email == user.email


@pytest.mark.parametrize("password", ["wrong", ""])
def test_bad_password_is_401_invalid_credentials(password: str) -> None:
    user = make_user(make_company())
    with pytest.raises(Unauthorized) as err:
        auth.login(user.email, password or "x", actor())
    assert err.value.code == "invalid_credentials"


def test_unknown_user_gets_the_same_answer_as_a_wrong_password() -> None:
    with pytest.raises(Unauthorized) as err:
        auth.login("ninguem@nada.com.br", "whatever", actor())
    assert err.value.code == "invalid_credentials"


def test_refresh_rotates_and_reuse_revokes_the_whole_family(monkeypatch: pytest.MonkeyPatch) -> None:
    from licita.core.config import reset_settings

    user = make_user(make_company())
    first = auth.login(user.email, PASSWORD, actor())
    second = auth.refresh(first.refresh_token, actor())
    assert second.refresh_token != first.refresh_token
    assert second.session_id == first.session_id
    bearer.authorize(second.access_token)

    monkeypatch.setenv("REFRESH_GRACE_SECONDS", "0")  # past the concurrent-refresh grace window
    reset_settings()
    with pytest.raises(Unauthorized) as err:
        auth.refresh(first.refresh_token, actor())  # replay of a rotated token
    monkeypatch.delenv("REFRESH_GRACE_SECONDS")
    reset_settings()
    assert err.value.code == "session_revoked"
    # every token of the family is dead now, including the newest ones
    with pytest.raises(Unauthorized):
        auth.refresh(second.refresh_token, actor())
    with pytest.raises(Unauthorized):
        bearer.authorize(second.access_token)


def test_logout_revokes_the_session_immediately() -> None:
    user = make_user(make_company())
    pair = auth.login(user.email, PASSWORD, actor())
    principal = bearer.authorize(pair.access_token)  # now cached as alive in Redis
    auth.logout(principal, actor())
    with pytest.raises(Unauthorized):
        bearer.authorize(pair.access_token)


def test_session_cap_revokes_the_oldest_session_of_the_company() -> None:
    company = make_company(max_concurrent_sessions=2)
    a, b = make_user(company), make_user(company)
    s1 = auth.login(a.email, PASSWORD, actor())
    s2 = auth.login(b.email, PASSWORD, actor())
    s3 = auth.login(a.email, PASSWORD, actor())
    with pytest.raises(Unauthorized):
        bearer.authorize(s1.access_token)
    bearer.authorize(s2.access_token)
    bearer.authorize(s3.access_token)
    with system_transaction() as db:
        reason = db.scalar(select(UserSession.revoke_reason).where(UserSession.id == s1.session_id))
    assert reason == "session_cap"


def test_session_cap_deny_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    denying = dataclasses.replace(get_settings(), session_cap_policy="deny")
    monkeypatch.setattr(auth, "get_settings", lambda: denying)
    company = make_company(max_concurrent_sessions=1)
    user = make_user(company)
    auth.login(user.email, PASSWORD, actor())
    with pytest.raises(Conflict) as err:
        auth.login(user.email, PASSWORD, actor())
    assert err.value.code == "session_limit_reached"


def test_authorizer_rejects_tampered_expired_and_foreign_tokens() -> None:
    user = make_user(make_company())
    pair = auth.login(user.email, PASSWORD, actor())
    header, payload, signature = pair.access_token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    with pytest.raises(Unauthorized) as err:
        bearer.authorize(tampered)
    assert err.value.code == "token_invalid"

    claims = jwt.decode(pair.access_token, options={"verify_signature": False})
    claims["exp"] = int(time.time()) - 5
    expired = jwt.encode(claims, get_settings().jwt_secret, algorithm="HS256")
    with pytest.raises(Unauthorized) as err:
        bearer.authorize(expired)
    assert err.value.code == "token_expired"

    forged = jwt.encode({**claims, "exp": int(time.time()) + 60}, "another-secret-0123456789abcdef0123",
                        algorithm="HS256")
    with pytest.raises(Unauthorized):
        bearer.authorize(forged)


def test_idle_sessions_expire_and_the_schedule_closes_them() -> None:
    user = make_user(make_company())
    pair = auth.login(user.email, PASSWORD, actor())
    idle = timedelta(minutes=get_settings().session_idle_timeout_minutes + 1)
    with system_transaction() as db:
        db.execute(update(UserSession).where(UserSession.id == pair.session_id)
                   .values(last_activity_at=datetime.now(UTC) - idle))
    sessions.forget_session(pair.session_id)
    with pytest.raises(Unauthorized) as err:
        bearer.authorize(pair.access_token)
    assert err.value.code == "session_idle"

    result = auth.expire_sessions()
    assert result["idle"] >= 1
    with system_transaction() as db:
        reason = db.scalar(select(UserSession.revoke_reason).where(UserSession.id == pair.session_id))
    assert reason == "idle_timeout"


def test_suspended_company_cannot_log_in_and_its_sessions_stop_working() -> None:
    company = make_company()
    user = make_user(company)
    pair = auth.login(user.email, PASSWORD, actor())
    with system_transaction() as db:
        db.execute(update(Company).where(Company.id == company.id).values(status="SUSPENDED"))
    sessions.forget_session(pair.session_id)
    with pytest.raises(Unauthorized):
        bearer.authorize(pair.access_token)
    with pytest.raises(Forbidden) as err:
        auth.login(user.email, PASSWORD, actor())
    assert err.value.code == "company_inactive"


def test_login_is_rate_limited_per_account_with_retry_after() -> None:
    user = make_user(make_company())
    limit = get_settings().login_max_per_account
    for _ in range(limit):
        with pytest.raises(Unauthorized):
            auth.login(user.email, "wrong-password", actor())
    with pytest.raises(TooManyRequests) as err:
        auth.login(user.email, PASSWORD, actor())  # even the right password waits
    assert err.value.retry_after >= 1
    assert err.value.headers["Retry-After"] == str(err.value.retry_after)
    assert err.value.details == {"scope": "account"}


def test_login_is_rate_limited_per_ip() -> None:
    ip = "192.0.2.77"
    limit = get_settings().login_max_per_ip
    for _ in range(limit):
        with pytest.raises(Unauthorized):
            auth.login(f"x{uuid.uuid4().hex[:6]}@nada.com.br", "x", actor(ip))
    with pytest.raises(TooManyRequests) as err:
        auth.login("y@nada.com.br", "x", actor(ip))
    assert err.value.details == {"scope": "ip"}


def test_sessions_are_listed_and_revocable_only_by_their_owner_or_admin() -> None:
    from licita.core.errors import NotFound

    company = make_company()
    owner, other = make_user(company), make_user(company)
    admin = make_user(company, role="ADMIN_EMPRESA")
    s_owner = auth.login(owner.email, PASSWORD, actor())
    p_owner = bearer.authorize(s_owner.access_token)
    p_other = bearer.authorize(auth.login(other.email, PASSWORD, actor()).access_token)
    p_admin = bearer.authorize(auth.login(admin.email, PASSWORD, actor()).access_token)

    listed = auth.list_sessions(p_owner).items
    assert [s.id for s in listed] == [s_owner.session_id] and listed[0].current
    with pytest.raises(NotFound):
        auth.revoke_session(p_other, str(s_owner.session_id), actor())
    with pytest.raises(NotFound):
        auth.revoke_session(p_owner, "not-a-uuid", actor())
    auth.revoke_session(p_admin, str(s_owner.session_id), actor())
    with pytest.raises(Unauthorized):
        bearer.authorize(s_owner.access_token)
