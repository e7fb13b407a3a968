"""Circuit breaker state machine with an injectable clock."""

from __future__ import annotations

import pytest

from licita.platform.pncp import BreakerState, CircuitBreaker, CircuitOpenError


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_opens_after_threshold_consecutive_failures() -> None:
    clock = Clock()
    b = CircuitBreaker(failure_threshold=3, recovery_timeout=10, clock=clock)
    for _ in range(2):
        b.before_call()
        b.record_failure()
    assert b.state is BreakerState.CLOSED
    b.record_success()  # resets the count
    for _ in range(3):
        b.before_call()
        b.record_failure()
    assert b.state is BreakerState.OPEN
    with pytest.raises(CircuitOpenError) as info:
        b.before_call()
    assert info.value.retry_in == pytest.approx(10)


def test_half_open_allows_one_probe_then_closes_on_success() -> None:
    clock = Clock()
    b = CircuitBreaker(failure_threshold=1, recovery_timeout=5, clock=clock)
    b.record_failure()
    clock.t = 5.0
    assert b.state is BreakerState.HALF_OPEN
    b.before_call()
    with pytest.raises(CircuitOpenError):
        b.before_call()  # only one probe in flight
    b.record_success()
    assert b.state is BreakerState.CLOSED
    b.before_call()


def test_half_open_failure_reopens_for_a_full_timeout() -> None:
    clock = Clock()
    b = CircuitBreaker(failure_threshold=1, recovery_timeout=5, clock=clock)
    b.record_failure()
    clock.t = 6.0
    b.before_call()
    b.record_failure()
    assert b.state is BreakerState.OPEN
    clock.t = 10.0
    assert b.state is BreakerState.OPEN
    clock.t = 11.0
    assert b.state is BreakerState.HALF_OPEN
    assert [t[1] for t in b.transitions] == ["open", "half_open", "open", "half_open"]
