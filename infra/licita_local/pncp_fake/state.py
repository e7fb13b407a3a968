"""The fake's mutable state: queued faults, knobs (latency, paging quirks, rate limit) and the request log."""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from licita_local.pncp_fake.data import PncpStore, Record

FAULT_KINDS = ("429", "500", "502", "503", "slow", "non_json", "drift", "drop")


@dataclass
class Fault:
    kind: str
    count: int = 1
    path: str | None = None  # regex on the request path
    retry_after: str | None = None
    delay: float = 2.0

    def matches(self, path: str) -> bool:
        return self.path is None or re.search(self.path, path) is not None


@dataclass
class FakeConfig:
    latency: float = 0.0
    latency_jitter: float = 0.0
    past_end_status: int = 204
    rate_limit_per_second: float | None = None
    rate_limit_retry_after: str | None = None
    itens_default_page_size: int = 10
    itens_max_page_size: int = 500
    consulta_default_page_size: int = 50


@dataclass
class RequestLog:
    t: float
    method: str
    path: str
    query: str
    status: int


@dataclass
class FakeState:
    store: PncpStore
    config: FakeConfig = field(default_factory=FakeConfig)
    faults: list[Fault] = field(default_factory=list)
    log: deque[RequestLog] = field(default_factory=lambda: deque(maxlen=200_000))
    lock: threading.Lock = field(default_factory=threading.Lock)
    window: deque[float] = field(default_factory=deque)
    listing_cache: dict[tuple[Any, ...], list[Record]] = field(default_factory=dict)

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.count > 0 and fault.matches(path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return Fault(fault.kind, 1, fault.path, fault.retry_after, fault.delay)
        return None

    def over_rate(self) -> bool:
        limit = self.config.rate_limit_per_second
        if not limit:
            return False
        now = time.monotonic()
        with self.lock:
            while self.window and now - self.window[0] > 1.0:
                self.window.popleft()
            if len(self.window) >= limit:
                return True
            self.window.append(now)
        return False


def add_fault(state: FakeState, kind: str, count: int = 1, path: str | None = None,
              retry_after: str | int | float | None = None, delay: float = 2.0) -> Fault:
    kind = str(kind)
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; one of {FAULT_KINDS}")
    fault = Fault(kind, int(count), path, None if retry_after is None else str(retry_after), float(delay))
    with state.lock:
        state.faults.append(fault)
    return fault


def http_date_in(seconds: float) -> str:
    """A ``Retry-After`` HTTP-date ``seconds`` from now."""
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds), usegmt=True)
