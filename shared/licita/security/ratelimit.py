"""Fixed-window counters in Redis: one round trip per check, shared by every function instance."""

from __future__ import annotations

import time
from dataclasses import dataclass

from licita.clients import get_redis


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
