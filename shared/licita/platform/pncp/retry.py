"""Backoff with jitter and ``Retry-After`` parsing (pure functions, injectable clock and RNG)."""

from __future__ import annotations

import email.utils
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry.

    ``max_attempts`` counts every attempt (1 = no retry). Delay before retry ``n`` (0-based) is "full jitter":
    ``uniform(0, min(cap, base * 2**n))``; when the server sent ``Retry-After`` that value is waited instead
    (plus up to ``base`` of jitter so that many workers do not wake at once), unless it exceeds
    ``max_retry_after``, in which case the call gives up at once (a Lambda must not sleep for an hour).
    ``deadline`` bounds the whole call including retries (seconds, None = unbounded).
    """

    max_attempts: int = 6
    base: float = 1.0
    cap: float = 60.0
    max_retry_after: float = 120.0
    deadline: float | None = 300.0


def backoff_delay(attempt: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Full-jitter exponential backoff for retry number ``attempt`` (0 = first retry)."""
    ceiling = min(cap, base * (2 ** max(0, attempt)))
    return (rng or random).uniform(0.0, ceiling)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date; None when absent/garbage.

    A date in the past gives 0. ``now`` is injectable (aware datetime; defaults to the current UTC time).
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(seconds):
            return None
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


def retry_delay(
    attempt: int,
    retry_after: float | None,
    policy: RetryPolicy,
    rng: random.Random | None = None,
) -> float:
    """Delay before the next attempt: ``Retry-After`` (+ small jitter) when given, else full-jitter backoff."""
    if retry_after is not None:
        return retry_after + (rng or random).uniform(0.0, min(policy.base, 1.0))
    return backoff_delay(attempt, base=policy.base, cap=policy.cap, rng=rng)
