"""Retry policy and circuit breaker transitions (process-local store, controlled clock)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from licita.extraction.llm.base import (
    CircuitOpenError,
    LLMRequestError,
    LLMServerError,
    LLMTimeout,
)
from licita.extraction.llm.resilience import (
    BreakerConfig,
    BreakerSnapshot,
    CallReport,
    CircuitBreaker,
    MemoryBreakerStore,
    RetryPolicy,
    call_with_resilience,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class BrokenStore:
    """A store that fails like an unreachable Redis."""

    name = "redis"

    def get(self, key: str) -> BreakerSnapshot:
        raise ConnectionError("redis down")

    def add_failure(self, key: str, threshold: int, open_until: float, ttl_s: int) -> BreakerSnapshot:
        raise ConnectionError("redis down")

    def reset(self, key: str) -> None:
        raise ConnectionError("redis down")

    def try_probe(self, key: str, ttl_s: float) -> bool:
        raise ConnectionError("redis down")


def make(threshold: int = 3, cooldown: float = 30.0) -> tuple[CircuitBreaker, Clock]:
    clock = Clock()
    store = MemoryBreakerStore()
    breaker = CircuitBreaker("test:key", BreakerConfig(failure_threshold=threshold, cooldown_s=cooldown,
                                                       probe_ttl_s=10), store=store, fallback=store, clock=clock)
    return breaker, clock


def test_closed_until_threshold_then_open() -> None:
    breaker, _ = make(threshold=3)
    assert breaker.state() == "closed"
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state() == "closed"
    breaker.before_call()
    breaker.record_failure()
    assert breaker.state() == "open"
    with pytest.raises(CircuitOpenError) as info:
        breaker.before_call()
    assert info.value.details["retry_in_s"] == pytest.approx(30.0)


def test_success_resets_the_count() -> None:
    breaker, _ = make(threshold=2)
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state() == "closed"


def test_half_open_lets_one_probe_then_closes_on_success() -> None:
    breaker, clock = make(threshold=1, cooldown=30)
    breaker.record_failure()
    clock.now += 31
    assert breaker.state() == "half_open"
    breaker.before_call()  # the probe
    with pytest.raises(CircuitOpenError):
        breaker.before_call()  # a second caller while the probe is in flight
    breaker.record_success()
    assert breaker.state() == "closed"
    breaker.before_call()


def test_half_open_probe_failure_reopens() -> None:
    breaker, clock = make(threshold=2, cooldown=30)
    breaker.record_failure()
    breaker.record_failure()
    clock.now += 31
    breaker.before_call()
    breaker.record_failure()
    assert breaker.state() == "open"
    with pytest.raises(CircuitOpenError):
        breaker.before_call()


def test_breaker_falls_back_to_process_state_when_store_fails() -> None:
    fallback = MemoryBreakerStore()
    breaker = CircuitBreaker("k", BreakerConfig(failure_threshold=1), store=BrokenStore(), fallback=fallback)
    breaker.record_failure()
    assert breaker.state() == "open"
    assert breaker.store_used == "memory"
    assert breaker.store_errors and "redis down" in breaker.store_errors[0]


def test_backoff_grows_exponentially_with_jitter_and_cap() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0)
    assert policy.delay(1, lambda: 0.0) == 0.5
    assert policy.delay(1, lambda: 1.0) == 1.0
    assert policy.delay(2, lambda: 1.0) == 2.0
    assert policy.delay(3, lambda: 0.5) == 3.0
    assert policy.delay(10, lambda: 1.0) == 5.0


def test_retries_transient_errors_then_succeeds() -> None:
    failures = [LLMTimeout(), LLMServerError("boom", 503)]
    timeouts: list[float] = []
    sleeps: list[float] = []

    def call(timeout: float) -> str:
        timeouts.append(timeout)
        if failures:
            raise failures.pop(0)
        return "ok"

    report = CallReport()
    breaker, _ = make(threshold=5)
    result = call_with_resilience(call, timeout=2.0, policy=RetryPolicy(max_attempts=3, total_budget=None),
                                  breaker=breaker, report=report, sleep=sleeps.append)
    assert result == "ok"
    assert report.attempts == 3
    assert [e["kind"] for e in report.errors] == ["timeout", "server_error"]
    assert len(sleeps) == 2 and sleeps == report.delays
    assert timeouts == [2.0, 2.0, 2.0]
    assert breaker.state() == "closed"


def always_raising(error: Exception) -> tuple[Callable[[float], str], list[float]]:
    """A call that raises ``error`` every time; the list gets each attempt's timeout."""
    attempts: list[float] = []

    def call(timeout: float) -> str:
        attempts.append(timeout)
        raise error

    return call, attempts


def test_client_errors_are_not_retried_and_do_not_trip_the_breaker() -> None:
    call, attempts = always_raising(LLMRequestError("bad request", 400))
    breaker, _ = make(threshold=1)
    with pytest.raises(LLMRequestError):
        call_with_resilience(call, timeout=1.0, breaker=breaker, sleep=lambda s: None)
    assert len(attempts) == 1
    assert breaker.state() == "closed"


def test_repeated_failures_open_the_breaker_and_stop_retrying() -> None:
    call, attempts = always_raising(LLMServerError("down", 500))
    breaker, _ = make(threshold=2)
    report = CallReport()
    with pytest.raises(CircuitOpenError):
        call_with_resilience(call, timeout=1.0, policy=RetryPolicy(max_attempts=5), breaker=breaker, report=report,
                             sleep=lambda s: None)
    assert len(attempts) == 2  # the third attempt was refused by the now-open breaker
    assert report.breaker_state == "open"
    report2 = CallReport()
    with pytest.raises(CircuitOpenError):
        call_with_resilience(call, timeout=1.0, breaker=breaker, report=report2, sleep=lambda s: None)
    assert len(attempts) == 2
    assert report2.fail_fast is True and report2.attempts == 0


def test_total_budget_shrinks_the_last_attempt_timeout() -> None:
    now = [0.0]
    timeouts: list[float] = []

    def call(timeout: float) -> str:
        timeouts.append(timeout)
        now[0] += timeout
        raise LLMTimeout()

    def sleep(s: float) -> None:
        now[0] += s

    with pytest.raises(LLMTimeout):
        call_with_resilience(call, timeout=4.0,
                             policy=RetryPolicy(max_attempts=5, base_delay=0.2, max_delay=0.2, total_budget=10.0),
                             sleep=sleep, clock=lambda: now[0])
    assert sum(timeouts) <= 10.0
    assert timeouts[0] == 4.0 and timeouts[-1] < 4.0
