"""Fixed-window counters in Redis: one round trip per check, shared by every function instance.

Every API request passes here, so it uses the standard-library RESP client (``platform.resp``): redis-py's
import alone was about a fifth of an API function's cold start.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from licita.core.errors import TooManyRequests
from licita.core.plans import plan
from licita.platform.clients import get_resp

if TYPE_CHECKING:
    from licita.core.security.principal import Principal


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    retry_after: int


def hit(key: str, limit: int, window_seconds: int) -> Decision:
    window = int(time.time()) // window_seconds
    redis_key = f"rl:{key}:{window}"
    count = int(get_resp().transaction([["INCR", redis_key], ["EXPIRE", redis_key, window_seconds + 1]])[0])
    retry_after = window_seconds - int(time.time()) % window_seconds
    return Decision(count <= limit, count, retry_after)


def peek(key: str, window_seconds: int) -> int:
    window = int(time.time()) // window_seconds
    value = get_resp().execute("GET", f"rl:{key}:{window}")
    return int(value) if value else 0


def reset(key: str, window_seconds: int) -> None:
    window = int(time.time()) // window_seconds
    get_resp().execute("DEL", f"rl:{key}:{window}")


def enforce_api_limits(principal: Principal) -> None:
    """Per-user and per-company request budgets per minute, by plan; one Redis round trip."""
    limits = plan(principal.plan)
    now = int(time.time())
    window = now // 60
    user_key, company_key = f"rl:api:u:{principal.user_id}:{window}", f"rl:api:c:{principal.company_id}:{window}"
    user_count, _, company_count, _ = get_resp().transaction(
        [["INCR", user_key], ["EXPIRE", user_key, 61], ["INCR", company_key], ["EXPIRE", company_key, 61]])
    retry_after = 60 - now % 60
    if int(user_count) > limits.user_requests_per_minute:
        raise TooManyRequests("Limite de requisições por usuário atingido.", retry_after=retry_after,
                              details={"scope": "user", "limit_per_minute": limits.user_requests_per_minute})
    if int(company_count) > limits.company_requests_per_minute:
        raise TooManyRequests("Limite de requisições da empresa atingido.", retry_after=retry_after,
                              details={"scope": "company", "limit_per_minute": limits.company_requests_per_minute})
