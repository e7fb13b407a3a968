"""The PNCP client as discovery uses it: built from Settings (every env read goes through licita.core.config)."""

from __future__ import annotations

from functools import cache
from typing import Any

from licita.core.config import get_settings
from licita.platform.clients import get_redis
from licita.platform.pncp import PncpClient, PncpSettings


def pncp_settings(**overrides: Any) -> PncpSettings:
    return PncpSettings.from_settings(get_settings(), **overrides)


@cache
def get_client() -> PncpClient:
    """One client per warm container; its rate limiter lives in Redis, shared by every function."""
    return PncpClient(get_redis(), pncp_settings())


def reset_client() -> None:
    get_client.cache_clear()


def degraded(client: PncpClient) -> bool:
    """PNCP misbehaved since the last stats reset (retries, 429s, 5xx, timeouts) or the breaker is not closed."""
    return bool(client.stats.degraded or client.breaker.state != "closed")
