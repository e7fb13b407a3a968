"""OpenAI (and OpenAI-compatible servers) through the official ``openai`` client.

Structured outputs first (``json_schema``, strict). Servers such as llama-cpp-python's reject that
response format but honour ``{"type": "json_object", "schema": ...}``: on a 400/422 that mentions the
response format we switch to that compatible mode and remember the choice per base URL, so later
calls in this container go straight to it.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, Literal

from licita.extraction.llm.base import (
    LLMConnectionError,
    LLMError,
    LLMResponse,
    LLMTimeout,
    classify_status,
    parse_json_object,
)

if TYPE_CHECKING:
    from openai import OpenAI

CompatMode = Literal["auto", "json_schema", "json_object"]

_JSON_OBJECT_ENDPOINTS: set[str] = set()  # base URLs known to reject json_schema (per process)
_LOCK = threading.Lock()
_DEFAULT_ENDPOINT = "https://api.openai.com/v1"


def forget_compat_modes() -> None:
    """Tests: forget which endpoints needed the compatible mode."""
    with _LOCK:
        _JSON_OBJECT_ENDPOINTS.clear()


def _mentions_response_format(exc: Exception) -> bool:
    text = str(exc).lower()
    body = getattr(exc, "body", None)
    if body is not None:
        text += " " + str(body).lower()
    return any(k in text for k in ("response_format", "json_schema", "response format"))


class OpenAIProvider:
    """``LLMProvider`` over ``/v1/chat/completions``."""

    name = "openai"

    def __init__(self, *, model: str, api_key: str = "", base_url: str = "", compat: CompatMode = "auto",
                 schema_name: str = "tender_extraction") -> None:
        self.model = model
        self.endpoint = (base_url or _DEFAULT_ENDPOINT).rstrip("/")
        self._base_url = base_url or None
        # local compatible servers take no key, but the client insists on one
        self._api_key = api_key or ("not-needed" if base_url else "")
        self.compat: CompatMode = compat
        self.schema_name = schema_name
        self._client: OpenAI | None = None

    def _get_client(self, timeout: float) -> OpenAI:
        if self._client is None:
            from openai import OpenAI  # noqa: PLC0415  (heavy: openai, ~650 ms, lazy for cold start)

            self._client = OpenAI(api_key=self._api_key or None, base_url=self._base_url, timeout=timeout,
                                  max_retries=0)  # retries are ours (resilience), not the client's
        return self._client

    def current_mode(self) -> str:
        if self.compat != "auto":
            return self.compat
        with _LOCK:
            return "json_object" if self.endpoint in _JSON_OBJECT_ENDPOINTS else "json_schema"

    def complete_json(self, system: str, user: str, schema: dict[str, Any], *, timeout: float) -> LLMResponse:
        started = time.perf_counter()
        mode = self.current_mode()
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        try:
            completion = self._create(messages, schema, mode, timeout)
        except LLMError as exc:
            if mode == "json_schema" and self.compat == "auto" and exc.details.get("response_format"):
                with _LOCK:
                    _JSON_OBJECT_ENDPOINTS.add(self.endpoint)
                mode = "json_object"
                remaining = max(1.0, timeout - (time.perf_counter() - started))
                completion = self._create(messages, schema, mode, remaining)
            else:
                raise
        duration_ms = (time.perf_counter() - started) * 1000
        if not hasattr(completion, "choices"):  # the client hands back a str when the body was not JSON
            raise LLMError(f"{self.endpoint} did not answer with a chat completion: {str(completion)[:200]!r}",
                           retryable=True, kind="bad_response")
        choice = completion.choices[0] if completion.choices else None
        content = (choice.message.content if choice else None) or ""
        refusal = getattr(choice.message, "refusal", None) if choice else None
        data, error = parse_json_object(content)
        if refusal and data is None:
            error = f"model refused: {refusal}"
        if choice is not None and choice.finish_reason == "length" and data is None:
            error = f"answer truncated (finish_reason=length); {error}"
        usage = completion.usage
        return LLMResponse(
            raw_text=content,
            data=data,
            model=completion.model or self.model,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            duration_ms=round(duration_ms, 1),
            parse_error=error,
            mode=mode,
        )

    def _create(self, messages: list[dict[str, str]], schema: dict[str, Any], mode: str, timeout: float) -> Any:
        import openai  # noqa: PLC0415  (heavy: openai, lazy for cold start)

        if mode == "json_schema":
            response_format: dict[str, Any] = {
                "type": "json_schema",
                "json_schema": {"name": self.schema_name, "schema": schema, "strict": True},
            }
        else:
            response_format = {"type": "json_object", "schema": schema}
        client = self._get_client(timeout)
        create: Any = client.chat.completions.create  # "schema" inside json_object is not in the typed params
        try:
            return create(model=self.model, messages=messages, response_format=response_format, temperature=0,
                          timeout=timeout)
        except openai.APITimeoutError as exc:
            raise LLMTimeout(f"no answer from {self.endpoint} within {timeout:.1f}s") from exc
        except openai.APIConnectionError as exc:
            raise LLMConnectionError(f"{self.endpoint}: {exc}") from exc
        except openai.APIStatusError as exc:
            err = classify_status(exc.status_code, _status_message(exc))
            # llama-cpp-python answers 400/422; some llama.cpp builds answer 500 for the same rejection
            if exc.status_code in (400, 422, 500) and _mentions_response_format(exc):
                err.details["response_format"] = True
            raise err from exc
        except openai.OpenAIError as exc:  # e.g. a response the client could not parse
            raise LLMError(f"{type(exc).__name__}: {exc}", retryable=True, kind="bad_response") from exc


def _status_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        return str(inner)
    return str(exc)
