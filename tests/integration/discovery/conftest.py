"""Discovery against the fake PNCP on a real socket, real PostgreSQL/Redis and moto (bucket → analysis queue)."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from discovery_support import events  # noqa: F401
from env_support import env_vars

from licita.platform.pncp import PncpClient, PncpSettings, RetryPolicy
from licita_local.pncp_fake import FakePncp
from notify_helpers import reset_licita
from tenders_helpers import Aws, drain

FAST_RETRY = RetryPolicy(max_attempts=8, base=0.01, cap=0.05, max_retry_after=5.0, deadline=30.0)


@pytest.fixture(scope="session")
def fake() -> Iterator[FakePncp]:
    with FakePncp(seed=31, count=0, recorded=False) as server:
        yield server


@pytest.fixture(scope="session")
def discovery_env(fake: FakePncp, aws: Aws) -> Iterator[Aws]:
    from licita.discovery.pncp import reset_client

    def reset() -> None:
        reset_licita()
        reset_client()

    values = {"PNCP_CONSULTA_URL": f"{fake.base_url}/api/consulta", "PNCP_API_URL": f"{fake.base_url}/api/pncp",
              "PNCP_RATE_PER_SECOND": "0", "DISCOVERY_MODALITIES": "6", "DISCOVERY_BACKFILL_DAYS": "1"}
    with env_vars(values, reset):
        yield aws


@pytest.fixture(autouse=True)
def _clean(fake: FakePncp, discovery_env: Aws) -> Iterator[None]:
    fake.reset()
    from sqlalchemy import text

    from licita.platform.db.engine import system_transaction

    with system_transaction() as db:  # every test starts from an empty PNCP mirror and no watermarks
        db.execute(text("DELETE FROM pncp_compras; DELETE FROM pncp_sync_state"))
    drain(discovery_env.sqs, discovery_env.notifications_queue)
    yield
    fake.reset()


@pytest.fixture
def client(fake: FakePncp, infra: dict[str, str]) -> Iterator[PncpClient]:
    r = redis.Redis.from_url(infra["REDIS_URL"])
    settings = PncpSettings.for_base(fake.base_url, rate_per_second=None, retry=FAST_RETRY, read_timeout=5.0,
                                     limiter_key=f"pncp:test:{uuid.uuid4().hex}")
    made = PncpClient(r, settings)
    yield made
    made.close()
    r.close()


