"""Circuit breaker (closed → open → half-open → closed), in-process and thread-safe, with an injectable clock.

- closed: calls go through; ``failure_threshold`` consecutive failures open the circuit.
- open: calls fail fast with :class:`CircuitOpenError` until ``recovery_timeout`` seconds have passed.
- half-open: up to ``half_open_max_calls`` probe calls go through; a success closes the circuit, a failure
  re-opens it for another ``recovery_timeout``.

Only "PNCP is sick" outcomes count as failures (5xx, timeouts, connection errors, non-JSON 200s); 429 and
other 4xx do not (PNCP is up, it is throttling us or we asked something wrong).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import StrEnum

from licita.platform.pncp.errors import CircuitOpenError


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        recovery_timeout: float = 60.0,
        half_open_max_calls: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = max(1, failure_threshold)
        self.recovery_timeout = recovery_timeout
        self.half_open_max_calls = max(1, half_open_max_calls)
        self.clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probes = 0
        self._lock = threading.Lock()
        self.transitions: list[tuple[BreakerState, BreakerState]] = []

    @property
    def state(self) -> BreakerState:
        with self._lock:
            self._maybe_half_open()
            return self._state

    def _set(self, state: BreakerState) -> None:
        if state != self._state:
            self.transitions.append((self._state, state))
            self._state = state

    def _maybe_half_open(self) -> None:
        if self._state is BreakerState.OPEN and self.clock() - self._opened_at >= self.recovery_timeout:
            self._set(BreakerState.HALF_OPEN)
            self._probes = 0

    def before_call(self) -> None:
        """Raise :class:`CircuitOpenError` when no call may go now."""
        with self._lock:
            self._maybe_half_open()
            if self._state is BreakerState.OPEN:
                raise CircuitOpenError(max(0.0, self.recovery_timeout - (self.clock() - self._opened_at)))
            if self._state is BreakerState.HALF_OPEN:
                if self._probes >= self.half_open_max_calls:
                    raise CircuitOpenError(0.0)
                self._probes += 1

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._probes = 0
            self._set(BreakerState.CLOSED)

    def record_failure(self) -> None:
        with self._lock:
            if self._state is BreakerState.HALF_OPEN:
                self._open()
                return
            self._failures += 1
            if self._failures >= self.failure_threshold:
                self._open()

    def _open(self) -> None:
        self._opened_at = self.clock()
        self._failures = 0
        self._probes = 0
        self._set(BreakerState.OPEN)

    def reset(self) -> None:
        with self._lock:
            self._failures = 0
            self._probes = 0
            self._set(BreakerState.CLOSED)
