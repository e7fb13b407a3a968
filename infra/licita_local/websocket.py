"""The WebSocket API (API Gateway v2, WEBSOCKET) and its ``@connections`` management API.

Served with the ``websockets`` library on its own event-loop thread. ``$connect`` runs inside the
handshake so a non-2xx ``statusCode`` rejects the upgrade with that status, exactly like API Gateway;
messages are routed with the RouteSelectionExpression; ``$disconnect`` runs when the socket closes.
The management API (``post_to_connection`` / ``get_connection`` / ``delete_connection``) is plain HTTP,
so it lives on the REST port (``WEBSOCKET_MANAGEMENT_URL``) and hands frames to this loop.

Local extension (never on AWS): ``POST /@connections/$batch`` posts many frames in one request, each
frame carried once however many sockets get it (the ``push.chunk`` layout: ``{"frames": [text, ...],
"posts": [[connection_id, frame_index], ...]}``) and answers which connections are gone. On AWS every
socket is its own ``post_to_connection``; locally the functions share this process with the gateway, so a
round trip per socket costs the CPU (HTTP parse, thread hop, GIL) the frames are waiting for. Clients
use it only when ``WEBSOCKET_MANAGEMENT_BATCH`` says the endpoint has it (the runtime sets it).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import secrets
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from licita_local.events import (
    ws_connect_event,
    ws_disconnect_event,
    ws_message_event,
    ws_request_context,
)
from licita_local.functions import FunctionHost
from licita_local.httpserver import Request, Response
from licita_local.loopthread import stop_loop_thread
from licita_local.template import WebSocketApiDef

log = logging.getLogger("licita.local.ws")

BATCH_ID = "$batch"  # ``/@connections/$batch``: "$" never occurs in a connection id (base64)
MAX_FRAME = 128 * 1024  # API Gateway's WebSocket frame limit


def new_connection_id() -> str:
    """API Gateway connection ids look like ``Lk3aBcDeFgHiJkL=`` (11 random bytes, base64)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode()


@dataclass
class Connection:
    id: str
    ws: Any
    connected_at: int  # epoch ms
    source_ip: str
    user_agent: str | None
    host: str
    last_active: float = field(default_factory=time.time)


def select_route(expression: str, body: str, routes: Mapping[str, Any]) -> str | None:
    """Evaluate ``$request.body.a.b`` against a JSON frame; fall back to ``$default``."""
    if expression.startswith("$request.body."):
        try:
            value: Any = json.loads(body)
            for key in expression[len("$request.body."):].split("."):
                value = value.get(key) if isinstance(value, dict) else None
            if isinstance(value, str | int | float | bool) and str(value) in routes \
                    and not str(value).startswith("$"):
                return str(value)
        except ValueError:
            pass
    return "$default" if "$default" in routes else None


