"""A scriptable stdlib HTTP server: tests queue replies, the server records every request it got.

Real sockets, real HTTP/1.1: the official clients talk to it exactly as they would to the real thing.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from licita_local.handlers import VerbDispatch


@dataclass
class Reply:
    """What the server does for one request.

    ``content`` is the assistant message (status 200); ``error`` a message for a non-200 ``status``;
    ``body`` a raw JSON body that replaces everything; ``delay`` seconds to wait before answering
    (a slow model); ``raw`` bytes to send as-is (a broken server).
    """

    content: str | None = None
    status: int = 200
    error: str | None = None
    body: Any = None
    delay: float = 0.0
    raw: bytes | None = None
    prompt_tokens: int = 120
    completion_tokens: int = 80
    model: str | None = None


@dataclass
class Recorded:
    method: str
    path: str
    body: Any
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names


Responder = Callable[[dict[str, Any]], Reply]


class ScriptedServer:
    """Base: subclasses implement ``handle(method, path, body) -> (status, json_or_bytes)``."""

    def __init__(self, model: str = "fake-model") -> None:
        self.model = model
        self.requests: list[Recorded] = []
        self._script: deque[Reply] = deque()
        self.responder: Responder | None = None
        self.default: Reply | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- scripting ---------------------------------------------------------------------------------

    def enqueue(self, *replies: Reply) -> Self:
        with self._lock:
            self._script.extend(replies)
        return self

    def next_reply(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            if self._script:
                return self._script.popleft()
        if self.responder is not None:
            return self.responder(request)
        if self.default is not None:
            return self.default
        return Reply(status=500, error="test server: no reply scripted")

    def scripted(self, request: dict[str, Any]) -> tuple[Reply, tuple[int, Any] | None]:
        """The next reply, after its delay, and the answer when the reply dictates it whole (raw bytes or a JSON
        body); ``None`` leaves the answer to the server's own wire format."""
        reply = self.next_reply(request)
        if reply.delay:
            self.wait(reply.delay)
        if reply.raw is not None:
            return reply, (reply.status, reply.raw)
        if reply.body is not None:
            return reply, (reply.status, reply.body)
        return reply, None

    def record(self, rec: Recorded) -> None:
        with self._lock:
            self.requests.append(rec)

    def count(self, path_suffix: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path.rstrip("/").endswith(path_suffix))

    def wait(self, seconds: float) -> None:
        """Sleep that ends early when the server stops (slow replies must not outlive a test)."""
        self._stopping.wait(seconds)

    # --- lifecycle ---------------------------------------------------------------------------------

    def handle(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        raise NotImplementedError

    def start(self, host: str = "127.0.0.1", port: int = 0) -> Self:
        server = self

        class Handler(VerbDispatch, BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            VERBS = ("GET", "POST", "HEAD")

            def log_message(self, format: str, *args: Any) -> None:  # quiet in tests
                return

            def handle_verb(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body: Any = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                server.record(Recorded(method, self.path, body, {k.lower(): v for k, v in self.headers.items()}))
                status, payload = server.handle(method, self.path, body)
                if isinstance(payload, bytes):
                    data, ctype = payload, "application/octet-stream"
                elif isinstance(payload, str):
                    data, ctype = payload.encode(), "text/plain; charset=utf-8"
                else:
                    data, ctype = json.dumps(payload).encode(), "application/json"
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    if method != "HEAD":
                        self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    self.close_connection = True

        httpd = ThreadingHTTPServer((host, port), Handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def serve_forever(self) -> None:
        """For command-line use: block until interrupted."""
        try:
            while not self._stopping.wait(3600):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> Self:
        return self.start() if self._httpd is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
