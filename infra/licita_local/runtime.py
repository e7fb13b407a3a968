"""``LocalRuntime``: embedded services + template resources + every function, wired as on AWS.

Start order (≈ what takes time): bind the REST port (so WEBSOCKET_MANAGEMENT_URL is known) → embedded
PostgreSQL/Redis/Mongo-wire/moto in parallel → load template.yaml with their URLs → in parallel:
create queues/buckets in moto, and migrate + seed the database → function hosts, REST gateway,
WebSocket server, SQS pollers, scheduler, hot-reload watcher.

Every function runs in this one process and shares ``os.environ`` (see functions.py).
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from licita_local.admin import Admin
from licita_local.aws import ensure_dummy_credentials, provision
from licita_local.functions import (
    MAX_CONTAINERS,
    FunctionHost,
    InvocationLog,
    ReloadGate,
    Watcher,
    purge_licita_modules,
)
from licita_local.gateway import Gateway
from licita_local.httpserver import HttpServer, Request, Response
from licita_local.mail import MailService
from licita_local.schedules import Scheduler
from licita_local.services import EmbeddedServices, Endpoints
from licita_local.sqs import SqsPoller
from licita_local.template import DEFAULT_STAGE, REGION, Template, load_template
from licita_local.websocket import WebSocketGateway

log = logging.getLogger("licita.local")


@dataclass
class RuntimeInfo:
    rest_url: str
    ws_url: str | None
    management_url: str
    aws_endpoint_url: str
    endpoints: Endpoints
    credentials: dict[str, Any] | None
    ready_seconds: float
    data_dir: str
    docs_url: str
    openapi_url: str
    buckets: dict[str, str] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)
    functions: list[str] = field(default_factory=list)
    schedules: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    mail_url: str | None = None

    @property
    def uploads_bucket(self) -> str | None:
        return self.buckets.get("UploadsBucket") or next(iter(self.buckets.values()), None)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["uploads_bucket"] = self.uploads_bucket
        return d


_WARM_MODULES = ("boto3", "botocore.client", "sqlalchemy", "alembic.command", "psycopg", "chalice", "pydantic",
                 "redis", "pymongo", "licita.core.http", "licita.platform.db.migrate")


def _warm_imports() -> None:
    """Import what provisioning, migrations and the first requests need, off the critical path."""
    import importlib

    for name in _WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # only a head start; the real import reports errors
            log.debug("warm import of %s failed", name, exc_info=True)


def jwt_secret(data_dir: Path) -> str:
    """``JWT_SECRET`` from the environment, else a dev secret generated once and kept in the data dir."""
    env = os.environ.get("JWT_SECRET")
    if env:
        return env
    path = data_dir / "jwt-secret"
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


class LocalRuntime:
    def __init__(self, root: Path | None = None, data_dir: Path | None = None, port: int = 0, ws_port: int = 0,
                 seed: bool = True, schedules: bool = True, *, host: str = "127.0.0.1",
                 template: str = "template.yaml", migrate: bool = True, reset: bool = False,
                 hot_reload: bool = True, stage: str = DEFAULT_STAGE,
                 max_containers: int = MAX_CONTAINERS) -> None:
        self.root = (root or Path.cwd()).resolve()
        self.data_dir = (data_dir or self.root / ".licita-local").resolve()
        self.port, self.ws_port, self.host = port, ws_port, host
        self.seed, self.schedules, self.migrate = seed, schedules, migrate
        self.template_path = (self.root / template).resolve()
        self.reset, self.hot_reload, self.stage = reset, hot_reload, stage
        self.max_containers = max_containers
        self.invocations = InvocationLog()
        self.gate = ReloadGate()
        self.hosts: dict[str, FunctionHost] = {}
        self.template: Template | None = None
        self.services: EmbeddedServices | None = None
        self.http: HttpServer | None = None
        self.ws: WebSocketGateway | None = None
        self.pollers: list[SqsPoller] = []
        self.scheduler: Scheduler | None = None
        self.watcher: Watcher | None = None
        self.info: RuntimeInfo | None = None
        self.mail: MailService | None = None
        self._handler: Any = None
        self._shared_generation = 0
        self._stopped = threading.Event()

    # ------------------------------------------------------------------ start
    def _dispatch(self, req: Request) -> Response:
        handler = self._handler
        if handler is None:
            return Response(503, [("Content-Type", "application/json"), ("Retry-After", "1")],
                            b'{"error":{"code":"starting","message":"licita-local is starting","details":null}}')
        result: Response = handler(req)
        return result

    def _too_large(self) -> Response:
        """The template's REQUEST_TOO_LARGE gateway response, for bodies refused before they are read."""
        gw = self._handler
        if isinstance(gw, Gateway):
            return gw.gateway_response(gw.default_api, "REQUEST_TOO_LARGE", 413)
        return Response(413, [("Content-Type", "application/json")],
                        b'{"error":{"code":"payload_too_large","message":"Request too large","details":null}}')

    def start(self) -> RuntimeInfo:
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        if self.reset and self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        ensure_dummy_credentials()
        os.environ.setdefault("AWS_REGION", REGION)

        warm = threading.Thread(target=_warm_imports, name="warm-imports", daemon=True)
        warm.start()  # boto3/alembic/chalice load while PostgreSQL, Redis, Mongo and moto boot
        self.http = HttpServer(self._dispatch, self.host, self.port, too_large=self._too_large)
        rest_url = f"http://{self.host}:{self.http.port}"
        self.http.start()  # answers 503 until ready

        self.services = EmbeddedServices(self.data_dir, env=dict(os.environ), pncp_fake=True)
        endpoints = self.services.start()
        timings.update({f"service_{k}": round(v, 3) for k, v in self.services.timings.items()})
        timings["services"] = round(time.perf_counter() - t0, 3)

        # A real SMTP server configured by the user wins; otherwise mails land in the local sink.
        mail_url: str | None = None
        if not os.environ.get("SMTP_HOST"):
            self.mail = MailService(self.data_dir)
            self.mail.start()
            smtp_host, smtp_port = self.mail.host, self.mail.port
            os.environ.update(SMTP_HOST=smtp_host, SMTP_PORT=str(smtp_port), SMTP_TLS="false")
            mail_url = f"{rest_url}/_local/mail"

        params = {"DatabaseUrl": endpoints.database_url, "RedisUrl": endpoints.redis_url,
                  "MongoUrl": endpoints.mongo_url, "JwtSecret": jwt_secret(self.data_dir)}
        t1 = time.perf_counter()
        template = load_template(self.template_path, params, aws_endpoint_url=endpoints.aws_endpoint_url,
                                 stage=self.stage)
        self._apply_env(template, endpoints, rest_url)

        credentials: dict[str, Any] | None = None
        with ThreadPoolExecutor(max_workers=2) as pool:
            prov_f = pool.submit(self._timed, timings, "aws_resources", provision, template,
                                 endpoints.aws_endpoint_url)
            db_f = pool.submit(self._timed, timings, "database", self._database)
            provisioned = prov_f.result()
            credentials = db_f.result()
        predicted = {k: template.physical[k] for k in provisioned.queue_urls}
        if predicted != provisioned.queue_urls:  # an endpoint with other URL shapes (e.g. LocalStack)
            template = load_template(self.template_path, params, aws_endpoint_url=endpoints.aws_endpoint_url,
                                     physical_overrides=provisioned.queue_urls, stage=self.stage)
            self._apply_env(template, endpoints, rest_url)
        self.template = template
        self._watch(template, endpoints)
        timings["template"] = round(time.perf_counter() - t1, 3)

        self.hosts = {k: FunctionHost(fn, self.invocations, self.gate, self.max_containers)
                      for k, fn in template.functions.items()}
        admin = Admin(template, self.hosts, self.invocations, endpoints.aws_endpoint_url, lambda: rest_url,
                      lambda: self.info.as_dict() if self.info else {})
        admin.services = self.service_status
        admin.hold_service = self.hold_service
        admin.generation = lambda: self._shared_generation + sum(h.generation for h in self.hosts.values())
        gateway = Gateway(template, self.hosts, admin)

        ws_url: str | None = None
        if template.websocket_apis:
            ws_api = next(iter(template.websocket_apis.values()))
            self.ws = WebSocketGateway(ws_api, self.hosts, self.host, self.ws_port)
            ws_port = self.ws.start()
            ws_url = f"ws://{self.host}:{ws_port}"
            admin.ws = self.ws

        for fn in template.functions.values():
            for ev in fn.sqs_events:
                if ev.enabled:
                    self.pollers.append(SqsPoller(ev, self.hosts[fn.logical_id], template,
                                                  endpoints.aws_endpoint_url))
        for p in self.pollers:
            p.start()
        admin.pollers = self.pollers

        sched_events = [(ev, self.hosts[fn.logical_id]) for fn in template.functions.values()
                        for ev in fn.schedule_events]
        if sched_events:
            self.scheduler = Scheduler.build(sched_events, autostart=self.schedules)
            self.scheduler.start()
            admin.scheduler = self.scheduler

        if self.hot_reload:
            self._start_watcher(template)

        self._handler = gateway
        self.info = RuntimeInfo(
            rest_url=rest_url, ws_url=ws_url, management_url=rest_url,
            aws_endpoint_url=endpoints.aws_endpoint_url, endpoints=endpoints, credentials=credentials,
            ready_seconds=round(time.perf_counter() - t0, 3), data_dir=str(self.data_dir),
            docs_url=f"{rest_url}/docs", openapi_url=f"{rest_url}/openapi.json",
            buckets=dict(provisioned.buckets),
            queues={k: template.queue_url(k) for k in template.queues},
            functions=list(template.functions),
            schedules=[e.rule_name for fn in template.functions.values() for e in fn.schedule_events],
            timings=timings, mail_url=mail_url,
        )
        return self.info

    def _watch(self, template: Template, endpoints: Endpoints) -> None:
        """Watchdog over the embedded services (and the SMTP sink); moto comes back with the template's
        queues and buckets re-created (its S3 objects are restored from disk by the S3 front itself)."""
        assert self.services is not None
        moto = self.services.supervised.get("moto")
        if moto is not None:
            def reprovision() -> None:
                provision(template, endpoints.aws_endpoint_url)

            moto.on_restart.append(reprovision)
        self.services.watch(extra=[self.mail] if self.mail else [])

    def service_status(self) -> list[dict[str, Any]]:
        """``GET /_local/services``: pid, liveness and outages (detected/recovered) of every watched service."""
        return self.services.status() if self.services else []

    def hold_service(self, name: str, seconds: float) -> bool:
        """``POST /_local/services/{name}/hold?seconds=``: the next death of ``name`` lasts that long."""
        services = self.services
        if services is None or services.watchdog is None or name not in services.supervised:
            return False
        services.watchdog.hold(name, seconds)
        return True

    @staticmethod
    def _timed(timings: dict[str, float], name: str, fn: Any, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args)
        finally:
            timings[name] = round(time.perf_counter() - started, 3)

    def _apply_env(self, template: Template, endpoints: Endpoints, rest_url: str) -> None:
        """Globals + function variables into os.environ, then the local endpoints on top."""
        env: dict[str, str] = {}
        for fn in template.functions.values():
            for k, v in fn.environment.items():
                if k in env and env[k] != v:
                    log.warning("%s sets %s differently from another function; one process shares one "
                                "environment, the last value wins", fn.logical_id, k)
                env[k] = v
        env.update(endpoints.as_env())
        env["WEBSOCKET_MANAGEMENT_URL"] = rest_url
        env["WEBSOCKET_MANAGEMENT_BATCH"] = "1"  # our endpoint's /@connections/$batch (websocket.py); not on AWS
        env["AWS_REGION"] = os.environ.get("AWS_REGION", REGION)
        env["LICITA_LOCAL"] = "1"
        os.environ.update(env)
        self._reset_licita()

    @staticmethod
    def _reset_licita() -> None:
        """Drop settings and clients built before the environment was final. A module another thread is still
        importing is in ``sys.modules`` half-initialised (seen once: ``reset_settings`` missing at startup), so
        it is imported again, which waits for that import to finish, instead of being used as found."""
        import importlib
        import sys

        for mod_name, fn_name in (("licita.core.config", "reset_settings"),
                                  ("licita.platform.db.engine", "reset_engine"),
                                  ("licita.platform.clients", "reset_clients")):
            if mod_name in sys.modules:
                getattr(importlib.import_module(mod_name), fn_name)()

    def _database(self) -> dict[str, Any] | None:
        if not self.migrate:
            return None
        from licita.platform.db.migrate import upgrade

        upgrade(os.environ["DATABASE_URL"])
        if not self.seed:
            return None
        from licita.accounts.seed import seed_demo

        result: dict[str, Any] = seed_demo()
        from sqlalchemy import select

        from licita.accounts.models import Company
        from licita.core.brazil import format_cnpj
        from licita.platform.db.engine import system_transaction

        with system_transaction() as db:
            cnpj = db.scalar(select(Company.cnpj).where(Company.id == result["company_id"]))
        if cnpj:
            result.setdefault("company_cnpj", format_cnpj(cnpj))
        return result

    def _start_watcher(self, template: Template) -> None:
        roots: dict[Path, Any] = {}
        for host in self.hosts.values():
            roots.setdefault(host.fn.code_uri, []).append(host)
        callbacks: dict[Path, Any] = {}
        for path, hosts in roots.items():
            def reload_fn(hosts: list[FunctionHost] = hosts, path: Path = path) -> None:
                log.info("change in %s: reloading %s", path.relative_to(self.root) if path.is_relative_to(self.root)
                         else path, ", ".join(h.name for h in hosts))
                for h in hosts:
                    h.mark_stale()
            callbacks[path] = reload_fn
        try:
            import licita

            shared = Path(licita.__file__).resolve().parent
            callbacks[shared] = self._reload_shared
        except ImportError:
            pass
        callbacks[self.template_path] = lambda: log.warning(
            "template.yaml changed: restart licita-local to apply route/queue/schedule changes")
        self.watcher = Watcher(callbacks)
        self.watcher.start()

    def _reload_shared(self) -> None:
        with self.gate.exclusive():
            n = purge_licita_modules()
            for h in self.hosts.values():
                h.mark_stale()
            self._shared_generation += 1
        log.info("change in shared/licita: purged %d licita modules, every function reloads on next call", n)

    # ------------------------------------------------------------------ stop
    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self._handler = None
        if self.services:
            self.services.unwatch()  # nothing may be revived while it is being stopped
        if self.watcher:
            self.watcher.stop()
        if self.scheduler:
            self.scheduler.stop()
        for p in self.pollers:
            p.stop()
        if self.ws:
            self.ws.stop()
        if self.http:
            self.http.stop()
        for p in self.pollers:
            p.join(3)
        try:
            self._reset_licita()
        except Exception:
            log.debug("licita reset on stop failed", exc_info=True)
        if self.mail:
            self.mail.stop()
        if self.services:
            self.services.stop()

    def __enter__(self) -> LocalRuntime:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
