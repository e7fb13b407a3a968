"""Token/cost accounting and the answer cache.

Cost: a price table per model in USD per million tokens (longest-prefix match, so dated model names
like ``gpt-4o-mini-2024-07-18`` price as ``gpt-4o-mini``); local models cost 0. Override or extend it
with the ``LLM_PRICES`` environment variable: ``{"model": [input_per_mtok, output_per_mtok], ...}``.

Cache: the same file analysed again (re-upload, retry of a stuck analysis, another company uploading
the same public edital) must not be paid for twice. Key = sha256(file) + provider + model + prompt
version; 30 days in Redis. Every Redis problem degrades to "no cache", never to a failed analysis.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from licita.extraction.llm.base import LLMResponse
from licita.platform.clients import get_redis

log = logging.getLogger(__name__)

# USD per 1M tokens (input, output). Public list prices; override with LLM_PRICES.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5": (1.25, 10.00),
}
LOCAL_PROVIDERS = frozenset({"ollama"})
CACHE_PREFIX = "licita:llm:cache:"
USAGE_PREFIX = "licita:llm:usage:"
CACHE_TTL_S = 30 * 24 * 3600


class PriceTable:
    """Cost of a call; unknown and local models cost 0 (and say so: ``priced`` is False)."""

    def __init__(self, prices: Mapping[str, tuple[float, float]] | None = None, *,
                 env: Mapping[str, str] | None = None) -> None:
        explicit: dict[str, tuple[float, float]] = dict(prices or {})
        raw = (os.environ if env is None else env).get("LLM_PRICES", "")
        if raw:
            try:
                for model, pair in json.loads(raw).items():
                    explicit[str(model)] = (float(pair[0]), float(pair[1]))
            except (ValueError, TypeError, IndexError, AttributeError) as exc:
                log.warning("ignoring malformed LLM_PRICES: %s", exc)
        self.explicit = explicit  # what the operator set: the only prices that apply to local models
        self.prices = {**(DEFAULT_PRICES if prices is None else {}), **explicit}

    def lookup(self, model: str) -> tuple[float, float] | None:
        if model in self.prices:
            return self.prices[model]
        matches = [m for m in self.prices if model.startswith(m)]
        return self.prices[max(matches, key=len)] if matches else None

    def cost(self, provider: str, model: str, prompt_tokens: int, completion_tokens: int) -> tuple[float, bool]:
        """(cost in USD, whether a price was known). Local providers are free unless explicitly priced."""
        price = self.explicit.get(model) if provider in LOCAL_PROVIDERS else self.lookup(model)
        if price is None:
            return 0.0, False
        usd = (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000
        return round(usd, 8), True


def cache_key(file_sha256: str, provider: str, model: str, prompt_version: str) -> str:
    digest = hashlib.sha256(f"{file_sha256}\x00{provider}\x00{model}\x00{prompt_version}".encode()).hexdigest()
    return CACHE_PREFIX + digest


def _default_redis() -> Any:
    return get_redis()


class ResponseCache:
    """Redis-backed cache of validated-JSON model answers."""

    def __init__(self, redis_getter: Callable[[], Any] | None = None, *, ttl_s: int = CACHE_TTL_S) -> None:
        self._get_redis = redis_getter or _default_redis
        self.ttl_s = ttl_s
        self.errors: list[str] = []
        self._down = False  # after one failure, stop paying Redis client retries for this instance

    def get(self, key: str) -> LLMResponse | None:
        if self._down:
            return None
        try:
            raw = self._get_redis().get(key)
        except Exception as exc:  # cache is an optimisation: never fail for it
            self._down = True
            self.errors.append(f"get: {type(exc).__name__}: {exc}"[:200])
            return None
        if raw is None:
            return None
        try:
            return LLMResponse.from_cache(json.loads(raw))
        except (ValueError, TypeError) as exc:
            self.errors.append(f"corrupt entry: {exc}"[:200])
            return None

    def put(self, key: str, response: LLMResponse) -> bool:
        if self._down:
            return False
        try:
            self._get_redis().set(key, json.dumps(response.to_cache(), ensure_ascii=False), ex=self.ttl_s)
            return True
        except Exception as exc:
            self._down = True
            self.errors.append(f"put: {type(exc).__name__}: {exc}"[:200])
            return False

    def delete(self, key: str) -> None:
        try:
            self._get_redis().delete(key)
        except Exception as exc:
            self.errors.append(f"delete: {type(exc).__name__}: {exc}"[:200])


def usage_key(company_id: str, when: datetime | None = None) -> str:
    month = (when or datetime.now(UTC)).strftime("%Y-%m")
    return f"{USAGE_PREFIX}{company_id}:{month}"


def record_usage(company_id: str | None, *, prompt_tokens: int, completion_tokens: int, cost_usd: float,
                 redis_getter: Callable[[], Any] | None = None) -> bool:
    """Add one call to the company's monthly counters (for plan limits and billing reports)."""
    if not company_id:
        return False
    try:
        redis = (redis_getter or _default_redis)()
        key = usage_key(company_id)
        pipe = redis.pipeline()
        pipe.hincrby(key, "calls", 1)
        pipe.hincrby(key, "prompt_tokens", prompt_tokens)
        pipe.hincrby(key, "completion_tokens", completion_tokens)
        pipe.hincrby(key, "cost_micro_usd", round(cost_usd * 1_000_000))
        pipe.expire(key, 400 * 24 * 3600)
        pipe.execute()
        return True
    except Exception as exc:
        log.warning("could not record LLM usage for %s: %s", company_id, exc)
        return False


def get_usage(company_id: str, when: datetime | None = None,
              redis_getter: Callable[[], Any] | None = None) -> dict[str, int]:
    raw = (redis_getter or _default_redis)().hgetall(usage_key(company_id, when))
    return {(k.decode() if isinstance(k, bytes) else str(k)): int(v) for k, v in raw.items()}
