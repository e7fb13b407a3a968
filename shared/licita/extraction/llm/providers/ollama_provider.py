"""Ollama through the official ``ollama`` client: ``/api/chat`` with ``format`` set to the JSON schema."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pydantic

from licita.extraction.llm.base import (
    LLMConnectionError,
    LLMError,
    LLMResponse,
    LLMServerError,
    LLMTimeout,
    classify_status,
    parse_json_object,
)

if TYPE_CHECKING:
    from ollama import Client


class OllamaProvider:
    """``LLMProvider`` over Ollama's native API (grammar-constrained JSON via ``format``)."""

    name = "ollama"

    def __init__(self, *, model: str, host: str, keep_alive: str | None = None) -> None:
        self.model = model
        self.endpoint = host.rstrip("/")
        self.keep_alive = keep_alive
        self._client: Client | None = None
        self._client_timeout: float | None = None

    def _get_client(self, timeout: float) -> Client:
        # the ollama client fixes its timeout at construction: rebuild only when it changes
        if self._client is None or self._client_timeout != timeout:
            from ollama import Client  # noqa: PLC0415  (heavy: ollama, ~300 ms, lazy for cold start)

            self._client = Client(host=self.endpoint, timeout=timeout)
            self._client_timeout = timeout
        return self._client

    def complete_json(self, system: str, user: str, schema: dict[str, Any], *, timeout: float) -> LLMResponse:
        import httpx  # noqa: PLC0415  (heavy: httpx, lazy for cold start)
        import ollama  # noqa: PLC0415  (heavy: ollama, lazy for cold start)

        started = time.perf_counter()
        client = self._get_client(timeout)
        try:
            response = client.chat(
                model=self.model,
                messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
                format=schema,
                options={"temperature": 0},
                stream=False,
                keep_alive=self.keep_alive,
            )
        except ollama.ResponseError as exc:
            if exc.status_code < 0:
                raise LLMServerError(str(exc.error), 502) from exc
            raise classify_status(exc.status_code, str(exc.error)) from exc
        except httpx.TimeoutException as exc:
            raise LLMTimeout(f"no answer from {self.endpoint} within {timeout:.1f}s") from exc
        except (ConnectionError, httpx.TransportError) as exc:
            raise LLMConnectionError(f"{self.endpoint}: {exc}") from exc
        except pydantic.ValidationError as exc:  # the server's reply did not look like Ollama's
            raise LLMError(f"unexpected reply shape: {exc.error_count()} errors", retryable=True,
                           kind="bad_response") from exc
        duration_ms = (time.perf_counter() - started) * 1000
        content = response.message.content or ""
        data, error = parse_json_object(content)
        return LLMResponse(
            raw_text=content,
            data=data,
            model=response.model or self.model,
            prompt_tokens=response.prompt_eval_count or 0,
            completion_tokens=response.eval_count or 0,
            duration_ms=round(duration_ms, 1),
            parse_error=error,
            mode="ollama_format",
        )
