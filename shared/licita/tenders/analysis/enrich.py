"""The optional LLM pass (licita.extraction.llm): any failure keeps the rules result and leaves a note."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from licita.core.config import get_settings
from licita.tenders.analysis.results import as_list

log = logging.getLogger("licita.analysis")


def provider_name(company_settings: dict[str, Any]) -> str:
    """Per-company choice (companies.settings.llm_provider) over the deployment default (LLM_PROVIDER)."""
    chosen = str(company_settings.get("llm_provider") or get_settings().llm_provider or "none").strip().lower()
    return chosen if chosen in ("none", "ollama", "openai") else "none"


def enrich(document: Any, analysis: dict[str, Any], company_id: uuid.UUID, company_settings: dict[str, Any],
           sha256: str, run: dict[str, Any]) -> dict[str, Any]:
    name = run["provider"]
    run["llm"] = {"provider": name}
    failed_note = f"A leitura complementar por IA ({name}) falhou; o resultado foi obtido só pelas regras."
    try:
        from licita.extraction.llm import EnrichOptions, record_run  # noqa: PLC0415  (cold path: the LLM modules, ~250 ms, load only when the company uses an LLM)
        from licita.extraction.llm import enrich as llm_enrich  # noqa: PLC0415  (cold path: the LLM modules, ~250 ms, load only when the company uses an LLM)
    except ImportError as exc:
        run["llm"]["status"] = "unavailable"
        run["errors"].append({"stage": "llm", "message": f"LLM module unavailable: {exc}"[:500]})
        return analysis
    try:
        # the company's own endpoint only with its own key; the platform key only to the platform endpoint
        from licita.accounts.llm_endpoint import llm_provider_for  # noqa: PLC0415  (cold path: the LLM modules, ~250 ms, load only when the company uses an LLM)

        provider = llm_provider_for({**company_settings, "llm_provider": name})
        pages = [(int(p.number), str(p.text)) for p in getattr(document, "pages", [])]
        # a re-analysis asks for a fresh opinion: skip the LLM answer cache too
        cfg = get_settings()
        options = EnrichOptions(use_cache=not run.get("reanalyze"), timeout=cfg.llm_timeout_seconds,
                                section_budget=cfg.llm_prompt_budget)
        outcome = llm_enrich(analysis, pages, file_sha256=sha256, provider=provider, company_id=str(company_id),
                             options=options)
    except Exception as exc:  # configuration errors; enrich itself never raises for model/network problems
        log.warning("LLM enrichment (%s) failed: %s", name, exc, exc_info=True)
        run["llm"].update(status="failed", error=str(exc)[:500])
        run["errors"].append({"stage": "llm", "message": str(exc)[:500]})
        return {**analysis, "notes": [*as_list(analysis.get("notes")), failed_note]}
    record = dict(outcome.run_record)
    run["llm"].update(status=outcome.status_hint, model=record.get("model"),
                      prompt_version=record.get("prompt_version"), tokens=record.get("tokens"),
                      cost_usd=record.get("cost_usd"), cache_hit=(record.get("cache") or {}).get("hit"),
                      duration_ms=record.get("duration_ms"), notes=outcome.notes)
    try:
        run["llm"]["record_id"] = record_run(record)
    except Exception as exc:
        run["errors"].append({"stage": "llm_record", "message": str(exc)[:500]})
    merged = dict(outcome.merged)
    merged["llm"] = {k: run["llm"].get(k) for k in ("provider", "model", "status", "prompt_version", "notes")}
    if outcome.status_hint == "llm_failed":
        merged["notes"] = [*as_list(merged.get("notes")), failed_note]
    return merged
