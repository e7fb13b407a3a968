"""Session-wide real infrastructure: embedded PostgreSQL, Redis, Mongo-wire server and moto, once per run."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"

# Fast hashing and a fixed secret for every test process (set before licita reads its settings).
os.environ.setdefault("BCRYPT_ROUNDS", "4")
os.environ.setdefault("JWT_SECRET", "test-secret-0123456789abcdef0123456789abcdef")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture(scope="session")
def infra() -> Iterator[dict[str, str]]:
    """Start the embedded services and point licita at them (env + cached clients reset)."""
    from licita_local.services import EmbeddedServices

    data_dir = Path(tempfile.mkdtemp(prefix="licita-test-"))
    services = EmbeddedServices(data_dir, env={})
    endpoints = services.start()
    os.environ.update(endpoints.as_env())
    _reset_licita()
    from licita.platform.db.migrate import upgrade

    upgrade(endpoints.database_url)
    yield endpoints.as_env()
    _reset_licita()
    services.stop()


def _reset_licita() -> None:
    from licita.core.config import reset_settings
    from licita.platform.clients import reset_clients
    from licita.platform.db.engine import reset_engine

    reset_settings()
    reset_engine()
    reset_clients()
