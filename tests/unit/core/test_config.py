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


@pytest.mark.parametrize(("env", "message"), [
    ({"MAX_CONCURRENT_SESSIONS": "many"}, "must be an integer"),
    ({"SMTP_TLS": "maybe"}, "must be a boolean"),
    ({"JWT_SECRET": "short"}, "at least 32"),
    ({"ENVIRONMENT": "production"}, "JWT_SECRET must be set"),
    ({"SESSION_CAP_POLICY": "random"}, "SESSION_CAP_POLICY"),
    ({"LLM_PROVIDER": "bard"}, "LLM_PROVIDER"),
])
def test_misconfiguration_fails_at_init_with_a_clear_message(env: dict[str, str], message: str) -> None:
    with pytest.raises(RuntimeError, match=message):
        load_settings(env)
