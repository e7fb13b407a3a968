from __future__ import annotations

import pytest

from licita.core.config import load_settings


def test_defaults_are_valid_for_development() -> None:
    settings = load_settings({})
    assert settings.environment == "development"
    assert settings.session_cap_policy == "revoke_oldest"


def test_environment_values_are_typed() -> None:
    settings = load_settings({"MAX_CONCURRENT_SESSIONS": "9", "SMTP_TLS": "false", "LLM_PROVIDER": "ollama"})
    assert settings.max_concurrent_sessions == 9
    assert settings.smtp_tls is False
    assert settings.llm_provider == "ollama"


def test_a_cpu_only_model_gets_minutes_and_a_small_prompt() -> None:
    settings = load_settings({"LLM_TIMEOUT_SECONDS": "300", "LLM_PROMPT_BUDGET": "2500"})
    assert (settings.llm_timeout_seconds, settings.llm_prompt_budget) == (300.0, 2500)


@pytest.mark.parametrize(("env", "message"), [
    ({"MAX_CONCURRENT_SESSIONS": "many"}, "must be an integer"),
    ({"SMTP_TLS": "maybe"}, "must be a boolean"),
    ({"JWT_SECRET": "short"}, "at least 32"),
    ({"ENVIRONMENT": "production"}, "JWT_SECRET must be set"),
    ({"SESSION_CAP_POLICY": "random"}, "SESSION_CAP_POLICY"),
    ({"LLM_PROVIDER": "bard"}, "LLM_PROVIDER"),
    ({"LLM_TIMEOUT_SECONDS": "0"}, "LLM_TIMEOUT_SECONDS"),
    ({"LLM_PROMPT_BUDGET": "999"}, "LLM_PROMPT_BUDGET"),
    ({"LLM_PROMPT_BUDGET": "lots"}, "must be an integer"),
])
def test_misconfiguration_fails_at_init_with_a_clear_message(env: dict[str, str], message: str) -> None:
    with pytest.raises(RuntimeError, match=message):
        load_settings(env)
