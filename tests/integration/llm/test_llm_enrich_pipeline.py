"""``enrich`` end to end: real HTTP model servers, real Redis (breaker, cache, usage), real Mongo wire server."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

from llm_servers import OllamaServer, OpenAICompatServer, Reply
from llm_servers.samples import good_answer, good_answer_json, rules_result, sample_pages

from licita.extraction.llm import enrich, record_run
from licita.extraction.llm.accounting import get_usage
from licita.extraction.llm.providers import OllamaProvider, OpenAIProvider
from licita.extraction.llm.resilience import (
    BreakerConfig,
    CircuitBreaker,
    RedisBreakerStore,
    RetryPolicy,
    breaker_key,
)
from licita.platform.clients import get_mongo, get_redis

PAGES = sample_pages(filler_pages=30)


def openai_for(server: OpenAICompatServer, model: str = "gpt-4o-mini") -> OpenAIProvider:
    return OpenAIProvider(model=model, api_key="sk-test", base_url=server.base_url)


def test_openai_json_schema_path_merges_and_prices(openai_server: OpenAICompatServer, file_sha: str,
                                                   fast: Any) -> None:
    openai_server.enqueue(Reply(content=good_answer_json(), prompt_tokens=2000, completion_tokens=500))
    out = enrich(rules_result(), PAGES, file_sha256=file_sha, provider=openai_for(openai_server),
                 company_id="company-A", options=fast())
    assert out.status_hint == "ok", out.notes
    assert out.merged["fields"]["dispute_mode"] == {
        "value": "aberto", "page": 3, "quote": "o modo de disputa ABERTO", "confidence": 0.6, "source": "llm",
        "evidence": "cited_page", "alternatives": [], "conflict": False}
    rec = out.run_record
    assert rec["mode"] == "json_schema"
    assert rec["tokens"] == {"prompt": 2000, "completion": 500, "total": 2500}
    assert rec["priced"] is True
    assert rec["cost_usd"] == round((2000 * 0.15 + 500 * 0.60) / 1e6, 8)
    assert rec["breaker"] == {"before": "closed", "after": "closed", "store": "redis", "fail_fast": False}
    assert rec["cache"]["stored"] is True
    # the prompt carried the relevant sections only
    user = openai_server.chat_requests()[0]["messages"][1]["content"]
    assert "[página 3]" in user and len(user) < 13_000
    assert user.count("Cláusula genérica") < 5


def test_compat_fallback_path_through_enrich(llama_cpp_server: OpenAICompatServer, file_sha: str, fast: Any) -> None:
    llama_cpp_server.default = Reply(content=good_answer_json())
    provider = OpenAIProvider(model="gemma-local", base_url=llama_cpp_server.base_url)
    out = enrich(rules_result(), PAGES, file_sha256=file_sha, provider=provider, options=fast())
    assert out.status_hint == "ok"
    assert out.run_record["mode"] == "json_object"
    assert out.run_record["attempts"] == 1  # the fallback happens inside one attempt
    assert out.run_record["cost_usd"] == 0.0 and out.run_record["priced"] is False
    assert [b["response_format"]["type"] for b in llama_cpp_server.chat_requests()] == ["json_schema", "json_object"]


def test_ollama_format_path_through_enrich(ollama_server: OllamaServer, file_sha: str, fast: Any) -> None:
    ollama_server.enqueue(Reply(content=good_answer_json(), prompt_tokens=3000, completion_tokens=400))
    provider = OllamaProvider(model="llama3.1", host=ollama_server.url)
    out = enrich(rules_result(), PAGES, file_sha256=file_sha, provider=provider, company_id="company-B",
                 options=fast())
    assert out.status_hint == "ok"
    assert out.run_record["mode"] == "ollama_format"
    assert out.run_record["provider"] == "ollama"
    assert out.run_record["cost_usd"] == 0.0
    assert ollama_server.chat_requests()[0]["format"]["required"][0] == "document_kind"
    assert out.merged["fields"]["dispute_mode"]["value"] == "aberto"


def test_timeout_then_retry_then_success(openai_server: OpenAICompatServer, file_sha: str, fast: Any) -> None:
    openai_server.enqueue(Reply(content=good_answer_json(), delay=3.0), Reply(content=good_answer_json()))
    started = time.monotonic()
    out = enrich(rules_result(), PAGES, file_sha256=file_sha, provider=openai_for(openai_server),
                 options=fast(timeout=0.5))
    assert time.monotonic() - started < 2.5
    assert out.status_hint == "ok"
    assert out.run_record["attempts"] == 2
    assert [e["kind"] for e in out.run_record["errors"]] == ["timeout"]
    assert len(out.run_record["backoff_s"]) == 1
    assert openai_server.count("/chat/completions") == 2


def test_repeated_500s_open_the_shared_breaker_then_fail_fast(openai_server: OpenAICompatServer, file_sha: str,
                                                              fast: Any) -> None:
    openai_server.default = Reply(status=500, error="llama runner crashed")
    options = fast(retry=RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.02),
                   breaker=BreakerConfig(failure_threshold=3, cooldown_s=60))
    provider = openai_for(openai_server)

    first = enrich(rules_result(), PAGES, file_sha256=file_sha, provider=provider, options=options)
    assert first.status_hint == "llm_failed"
    assert first.run_record["attempts"] == 3
    assert first.run_record["errors"][-1]["kind"] == "circuit_open"
    assert first.run_record["breaker"]["after"] == "open"
    assert first.merged["fields"]["modality"]["value"] == "pregao_eletronico"  # rules survive
    assert openai_server.count("/chat/completions") == 3

    # the state is in Redis: another "function instance" (fresh breaker object) sees it open
    key = breaker_key("openai", provider.endpoint)
    other_instance = CircuitBreaker(key, BreakerConfig(failure_threshold=3), store=RedisBreakerStore())
    assert other_instance.state() == "open"
    assert int(get_redis().hget(key, "failures")) == 3

    second = enrich(rules_result(), PAGES, file_sha256=file_sha, provider=openai_for(openai_server), options=options)
    assert second.status_hint == "llm_failed"
    assert second.run_record["attempts"] == 0
    assert second.run_record["breaker"]["fail_fast"] is True
    assert openai_server.count("/chat/completions") == 3  # no request reached the server
    assert any("circuit open" in n for n in second.notes)


def test_breaker_half_open_probe_closes_it_again(openai_server: OpenAICompatServer, file_sha: str,
                                                 fast: Any) -> None:
    options = fast(retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.01),
                   breaker=BreakerConfig(failure_threshold=2, cooldown_s=0.5))
    openai_server.enqueue(Reply(status=502), Reply(status=502))
    assert enrich(rules_result(), PAGES, file_sha256=file_sha, provider=openai_for(openai_server),
                  options=options).run_record["breaker"]["after"] == "open"
    time.sleep(0.6)
    openai_server.enqueue(Reply(content=good_answer_json()))
    out = enrich(rules_result(), PAGES, file_sha256=file_sha, provider=openai_for(openai_server), options=options)
    assert out.run_record["breaker"]["before"] == "half_open"
    assert out.run_record["breaker"]["after"] == "closed"
    assert out.status_hint == "ok"


def test_invalid_json_is_recorded_and_rules_kept(openai_server: OpenAICompatServer, file_sha: str,
                                                 fast: Any) -> None:
    openai_server.enqueue(Reply(content='{"modality": {"value": "pregao_eletronico", "page": 1'))
    rules = rules_result()
    out = enrich(rules, PAGES, file_sha256=file_sha, provider=openai_for(openai_server), options=fast())
    assert out.status_hint == "llm_failed"
    assert out.run_record["attempts"] == 1  # a bad answer is not retried
    assert out.run_record["validation_errors"][0]["type"] == "not_json"
    assert out.run_record["cache"]["stored"] is False
    for name, entry in rules["fields"].items():
        assert out.merged["fields"][name]["value"] == entry["value"]


def test_schema_violating_answer_keeps_valid_fields(openai_server: OpenAICompatServer, file_sha: str,
                                                    fast: Any) -> None:
    answer = good_answer(dispute_mode={"value": "aberto e fechado ao mesmo tempo", "page": 3, "quote": "x"},
                         items_count={"value": "quinze", "page": 10, "quote": "15 itens"})
    openai_server.enqueue(Reply(content=json.dumps(answer, ensure_ascii=False)))
    out = enrich(rules_result(), PAGES, file_sha256=file_sha, provider=openai_for(openai_server), options=fast())
    assert out.status_hint == "ok"
    assert {e["field"] for e in out.run_record["validation_errors"]} == {"dispute_mode", "items_count"}
    assert out.merged["fields"]["dispute_mode"]["value"] is None
    assert out.merged["fields"]["items_count"]["value"] == 15  # the rules value stands
    assert out.merged["fields"]["modality"]["source"] == "both"


def test_second_call_for_the_same_file_hits_the_cache(openai_server: OpenAICompatServer, file_sha: str,
                                                      fast: Any) -> None:
    openai_server.enqueue(Reply(content=good_answer_json(), prompt_tokens=1500, completion_tokens=300))
    first = enrich(rules_result(), PAGES, file_sha256=file_sha, provider=openai_for(openai_server),
                   company_id="company-C", options=fast())
    second = enrich(rules_result(), PAGES, file_sha256=file_sha, provider=openai_for(openai_server),
                    company_id="company-C", options=fast())
    assert openai_server.count("/chat/completions") == 1
    assert first.run_record["cache"]["hit"] is False and second.run_record["cache"]["hit"] is True
    assert second.run_record["cost_usd"] == 0.0 and second.run_record["attempts"] == 0
    assert second.run_record["tokens"]["prompt"] == 1500  # what the cached answer had cost
    assert second.merged["fields"] == first.merged["fields"]

    # another model (or prompt version) is another key
    openai_server.enqueue(Reply(content=good_answer_json()))
    third = enrich(rules_result(), PAGES, file_sha256=file_sha, provider=openai_for(openai_server, "gpt-4.1-mini"),
                   options=fast())
    assert third.run_record["cache"]["hit"] is False
    assert openai_server.count("/chat/completions") == 2

    usage = get_usage("company-C")
    assert usage["calls"] == 1 and usage["prompt_tokens"] == 1500 and usage["completion_tokens"] == 300


def test_run_record_is_stored_in_mongo(openai_server: OpenAICompatServer, file_sha: str, fast: Any) -> None:
    openai_server.enqueue(Reply(content=good_answer_json()))
    out = enrich(rules_result(), PAGES, file_sha256=file_sha, provider=openai_for(openai_server),
                 company_id="company-D", options=fast())
    inserted_id = record_run(out.run_record)
    assert "_id" not in out.run_record
    stored = get_mongo()["ai_processing"].find_one({"file_sha256": file_sha})
    assert stored is not None and str(stored["_id"]) == inserted_id
    for key in ("provider", "model", "prompt_version", "status", "attempts", "tokens", "cost_usd", "raw_answer",
                "validation_errors", "cache", "breaker", "duration_ms", "company_id"):
        assert stored[key] == out.run_record[key], key
    assert stored["status"] == "ok"
    assert stored["started_at"].tzinfo is not None


def test_redis_unreachable_degrades_to_process_state(openai_server: OpenAICompatServer, file_sha: str,
                                                     fast: Any) -> None:
    from redis import Redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    dead = Redis(host="127.0.0.1", port=dead_port, socket_connect_timeout=0.2, socket_timeout=0.2,
                 retry=Retry(NoBackoff(), 0))
    from licita.extraction.llm.accounting import ResponseCache

    openai_server.enqueue(Reply(content=good_answer_json()))
    out = enrich(rules_result(), PAGES, file_sha256=file_sha, provider=openai_for(openai_server),
                 options=fast(breaker_store=RedisBreakerStore(lambda: dead), cache=ResponseCache(lambda: dead),
                              track_usage=False))
    assert out.status_hint == "ok"
    assert out.run_record["breaker"]["store"] == "memory"
    assert out.run_record["cache"]["stored"] is False and out.run_record["cache"]["errors"]
    assert any("process-local" in n for n in out.notes)
