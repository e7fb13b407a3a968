"""Backoff with full jitter and Retry-After parsing (seconds and HTTP-date), injectable clock and RNG."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from licita.platform.pncp import RetryPolicy, backoff_delay, parse_retry_after
from licita.platform.pncp.retry import retry_delay

NOW = datetime(2026, 1, 5, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("attempt", range(10))
def test_backoff_full_jitter_within_exponential_ceiling(attempt: int) -> None:
    rng = random.Random(attempt)
    ceiling = min(60.0, 1.0 * 2**attempt)
    samples = [backoff_delay(attempt, base=1.0, cap=60.0, rng=rng) for _ in range(200)]
    assert all(0.0 <= s <= ceiling for s in samples)
    assert max(samples) > ceiling * 0.8  # jitter actually spreads


def test_backoff_is_capped_at_60_seconds() -> None:
    rng = random.Random(1)
    assert max(backoff_delay(30, base=1.0, cap=60.0, rng=rng) for _ in range(500)) <= 60.0


def test_backoff_deterministic_with_seeded_rng() -> None:
    a = [backoff_delay(n, base=0.5, cap=60, rng=random.Random(7)) for n in range(5)]
    b = [backoff_delay(n, base=0.5, cap=60, rng=random.Random(7)) for n in range(5)]
    assert a == b


@pytest.mark.parametrize(("value", "expected"), [("0", 0.0), ("3", 3.0), (" 120 ", 120.0), ("2.5", 2.5), ("-4", 0.0)])
def test_retry_after_seconds(value: str, expected: float) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_retry_after_http_date() -> None:
    header = format_datetime(NOW + timedelta(seconds=42), usegmt=True)
    assert parse_retry_after(header, now=NOW) == pytest.approx(42.0)


def test_retry_after_http_date_in_the_past_is_zero() -> None:
    header = format_datetime(NOW - timedelta(minutes=5), usegmt=True)
    assert parse_retry_after(header, now=NOW) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "nan", "inf", "Mon, 99 Foo 2026"])
def test_retry_after_garbage_is_none(value: str | None) -> None:
    assert parse_retry_after(value, now=NOW) is None


def test_retry_delay_prefers_retry_after_plus_small_jitter() -> None:
    policy = RetryPolicy(base=1.0)
    rng = random.Random(3)
    for _ in range(100):
        d = retry_delay(5, 7.0, policy, rng)
        assert 7.0 <= d <= 8.0


def test_retry_delay_without_header_is_backoff() -> None:
    policy = RetryPolicy(base=0.5, cap=4.0)
    rng = random.Random(3)
    assert all(0 <= retry_delay(10, None, policy, rng) <= 4.0 for _ in range(100))
