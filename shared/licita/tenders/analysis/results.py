"""What a run ends with, and the two ways it can stop early."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

LEASE = timedelta(seconds=330)  # > the function timeout (300 s), < the queue visibility timeout (360 s)
PUBLISH_GRACE = timedelta(seconds=60)  # a finished run still publishing its event; < the visibility timeout


class RetryLater(Exception):
    """Another delivery holds this document; let SQS redeliver after the visibility timeout."""


class Failure(Exception):
    """A permanent, user-readable reason why a file cannot be analysed (the file is kept)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Outcome:
    status: str  # READY | NEEDS_REVIEW | FAILED | SKIPPED | REJECTED
    tender_id: uuid.UUID | None = None
    document_id: uuid.UUID | None = None
    cache_hit: bool = False
    reason: str | None = None
    timings: dict[str, float] = field(default_factory=dict)


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)
