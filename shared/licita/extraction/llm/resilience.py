"""Timeouts, retries with backoff, and a circuit breaker shared by every function instance.

Why a shared breaker: when the model server is down, hundreds of queued analyses would each burn
their retries (and Lambda seconds) against it. The breaker's state lives in Redis, keyed per provider
and endpoint, so once N consecutive calls fail every instance fails fast for a cool-down; then one
caller probes (half-open) and either closes it or re-opens it. If Redis itself is unreachable the
breaker degrades to per-process state rather than failing the analysis.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from licita.extraction.llm.base import CircuitOpenError, LLMError, LLMTimeout
from licita.platform.clients import get_redis

log = logging.getLogger(__name__)

BreakerState = Literal["closed", "open", "half_open"]
KEY_PREFIX = "licita:llm:breaker:"


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with equal jitter: delay ∈ [cap/2, cap], cap = min(max_delay, base·2^(n-1))."""

    max_attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    total_budget: float | None = 240.0  # seconds for all attempts and sleeps (stay inside the Lambda timeout)

    def delay(self, attempt: int, rnd: Callable[[], float] = random.random) -> float:
        cap = min(self.max_delay, self.base_delay * (2.0 ** (attempt - 1)))
        return cap / 2 + rnd() * cap / 2


@dataclass(frozen=True)
class BreakerConfig:
    failure_threshold: int = 5  # consecutive retryable failures that open the circuit
    cooldown_s: float = 60.0  # how long it stays open before one probe is let through
    probe_ttl_s: float = 120.0  # a probe that never reports back stops blocking after this


@dataclass
class BreakerSnapshot:
    failures: int = 0
    opened_until: float = 0.0


class BreakerStore(Protocol):
    name: str

    def get(self, key: str) -> BreakerSnapshot: ...

    def add_failure(self, key: str, threshold: int, open_until: float, ttl_s: int) -> BreakerSnapshot: ...

    def reset(self, key: str) -> None: ...

    def try_probe(self, key: str, ttl_s: float) -> bool: ...


class MemoryBreakerStore:
    """Per-process state: used when Redis is not configured or not reachable."""

    name = "memory"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[str, BreakerSnapshot] = {}
        self._probes: dict[str, float] = {}

    def get(self, key: str) -> BreakerSnapshot:
        with self._lock:
            s = self._state.get(key)
            return BreakerSnapshot(s.failures, s.opened_until) if s else BreakerSnapshot()

    def add_failure(self, key: str, threshold: int, open_until: float, ttl_s: int) -> BreakerSnapshot:
        with self._lock:
            s = self._state.setdefault(key, BreakerSnapshot())
            s.failures += 1
            if s.failures >= threshold:
                s.opened_until = open_until
                self._probes.pop(key, None)
            return BreakerSnapshot(s.failures, s.opened_until)

    def reset(self, key: str) -> None:
        with self._lock:
            self._state.pop(key, None)
            self._probes.pop(key, None)

    def try_probe(self, key: str, ttl_s: float) -> bool:
        now = time.time()
        with self._lock:
            if self._probes.get(key, 0.0) > now:
                return False
            self._probes[key] = now + ttl_s
            return True


_ADD_FAILURE = """
local f = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if f >= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'opened_until', ARGV[2])
  redis.call('DEL', KEYS[2])
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {f, redis.call('HGET', KEYS[1], 'opened_until') or '0'}
"""


class RedisBreakerStore:
    """State shared by all instances: a hash {failures, opened_until} and a probe lock key."""

    name = "redis"

    def __init__(self, redis_getter: Callable[[], Any] | None = None) -> None:
        if redis_getter is None:
            redis_getter = get_redis
        self._get_redis = redis_getter

    def get(self, key: str) -> BreakerSnapshot:
        raw = {_text(k): _text(v) for k, v in self._get_redis().hgetall(key).items()}
        return BreakerSnapshot(int(raw.get("failures") or 0), float(raw.get("opened_until") or 0))

    def add_failure(self, key: str, threshold: int, open_until: float, ttl_s: int) -> BreakerSnapshot:
        failures, opened = self._get_redis().eval(_ADD_FAILURE, 2, key, key + ":probe", threshold, repr(open_until),
                                                  ttl_s)
        return BreakerSnapshot(int(_text(failures)), float(_text(opened) or 0))

    def reset(self, key: str) -> None:
        self._get_redis().delete(key, key + ":probe")

    def try_probe(self, key: str, ttl_s: float) -> bool:
        return bool(self._get_redis().set(key + ":probe", "1", nx=True, px=int(ttl_s * 1000)))


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


_PROCESS_STORE = MemoryBreakerStore()


