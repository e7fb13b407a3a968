"""The authorizer and ws $connect paths: no ORM on import or first call (the authorizer: not even redis-py),
and the plain-psycopg session check
keeps the old semantics (revoked / expired / idle / inactive, last_activity_at written at most every 60 s)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from apigw import call
from coldstart_support import run_fresh
from factories import PASSWORD, make_company, make_user
from licita.accounts.models import Company, User, UserSession
from licita.auth import bearer
from licita.core.errors import Unauthorized
from licita.platform.clients import get_redis
from licita.platform.db.engine import system_transaction

FIRST_CALLS = """
    token = sys.argv[1]
    authorizer, ws = load("authorizer"), load("ws")
    arn = "arn:aws:execute-api:us-east-1:1:api/local/GET/x"
    allowed = authorizer.handler({"methodArn": arn, "headers": {"Authorization": "Bearer " + token}}, None)
    heavy = sorted(m for m in ("redis", "sqlalchemy", "pydantic", "boto3", "pymongo") if m in sys.modules)
    connect = ws.handler({"requestContext": {"routeKey": "$connect", "connectionId": "c-light"},
                          "queryStringParameters": {"token": token}}, None)
    heavy_ws = sorted(m for m in ("redis", "sqlalchemy", "pydantic", "boto3", "pymongo") if m in sys.modules)
    print(json.dumps({"effect": allowed["policyDocument"]["Statement"][0]["Effect"],
                      "connect": connect["statusCode"], "authorizer_heavy": heavy, "ws_heavy": heavy_ws,
                      "orm": sorted(m for m in sys.modules if m.startswith(("sqlalchemy.orm", "licita.accounts")))}))
"""


def _login() -> tuple[User, str]:
    user = make_user(make_company())
    status, tokens = call("auth", "POST", "/auth/login", {"email": user.email, "password": PASSWORD})
    assert status == 200, tokens
    return user, str(tokens["access_token"])


def _sid(token: str) -> str:
    from licita.core.security.tokens import decode_access_token

    return str(decode_access_token(token)["sid"])


def _set_session(sid: str, **values: Any) -> None:
    with system_transaction() as db:
        db.execute(update(UserSession).where(UserSession.id == sid).values(**values))
    get_redis().delete(bearer.session_cache_key(sid))


def test_authorizer_and_ws_first_calls_import_no_orm() -> None:
    _, token = _login()
    get_redis().delete(bearer.session_cache_key(_sid(token)))  # force the database path
    result = run_fresh(FIRST_CALLS, token)
    assert result["effect"] == "Allow" and result["connect"] == 200
    assert result["orm"] == []
    assert result["authorizer_heavy"] == []  # redis-py alone was ~190 ms of its cold start (platform/resp.py)
    assert result["ws_heavy"] == []  # $connect too: token, session mark and registry on the RESP client


def test_session_check_semantics() -> None:
    user, token = _login()
    sid = _sid(token)
    now = datetime.now(UTC)
    _set_session(sid, last_activity_at=now - timedelta(minutes=5))
    assert bearer.authorize(token).user_id == str(user.id)
    with system_transaction() as db:  # older than 60 s: written
        assert db.get(UserSession, sid).last_activity_at > now - timedelta(seconds=30)  # type: ignore[union-attr]
    recent = now - timedelta(seconds=20)
    _set_session(sid, last_activity_at=recent)
    bearer.authorize(token)
    with system_transaction() as db:  # younger than 60 s: left alone
        assert db.get(UserSession, sid).last_activity_at == recent  # type: ignore[union-attr]

    cases: list[tuple[dict[str, Any], str]] = [
        ({"last_activity_at": now - timedelta(days=3)}, "session_idle"),
        ({"expires_at": now - timedelta(seconds=1)}, "session_expired"),
        ({"revoked_at": now}, "session_revoked"),
    ]
    for values, code in cases:
        _set_session(sid, **values)
        with pytest.raises(Unauthorized) as err:
            bearer.authorize(token)
        assert err.value.code == code


def test_inactive_user_or_company_is_refused() -> None:
    user, token = _login()
    with system_transaction() as db:
        db.execute(update(User).where(User.id == user.id).values(status="SUSPENDED"))
    get_redis().delete(bearer.session_cache_key(_sid(token)))
    with pytest.raises(Unauthorized) as err:
        bearer.authorize(token)
    assert err.value.code == "account_inactive"
    other, token2 = _login()
    with system_transaction() as db:
        db.execute(update(Company).where(Company.id == other.company_id).values(status="SUSPENDED"))
    with pytest.raises(Unauthorized) as err:
        bearer.authorize(token2)
    assert err.value.code == "account_inactive"


def test_cache_key_matches_the_accounts_one() -> None:
    from licita.accounts.sessions import session_cache_key

    assert bearer.session_cache_key("abc") == session_cache_key("abc")
