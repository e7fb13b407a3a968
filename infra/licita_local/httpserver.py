"""A small, strict HTTP/1.1 server: one thread per keep-alive connection, no per-request thread hop.

Why not asyncio + executor or http.server: a Lambda invocation is blocking Python, so an event loop
has to hand every request to a worker thread and back (two context switches), and http.server parses
headers through the email package. A blocking socket per connection, a ``bytes.find`` header split
and one ``sendall`` per response measured faster at both concurrency 1 and 8 (see the README).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus

log = logging.getLogger("licita.local.http")

MAX_HEADER_BYTES = 64 * 1024
_REASONS = {s.value: s.phrase for s in HTTPStatus}


@dataclass(slots=True)
class Request:
    method: str
    target: str  # raw path + query
    headers: list[tuple[str, str]]
    body: bytes
    client_ip: str
    _lower: dict[str, str] | None = field(default=None, repr=False)

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup (``name`` must be lowercase)."""
        if self._lower is None:
            self._lower = {k.lower(): v for k, v in self.headers}
        return self._lower.get(name)


@dataclass(slots=True)
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""


Handler = Callable[[Request], Response]


class BodyTooLarge(Exception):
    """Content-Length over the limit: answered with the handler's 413 and the connection closed."""


def serialize(resp: Response, keep_alive: bool, head_only: bool = False) -> bytes:
    reason = _REASONS.get(resp.status, "Unknown")
    parts = [f"HTTP/1.1 {resp.status} {reason}\r\n"]
    has_length = False
    for k, v in resp.headers:
        if k.lower() == "content-length":
            has_length = True
        parts.append(f"{k}: {v}\r\n")
    if not has_length and resp.status >= 200 and resp.status not in (204, 304):
        parts.append(f"Content-Length: {len(resp.body)}\r\n")
    parts.append("Connection: keep-alive\r\n\r\n" if keep_alive else "Connection: close\r\n\r\n")
    head = "".join(parts).encode("latin-1", "replace")
    return head if head_only or resp.status in (204, 304) else head + resp.body


class HttpServer:
    """Accept loop thread + one daemon thread per connection."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = 0,
                 max_body: int = 10 * 1024 * 1024, too_large: Callable[[], Response] | None = None) -> None:
        self.handler = handler
        self.max_body = max_body
        self.too_large = too_large or (lambda: Response(413, [("Content-Type", "text/plain")], b"Too large"))
        self.sock = socket.create_server((host, port), backlog=256, reuse_port=False)
        self.host, self.port = self.sock.getsockname()[:2]
        self._stopping = threading.Event()
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept_loop, name=f"http-{self.port}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
        self._thread.join(2)

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, addr = self.sock.accept()
            except OSError:
                if self._stopping.is_set():
                    return
                continue
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn, addr[0]), daemon=True,
                             name=f"http-conn-{addr[1]}").start()

    def _serve(self, conn: socket.socket, client_ip: str) -> None:
        try:
            self._serve_loop(conn, client_ip)
        except (ConnectionError, TimeoutError, OSError):
            pass
        except Exception:  # a bug here must not kill the server
            log.exception("HTTP connection handler failed")
        finally:
            with self._lock:
                self._conns.discard(conn)
            with contextlib.suppress(OSError):
                conn.close()

    def _serve_loop(self, conn: socket.socket, client_ip: str) -> None:
        buf = b""
        recv = conn.recv
        while True:
            idx = buf.find(b"\r\n\r\n")
            while idx < 0:
                if len(buf) > MAX_HEADER_BYTES:
                    conn.sendall(serialize(Response(431, [("Content-Type", "text/plain")],
                                                    b"Request header fields too large"), False))
                    return
                chunk = recv(65536)
                if not chunk:
                    return
                buf = (buf + chunk).lstrip(b"\r\n") if not buf else buf + chunk
                idx = buf.find(b"\r\n\r\n")
            head, buf = buf[:idx].decode("latin-1"), buf[idx + 4:]
            lines = head.split("\r\n")
            try:
                method, target, version = lines[0].split(" ", 2)
            except ValueError:
                conn.sendall(serialize(Response(400, [("Content-Type", "text/plain")], b"Bad request line"),
                                       False))
                return
            headers: list[tuple[str, str]] = []
            length = 0
            chunked = False
            conn_hdr = ""
            expect = False
            for line in lines[1:]:
                k, sep, v = line.partition(":")
                if not sep:
                    continue
                k, v = k.strip(), v.strip()
                headers.append((k, v))
                lk = k.lower()
                if lk == "content-length":
                    try:
                        length = int(v)
                    except ValueError:
                        conn.sendall(serialize(Response(400, [], b""), False))
                        return
                elif lk == "transfer-encoding":
                    chunked = "chunked" in v.lower()
                elif lk == "connection":
                    conn_hdr = v.lower()
                elif lk == "expect":
                    expect = v.lower() == "100-continue"
            keep_alive = ("close" not in conn_hdr) if version == "HTTP/1.1" else ("keep-alive" in conn_hdr)

            if length > self.max_body:
                self._drain(conn, length - len(buf), expect)
                conn.sendall(serialize(self.too_large(), False))
                return
            if expect and (length or chunked):
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            if chunked:
                body, buf, ok = self._read_chunked(conn, buf)
                if not ok:
                    conn.sendall(serialize(self.too_large(), False))
                    return
            else:
                while len(buf) < length:
                    chunk = recv(max(65536, length - len(buf)))
                    if not chunk:
                        return
                    buf += chunk
                body, buf = buf[:length], buf[length:]

            req = Request(method.upper(), target, headers, body, client_ip)
            try:
                resp = self.handler(req)
            except Exception:
                log.exception("gateway failed on %s %s", method, target)
                resp = Response(500, [("Content-Type", "application/json")],
                                b'{"error":{"code":"internal_error","message":"local gateway error","details":null}}')
            conn.sendall(serialize(resp, keep_alive, head_only=req.method == "HEAD"))
            if not keep_alive:
                return

    def _drain(self, conn: socket.socket, remaining: int, expect: bool) -> None:
        """Read (and drop) a too-large body so the client sees our 413 instead of a reset."""
        if expect or remaining > 4 * self.max_body:
            return
        conn.settimeout(5)
        while remaining > 0:
            chunk = conn.recv(min(remaining, 1 << 20))
            if not chunk:
                return
            remaining -= len(chunk)

    def _read_chunked(self, conn: socket.socket, buf: bytes) -> tuple[bytes, bytes, bool]:
        body = bytearray()
        while True:
            while b"\r\n" not in buf:
                chunk = conn.recv(65536)
                if not chunk:
                    raise ConnectionError("eof in chunk size")
                buf += chunk
            line, _, buf = buf.partition(b"\r\n")
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while b"\r\n" not in buf:  # trailers end with an empty line
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    buf += chunk
                end = buf.find(b"\r\n")
                while end > 0:  # skip trailer lines
                    buf = buf[end + 2:]
                    end = buf.find(b"\r\n")
                return bytes(body), buf[2:] if end == 0 else buf, True
            while len(buf) < size + 2:
                chunk = conn.recv(65536)
                if not chunk:
                    raise ConnectionError("eof in chunk")
                buf += chunk
            body += buf[:size]
            buf = buf[size + 2:]
            if len(body) > self.max_body:
                return b"", b"", False