class CircuitBreaker:
    """Closed → (N failures) → open → (cool-down) → half-open: one probe → closed or open again."""

    def __init__(self, key: str, config: BreakerConfig | None = None, *, store: BreakerStore | None = None,
                 fallback: BreakerStore | None = None, clock: Callable[[], float] = time.time) -> None:
        self.key = key
        self.config = config or BreakerConfig()
        self._store: BreakerStore = store if store is not None else RedisBreakerStore()
        self._fallback: BreakerStore = fallback if fallback is not None else _PROCESS_STORE
        self._clock = clock
        self.store_used: str = self._store.name
        self.store_errors: list[str] = []
        self._store_down = False

    def _do(self, op: Callable[[BreakerStore], Any]) -> Any:
        # after one failure stay on the fallback: each failed Redis op can cost seconds of client retries
        if self._store is not self._fallback and not self._store_down:
            try:
                result = op(self._store)
                self.store_used = self._store.name
                return result
            except Exception as exc:  # Redis down or not configured: never fail the analysis for it
                self._store_down = True
                self.store_errors.append(f"{type(exc).__name__}: {exc}"[:200])
                log.warning("circuit breaker store %s unavailable, using process state: %s", self._store.name, exc)
        self.store_used = self._fallback.name
        return op(self._fallback)

    def snapshot(self) -> BreakerSnapshot:
        result: BreakerSnapshot = self._do(lambda s: s.get(self.key))
        return result

    def state(self) -> BreakerState:
        snap = self.snapshot()
        if snap.opened_until <= 0:
            return "closed"
        return "open" if self._clock() < snap.opened_until else "half_open"

    def before_call(self) -> None:
        """Raise ``CircuitOpenError`` unless a call may go through now."""
        snap = self.snapshot()
        if snap.opened_until <= 0:
            return
        now = self._clock()
        if now < snap.opened_until:
            raise CircuitOpenError(self.key, snap.opened_until - now)
        if not self._do(lambda s: s.try_probe(self.key, self.config.probe_ttl_s)):
            raise CircuitOpenError(self.key, self.config.probe_ttl_s)  # another caller is probing

    def record_success(self) -> None:
        self._do(lambda s: s.reset(self.key))

    def record_failure(self) -> BreakerSnapshot:
        open_until = self._clock() + self.config.cooldown_s
        ttl = int(self.config.cooldown_s + self.config.probe_ttl_s + 3600)
        snap: BreakerSnapshot = self._do(
            lambda s: s.add_failure(self.key, self.config.failure_threshold, open_until, ttl))
        return snap


def breaker_key(provider: str, endpoint: str) -> str:
    return f"{KEY_PREFIX}{provider}:{endpoint}"


@dataclass
class CallReport:
    """What happened across attempts; filled in even when the call finally fails."""

    attempts: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)
    breaker_state_before: str = "closed"
    breaker_state: str = "closed"
    breaker_store: str = "none"
    fail_fast: bool = False

    def to_record(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts,
            "errors": self.errors,
            "backoff_s": [round(d, 3) for d in self.delays],
            "breaker": {"before": self.breaker_state_before, "after": self.breaker_state, "store": self.breaker_store,
                        "fail_fast": self.fail_fast},
        }


def call_with_resilience[T](fn: Callable[[float], T], *, timeout: float, policy: RetryPolicy | None = None,
                            breaker: CircuitBreaker | None = None, report: CallReport | None = None,
                            sleep: Callable[[float], None] = time.sleep,
                            clock: Callable[[], float] = time.monotonic) -> T:
    """Call ``fn(timeout)`` with retries on retryable ``LLMError``s, guarded by ``breaker``.

    Non-retryable errors (4xx, open circuit) are raised at once; retryable ones after the last attempt.
    """
    policy = policy or RetryPolicy()
    report = report if report is not None else CallReport()
    started = clock()
    if breaker is not None:
        report.breaker_state_before = breaker.state()
        report.breaker_store = breaker.store_used
    try:
        for attempt in range(1, policy.max_attempts + 1):
            if breaker is not None:
                try:
                    breaker.before_call()
                except CircuitOpenError as exc:
                    report.fail_fast = report.attempts == 0
                    report.errors.append({**exc.to_record(), "attempt": attempt})
                    raise
            attempt_timeout = timeout
            if policy.total_budget is not None:
                attempt_timeout = min(timeout, policy.total_budget - (clock() - started))
                if attempt_timeout < 0.05:
                    raise LLMTimeout("retry budget exhausted")
            report.attempts += 1
            try:
                result = fn(attempt_timeout)
            except LLMError as exc:
                report.errors.append({**exc.to_record(), "attempt": attempt})
                if breaker is not None:
                    if exc.retryable:
                        breaker.record_failure()
                    else:
                        breaker.record_success()  # the server answered: it is up, the request was wrong
                if not exc.retryable or attempt == policy.max_attempts:
                    raise
                delay = policy.delay(attempt)
                if policy.total_budget is not None and clock() - started + delay >= policy.total_budget:
                    raise
                report.delays.append(delay)
                sleep(delay)
                continue
            if breaker is not None:
                breaker.record_success()
            return result
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        if breaker is not None:
            report.breaker_state = breaker.state()
            report.breaker_store = breaker.store_used
