"""The provider-neutral contract: one call shape, one response shape, one error taxonomy.

Providers translate their client's exceptions into the errors below so that retries and the circuit
breaker (``resilience``) decide on *kinds* of failure, never on a vendor's exception classes.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class LLMResponse:
    """One model answer. ``data`` is the parsed JSON object, or None when the text was not JSON."""

    raw_text: str
    data: dict[str, Any] | None
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    duration_ms: float = 0.0
    parse_error: str | None = None
    mode: str = ""  # how structured output was requested (json_schema, json_object, ollama_format)

    def to_cache(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_cache(cls, doc: dict[str, Any]) -> LLMResponse:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in doc.items() if k in known})


@runtime_checkable
class LLMProvider(Protocol):
    """What the enrichment step needs from a model server (OpenAI, Ollama or anything compatible)."""

    name: str  # "openai" | "ollama"
    model: str
    endpoint: str  # base URL: identifies the breaker and shows up in the run record

    def complete_json(self, system: str, user: str, schema: dict[str, Any], *, timeout: float) -> LLMResponse:
        """Ask for a JSON object that follows ``schema``; raise an ``LLMError`` subclass on failure."""
        ...


# --- errors -----------------------------------------------------------------------------------


class LLMError(Exception):
    """Base of every provider failure. ``retryable`` drives retries and breaker accounting."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False, kind: str = "error",
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable
        self.kind = kind
        self.details = details or {}

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}" + (f" (HTTP {self.status})" if self.status else "")

    def to_record(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message[:500], "status": self.status, "retryable": self.retryable}


class LLMTimeout(LLMError):
    def __init__(self, message: str = "the model did not answer in time") -> None:
        super().__init__(message, retryable=True, kind="timeout")


class LLMConnectionError(LLMError):
    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True, kind="connection")


class LLMServerError(LLMError):
    """5xx and 429: the server is unwell or busy, trying again later may work."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message, status=status, retryable=True, kind="server_error")


class LLMRequestError(LLMError):
    """4xx other than 429: the request itself is wrong, repeating it cannot help."""

    def __init__(self, message: str, status: int | None) -> None:
        super().__init__(message, status=status, retryable=False, kind="request_error")


class CircuitOpenError(LLMError):
    def __init__(self, key: str, retry_in_s: float) -> None:
        super().__init__(f"circuit open for {key}; retry in {retry_in_s:.0f}s", retryable=False, kind="circuit_open",
                         details={"key": key, "retry_in_s": retry_in_s})


def classify_status(status: int, message: str) -> LLMError:
    if status == 429 or status >= 500:
        return LLMServerError(message, status)
    return LLMRequestError(message, status)


# --- JSON parsing -------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def parse_json_object(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """Parse a model's text as a JSON object, tolerating Markdown fences; return (data, error)."""
    candidate = text.strip()
    match = _FENCE.match(candidate)
    if match:
        candidate = match.group(1)
    if not candidate:
        return None, "empty answer"
    try:
        data = json.loads(candidate)
    except json.JSONDecodeError as exc:
        # some small models wrap the object in prose: try the outermost braces once
        start, end = candidate.find("{"), candidate.rfind("}")
        if 0 <= start < end:
            try:
                data = json.loads(candidate[start : end + 1])
            except json.JSONDecodeError:
                return None, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        else:
            return None, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    if not isinstance(data, dict):
        return None, f"expected a JSON object, got {type(data).__name__}"
    return data, None
