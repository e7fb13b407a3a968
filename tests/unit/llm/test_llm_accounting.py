"""Price table, cache keys and graceful degradation when Redis is missing."""

from __future__ import annotations

import pytest

from licita.extraction.llm.accounting import PriceTable, ResponseCache, cache_key, record_usage
from licita.extraction.llm.base import LLMResponse


def test_known_models_are_priced_per_million_tokens() -> None:
    table = PriceTable(env={})
    cost, priced = table.cost("openai", "gpt-4o-mini", 1_000_000, 1_000_000)
    assert priced and cost == pytest.approx(0.75)


def test_dated_model_names_use_the_longest_prefix() -> None:
    table = PriceTable(env={})
    assert table.lookup("gpt-4o-mini-2024-07-18") == table.prices["gpt-4o-mini"]
    assert table.lookup("gpt-4.1-mini-2025-04-14") == table.prices["gpt-4.1-mini"]


def test_local_and_unknown_models_cost_zero() -> None:
    table = PriceTable(env={})
    assert table.cost("ollama", "llama3.1", 5000, 500) == (0.0, False)
    assert table.cost("ollama", "gpt-4o-mini", 5000, 500) == (0.0, False)  # a local model named like a paid one
    assert table.cost("openai", "my-llama-on-vllm", 5000, 500) == (0.0, False)


def test_price_table_from_environment() -> None:
    table = PriceTable({}, env={"LLM_PRICES": '{"my-model": [1.0, 2.0], "llama3.1": [0, 0]}'})
    assert table.cost("openai", "my-model", 1_000_000, 500_000) == (2.0, True)
    assert table.cost("ollama", "llama3.1", 10, 10) == (0.0, True)
    assert PriceTable({}, env={"LLM_PRICES": "not json"}).prices == {}


def test_cache_key_depends_on_every_part() -> None:
    base = cache_key("a" * 64, "openai", "gpt-4o-mini", "tender-v1")
    assert base.startswith("licita:llm:cache:")
    assert base == cache_key("a" * 64, "openai", "gpt-4o-mini", "tender-v1")
    others = {cache_key("b" * 64, "openai", "gpt-4o-mini", "tender-v1"),
              cache_key("a" * 64, "ollama", "gpt-4o-mini", "tender-v1"),
              cache_key("a" * 64, "openai", "gpt-4o", "tender-v1"),
              cache_key("a" * 64, "openai", "gpt-4o-mini", "tender-v2")}
    assert base not in others and len(others) == 4


def _no_redis() -> object:
    raise RuntimeError("REDIS_URL is not configured")


def test_cache_without_redis_is_a_miss_not_an_error() -> None:
    cache = ResponseCache(_no_redis)
    assert cache.get("k") is None
    assert cache.put("k", LLMResponse(raw_text="{}", data={}, model="m")) is False
    assert len(cache.errors) == 1  # one failure, then the instance stops trying
    assert not record_usage("company-1", prompt_tokens=1, completion_tokens=1, cost_usd=0.0, redis_getter=_no_redis)
    assert record_usage(None, prompt_tokens=1, completion_tokens=1, cost_usd=0.0) is False


def test_response_round_trips_through_cache_format() -> None:
    response = LLMResponse(raw_text='{"a": 1}', data={"a": 1}, model="m", prompt_tokens=3, completion_tokens=4,
                           duration_ms=12.5, mode="json_schema")
    assert LLMResponse.from_cache({**response.to_cache(), "unknown": 1}) == response
