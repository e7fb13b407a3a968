"""One rate limiter shared by every PNCP caller: GCRA in Redis (one Lua script, atomic), plus a global pause.

GCRA ("generic cell rate algorithm", a token bucket expressed as one timestamp): with ``rate`` requests per
second the emission interval is ``T = 1/rate`` and ``burst`` requests may go back to back
(tolerance ``tau = T * (burst - 1)``). The only state is the theoretical arrival time ``TAT`` of the next
request, stored at ``key``. A request at ``now`` is allowed when ``max(TAT, now) - tau <= now``; it then
stores ``max(TAT, now) + T``. Otherwise it must wait ``max(TAT, now) - tau - now``.

``pause(seconds)`` stores "nobody calls before t" at ``key + ":pause"`` (used on 429: PNCP throttles per IP,
so every worker must back off, not only the one that got the 429).

Time comes from the injectable ``clock`` (seconds, default ``time.time``) and is passed to the script, so
tests can drive it; workers on different hosts rely on NTP, which is plenty for a 2 s spacing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import redis

__all__ = [
    "GcraDecision",
    "MemoryRateLimiter",
    "RateLimitTimeout",
    "RateLimiter",
    "RedisRateLimiter",
    "UnlimitedRateLimiter",
    "gcra_step",
]

_LUA = """
local key = KEYS[1]
local pause_key = KEYS[2]
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local paused = tonumber(redis.call('GET', pause_key) or '0')
if paused > now then
  return {0, string.format('%.3f', paused - now)}
end
local tat = tonumber(redis.call('GET', key) or '0')
if tat < now then tat = now end
local allow_at = tat - tolerance
if now < allow_at then
  return {0, string.format('%.3f', allow_at - now)}
end
local new_tat = tat + interval
local ttl = math.ceil(new_tat - now + 1000)
redis.call('SET', key, string.format('%.3f', new_tat), 'PX', ttl)
return {1, '0'}
"""

_PAUSE_LUA = """
local until_ms = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ms > current then
  redis.call('SET', KEYS[1], string.format('%.3f', until_ms), 'PX', math.ceil(until_ms - tonumber(ARGV[2]) + 1000))
  return 1
end
return 0
"""


class RateLimitTimeout(Exception):
    """``acquire`` could not get a slot within its timeout."""


@dataclass(frozen=True, slots=True)
class GcraDecision:
    allowed: bool
    tat: float  # the stored TAT after the decision (unchanged when denied)
    wait: float  # seconds to wait before retrying (0 when allowed)


def gcra_step(tat: float | None, now: float, *, rate: float, burst: int = 1) -> GcraDecision:
    """The GCRA decision in pure Python: the same arithmetic as the Lua script (units: seconds)."""
    if rate <= 0:
        raise ValueError("rate must be > 0")
    interval = 1.0 / rate
    tolerance = interval * (max(1, burst) - 1)
    current = now if tat is None or tat < now else tat
    allow_at = current - tolerance
    if now < allow_at:
        return GcraDecision(False, tat if tat is not None else now, allow_at - now)
    return GcraDecision(True, current + interval, 0.0)


class RateLimiter(Protocol):
    def acquire(self, timeout: float | None = None) -> float:
        """Block until a request may go; return the seconds waited."""
        ...

    def pause(self, seconds: float) -> None:
        """Nobody sharing this limiter calls for ``seconds`` (extends, never shortens, a running pause)."""
        ...


class _Blocking:
    clock: Callable[[], float]
    sleep: Callable[[float], None]

    def _try(self) -> float:
        raise NotImplementedError

    def acquire(self, timeout: float | None = None) -> float:
        started = self.clock()
        waited = 0.0
        while True:
            wait = self._try()
            if wait <= 0:
                return waited
            if timeout is not None and (self.clock() - started) + wait > timeout:
                raise RateLimitTimeout(f"no PNCP request slot within {timeout}s (next in {wait:.2f}s)")
            self.sleep(wait)
            waited += wait


class RedisRateLimiter(_Blocking):
    """GCRA + pause in Redis; every client built on the same ``redis`` and ``key`` shares the budget."""

    def __init__(
        self,
        redis_client: redis.Redis,
        *,
        rate: float = 0.5,
        burst: int = 1,
        key: str = "pncp:ratelimit",
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be > 0 (use UnlimitedRateLimiter to lift the limit)")
        self.redis = redis_client
        self.rate = rate
        self.burst = max(1, burst)
        self.key = key
        self.pause_key = key + ":pause"
        self.clock = clock
        self.sleep = sleep
        self._script: Any = redis_client.register_script(_LUA)
        self._pause_script: Any = redis_client.register_script(_PAUSE_LUA)

    def _try(self) -> float:
        interval_ms = 1000.0 / self.rate
        tolerance_ms = interval_ms * (self.burst - 1)
        now_ms = self.clock() * 1000.0
        allowed, wait_ms = self._script(
            keys=[self.key, self.pause_key], args=[f"{now_ms:.3f}", f"{interval_ms:.6f}", f"{tolerance_ms:.6f}"]
        )
        if int(allowed) == 1:
            return 0.0
        return max(float(wait_ms) / 1000.0, 0.001)

    def pause(self, seconds: float) -> None:
        if seconds <= 0:
            return
        now_ms = self.clock() * 1000.0
        self._pause_script(keys=[self.pause_key], args=[f"{now_ms + seconds * 1000.0:.3f}", f"{now_ms:.3f}"])

    def paused_for(self) -> float:
        """Seconds left on the shared pause (0 when none)."""
        raw = self.redis.get(self.pause_key)
        if raw is None:
            return 0.0
        return max(0.0, (float(raw) - self.clock() * 1000.0) / 1000.0)


class MemoryRateLimiter(_Blocking):
    """The same GCRA in one process (tests, scripts); thread-safe, injectable clock and sleep."""

    def __init__(
        self,
        *,
        rate: float = 0.5,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.clock = clock
        self.sleep = sleep
        self._tat: float | None = None
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def _try(self) -> float:
        with self._lock:
            now = self.clock()
            if self._paused_until > now:
                return self._paused_until - now
            decision = gcra_step(self._tat, now, rate=self.rate, burst=self.burst)
            if decision.allowed:
                self._tat = decision.tat
            return decision.wait

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, self.clock() + seconds)


class UnlimitedRateLimiter:
    """No limit (benchmarks against the fake, or when PNCP lifts the limit)."""

    def acquire(self, timeout: float | None = None) -> float:
        return 0.0

    def pause(self, seconds: float) -> None:
        return None
