"""Fixed-window counters in Redis: one round trip per check, shared by every function instance."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from licita.core.errors import TooManyRequests
from licita.core.plans import plan
from licita.platform.clients import get_redis

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
    pipe = get_redis().pipeline()
    pipe.incr(redis_key)
    pipe.expire(redis_key, window_seconds + 1)
    count = int(pipe.execute()[0])
    retry_after = window_seconds - int(time.time()) % window_seconds
    return Decision(count <= limit, count, retry_after)


def peek(key: str, window_seconds: int) -> int:
    window = int(time.time()) // window_seconds
    value = get_redis().get(f"rl:{key}:{window}")
    return int(value) if value else 0


def reset(key: str, window_seconds: int) -> None:
    window = int(time.time()) // window_seconds
    get_redis().delete(f"rl:{key}:{window}")


def enforce_api_limits(principal: Principal) -> None:
    """Per-user and per-company request budgets per minute, by plan; one Redis round trip."""
    limits = plan(principal.plan)
    now = int(time.time())
    window = now // 60
    user_key, company_key = f"rl:api:u:{principal.user_id}:{window}", f"rl:api:c:{principal.company_id}:{window}"
    pipe = get_redis().pipeline(transaction=False)
    pipe.incr(user_key)
    pipe.expire(user_key, 61)
    pipe.incr(company_key)
    pipe.expire(company_key, 61)
    user_count, _, company_count, _ = pipe.execute()
    retry_after = 60 - now % 60
    if int(user_count) > limits.user_requests_per_minute:
        raise TooManyRequests("Limite de requisições por usuário atingido.", retry_after=retry_after,
                              details={"scope": "user", "limit_per_minute": limits.user_requests_per_minute})
    if int(company_count) > limits.company_requests_per_minute:
        raise TooManyRequests("Limite de requisições da empresa atingido.", retry_after=retry_after,
                              details={"scope": "company", "limit_per_minute": limits.company_requests_per_minute})
