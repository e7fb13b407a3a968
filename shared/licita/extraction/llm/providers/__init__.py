"""Concrete providers and the factory that picks one from configuration, or a company's own endpoint and key."""

from __future__ import annotations

from licita.core.config import Settings, get_settings
from licita.extraction.llm.base import LLMError, LLMProvider
from licita.extraction.llm.providers.ollama_provider import OllamaProvider
from licita.extraction.llm.providers.openai_provider import OpenAIProvider

PROVIDER_NAMES = ("none", "ollama", "openai")


class LLMConfigError(LLMError):
    def __init__(self, message: str) -> None:
        super().__init__(message, kind="config")


def get_provider(name: str | None = None, *, settings: Settings | None = None, model: str | None = None,
                 base_url: str | None = None, api_key: str | None = None) -> LLMProvider | None:
    """Build the provider named ``name`` (default: ``LLM_PROVIDER``); None means "no LLM step".

    Keyword overrides (model, base_url, api_key) let a company use its own model or endpoint. The platform's
    OpenAI key only ever goes with the platform's own base URL: another endpoint gets the key passed with it,
    or none (``accounts.llm_endpoint`` decides which endpoint a company may use).
    Raises ``LLMConfigError`` for an unknown name or an OpenAI provider with neither key nor base URL.
    """
    cfg = settings or get_settings()
    chosen = (name or cfg.llm_provider or "none").strip().lower()
    if chosen == "none":
        return None
    if chosen == "ollama":
        return OllamaProvider(model=model or cfg.ollama_model, host=base_url or cfg.ollama_url)
    if chosen == "openai":
        url = base_url if base_url is not None else cfg.openai_base_url
        platform_endpoint = base_url is None or base_url == cfg.openai_base_url
        key = api_key if api_key is not None else (cfg.openai_api_key if platform_endpoint else "")
        if not key and not url:
            raise LLMConfigError("OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible server) is required")
        return OpenAIProvider(model=model or cfg.openai_model, api_key=key, base_url=url)
    raise LLMConfigError(f"unknown LLM provider {chosen!r}; expected one of {', '.join(PROVIDER_NAMES)}")


__all__ = ["LLMConfigError", "OllamaProvider", "OpenAIProvider", "get_provider"]
