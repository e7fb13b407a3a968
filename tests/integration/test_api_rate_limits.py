"""Per-user and per-company request budgets (``platform.ratelimit.enforce_api_limits``) on the real Redis."""

from __future__ import annotations

import time
import uuid

import pytest

from licita.core.errors import TooManyRequests
from licita.core.plans import plan
from licita.core.security.principal import Principal
from licita.platform.ratelimit import enforce_api_limits, hit, peek, reset


def _principal(company_id: str, plan_name: str = "basic") -> Principal:
    return Principal(user_id=str(uuid.uuid4()), company_id=company_id, role="analyst",
                     session_id=str(uuid.uuid4()), plan=plan_name)


def _away_from_the_minute_boundary() -> None:
    if time.time() % 60 > 50:  # the counters are per wall-clock minute: do not straddle two
        time.sleep(61 - time.time() % 60)


def test_user_budget_then_429_with_scope_and_retry_after(infra: dict[str, str]) -> None:
    _away_from_the_minute_boundary()
    who = _principal(str(uuid.uuid4()))
    limit = plan("basic").user_requests_per_minute
    for _ in range(limit):
        enforce_api_limits(who)
    with pytest.raises(TooManyRequests) as refused:
        enforce_api_limits(who)
    assert refused.value.status == 429 and refused.value.details["scope"] == "user"
    assert 0 < int(refused.value.headers["Retry-After"]) <= 60
    enforce_api_limits(_principal(who.company_id))  # a colleague still has their own budget


def test_company_budget_is_shared_by_its_users_only(infra: dict[str, str]) -> None:
    _away_from_the_minute_boundary()
    company = str(uuid.uuid4())
    per_user, per_company = plan("basic").user_requests_per_minute, plan("basic").company_requests_per_minute
    users = [_principal(company) for _ in range(per_company // per_user)]
    for user in users:
        for _ in range(per_user):
            enforce_api_limits(user)
    with pytest.raises(TooManyRequests) as refused:
        enforce_api_limits(_principal(company))
    assert refused.value.details["scope"] == "company"
    enforce_api_limits(_principal(str(uuid.uuid4())))  # another tenant is untouched


def test_hit_peek_reset(infra: dict[str, str]) -> None:
    _away_from_the_minute_boundary()
    key = "test:" + uuid.uuid4().hex
    assert peek(key, 60) == 0
    decisions = [hit(key, 2, 60) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False] and decisions[-1].count == 3
    assert peek(key, 60) == 3
    reset(key, 60)
    assert peek(key, 60) == 0
