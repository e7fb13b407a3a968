"""End-to-end fixtures: ``licita-local`` started as a user would (a subprocess), talked to over HTTP/WS/boto3.

``runtime``          the project's template.yaml, embedded services, migrated + seeded (session-wide).
``fixture_runtime``  tests/e2e/fixture/template.yaml (throwaway functions with deterministic failures),
                     sharing the first runtime's services, for the runtime's own mechanics.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from runtime_support import (  # noqa: F401
    FIXTURE,
    READY,
    ROOT,
    SERVICE_VARS,
    RuntimeHandle,
    base_env,
    new_manager,
    start_runtime,
    stop_runtime,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def runtime() -> Iterator[RuntimeHandle]:
    """The project's template on embedded services, migrated and seeded; one per test session."""
    data_dir = Path(tempfile.mkdtemp(prefix="licita-e2e-"))
    handle = start_runtime(["--port", "0", "--ws-port", "0", "--data-dir", str(data_dir), "--log-level", "INFO"],
                           base_env(), data_dir.parent / f"{data_dir.name}.log")
    yield handle
    stop_runtime(handle)


@pytest.fixture(scope="session")
def fixture_runtime(runtime: RuntimeHandle) -> Iterator[RuntimeHandle]:
    """tests/e2e/fixture/template.yaml on the same PostgreSQL/Redis/Mongo/moto (different stage, own queues)."""
    data_dir = Path(tempfile.mkdtemp(prefix="licita-e2e-fixture-"))
    root = data_dir / "project"  # a copy, so hot-reload tests may edit function code
    shutil.copytree(FIXTURE, root)
    env = base_env()
    env.update(runtime.endpoints.as_env())
    handle = start_runtime(["--root", str(root), "--port", "0", "--ws-port", "0", "--data-dir", str(data_dir),
                            "--stage", "e2efix", "--no-migrate", "--no-seed", "--no-schedules", "--log-level", "INFO"],
                           env, data_dir.parent / f"{data_dir.name}.log", timeout=60)
    handle.root = root
    yield handle
    stop_runtime(handle)


@pytest.fixture
def http(runtime: RuntimeHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=runtime.rest_url, timeout=15) as c:
        yield c


@pytest.fixture
def api(runtime: RuntimeHandle) -> Iterator[httpx.Client]:
    """A client signed in as the MANAGER of a fresh company (tenders read/write/delete)."""
    email, password = new_manager(runtime)
    with httpx.Client(base_url=runtime.rest_url, timeout=30) as client:
        login = client.post("/auth/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        yield client


@pytest.fixture
def token(runtime: RuntimeHandle, http: httpx.Client) -> str:
    """An access token of the seeded demo admin."""
    creds = runtime.credentials
    resp = http.post("/auth/login", json={"email": creds["email"], "password": creds["password"]})
    assert resp.status_code == 200, resp.text
    return str(resp.json()["access_token"])
