"""Fixtures for the LLM integration tests: real fake-model servers on 127.0.0.1:0, fast options.

Redis, Mongo etc. come from the session ``infra`` fixture (autouse in tests/integration/conftest.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from llm_servers import OllamaServer, OpenAICompatServer

from licita.extraction.llm import EnrichOptions
from licita.extraction.llm.resilience import BreakerConfig, RetryPolicy


@pytest.fixture
def openai_server() -> Iterator[OpenAICompatServer]:
    with OpenAICompatServer() as server:
        yield server


@pytest.fixture
def llama_cpp_server() -> Iterator[OpenAICompatServer]:
    """Behaves like llama-cpp-python's server: json_schema rejected, json_object + schema honoured."""
    with OpenAICompatServer("gemma-local", reject_json_schema=True) as server:
        yield server


@pytest.fixture
def ollama_server() -> Iterator[OllamaServer]:
    with OllamaServer() as server:
        yield server


@pytest.fixture
def file_sha() -> str:
    """A fresh file hash per test: the Redis cache is shared by the whole session."""
    return uuid.uuid4().hex * 2


@pytest.fixture
def fast() -> Any:
    """EnrichOptions with short timeouts and tiny backoff, real Redis for breaker/cache/usage."""

    def build(**overrides: Any) -> EnrichOptions:
        values: dict[str, Any] = {
            "timeout": 2.0,
            "retry": RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, total_budget=30.0),
            "breaker": BreakerConfig(failure_threshold=5, cooldown_s=60.0),
        }
        values.update(overrides)
        return EnrichOptions(**values)

    return build
