"""GCRA math (pure function and the in-memory limiter) with an injectable clock."""

from __future__ import annotations

import pytest

from licita.platform.pncp import MemoryRateLimiter, RateLimitTimeout, UnlimitedRateLimiter, gcra_step


class FakeClock:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def test_gcra_first_request_passes_and_sets_tat() -> None:
    d = gcra_step(None, 100.0, rate=0.5)
    assert d.allowed and d.wait == 0 and d.tat == pytest.approx(102.0)


def test_gcra_spacing_is_one_over_rate() -> None:
    d1 = gcra_step(None, 100.0, rate=0.5)
    d2 = gcra_step(d1.tat, 100.5, rate=0.5)
    assert not d2.allowed and d2.wait == pytest.approx(1.5)
    d3 = gcra_step(d1.tat, 102.0, rate=0.5)
    assert d3.allowed and d3.tat == pytest.approx(104.0)


def test_gcra_burst_allows_back_to_back_then_spaces() -> None:
    tat = None
    allowed = 0
    for _ in range(5):
        d = gcra_step(tat, 0.0, rate=1.0, burst=3)
        if d.allowed:
            allowed += 1
            tat = d.tat
    assert allowed == 3
    d = gcra_step(tat, 0.0, rate=1.0, burst=3)
    assert d.wait == pytest.approx(1.0)


def test_gcra_idle_time_does_not_accumulate_beyond_burst() -> None:
    d = gcra_step(5.0, 1000.0, rate=1.0, burst=2)  # long idle: TAT in the past
    assert d.allowed and d.tat == pytest.approx(1001.0)
    d2 = gcra_step(d.tat, 1000.0, rate=1.0, burst=2)
    assert d2.allowed
    assert not gcra_step(d2.tat, 1000.0, rate=1.0, burst=2).allowed


def test_gcra_rejects_bad_rate() -> None:
    with pytest.raises(ValueError):
        gcra_step(None, 0.0, rate=0)


def test_memory_limiter_sleeps_exactly_the_gcra_wait() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(rate=2.0, clock=clock, sleep=clock.sleep)
    waits = [limiter.acquire() for _ in range(5)]
    assert waits[0] == 0
    assert waits[1:] == pytest.approx([0.5, 0.5, 0.5, 0.5])
    assert clock.t == pytest.approx(1002.0)


def test_memory_limiter_pause_blocks_everyone_and_only_extends() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(rate=100.0, clock=clock, sleep=clock.sleep)
    limiter.pause(3.0)
    limiter.pause(1.0)  # shorter pause does not shorten
    assert limiter.acquire() == pytest.approx(3.0)


def test_memory_limiter_timeout() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(rate=0.1, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    with pytest.raises(RateLimitTimeout):
        limiter.acquire(timeout=5.0)


def test_unlimited_limiter_never_waits() -> None:
    limiter = UnlimitedRateLimiter()
    assert all(limiter.acquire() == 0 for _ in range(1000))
