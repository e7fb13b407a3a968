"""Stable error vocabulary: every failure leaves the system as ``{"error": {code, message, details}}``."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """Base for every error a client may see; carries the HTTP status and a stable machine code."""

    status = 500
    code = "internal_error"

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None, **kwargs: Any) -> None:
        """``class NotFound(AppError, status=404, code="not_found")``: a subclass states its status and code."""
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if code is not None:
            cls.code = code

    def __init__(self, message: str, *, code: str | None = None, details: Any = None,
                 status: int | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.details)


# One line each: the status and the stable code are the whole difference between these errors.
class BadRequest(AppError, status=400, code="bad_request"): ...
class ValidationFailed(AppError, status=422, code="validation_failed"): ...
class Unauthorized(AppError, status=401, code="unauthorized"): ...
class Forbidden(AppError, status=403, code="forbidden"): ...
class NotFound(AppError, status=404, code="not_found"): ...
class MethodNotAllowed(AppError, status=405, code="method_not_allowed"): ...
class Conflict(AppError, status=409, code="conflict"): ...
class PayloadTooLarge(AppError, status=413, code="payload_too_large"): ...
class UnsupportedMediaType(AppError, status=415, code="unsupported_media_type"): ...
class ServiceUnavailable(AppError, status=503, code="service_unavailable"): ...


class TooManyRequests(AppError, status=429, code="rate_limited"):
    def __init__(self, message: str, *, retry_after: int, details: Any = None) -> None:
        super().__init__(message, details=details, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = max(1, retry_after)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}
