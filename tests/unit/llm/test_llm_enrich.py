"""``enrich`` without infrastructure: skipped, failures contained, statuses, provider factory.

The provider here is a small in-test class implementing the ``LLMProvider`` protocol (the boundary to
an external model server); everything of ours runs for real. Wire-level tests are in tests/integration/llm.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from llm_servers.samples import good_answer, good_answer_json, rules_result, sample_pages

from licita.core.config import load_settings
from licita.extraction.llm import (
    EnrichOptions,
    LLMConfigError,
    LLMProvider,
    LLMResponse,
    LLMServerError,
    enrich,
    get_provider,
)
from licita.extraction.llm.accounting import ResponseCache
from licita.extraction.llm.base import parse_json_object
from licita.extraction.llm.providers import OllamaProvider, OpenAIProvider
from licita.extraction.llm.resilience import BreakerConfig, MemoryBreakerStore, RetryPolicy

PAGES = sample_pages()


class ScriptedProvider:
    """Answers from a list: a string (model text) or an exception to raise."""

    name = "openai"
    model = "scripted"

    def __init__(self, *answers: str | Exception, endpoint: str = "scripted://x") -> None:
        self.answers = list(answers)
        self.endpoint = endpoint
        self.calls: list[dict[str, Any]] = []

    def complete_json(self, system: str, user: str, schema: dict[str, Any], *, timeout: float) -> LLMResponse:
        self.calls.append({"system": system, "user": user, "schema": schema, "timeout": timeout})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        data, err = parse_json_object(answer)
        return LLMResponse(raw_text=answer, data=data, model=self.model, prompt_tokens=10, completion_tokens=5,
                           duration_ms=1.0, parse_error=err, mode="test")


def _no_redis() -> Any:
    raise RuntimeError("REDIS_URL is not configured")


def opts(**kw: Any) -> EnrichOptions:
    base: dict[str, Any] = {
        "timeout": 1.0, "retry": RetryPolicy(max_attempts=2, base_delay=0.0, max_delay=0.0),
        "breaker": BreakerConfig(failure_threshold=10), "breaker_store": MemoryBreakerStore(),
        "cache": ResponseCache(_no_redis), "track_usage": False, "sleep": lambda s: None,
    }
    base.update(kw)
    return EnrichOptions(**base)


def test_provider_satisfies_protocol() -> None:
    assert isinstance(ScriptedProvider(), LLMProvider)
    assert isinstance(OpenAIProvider(model="m", base_url="http://x/v1"), LLMProvider)
    assert isinstance(OllamaProvider(model="m", host="http://x"), LLMProvider)


def test_no_provider_means_skipped_and_rules_annotated() -> None:
    out = enrich(rules_result(), PAGES, file_sha256="f" * 64, provider=None)
    assert out.status_hint == "skipped"
    assert out.merged["fields"]["modality"]["source"] == "rules"
    assert out.run_record["provider"] == "none"
    assert out.notes == ["LLM step skipped: no provider configured"]


def test_good_answer_fills_the_gap_and_records_everything() -> None:
    provider = ScriptedProvider(good_answer_json())
    out = enrich(rules_result(), PAGES, file_sha256="1" * 64, provider=provider, company_id="c1", options=opts())
    assert out.status_hint == "ok"
    assert out.merged["fields"]["dispute_mode"]["value"] == "aberto"
    rec = out.run_record
    assert rec["status"] == "ok" and rec["attempts"] == 1
    assert rec["fields_from_llm"] == ["dispute_mode"]
    assert rec["tokens"] == {"prompt": 10, "completion": 5, "total": 15}
    assert rec["prompt_version"] == "tender-v1"
    assert rec["sections"]["chars"] <= 12_000
    assert rec["validation_errors"] == []
    assert rec["cache"]["hit"] is False and rec["cache"]["stored"] is False  # no Redis here
    assert json.loads(rec["raw_answer"])["dispute_mode"]["value"] == "aberto"
    # the prompt carried page-tagged sections, the schema went along
    assert "[página 3]" in provider.calls[0]["user"]
    assert provider.calls[0]["schema"]["required"][0] == "document_kind"


def test_conflict_sets_status_hint() -> None:
    answer = good_answer(platform={"value": "comprasgov", "page": 1, "quote": "PREFEITURA MUNICIPAL DE BILAC"})
    rules = rules_result()
    rules["fields"]["platform"]["confidence"] = 0.4
    out = enrich(rules, PAGES, file_sha256="2" * 64, provider=ScriptedProvider(json.dumps(answer)), options=opts())
    assert out.status_hint == "conflicts"
    assert out.merged["conflicts"] == ["platform"]
    assert any("disagree" in n for n in out.notes)


def test_invalid_json_keeps_rules_and_records_the_error() -> None:
    out = enrich(rules_result(), PAGES, file_sha256="3" * 64, provider=ScriptedProvider('{"modality": '),
                 options=opts())
    assert out.status_hint == "llm_failed"
    assert out.merged["fields"]["estimated_value"]["value"] == 78067.58
    assert out.run_record["parse_error"].startswith("invalid JSON")
    assert out.run_record["validation_errors"][0]["type"] == "not_json"
    assert out.run_record["raw_answer"] == '{"modality": '


def test_transient_errors_exhausted_is_llm_failed_not_an_exception() -> None:
    provider = ScriptedProvider(LLMServerError("down", 503), LLMServerError("down", 503))
    out = enrich(rules_result(), PAGES, file_sha256="4" * 64, provider=provider, options=opts())
    assert out.status_hint == "llm_failed"
    assert out.run_record["attempts"] == 2
    assert [e["status"] for e in out.run_record["errors"]] == [503, 503]
    assert out.merged["fields"]["modality"]["value"] == "pregao_eletronico"


def test_a_bug_in_the_provider_never_escapes() -> None:
    out = enrich(rules_result(), PAGES, file_sha256="5" * 64, provider=ScriptedProvider(ZeroDivisionError("bug")),
                 options=opts())
    assert out.status_hint == "llm_failed"
    assert out.run_record["errors"][-1]["kind"] == "internal"
    assert out.merged["fields"]["number"]["value"] == "042/2025"


def test_schema_violations_cost_only_their_fields() -> None:
    answer = good_answer(dispute_mode={"value": "leilão reverso", "page": 3, "quote": "modo de disputa ABERTO"})
    out = enrich(rules_result(), PAGES, file_sha256="6" * 64, provider=ScriptedProvider(json.dumps(answer)),
                 options=opts())
    assert out.status_hint == "ok"
    assert out.merged["fields"]["dispute_mode"]["value"] is None  # rules had none, the model's was invalid
    assert out.run_record["validation_errors"][0]["field"] == "dispute_mode"
    assert any("failed validation for: dispute_mode" in n for n in out.notes)


def test_factory_follows_configuration_and_overrides() -> None:
    settings = load_settings({"LLM_PROVIDER": "ollama", "OLLAMA_URL": "http://ollama:11434", "OLLAMA_MODEL": "qwen"})
    provider = get_provider(settings=settings)
    assert isinstance(provider, OllamaProvider)
    assert (provider.model, provider.endpoint) == ("qwen", "http://ollama:11434")
    assert get_provider("none", settings=settings) is None
    assert get_provider(settings=load_settings({})) is None
    compat = get_provider("openai", settings=settings, base_url="http://127.0.0.1:9/v1", model="gemma")
    assert isinstance(compat, OpenAIProvider)
    assert (compat.model, compat.endpoint) == ("gemma", "http://127.0.0.1:9/v1")
    with pytest.raises(LLMConfigError):
        get_provider("openai", settings=settings)  # neither key nor base URL
    with pytest.raises(LLMConfigError):
        get_provider("claude", settings=settings)


def test_another_endpoint_never_carries_the_platform_key() -> None:
    settings = load_settings({"LLM_PROVIDER": "openai", "OPENAI_API_KEY": "sk-platform"})
    own = get_provider("openai", settings=settings, base_url="https://llm.example.com/v1", model="m")
    assert isinstance(own, OpenAIProvider) and own._api_key != "sk-platform"
    brought = get_provider("openai", settings=settings, base_url="https://llm.example.com/v1", api_key="sk-company")
    assert isinstance(brought, OpenAIProvider) and brought._api_key == "sk-company"
    platform = get_provider("openai", settings=settings)
    assert isinstance(platform, OpenAIProvider) and platform._api_key == "sk-platform"


def test_importing_the_package_does_not_import_the_clients() -> None:
    import subprocess
    import sys

    code = ("import sys, licita.extraction.llm as m; "
            "print(int('openai' in sys.modules), int('ollama' in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "0"]
