"""Opt-in tier against a REAL model (scripts/test-llm.sh: llama.cpp + Gemma 3 270M, Ollama adapter in front).

Asserts structure, schema validation, timeouts, retries and the merge policy's invariants, never the
values: a 270M-parameter model is weak. Skipped unless LICITA_LLM_BASE_URL points at an
OpenAI-compatible server (LICITA_LLM_OLLAMA_URL, optional, at an Ollama-API endpoint).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest
from llm_servers import OpenAICompatServer, Reply
from llm_servers.samples import rules_result, sample_pages

from licita.extraction.llm import EnrichOptions, LLMTimeout, enrich
from licita.extraction.llm.accounting import ResponseCache
from licita.extraction.llm.base import LLMResponse
from licita.extraction.llm.merge import PageIndex
from licita.extraction.llm.prompts import SYSTEM_PROMPT, build_user_prompt
from licita.extraction.llm.providers import OllamaProvider, OpenAIProvider
from licita.extraction.llm.resilience import (
    BreakerConfig,
    CallReport,
    CircuitBreaker,
    MemoryBreakerStore,
    RetryPolicy,
    call_with_resilience,
)
from licita.extraction.llm.schema import FIELD_NAMES, tender_json_schema, validate_answer
from licita.extraction.llm.sections import select_sections

BASE_URL = os.environ.get("LICITA_LLM_BASE_URL", "")
OLLAMA_URL = os.environ.get("LICITA_LLM_OLLAMA_URL", "")
MODEL = os.environ.get("LICITA_LLM_MODEL", "local")
CALL_TIMEOUT = float(os.environ.get("LICITA_LLM_TIMEOUT", "300"))
BUDGET = int(os.environ.get("LICITA_LLM_BUDGET", "2500"))  # small: CPU inference of a few k tokens takes a while

pytestmark = [
    pytest.mark.llm,
    pytest.mark.skipif(not BASE_URL, reason="real-model tier is opt-in: run scripts/test-llm.sh "
                                             "(or set LICITA_LLM_BASE_URL to an OpenAI-compatible /v1 URL)"),
]

PAGES = sample_pages(filler_pages=3)
SCHEMA = tender_json_schema()


def _prompt() -> str:
    return build_user_prompt(select_sections(PAGES, budget=BUDGET).text)


def _no_redis() -> Any:
    raise RuntimeError("no Redis in the real-model tier")


def _options(**kw: Any) -> EnrichOptions:
    values: dict[str, Any] = {
        "timeout": CALL_TIMEOUT, "section_budget": BUDGET,
        "retry": RetryPolicy(max_attempts=2, base_delay=0.5, max_delay=1.0, total_budget=2 * CALL_TIMEOUT),
        "breaker_store": MemoryBreakerStore(), "cache": ResponseCache(_no_redis), "track_usage": False,
    }
    values.update(kw)
    return EnrichOptions(**values)


def _assert_structured(response: LLMResponse) -> None:
    assert response.data is not None, f"not JSON: {response.parse_error}: {response.raw_text[:300]!r}"
    assert response.prompt_tokens > 0 and response.completion_tokens > 0
    answer = validate_answer(response.data)
    # grammar-constrained decoding: every field is present and shaped {value, page, quote}
    assert not [e for e in answer.errors if e["type"] in ("missing", "not_an_object", "not_json")], answer.errors
    assert set(answer.fields) <= set(FIELD_NAMES)
    for name, entry in answer.fields.items():
        assert set(entry) == {"value", "page", "quote"}, name
    for error in answer.errors:  # whatever failed is reported with its field, never raised
        assert error["field"] in FIELD_NAMES or error["field"] is None


def test_openai_compatible_server_falls_back_to_json_object_and_answers_to_schema() -> None:
    provider = OpenAIProvider(model=MODEL, base_url=BASE_URL)
    response = provider.complete_json(SYSTEM_PROMPT, _prompt(), SCHEMA, timeout=CALL_TIMEOUT)
    # llama-cpp-python rejects json_schema; the provider must have switched to json_object + schema
    assert response.mode == "json_object"
    _assert_structured(response)


@pytest.mark.skipif(not OLLAMA_URL, reason="LICITA_LLM_OLLAMA_URL not set (Ollama-API adapter not running)")
def test_ollama_client_through_the_adapter_answers_to_schema() -> None:
    provider = OllamaProvider(model=MODEL, host=OLLAMA_URL)
    response = provider.complete_json(SYSTEM_PROMPT, _prompt(), SCHEMA, timeout=CALL_TIMEOUT)
    assert response.mode == "ollama_format"
    _assert_structured(response)


def test_enrich_with_the_real_model_keeps_the_merge_invariants() -> None:
    rules = rules_result()
    out = enrich(rules, PAGES, file_sha256="real-tier", provider=OpenAIProvider(model=MODEL, base_url=BASE_URL),
                 options=_options())
    rec = out.run_record
    assert out.status_hint in ("ok", "conflicts"), (out.notes, rec["errors"], rec["parse_error"])
    assert rec["attempts"] == 1 and rec["tokens"]["total"] > 0 and rec["raw_answer"]
    assert rec["cost_usd"] == 0.0
    index = PageIndex(PAGES)
    fields = out.merged["fields"]
    assert set(fields) == set(rules["fields"])
    for name, entry in fields.items():
        original = rules["fields"][name]
        if entry["source"] == "llm":
            # the model may only fill a gap or win a conflict with a quote that really is in the document
            assert entry["quote"] and index.verify(entry["quote"], entry["page"]).verified, (name, entry)
            assert original["value"] is None or entry["conflict"]
        else:
            assert entry["value"] == original["value"], (name, entry)
        assert entry["conflict"] is (name in out.merged["conflicts"])
        for alt in entry["alternatives"]:
            assert alt["source"] in ("rules", "llm")
    assert out.merged["items"] == rules["items"]
    summary = {k: rec.get(k) for k in ("status", "mode", "llm_duration_ms", "tokens", "fields_from_llm", "conflicts",
                                       "rejected_llm_fields")}
    summary["validation_errors"] = len(rec["validation_errors"])
    print("\nreal-model run:", json.dumps(summary, ensure_ascii=False))  # shown with pytest -s


def test_retries_in_front_of_the_real_model() -> None:
    """Two injected server errors, then the real answer: three attempts, one success."""
    with OpenAICompatServer(MODEL).forward_to(BASE_URL, timeout=CALL_TIMEOUT) as proxy:
        proxy.enqueue(Reply(status=500, error="injected"), Reply(status=503, error="injected"))
        provider = OpenAIProvider(model=MODEL, base_url=proxy.base_url, compat="json_object")
        report = CallReport()
        breaker = CircuitBreaker("real-tier:retry", BreakerConfig(failure_threshold=5), store=MemoryBreakerStore(),
                                 fallback=MemoryBreakerStore())
        prompt = _prompt()
        response = call_with_resilience(
            lambda t: provider.complete_json(SYSTEM_PROMPT, prompt, SCHEMA, timeout=t),
            timeout=CALL_TIMEOUT, policy=RetryPolicy(max_attempts=3, base_delay=0.1, max_delay=0.2,
                                                     total_budget=None),
            breaker=breaker, report=report)
    assert report.attempts == 3
    assert [e["status"] for e in report.errors] == [500, 503]
    assert report.breaker_state == "closed"
    _assert_structured(response)


def test_timeout_against_the_real_model_is_retried_then_reported() -> None:
    """Last on purpose: the server keeps computing the abandoned requests for a while."""
    provider = OpenAIProvider(model=MODEL, base_url=BASE_URL, compat="json_object")
    report = CallReport()
    started = time.monotonic()
    with pytest.raises(LLMTimeout):
        call_with_resilience(
            lambda t: provider.complete_json(SYSTEM_PROMPT, _prompt(), SCHEMA, timeout=t),
            timeout=0.05, policy=RetryPolicy(max_attempts=2, base_delay=0.05, max_delay=0.1, total_budget=None),
            report=report)
    assert time.monotonic() - started < 5
    assert report.attempts == 2
    assert [e["kind"] for e in report.errors] == ["timeout", "timeout"]
