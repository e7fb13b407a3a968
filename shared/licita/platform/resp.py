"""A minimal synchronous Redis client (RESP2) for the cold-start-critical paths.

redis-py 8 imports asyncio, its cluster client and its observability stack on ``import redis``: about 190 ms
of the authorizer's ~300 ms cold start on a quiet 2-core machine, for two commands (EXISTS, SET EX). This
client speaks the same wire protocol to the same server over one socket (TCP, TLS for ``rediss://``, or a
unix socket for the embedded server), with AUTH and SELECT from the URL, and imports only the standard
library. Everything else in the platform keeps using redis-py through ``platform.clients.get_redis``.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["RespClient", "RespConnectionError", "RespError"]

Arg = str | bytes | int | float


class RespError(Exception):
    """An error reply from the server (``-ERR ...``): a bug or a misconfiguration, not an outage."""


class RespConnectionError(ConnectionError):
    """The server could not be reached or dropped the connection (an outage: ``core.outage`` knows it)."""


def _encode(args: Sequence[Arg]) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        raw = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(raw), raw))
    return b"".join(out)


class _Reader:
    """Parses RESP2 replies from a buffered socket file."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def _line(self) -> bytes:
        line: bytes = self.stream.readline()
        if not line.endswith(b"\r\n"):
            raise RespConnectionError("connection closed by the server")
        return line[:-2]

    def read(self) -> Any:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest
        if kind == b"-":
            return RespError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            data: bytes = self.stream.read(size + 2)
            if len(data) != size + 2:
                raise RespConnectionError("connection closed by the server")
            return data[:-2]
        if kind == b"*":
            count = int(rest)
            return None if count < 0 else [self.read() for _ in range(count)]
        raise RespConnectionError(f"unexpected reply from the server: {line[:40]!r}")


class RespClient:
    """One lazily dialled connection, re-dialled once when it was dropped; safe to share between threads."""

    def __init__(self, url: str, *, timeout: float = 2.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("redis", "rediss", "unix"):
            raise ValueError(f"unsupported Redis URL scheme: {parts.scheme!r}")
        self._scheme = parts.scheme
        self._unix_path = unquote(parts.path) if parts.scheme == "unix" else ""
        self._host = parts.hostname or "localhost"
        self._port = parts.port or 6379
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        db_text = parts.path.lstrip("/") if parts.scheme != "unix" else ""
        query_db = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p).get("db")
        self._db = int(db_text or query_db or 0)
        self._timeout = timeout
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._reader: _Reader | None = None

    def _dial(self) -> None:
        try:
            if self._scheme == "unix":
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(self._timeout)
                sock.connect(self._unix_path)
            else:
                sock = socket.create_connection((self._host, self._port), timeout=self._timeout)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if self._scheme == "rediss":
                    import ssl  # noqa: PLC0415  (only for TLS endpoints such as ElastiCache in-transit encryption)

                    sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self._host)
        except OSError as exc:
            raise RespConnectionError(f"cannot reach Redis: {exc}") from exc
        self._sock, self._reader = sock, _Reader(sock.makefile("rb"))
        handshake: list[list[Arg]] = []
        if self._password is not None:
            handshake.append(["AUTH", self._username, self._password] if self._username else ["AUTH", self._password])
        if self._db:
            handshake.append(["SELECT", self._db])
        for reply in self._roundtrip(handshake):
            if isinstance(reply, RespError):
                self.close()
                raise reply

    def _roundtrip(self, commands: Sequence[Sequence[Arg]]) -> list[Any]:
        if not commands:
            return []
        assert self._sock is not None and self._reader is not None
        try:
            self._sock.sendall(b"".join(_encode(c) for c in commands))
            return [self._reader.read() for _ in commands]
        except OSError as exc:
            raise RespConnectionError(f"Redis connection lost: {exc}") from exc

    def pipeline(self, commands: Sequence[Sequence[Arg]]) -> list[Any]:
        """Send every command in one write and read the replies in order; error replies come back as
        ``RespError`` values (like redis-py's ``raise_on_error=False``)."""
        with self._lock:
            for attempt in (1, 2):
                if self._sock is None:
                    self._dial()
                try:
                    return self._roundtrip(commands)
                except RespConnectionError:
                    self.close()
                    if attempt == 2:
                        raise
            raise AssertionError("unreachable")

    def transaction(self, commands: Sequence[Sequence[Arg]]) -> list[Any]:
        """``MULTI`` … ``EXEC`` in one round trip: all commands apply or none (e.g. INCR with its EXPIRE);
        returns their replies, raising the first error."""
        replies = self.pipeline([["MULTI"], *commands, ["EXEC"]])
        for reply in replies:
            if isinstance(reply, RespError):
                raise reply
        results = replies[-1]
        if not isinstance(results, list):
            raise RespError("EXEC aborted")
        for reply in results:
            if isinstance(reply, RespError):
                raise reply
        return results

    def execute(self, *args: Arg) -> Any:
        (reply,) = self.pipeline([args])
        if isinstance(reply, RespError):
            raise reply
        return reply

    def close(self) -> None:
        sock, self._sock, self._reader = self._sock, None, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
