"""Exceptions raised by the PNCP client (all subclass :class:`PncpError`)."""

from __future__ import annotations


class PncpError(Exception):
    """Base class of every PNCP client error."""


class PncpHTTPError(PncpError):
    """A final (non-retried) HTTP answer, or the last one after retries ran out."""

    def __init__(self, status: int, url: str, body: str = "") -> None:
        super().__init__(f"PNCP HTTP {status} for {url}: {body[:200]}")
        self.status = status
        self.url = url
        self.body = body


class PncpNotFound(PncpHTTPError):
    """404: unknown compra / document / item."""


class PncpBadRequest(PncpHTTPError):
    """400: missing or invalid parameter (e.g. no modality on /publicacao)."""


class PncpValidationError(PncpHTTPError):
    """422: e.g. a date window over 365 days."""


class PncpUnavailable(PncpError):
    """Retries exhausted on 429 / 5xx / timeouts / non-JSON answers, or the deadline passed."""

    def __init__(self, message: str, *, last_status: int | None = None) -> None:
        super().__init__(message)
        self.last_status = last_status


class PncpRateLimited(PncpUnavailable):
    """429s outlasted the retries, or PNCP asked to wait longer than ``max_retry_after``."""


class CircuitOpenError(PncpUnavailable):
    """The circuit breaker is open: PNCP is considered down, no request was sent."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"PNCP circuit open; next probe in {retry_in:.1f}s")
        self.retry_in = retry_in
