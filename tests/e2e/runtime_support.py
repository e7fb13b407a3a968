"""Helpers of e2e tests, importable by name (a conftest module is not)."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from licita_local.launch import READY_PREFIX, NotReady, spawn, stop
from licita_local.services import Endpoints

ROOT = Path(__file__).resolve().parents[2]


FIXTURE = Path(__file__).resolve().parent / "fixture"


READY = READY_PREFIX


SERVICE_VARS = ("DATABASE_URL", "REDIS_URL", "MONGO_URL", "AWS_ENDPOINT_URL")
# what integration fixtures of the same worker may have pointed at their own resources: the runtime owns these
FIXTURE_VARS = ("UPLOADS_BUCKET", "ANALYSIS_QUEUE_URL", "NOTIFICATIONS_QUEUE_URL", "REPORTS_QUEUE_URL",
                "WEBSOCKET_MANAGEMENT_URL")


class _Info:
    """A URL the runtime reported at start-up (``info[key]``), read as an attribute of the handle."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __get__(self, handle: RuntimeHandle, owner: type | None = None) -> str:
        return str(handle.info[self.key])


@dataclass
class RuntimeHandle:
    """What a test needs to reach a running licita-local, plus helpers to observe it."""

    info: dict[str, Any]
    process: subprocess.Popen[str]
    log_path: Path
    endpoints: Endpoints = field(init=False)
    root: Path = ROOT

    rest_url = _Info("rest_url")
    ws_url = _Info("ws_url")
    management_url = _Info("management_url")
    aws_endpoint_url = _Info("aws_endpoint_url")

    def __post_init__(self) -> None:
        self.endpoints = Endpoints(**self.info["endpoints"])

    @property
    def credentials(self) -> dict[str, Any]:
        return dict(self.info.get("credentials") or {})

    @property
    def uploads_bucket(self) -> str:
        return str(self.info.get("uploads_bucket"))

    @property
    def buckets(self) -> dict[str, str]:
        return dict(self.info["buckets"])

    @property
    def queues(self) -> dict[str, str]:
        return dict(self.info["queues"])

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, endpoint_url=self.aws_endpoint_url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def management_client(self) -> Any:
        import boto3

        return boto3.client("apigatewaymanagementapi", endpoint_url=self.management_url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def invocations(self, function: str | None = None, since: int = 0,
                    source: str | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"since": since, "limit": 1000}
        if function:
            params["function"] = function
        if source:
            params["source"] = source
        items: list[dict[str, Any]] = httpx.get(f"{self.rest_url}/_local/invocations", params=params).json()["items"]
        return items

    def last_invocation_id(self) -> int:
        items = self.invocations()
        return int(items[-1]["id"]) if items else 0

    def wait_for(self, function: str, since: int, predicate: Callable[[dict[str, Any]], bool] = lambda i: True,
                 timeout: float = 20.0, count: int = 1) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        found: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            found = [i for i in self.invocations(function, since) if predicate(i)]
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{function}: expected {count} invocation(s), saw {found}\n--- log tail ---\n"
                             f"{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_runtime(args: list[str], env: dict[str, str], log_path: Path, timeout: float = 180.0) -> RuntimeHandle:
    with log_path.open("w") as log:
        try:
            proc, info = spawn(args, env, log, cwd=ROOT, timeout=timeout)
        except NotReady as exc:
            raise RuntimeError(f"{exc}:\n{log_path.read_text(errors='replace')[-4000:]}") from None
    return RuntimeHandle(info, proc, log_path)


def stop_runtime(handle: RuntimeHandle) -> None:
    stop(handle.process)


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in SERVICE_VARS and k not in FIXTURE_VARS and not k.startswith(("SMTP_", "PNCP_", "DISCOVERY_"))}
    env.update({
        "BCRYPT_ROUNDS": os.environ.get("BCRYPT_ROUNDS", "4"),
        "JWT_SECRET": os.environ.get("JWT_SECRET", "e2e-secret-0123456789abcdef0123456789abcdef"),
        "LICITA_LOCAL_MAX_VISIBILITY_SECONDS": "1",
        # every e2e login comes from 127.0.0.1: keep the per-account limit, lift the per-address one
        "LOGIN_MAX_PER_IP": os.environ.get("LOGIN_MAX_PER_IP", "100000"),
        "PORTAL_MAX_PER_IP": os.environ.get("PORTAL_MAX_PER_IP", "100000"),
        "PYTHONUNBUFFERED": "1",
    })
    return env


def recv_until(ws: Any, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30) -> dict[str, Any]:
    """The first JSON frame on ``ws`` that ``predicate`` accepts (frames before it are dropped)."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError("no matching frame on the socket")
        frame = json.loads(ws.recv(timeout=remaining))
        if predicate(frame):
            result: dict[str, Any] = frame
            return result


def new_manager(runtime: RuntimeHandle) -> tuple[str, str]:
    """A fresh company (so nothing is cached from earlier runs) with a MANAGER (tenders read/write/delete), written
    straight to the runtime's database; returns the MANAGER's e-mail and password."""
    import bcrypt
    import psycopg

    email, password = f"e2e-tenders-{uuid.uuid4().hex[:8]}@teste.com.br", "senha-e2e-123"
    company_id, cnpj = uuid.uuid4(), str(uuid.uuid4().int)[:14]
    with psycopg.connect(runtime.endpoints.database_url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        conn.execute("INSERT INTO companies (id, legal_name, cnpj) VALUES (%s, %s, %s)",
                     (company_id, "E2E Editais Ltda", cnpj))
        conn.execute("INSERT INTO users (id, company_id, email, password_hash, first_name, role) "
                     "VALUES (%s, %s, %s, %s, 'E2E', 'MANAGER')",
                     (uuid.uuid4(), company_id, email, bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()))
    return email, password