class WebSocketGateway:
    def __init__(self, api: WebSocketApiDef, hosts: Mapping[str, FunctionHost], host: str = "127.0.0.1",
                 port: int = 0, max_workers: int = 16) -> None:
        self.api = api
        self.hosts = hosts
        self.bind_host = host
        self.port = port
        self.connections: dict[str, Connection] = {}
        self._pending: dict[int, tuple[Connection, Request | None]] = {}
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="ws-invoke")
        self._loop = asyncio.new_event_loop()
        self._server: Any = None
        self._thread = threading.Thread(target=self._run, name="licita-local-ws", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> int:
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise RuntimeError(f"WebSocket server failed to start: {self._error}") from self._error
        return self.port

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._start())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()

    async def _start(self) -> None:
        from websockets.asyncio.server import serve

        self._server = await serve(self._handler, self.bind_host, self.port,
                                   process_request=self._process_request, max_size=128 * 1024,
                                   ping_interval=None, server_header="licita-local")
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        if not self._thread.is_alive():
            return

        async def close() -> None:
            if self._server is not None:
                self._server.close()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._server.wait_closed(), 3)

        stop_loop_thread(self._loop, self._thread, close, log, "websocket server")
        self._executor.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------ invocation helpers
    def _host_for(self, route_key: str) -> FunctionHost | None:
        route = self.api.routes.get(route_key)
        if route is None or route.function is None:
            return None
        return self.hosts.get(route.function)

    def _ctx(self, conn: Connection, route_key: str, event_type: str, **extra: Any) -> dict[str, Any]:
        return ws_request_context(
            route_key=route_key, event_type=event_type, connection_id=conn.id,
            connected_at=conn.connected_at, api_id=self.api.api_id, stage=self.api.stage,
            domain=conn.host, source_ip=conn.source_ip, user_agent=conn.user_agent, extra=extra,
        )

    async def _invoke(self, host: FunctionHost, event: dict[str, Any], target: str) -> Any:
        return await self._loop.run_in_executor(
            self._executor, lambda: host.invoke(event, source="ws", target=target)
        )

    # ------------------------------------------------------------------ handshake ($connect)
    async def _process_request(self, connection: Any, request: Any) -> Any:
        parts = urlsplit(request.path)
        headers = list(request.headers.raw_items())
        remote = connection.remote_address
        source_ip = str(remote[0]) if remote else "127.0.0.1"
        hdr = {k.lower(): v for k, v in headers}
        conn = Connection(new_connection_id(), None, int(time.time() * 1000), source_ip,
                          hdr.get("user-agent"), hdr.get("host", f"127.0.0.1:{self.port}"))
        self._pending[id(connection)] = (conn, None)
        host = self._host_for("$connect")
        if host is None:
            return None
        headers += [("X-Forwarded-For", source_ip), ("X-Forwarded-Proto", "http")]
        event = ws_connect_event(self._ctx(conn, "$connect", "CONNECT"), headers,
                                 parse_qsl(parts.query, keep_blank_values=True))
        try:
            result = await self._invoke(host, event, "$connect")
        except Exception:
            self._pending.pop(id(connection), None)
            return connection.respond(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal server error\n")
        status = result.get("statusCode", 200) if isinstance(result, dict) else 200
        try:
            status = int(status)
        except (TypeError, ValueError):
            status = 502
        if not 200 <= status < 300:
            self._pending.pop(id(connection), None)
            body = result.get("body") if isinstance(result, dict) else None
            try:
                http_status = HTTPStatus(status)
            except ValueError:
                http_status = HTTPStatus.FORBIDDEN
            response = connection.respond(http_status, str(body or http_status.phrase) + "\n")
            extra = result.get("headers") if isinstance(result, dict) else None
            for name, value in (extra or {}).items():  # e.g. Retry-After of a 503 during an outage
                if name.lower() == "retry-after":
                    response.headers["Retry-After"] = str(value)
            return response
        return None

    # ------------------------------------------------------------------ connection lifetime
    async def _handler(self, ws: Any) -> None:
        pending = self._pending.pop(id(ws), None)
        if pending is None:
            await ws.close(1011, "no connection context")
            return
        conn = pending[0]
        conn.ws = ws
        self.connections[conn.id] = conn
        log.info("ws connected %s from %s", conn.id, conn.source_ip)
        tasks: set[asyncio.Task[None]] = set()
        try:
            async for frame in ws:
                conn.last_active = time.time()
                text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
                task = asyncio.create_task(self._on_message(conn, text))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        except Exception:
            log.debug("ws %s receive loop ended", conn.id, exc_info=True)
        finally:
            self.connections.pop(conn.id, None)
            await self._on_disconnect(conn, ws)

    async def _on_message(self, conn: Connection, body: str) -> None:
        route_key = select_route(self.api.route_selection_expression, body, self.api.routes)
        if route_key is None:
            await self._send_safe(conn, json.dumps({"message": "Forbidden", "connectionId": conn.id,
                                                    "requestId": secrets.token_urlsafe(12)}))
            return
        host = self._host_for(route_key)
        if host is None:
            return
        ctx = self._ctx(conn, route_key, "MESSAGE", messageId=secrets.token_urlsafe(12))
        try:
            result = await self._invoke(host, ws_message_event(ctx, body), route_key)
        except Exception:
            await self._send_safe(conn, json.dumps({"message": "Internal server error", "connectionId": conn.id,
                                                    "requestId": ctx["requestId"]}))
            return
        route = self.api.routes.get(route_key)
        if route is not None and route.has_route_response and isinstance(result, dict) \
                and result.get("body") is not None:
            await self._send_safe(conn, str(result["body"]))

    async def _on_disconnect(self, conn: Connection, ws: Any) -> None:
        host = self._host_for("$disconnect")
        code = getattr(ws, "close_code", None) or 1005
        reason = getattr(ws, "close_reason", "") or ("Client-side close frame status not set"
                                                     if code == 1005 else "")
        log.info("ws disconnected %s (%s)", conn.id, code)
        if host is None:
            return
        ctx = self._ctx(conn, "$disconnect", "DISCONNECT", disconnectStatusCode=code,
                        disconnectReason=reason)
        with contextlib.suppress(Exception):  # logged and recorded by the host
            await self._invoke(host, ws_disconnect_event(ctx, conn.host), "$disconnect")

    async def _send_safe(self, conn: Connection, data: str | bytes) -> None:
        try:
            await conn.ws.send(data)
        except Exception:
            log.debug("send to %s failed", conn.id, exc_info=True)

    # ------------------------------------------------------------------ management API (thread-safe)
    def post(self, connection_id: str, data: bytes, timeout: float = 5.0) -> bool:
        conn = self.connections.get(connection_id)
        if conn is None or conn.ws is None:
            return False
        try:
            payload: str | bytes = data.decode("utf-8")
        except UnicodeDecodeError:
            payload = data

        async def send() -> bool:
            try:
                await conn.ws.send(payload)
                return True
            except Exception:
                return False

        return asyncio.run_coroutine_threadsafe(send(), self._loop).result(timeout)

    def post_batch(self, posts: Sequence[tuple[str, str | bytes]], timeout: float = 10.0) -> list[bool]:
        """Many posts in one hop to the loop; ``False`` where the connection is gone (or its send failed).

        Each send runs as an eager task: one that completes at once (the usual case: the frame fits the
        socket's write buffer) costs no scheduling round, and one that has to wait for a slow reader to
        drain keeps waiting on its own without holding up the others (measured on 1,000 sockets: ~100 µs of
        loop time per frame, a third of it permessage-deflate)."""
        targets = [self.connections.get(connection_id) for connection_id, _data in posts]

        async def send(conn: Connection | None, payload: str | bytes) -> bool:
            if conn is None or conn.ws is None:
                return False
            try:
                await conn.ws.send(payload)
                return True
            except Exception:
                return False

        async def send_all() -> list[bool]:
            tasks = [asyncio.eager_task_factory(self._loop, send(conn, data))
                     for conn, (_id, data) in zip(targets, posts, strict=True)]
            return [task.result() if task.done() else await task for task in tasks]

        return asyncio.run_coroutine_threadsafe(send_all(), self._loop).result(timeout)

    def _handle_batch(self, body: bytes) -> Response:
        """``POST /@connections/$batch``: 200 ``{"outcomes": ["sent" | "gone" | "failed", ...]}``, one per post in
        order; a frame over the frame limit fails its posts (413 per post on AWS), a malformed request is a 400."""
        try:
            batch = json.loads(body)
            frames = [f if isinstance(f, str) else None for f in batch["frames"]]
            pairs = [(str(p[0]), int(p[1])) for p in batch["posts"]]
            if any(not 0 <= index < len(frames) or frames[index] is None for _id, index in pairs):
                raise ValueError("frame index out of range")
        except (ValueError, KeyError, TypeError, IndexError):
            return _mgmt_error(400, "BadRequestException", "Malformed batch")
        too_big = {i for i, f in enumerate(frames) if f is not None and len(f.encode()) > MAX_FRAME}
        posts = [(connection_id, frames[index] or "") for connection_id, index in pairs if index not in too_big]
        delivered = iter(self.post_batch(posts)) if posts else iter(())
        outcomes = ["failed" if index in too_big else "sent" if next(delivered) else "gone" for _id, index in pairs]
        return Response(200, [("Content-Type", "application/json")], json.dumps({"outcomes": outcomes}).encode())

    def describe(self, connection_id: str) -> dict[str, Any] | None:
        conn = self.connections.get(connection_id)
        if conn is None:
            return None

        def iso(ts: float) -> str:
            return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

        # the wire names of GetConnection (botocore maps them to ConnectedAt, Identity.SourceIp, ...)
        return {"connectedAt": iso(conn.connected_at / 1000), "lastActiveAt": iso(conn.last_active),
                "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent or ""}}

    def disconnect(self, connection_id: str) -> bool:
        conn = self.connections.get(connection_id)
        if conn is None or conn.ws is None:
            return False
        asyncio.run_coroutine_threadsafe(conn.ws.close(1000, "Going away"), self._loop)
        return True

    def handle_management(self, req: Request) -> Response:
        """``/@connections/{id}`` (optionally behind a ``/{stage}`` prefix): POST, GET, DELETE."""
        path = req.target.partition("?")[0]
        conn_id = unquote(path[path.index("/@connections/") + len("/@connections/"):]).strip("/")
        if conn_id == BATCH_ID:
            if req.method != "POST":
                return _mgmt_error(405, "MethodNotAllowedException", f"{req.method} not supported")
            return self._handle_batch(req.body)
        if req.method == "POST":
            if len(req.body) > MAX_FRAME:
                return _mgmt_error(413, "PayloadTooLargeException", "Message too long")
            ok = self.post(conn_id, req.body)
            return Response(200, [("Content-Type", "application/json")], b"") if ok else _gone(conn_id)
        if req.method == "GET":
            info = self.describe(conn_id)
            if info is None:
                return _gone(conn_id)
            return Response(200, [("Content-Type", "application/json")], json.dumps(info).encode())
        if req.method == "DELETE":
            return Response(204, [], b"") if self.disconnect(conn_id) else _gone(conn_id)
        return _mgmt_error(405, "MethodNotAllowedException", f"{req.method} not supported")


def _mgmt_error(status: int, kind: str, message: str) -> Response:
    return Response(status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", kind)],
                    json.dumps({"message": message}).encode())


def _gone(connection_id: str) -> Response:
    return _mgmt_error(410, "GoneException", f"Connection {connection_id} is gone")

