"""LLM layer of tender analysis: providers (OpenAI, Ollama), section selection, prompt, validation,
resilience, accounting/cache and the merge with the rules extractor.

Entry points: ``get_provider``, ``enrich`` and ``record_run``. Importing this
package does not import ``openai`` or ``ollama``: the providers load their client on first call.
"""

from __future__ import annotations

from licita.extraction.llm.base import (
    CircuitOpenError,
    LLMConnectionError,
    LLMError,
    LLMProvider,
    LLMRequestError,
    LLMResponse,
    LLMServerError,
    LLMTimeout,
)
from licita.extraction.llm.enrich import EnrichmentOutcome, EnrichOptions, enrich, record_run
from licita.extraction.llm.merge import merge_results
from licita.extraction.llm.prompts import PROMPT_VERSION
from licita.extraction.llm.providers import LLMConfigError, get_provider
from licita.extraction.llm.schema import FIELD_NAMES, tender_json_schema, validate_answer
from licita.extraction.llm.sections import select_sections

__all__ = [
    "FIELD_NAMES",
    "PROMPT_VERSION",
    "CircuitOpenError",
    "EnrichOptions",
    "EnrichmentOutcome",
    "LLMConfigError",
    "LLMConnectionError",
    "LLMError",
    "LLMProvider",
    "LLMRequestError",
    "LLMResponse",
    "LLMServerError",
    "LLMTimeout",
    "enrich",
    "get_provider",
    "merge_results",
    "record_run",
    "select_sections",
    "tender_json_schema",
    "validate_answer",
]
