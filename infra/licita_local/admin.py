"""Local-only endpoints on the REST port: introspection, manual triggers, OpenAPI + docs, @connections.

``/_local/*`` never exists on AWS; it is how tests and developers see invocations, queue depths and
schedules, replay a DLQ or fire a schedule without waiting.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from licita_local.functions import FunctionHost, InvocationLog
from licita_local.httpserver import Request, Response
from licita_local.openapi import build_openapi
from licita_local.schedules import Scheduler
from licita_local.sqs import SqsPoller
from licita_local.template import Template
from licita_local.websocket import WebSocketGateway

log = logging.getLogger("licita.local.admin")

STATIC = Path(__file__).with_name("static")


def swagger_assets() -> Path | None:
    """Swagger UI 5 assets from the ``swagger-ui-py`` wheel, when installed (no CDN at run time)."""
    try:
        import swagger_ui
    except ImportError:
        return None
    path = Path(swagger_ui.__file__).with_name("static")
    return path if (path / "swagger-ui-bundle.js").exists() else None


def _json(payload: Any, status: int = 200) -> Response:
    return Response(status, [("Content-Type", "application/json"), ("Access-Control-Allow-Origin", "*"),
                             ("Cache-Control", "no-store")],
                    json.dumps(payload, default=str, ensure_ascii=False).encode())


def _err(status: int, code: str, message: str) -> Response:
    return _json({"error": {"code": code, "message": message, "details": None}}, status)


def _docs_page(ui: str) -> Response:
    """The one page shell (``page.html``) around a docs UI: Swagger UI when its assets are installed, else docs.js."""
    page = (STATIC / "page.html").read_text().replace("<!-- ui -->", (STATIC / ui).read_text().rstrip("\n"))
    return Response(200, [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "max-age=3600")],
                    page.encode())


def _file(path: Path) -> Response:
    if not path.is_file():
        return _err(404, "not_found", "asset not found")
    ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if ctype.startswith("text/") or ctype in ("application/javascript", "text/javascript"):
        ctype += "; charset=utf-8"
    return Response(200, [("Content-Type", ctype), ("Cache-Control", "max-age=3600")], path.read_bytes())


class Admin:
    def __init__(self, template: Template, hosts: Mapping[str, FunctionHost], invocations: InvocationLog,
                 aws_endpoint_url: str, rest_url: Callable[[], str],
                 info: Callable[[], dict[str, Any]]) -> None:
        self.template = template
        self.hosts = hosts
        self.invocations = invocations
        self.aws_endpoint_url = aws_endpoint_url
        self.rest_url = rest_url
        self.info = info
        self.scheduler: Scheduler | None = None
        self.pollers: list[SqsPoller] = []
        self.ws: WebSocketGateway | None = None
        self.generation: Callable[[], int] = lambda: 0
        self.services: Callable[[], list[dict[str, Any]]] = lambda: []
        self.hold_service: Callable[[str, float], bool] = lambda name, seconds: False
        self._openapi: tuple[int, bytes] | None = None
        self._openapi_lock = threading.Lock()
        self.assets = swagger_assets()

    def __call__(self, req: Request) -> Response | None:
        path, _, qs = req.target.partition("?")
        if "/@connections/" in path:
            if self.ws is None:
                return _err(404, "not_found", "this template has no WebSocket API")
            return self.ws.handle_management(req)
        method = req.method
        if path == "/openapi.json" and method in ("GET", "HEAD"):
            return Response(200, [("Content-Type", "application/json"), ("Access-Control-Allow-Origin", "*")],
                            self.openapi_bytes())
        if path in ("/docs", "/docs/") and method == "GET":
            return _docs_page("swagger.part.html" if self.assets else "docs.part.html")
        if path.startswith("/docs/assets/") and self.assets is not None:
            name = path.rsplit("/", 1)[-1]
            return _file(self.assets / name)
        if path.startswith("/docs/local/"):
            return _file(STATIC / path.rsplit("/", 1)[-1])
        if not path.startswith("/_local/"):
            return None
        from licita_local import mail

        hit = mail.route(method, path)  # /_local/mail: the SMTP sink's inbox page and messages
        if hit is not None:
            status, ctype, body = hit
            return Response(status, [("Content-Type", ctype), ("Cache-Control", "no-store")], body)
        parts = [unquote(p) for p in path[len("/_local/"):].split("/") if p]
        query = dict(parse_qsl(qs))
        try:
            return self._local(method, parts, query)
        except Exception as exc:
            log.exception("local endpoint %s failed", path)
            return _err(500, "internal_error", f"{type(exc).__name__}: {exc}")

    def _local(self, method: str, parts: list[str], query: dict[str, str]) -> Response:
        head = parts[0] if parts else ""
        if head in ("", "health", "info") and method == "GET":
            return _json({"status": "ok", **self.info()})
        if head == "invocations" and method == "GET":
            items = self.invocations.list(query.get("function"), query.get("source"),
                                          int(query.get("since", 0)), int(query.get("limit", 200)))
            return _json({"items": [i.as_dict() for i in items]})
        if head == "functions" and method == "GET":
            return _json({"items": [
                {**h.stats(), "name": h.fn.name, "handler": h.fn.handler, "code_uri": str(h.fn.code_uri),
                 "timeout": h.fn.timeout, "memory": h.fn.memory} for h in self.hosts.values()]})
        if head == "queues":
            from licita_local.aws import queue_depths, redrive

            if len(parts) == 1 and method == "GET":
                return _json({"items": queue_depths(self.template, self.aws_endpoint_url),
                              "pollers": [p.describe() for p in self.pollers]})
            if len(parts) == 3 and parts[2] == "redrive" and method == "POST":
                try:
                    moved = redrive(self.template, self.aws_endpoint_url, parts[1])
                except KeyError:
                    return _err(404, "not_found", f"no queue {parts[1]} with a DLQ in the template")
                return _json({"queue": parts[1], "moved": moved})
        if head == "schedules":
            if self.scheduler is None:
                return _err(404, "not_found", "no schedules")
            if len(parts) == 1 and method == "GET":
                return _json({"items": [e.describe() for e in self.scheduler.entries],
                              "running": self.scheduler.autostart})
            if len(parts) == 3 and parts[2] == "fire" and method == "POST":
                entry = self.scheduler.find(parts[1])
                if entry is None:
                    return _err(404, "not_found", f"no schedule named {parts[1]}")
                started = time.perf_counter()
                try:
                    result = self.scheduler.fire(entry)
                except Exception as exc:
                    return _json({"schedule": entry.event.rule_name, "function": entry.event.function,
                                  "ok": False, "error": f"{type(exc).__name__}: {exc}"}, 500)
                return _json({"schedule": entry.event.rule_name, "function": entry.event.function, "ok": True,
                              "result": result, "duration_ms": round((time.perf_counter() - started) * 1000, 2)})
        if head == "services" and len(parts) == 1 and method == "GET":
            return _json({"items": self.services()})
        if head == "services" and len(parts) == 3 and parts[2] == "hold" and method == "POST":
            seconds = float(query.get("seconds", "3"))
            if not 0 < seconds <= 60 or not self.hold_service(parts[1], seconds):
                return _err(404, "not_found", f"no watched service {parts[1]} (or seconds not in (0, 60])")
            return _json({"service": parts[1], "held_seconds": seconds})
        if head == "connections" and method == "GET":
            ws = self.ws
            conns = [] if ws is None else [{"connectionId": c, **(ws.describe(c) or {})}
                                           for c in list(ws.connections)]
            return _json({"items": conns})
        return _err(404, "not_found", "unknown local endpoint")

    def openapi_bytes(self) -> bytes:
        gen = self.generation()
        with self._openapi_lock:
            if self._openapi is None or self._openapi[0] != gen:
                doc = build_openapi(self.template, self.hosts, self.rest_url())
                self._openapi = (gen, json.dumps(doc, ensure_ascii=False).encode())
            return self._openapi[1]
