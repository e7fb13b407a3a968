"""Typed settings read from the environment once per (warm) Lambda container.

A frozen dataclass rather than pydantic-settings: it costs nothing at cold start and every value is
validated here, so a misconfigured deployment fails at init with a clear message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import cache
from typing import Any, get_type_hints

_DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"
DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # the one upload limit (MAX_UPLOAD_BYTES overrides it)


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    # external services (all overridable; the local runtime fills them with embedded servers)
    database_url: str = ""
    redis_url: str = ""
    db_app_role: str = "licita_app"  # role transactions run as, so row-level security applies
    mongo_url: str = ""
    mongo_db: str = "licita"
    aws_endpoint_url: str = ""
    aws_region: str = "us-east-1"
    uploads_bucket: str = "licita-uploads"
    analysis_queue_url: str = ""
    notifications_queue_url: str = ""
    reports_queue_url: str = ""  # report requests -> report worker (procurement desk)
    analysis_dlq_url: str = ""
    notifications_dlq_url: str = ""
    websocket_management_url: str = ""
    # the endpoint also takes many posts per request (the local runtime's ``/@connections/$batch``); never on AWS
    websocket_management_batch: bool = False
    # parallel post_to_connection calls per fan-out: 8 measured best on the 2-core local runtime (calls share the
    # GIL with the server); raise it on AWS where each call waits on the network.
    ws_push_workers: int = 8
    app_base_url: str = ""  # the SPA's address, for absolute links in e-mails
    public_api_url: str = ""  # the REST API's public address, for supplier quote links in e-mails
    # tokens and sessions
    jwt_secret: str = _DEV_SECRET
    jwt_issuer: str = "licita"
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_days: int = 30
    session_idle_timeout_minutes: int = 30
    session_absolute_hours: int = 24 * 7
    max_concurrent_sessions: int = 5
    session_cap_policy: str = "revoke_oldest"  # or "deny"
    session_cache_seconds: int = 5
    bcrypt_rounds: int = 12
    # rate limits (login)
    login_max_per_account: int = 5
    login_max_per_ip: int = 20
    login_window_seconds: int = 300
    # the public quote portal has no login: budgets per client address and per link, per minute
    portal_max_per_ip: int = 120
    portal_max_per_link: int = 60
    # security hardening (issue 9): current-password attempts, refresh grace, tenant secrets, outbound URLs
    password_attempts_max: int = 5  # wrong current passwords on /auth/password per window, then 429
    password_attempts_window_seconds: int = 900
    refresh_grace_seconds: int = 10  # a just-rotated refresh token may be presented again this long
    licita_secrets_key: str = ""  # Fernet key for tenant secrets; empty outside production: derived from JWT_SECRET
    # tenant-chosen URLs (e.g. a company's own LLM endpoint): hosts or ".suffixes"; "*" = any public host
    outbound_allowed_hosts: str = "api.openai.com,.openai.azure.com,api.groq.com,openrouter.ai,api.mistral.ai"
    outbound_allow_private: bool = False  # operator opt-in: private/loopback/link-local targets allowed
    outbound_allow_http: bool = False  # operator opt-in: plain http for tenant URLs (secrets travel in clear)
    # request limits
    max_body_bytes: int = 1_048_576
    # tender uploads and the analysis pipeline
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES  # presigned POST policy, pipeline download check
    upload_expiry_minutes: int = 120  # an UPLOADING tender older than this ends FAILED (upload_expired)
    analysis_max_redrives: int = 3  # dead-lettered analyses are redriven this many times, then FAILED
    analysis_stale_minutes: int = 30  # QUEUED/PROCESSING without progress for this long counts as lost
    # LLM
    llm_provider: str = "none"
    ollama_url: str = "http://127.0.0.1:11434"
    ollama_model: str = "llama3.1"
    openai_api_key: str = ""
    openai_base_url: str = ""
    openai_model: str = "gpt-4o-mini"
    # a CPU-only model (Ollama without a GPU) needs more than 60 s a call: raise this, not the retries (the
    # attempts share a 240 s budget inside the analysis function's 300 s); the budget is document characters
    llm_timeout_seconds: float = 60.0
    llm_prompt_budget: int = 12_000
    llm_prices: str = ""  # JSON {"model": [usd_in_per_mtok, usd_out_per_mtok]} for cost accounting
    # documents engine
    licita_tesseract: str = "tesseract"  # tesseract binary (name on PATH or absolute path)
    # tessdata folder for Tesseract inside the process (empty: the installed CLI's); on Lambda the analysis
    # layer's /opt/tessdata, where no CLI exists
    licita_tessdata: str = ""
    licita_ocr_cache_dir: str = ""  # OCR page cache folder (empty: the engine's default)
    # OCR fan-out (documents.ocr_share): a long scan's tail read by up to this many other invocations, each on its
    # own cores. 0 = off: useful only where each invocation gets its own CPUs (AWS), not on one machine.
    ocr_helpers: int = 0
    ocr_pages_queue_url: str = ""  # where helpers' chunks are sent (OcrPagesQueue)
    ocr_claim_stale_seconds: float = 30.0  # a claimed page not published this long is read by the lead itself
    # local runtime
    licita_demo_password: str = "licita-demo-2026"  # password of the seeded demo users
    # e-mail
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_tls: bool = True
    smtp_user: str = ""
    smtp_password: str = ""
    emails_from_email: str = "nao-responda@licita.local"
    emails_from_name: str = "Licita"
    cors_allow_origin: str = "*"
    # PNCP (Portal Nacional de Contratações Públicas); the local runtime points these at its fake
    pncp_consulta_url: str = "https://pncp.gov.br/api/consulta"
    pncp_api_url: str = "https://pncp.gov.br/api/pncp"
    pncp_user_agent: str = "Licita/1.0 (+https://licita.app; PNCP client)"
    pncp_rate_per_second: float = 0.5  # shared by every function (Redis); 0 lifts the limit (benchmarks)
    pncp_connect_timeout: float = 10.0
    pncp_read_timeout: float = 30.0
    pncp_download_timeout: float = 120.0
    # discovery (licita.discovery): which partitions the 30-minute sync walks, and how far back it starts
    discovery_modalities: str = "1,2,3,4,5,6,7,8,9,10,11,12,13"  # codigoModalidadeContratacao, one call each
    discovery_ufs: str = ""  # comma-separated UFs; empty = every UF in one partition per modality
    discovery_backfill_days: int = 1  # first cycle of a partition (no watermark yet)
    discovery_max_compras_per_cycle: int = 5000
    discovery_fetch_items: bool = True  # items are needed to match inside item descriptions
    # Google Calendar push sync (licita.calendars.google*): off unless enabled and an OAuth client is configured;
    # the URLs default to Google's and are pointed at a local fake in tests
    google_calendar_enabled: bool = False
    google_oauth_client_id: str = ""
    google_oauth_client_secret: str = ""
    google_oauth_auth_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    google_oauth_token_url: str = "https://oauth2.googleapis.com/token"
    google_oauth_redirect_url: str = ""  # the SPA page Google returns to; empty: APP_BASE_URL + /agenda/google
    google_calendar_api_url: str = "https://www.googleapis.com/calendar/v3"
    google_calendar_timeout: float = 15.0

    def validate(self) -> Settings:
        if self.environment == "production" and self.jwt_secret == _DEV_SECRET:
            raise RuntimeError("JWT_SECRET must be set in production")
        if self.environment == "production" and not self.licita_secrets_key:
            raise RuntimeError("LICITA_SECRETS_KEY must be set in production (a Fernet key)")
        if len(self.jwt_secret) < 32:
            raise RuntimeError("JWT_SECRET must be at least 32 characters")
        if self.session_cap_policy not in ("revoke_oldest", "deny"):
            raise RuntimeError("SESSION_CAP_POLICY must be 'revoke_oldest' or 'deny'")
        for name in ("max_upload_bytes", "upload_expiry_minutes", "analysis_stale_minutes"):
            if getattr(self, name) <= 0:
                raise RuntimeError(f"{name.upper()} must be positive")
        if self.analysis_max_redrives < 0:
            raise RuntimeError("ANALYSIS_MAX_REDRIVES must be zero or more")
        if self.ws_push_workers <= 0:
            raise RuntimeError("WS_PUSH_WORKERS must be positive")
        if self.llm_provider not in ("none", "ollama", "openai"):
            raise RuntimeError("LLM_PROVIDER must be one of none, ollama, openai")
        if self.llm_timeout_seconds <= 0 or self.llm_prompt_budget < 1000:
            raise RuntimeError("LLM_TIMEOUT_SECONDS must be positive and LLM_PROMPT_BUDGET at least 1000")
        if self.ocr_helpers < 0 or self.ocr_claim_stale_seconds <= 0:
            raise RuntimeError("OCR_HELPERS must be >= 0 and OCR_CLAIM_STALE_SECONDS > 0")
        if self.pncp_rate_per_second < 0 or self.pncp_read_timeout <= 0 or self.pncp_connect_timeout <= 0:
            raise RuntimeError("PNCP_RATE_PER_SECOND must be >= 0 and PNCP timeouts > 0")
        return self


def _coerce(raw: str, kind: Any, name: str) -> Any:
    if kind is bool:
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off", ""):
            return False
        raise RuntimeError(f"{name.upper()} must be a boolean, got {raw!r}")
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise RuntimeError(f"{name.upper()} must be an integer, got {raw!r}") from None
    if kind is float:
        try:
            return float(raw)
        except ValueError:
            raise RuntimeError(f"{name.upper()} must be a number, got {raw!r}") from None
    return raw


def load_settings(env: dict[str, str] | None = None) -> Settings:
    source = os.environ if env is None else env
    hints = get_type_hints(Settings)
    values: dict[str, Any] = {}
    for f in fields(Settings):
        raw = source.get(f.name.upper())
        if raw is not None:
            values[f.name] = _coerce(raw, hints[f.name], f.name)
    return Settings(**values).validate()


@cache
def get_settings() -> Settings:
    return load_settings()


def reset_settings() -> None:
    """Forget cached settings (tests and the local runtime change the environment)."""
    get_settings.cache_clear()
