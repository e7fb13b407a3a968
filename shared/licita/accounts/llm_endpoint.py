"""A company's LLM settings: validated and encrypted on the way in, resolved to one endpoint on the way out.

The rule this module exists for: the platform's key only ever goes to the platform's configured endpoint.
A company may point at its own endpoint (checked by :func:`licita.platform.outbound.check_outbound_url`)
only with its own key, stored encrypted and shown back as a hint; changing the endpoint forgets the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from licita.accounts.schemas import CompanySettingsOut
from licita.core.config import get_settings
from licita.core.errors import ValidationFailed
from licita.core.security.secrets import decrypt_secret, encrypt_secret, hint
from licita.extraction.llm.providers import get_provider
from licita.platform.outbound import check_outbound_url

if TYPE_CHECKING:
    from licita.accounts.schemas import CompanySettingsIn, CompanySettingsOut
    from licita.extraction.llm.base import LLMProvider

PROVIDERS = ("none", "ollama", "openai")
STORED_KEYS = ("llm_provider", "llm_model", "llm_base_url", "llm_api_key_encrypted", "llm_api_key_hint")


@dataclass(frozen=True)
class LlmEndpoint:
    provider: str  # none | ollama | openai
    base_url: str
    api_key: str
    model: str
    is_platform: bool  # True: the deployment's endpoint and key; False: the company's own, with its own key

    def __repr__(self) -> str:  # never print a key
        return (f"LlmEndpoint(provider={self.provider!r}, base_url={self.base_url!r}, model={self.model!r}, "
                f"is_platform={self.is_platform}, api_key={'***' if self.api_key else ''!r})")


def _invalid(field: str, kind: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, code="invalid_settings",
                            details=[{"field": f"settings.{field}", "type": kind, "message": message}])


def merge_settings(stored: Mapping[str, Any] | None, update: CompanySettingsIn) -> dict[str, Any]:
    """The settings document after ``update`` (only the fields sent; null clears one), validated."""
    current = {k: v for k, v in (stored or {}).items() if k in STORED_KEYS}
    changes = update.model_dump(exclude_unset=True)
    new_key = changes.pop("llm_api_key", None)
    for name, value in changes.items():
        if value is None:
            current.pop(name, None)
        else:
            current[name] = value
    if "llm_base_url" in changes and changes["llm_base_url"] != (stored or {}).get("llm_base_url"):
        current.pop("llm_api_key_encrypted", None)  # a key is only ever sent where it was given for
        current.pop("llm_api_key_hint", None)
    if "llm_api_key" in update.model_fields_set and new_key is None:
        current.pop("llm_api_key_encrypted", None)
        current.pop("llm_api_key_hint", None)
    base_url = current.get("llm_base_url")
    if new_key is not None:
        if not base_url:
            raise _invalid("llm_api_key", "key_without_endpoint",
                           "A chave própria só é usada com o seu próprio endpoint (llm_base_url).")
        current["llm_api_key_encrypted"], current["llm_api_key_hint"] = encrypt_secret(new_key), hint(new_key)
    if base_url:
        resolved = check_outbound_url(base_url, field="settings.llm_base_url")
        current["llm_base_url"] = resolved.url
        provider = current.get("llm_provider")
        if provider not in ("ollama", "openai"):
            raise _invalid("llm_provider", "provider_required",
                           "Informe o provedor (ollama ou openai) do seu próprio endpoint.")
        if provider == "openai" and not current.get("llm_api_key_encrypted"):
            raise _invalid("llm_api_key", "own_key_required",
                           "Um endpoint próprio exige a sua própria chave de API (llm_api_key); "
                           "a chave da plataforma nunca é enviada a endpoints de empresas.")
    return current


def public_settings(stored: Mapping[str, Any] | None) -> CompanySettingsOut:
    """What the API shows: never the key, only whether there is one and its last characters."""
    doc = stored or {}
    provider = doc.get("llm_provider")
    return CompanySettingsOut(
        llm_provider=provider if provider in PROVIDERS else None, llm_model=doc.get("llm_model") or None,
        llm_base_url=doc.get("llm_base_url") or None, llm_api_key_set=bool(doc.get("llm_api_key_encrypted")),
        llm_api_key_hint=doc.get("llm_api_key_hint") if doc.get("llm_api_key_encrypted") else None)


def resolve_llm_endpoint(company_settings: Mapping[str, Any] | None) -> LlmEndpoint:
    """Where this company's LLM calls go, and with which key.

    No own endpoint: the platform's endpoint with the platform's key. An own endpoint: checked again now
    (DNS may have changed since it was saved), with the company's own key, never the platform's; a stored
    endpoint that no longer passes, or an OpenAI endpoint without the company's key, is a 422.
    """
    cfg = get_settings()
    cs = company_settings or {}
    provider = str(cs.get("llm_provider") or cfg.llm_provider or "none").strip().lower()
    if provider not in PROVIDERS:
        provider = "none"
    model = str(cs.get("llm_model") or "")
    if provider == "none":
        return LlmEndpoint("none", "", "", "", True)
    own_url = cs.get("llm_base_url")
    if own_url:
        resolved = check_outbound_url(str(own_url), field="settings.llm_base_url")
        encrypted = cs.get("llm_api_key_encrypted")
        key = decrypt_secret(str(encrypted)) if encrypted else ""
        if provider == "openai" and not key:
            raise _invalid("llm_api_key", "own_key_required",
                           "Um endpoint próprio exige a sua própria chave de API.")
        default_model = cfg.openai_model if provider == "openai" else cfg.ollama_model
        return LlmEndpoint(provider, resolved.url, key, model or default_model, False)
    if provider == "openai":
        return LlmEndpoint("openai", cfg.openai_base_url, cfg.openai_api_key, model or cfg.openai_model, True)
    return LlmEndpoint("ollama", cfg.ollama_url, "", model or cfg.ollama_model, True)


def llm_provider_for(company_settings: Mapping[str, Any] | None) -> LLMProvider | None:
    """The provider the analysis uses for this company (None: no LLM step)."""
    endpoint = resolve_llm_endpoint(company_settings)
    if endpoint.provider == "none":
        return None
    return get_provider(endpoint.provider, model=endpoint.model, base_url=endpoint.base_url,
                        api_key=endpoint.api_key)
