"""The LLM step of tender analysis: rules result in, merged result + an ``ai_processing`` record out.

Contract: ``enrich`` never raises because of the model, the network, Redis or a bad answer. The rules
result always survives (annotated field by field); what went wrong is in ``notes`` and the run record.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from licita.extraction.llm.accounting import PriceTable, ResponseCache, cache_key, record_usage
from licita.extraction.llm.base import LLMError, LLMProvider, LLMResponse
from licita.extraction.llm.merge import RULES_DEFAULT, merge_results
from licita.extraction.llm.prompts import PROMPT_VERSION, SYSTEM_PROMPT, build_user_prompt
from licita.extraction.llm.resilience import (
    BreakerConfig,
    BreakerStore,
    CallReport,
    CircuitBreaker,
    RedisBreakerStore,
    RetryPolicy,
    breaker_key,
    call_with_resilience,
)
from licita.extraction.llm.schema import FIELD_NAMES, tender_json_schema, validate_answer
from licita.extraction.llm.sections import DEFAULT_BUDGET, select_sections
from licita.platform.clients import get_mongo

log = logging.getLogger(__name__)

StatusHint = Literal["ok", "conflicts", "llm_failed", "skipped"]
RAW_ANSWER_MAX = 100_000


@dataclass
class EnrichOptions:
    """Knobs with production defaults; tests shorten the timings."""

    timeout: float = 60.0  # per attempt
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: BreakerConfig = field(default_factory=BreakerConfig)
    breaker_store: BreakerStore | None = None  # default: Redis, degrading to process state
    section_budget: int = DEFAULT_BUDGET
    use_cache: bool = True
    cache: ResponseCache | None = None  # default: Redis via licita.platform.clients
    prices: PriceTable | None = None
    track_usage: bool = True  # per-company monthly counters in Redis
    sleep: Callable[[float], None] = time.sleep


@dataclass
class EnrichmentOutcome:
    merged: dict[str, Any]
    run_record: dict[str, Any]
    status_hint: StatusHint
    notes: list[str]


def _focus_fields(rules_result: Mapping[str, Any]) -> list[str]:
    """Fields the rules missed or are unsure of: their cues get the section budget first."""
    fields = rules_result.get("fields") or {}
    focus = []
    for name in FIELD_NAMES:
        entry = fields.get(name)
        missing = not isinstance(entry, Mapping) or entry.get("value") is None
        unsure = isinstance(entry, Mapping) and isinstance(entry.get("confidence"), (int, float)) \
            and entry["confidence"] < RULES_DEFAULT
        if missing or unsure:
            focus.append(name)
    return focus


def _rules_only(rules_result: Mapping[str, Any], pages: Sequence[tuple[int, str]]) -> dict[str, Any]:
    try:
        return merge_results(rules_result, None, pages)
    except Exception:  # malformed rules result: hand it back untouched rather than lose it
        log.exception("could not annotate the rules result")
        return dict(rules_result)


def enrich(rules_result: dict[str, Any], pages: list[tuple[int, str]], *, file_sha256: str,
           provider: LLMProvider | None, company_id: str | None = None,
           options: EnrichOptions | None = None) -> EnrichmentOutcome:
    """Ask the model for the fields, check its evidence and merge with the rules result (see ``merge``)."""
    opts = options or EnrichOptions()
    started_at = datetime.now(UTC)
    t0 = time.perf_counter()
    record: dict[str, Any] = {
        "kind": "tender_extraction",
        "file_sha256": file_sha256,
        "company_id": company_id,
        "provider": provider.name if provider else "none",
        "model": provider.model if provider else None,
        "endpoint": provider.endpoint if provider else None,
        "prompt_version": PROMPT_VERSION,
        "started_at": started_at,
        "cache": {"hit": False, "stored": False, "errors": []},
        "attempts": 0,
        "errors": [],
        "backoff_s": [],
        "breaker": None,
        "tokens": {"prompt": 0, "completion": 0, "total": 0},
        "cost_usd": 0.0,
        "priced": False,
        "raw_answer": None,
        "parse_error": None,
        "validation_errors": [],
        "fields_from_llm": [],
        "conflicts": [],
    }
    notes: list[str] = []
    try:
        merged, status = _run(rules_result, pages, file_sha256, provider, company_id, opts, record, notes)
    except Exception as exc:  # a bug in this module must not cost the rules result either
        log.exception("LLM enrichment failed unexpectedly")
        record["errors"].append({"kind": "internal", "message": f"{type(exc).__name__}: {exc}"[:500]})
        notes.append(f"LLM step failed unexpectedly ({type(exc).__name__}); rules result kept")
        merged, status = _rules_only(rules_result, pages), "llm_failed"
    record["status"] = status
    record["notes"] = notes
    record["finished_at"] = datetime.now(UTC)
    record["duration_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    return EnrichmentOutcome(merged=merged, run_record=record, status_hint=status, notes=notes)


def _run(rules_result: dict[str, Any], pages: list[tuple[int, str]], file_sha256: str,
         provider: LLMProvider | None, company_id: str | None, opts: EnrichOptions,
         record: dict[str, Any], notes: list[str]) -> tuple[dict[str, Any], StatusHint]:
    if provider is None:
        notes.append("LLM step skipped: no provider configured")
        return _rules_only(rules_result, pages), "skipped"

    cache = opts.cache if opts.cache is not None else ResponseCache()
    key = cache_key(file_sha256, provider.name, provider.model, PROMPT_VERSION)
    record["cache"]["key"] = key
    response: LLMResponse | None = cache.get(key) if opts.use_cache else None
    if response is not None:
        record["cache"]["hit"] = True
        notes.append("LLM answer reused from cache (same file, provider, model and prompt version)")
    else:
        selection = select_sections(pages, budget=opts.section_budget, focus=_focus_fields(rules_result))
        record["sections"] = {"chars": selection.chars, "source_chars": selection.source_chars,
                              "pages": selection.pages, "fields_covered": selection.fields_covered}
        user = build_user_prompt(selection.text)
        schema = tender_json_schema()
        breaker = CircuitBreaker(breaker_key(provider.name, provider.endpoint), opts.breaker,
                                 store=opts.breaker_store if opts.breaker_store is not None else RedisBreakerStore())
        report = CallReport()
        try:
            response = call_with_resilience(
                lambda t: provider.complete_json(SYSTEM_PROMPT, user, schema, timeout=t),
                timeout=opts.timeout, policy=opts.retry, breaker=breaker, report=report, sleep=opts.sleep)
        except LLMError as exc:
            notes.append(f"LLM call failed after {report.attempts} attempt(s): {exc}; rules result kept")
            return _rules_only(rules_result, pages), "llm_failed"
        finally:
            record.update(report.to_record())
            if breaker.store_errors:
                record["breaker"]["store_errors"] = breaker.store_errors[:3]
                notes.append("circuit breaker used process-local state (Redis unavailable)")
        record["llm_duration_ms"] = response.duration_ms

    record["response_model"] = response.model
    record["mode"] = response.mode
    record["raw_answer"] = response.raw_text[:RAW_ANSWER_MAX]
    record["parse_error"] = response.parse_error
    record["tokens"] = {"prompt": response.prompt_tokens, "completion": response.completion_tokens,
                        "total": response.prompt_tokens + response.completion_tokens}
    if not record["cache"]["hit"]:
        prices = opts.prices or PriceTable()
        cost, priced = prices.cost(provider.name, response.model, response.prompt_tokens, response.completion_tokens)
        record["cost_usd"], record["priced"] = cost, priced
        if opts.track_usage:
            record_usage(company_id, prompt_tokens=response.prompt_tokens,
                         completion_tokens=response.completion_tokens, cost_usd=cost)

    answer = validate_answer(response.data)
    record["validation_errors"] = answer.errors
    if response.data is None:
        notes.append(f"LLM answer was not a JSON object ({response.parse_error}); rules result kept")
        return _rules_only(rules_result, pages), "llm_failed"
    if opts.use_cache and not record["cache"]["hit"]:
        record["cache"]["stored"] = cache.put(key, response)
    record["cache"]["errors"] = cache.errors[:3]
    bad = sorted({str(e["field"]) for e in answer.errors if e.get("field") and e.get("type") != "missing"})
    if bad:
        notes.append(f"LLM answer failed validation for: {', '.join(bad)} (those opinions ignored)")

    merged = merge_results(rules_result, answer.fields, pages)
    record["fields_from_llm"] = merged["llm_fields"]
    record["conflicts"] = merged["conflicts"]
    rejected = [n for n, f in merged["fields"].items() if any(a.get("rejected") for a in f["alternatives"])]
    record["rejected_llm_fields"] = rejected
    if merged["llm_fields"]:
        notes.append(f"filled from the LLM (quote verified): {', '.join(merged['llm_fields'])}")
    if rejected:
        notes.append(f"LLM opinions rejected (quote not found in the document): {', '.join(rejected)}")
    if merged["conflicts"]:
        notes.append(f"rules and LLM disagree on: {', '.join(merged['conflicts'])} — needs review")
        return merged, "conflicts"
    return merged, "ok"


def record_run(run_record: Mapping[str, Any], *, db: Any = None) -> str:
    """Insert the run record into MongoDB ``ai_processing``; returns the new id (raises if Mongo is down)."""
    if db is None:
        db = get_mongo()
    result = db["ai_processing"].insert_one(dict(run_record))
    return str(result.inserted_id)
