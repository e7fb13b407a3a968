"""A standard-library MongoDB reader for the cold-start-critical reads (the inbox behind GET /notifications).

``import pymongo`` costs ~220 ms on the 2-core bench machine (its async client pulls asyncio): more than the
rest of the notification function's cold start, for two read commands. This reader speaks OP_MSG over one
socket (TCP, or TLS for ``tls=true``), authenticates with SCRAM-SHA-256 or SCRAM-SHA-1 (DocumentDB), and encodes
with ``bson``, pymongo's C codec (~20 ms to import). It only reads (``find``, ``aggregate``, counts), so a
dropped connection is simply re-dialled and the read sent again.

Only what it understands takes this path: a ``mongodb://`` URL whose options are all in ``_OPTIONS``. A
``mongodb+srv://`` URL, any other option, or a non-ASCII password (SASLprep) makes :func:`reader_for` answer
``None``, and the caller reads through pymongo as every write does.
"""

from __future__ import annotations

import itertools
import socket
import struct
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, unquote

from licita.platform.scram import ScramClient, ScramError, mongo_sha1_password

__all__ = ["LightCollection", "MongoConnectionError", "MongoLightError", "MongoReader", "reader_for"]

OP_MSG = 2013
_HEADER = struct.Struct("<iiii")
_MAX_MESSAGE = 48 * 1024 * 1024
# option (lower case) → handled here; anything else falls back to pymongo
_OPTIONS = {"authsource", "authmechanism", "tls", "ssl", "tlscafile", "tlsallowinvalidhostnames", "replicaset",
            "retrywrites", "retryreads", "readpreference", "directconnection", "w", "appname", "connecttimeoutms",
            "serverselectiontimeoutms", "sockettimeoutms", "maxpoolsize", "maxidletimems"}
_MECHANISMS = {"SCRAM-SHA-256": "sha256", "SCRAM-SHA-1": "sha1"}


class MongoLightError(Exception):
    """The server answered ``ok: 0`` (a bad query or a refused login), or broke the protocol."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class MongoConnectionError(ConnectionError):
    """No host answered, or the connection dropped twice in a row (an outage: ``core.outage`` knows it)."""


class MongoReader:
    """Reads of one database over one connection, serialised by a lock (Lambda runs one invocation at a time).

    ``auth_database`` is where the user is defined: the URL's path, as pymongo's default ``authSource``."""

    def __init__(self, hosts: Sequence[tuple[str, int]], database: str, options: Mapping[str, str],
                 user: str | None = None, password: str | None = None, auth_database: str = "admin",
                 timeout: float = 5.0) -> None:
        from bson.codec_options import CodecOptions  # noqa: PLC0415  (the C codec; only readers load it)

        self.hosts = list(hosts)
        self.database = database
        self.auth_database = auth_database
        self.options = dict(options)  # names in lower case (URL options are case-insensitive)
        self.user, self.password = user, password
        self.timeout = timeout
        self.codec: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True)  # as platform.clients.get_mongo
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._read_preference: dict[str, str] | None = None

    # ------------------------------------------------------------------ public reads
    def collection(self, name: str) -> LightCollection:
        return LightCollection(self, name)

    __getitem__ = collection  # reader["notifications"], as pymongo's Database

    def command(self, body: dict[str, Any], database: str | None = None) -> dict[str, Any]:
        """Run one read command; a connection that dropped is re-dialled once (reads are safe to resend)."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    return self._run(body, database or self.database)
                except OSError as exc:
                    self._close_locked()
                    if attempt == 2:
                        raise MongoConnectionError(f"MongoDB unreachable: {exc}") from exc
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            self._close_locked()

    # ------------------------------------------------------------------ wire
    def _close_locked(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    def _run(self, body: dict[str, Any], database: str) -> dict[str, Any]:
        if self._sock is None:
            self._sock = self._connect()
        command = {**body, "$db": database}
        if self._read_preference is not None:
            command["$readPreference"] = self._read_preference
        return self._roundtrip(self._sock, command)

    def _roundtrip(self, sock: socket.socket, command: dict[str, Any]) -> dict[str, Any]:
        import bson  # noqa: PLC0415  (see the module docstring)

        payload = struct.pack("<IB", 0, 0) + bson.encode(command)
        request_id = next(self._ids) & 0x7FFFFFFF
        sock.sendall(_HEADER.pack(_HEADER.size + len(payload), request_id, 0, OP_MSG) + payload)
        length, _rid, response_to, op_code = _HEADER.unpack(_recv_exactly(sock, _HEADER.size))
        if op_code != OP_MSG or response_to != request_id or not _HEADER.size < length <= _MAX_MESSAGE:
            raise OSError("unexpected MongoDB reply (op code, request id or length)")
        message = _recv_exactly(sock, length - _HEADER.size)
        flags = struct.unpack_from("<I", message)[0]
        end = len(message) - (4 if flags & 1 else 0)  # checksumPresent
        if message[4] != 0:
            raise MongoLightError("unexpected OP_MSG section in the reply")
        reply: dict[str, Any] = bson.decode(message[5:end], codec_options=self.codec)
        if not reply.get("ok"):
            raise MongoLightError(str(reply.get("errmsg") or "command failed"), reply.get("code"))
        return reply

    def _connect(self) -> socket.socket:
        last: Exception | None = None
        for host, port in self.hosts:
            sock: socket.socket | None = None
            try:
                sock = socket.create_connection((host, port), timeout=self.timeout)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if _truthy(self.options.get("tls") or self.options.get("ssl")):
                    sock = self._wrap_tls(sock, host)
                hello = self._roundtrip(sock, self._hello())
                if hello.get("setName") or hello.get("msg") == "isdbgrid":
                    # any member may answer a read; a secondary refuses one that does not say so
                    self._read_preference = {"mode": "primaryPreferred"}
                if self.user is not None:
                    self._authenticate(sock, hello)
                return sock
            except (OSError, MongoLightError, ScramError) as exc:
                last = exc
                if sock is not None:
                    sock.close()
                if isinstance(exc, (MongoLightError, ScramError)):
                    raise  # a refused login is not an outage: do not try the next host with it
        raise OSError(f"no MongoDB host answered: {last}")

    def _hello(self) -> dict[str, Any]:
        hello: dict[str, Any] = {"hello": 1, "$db": "admin"}
        if self.user is not None and "authmechanism" not in self.options:
            hello["saslSupportedMechs"] = f"{self._auth_source()}.{self.user}"
        return hello

    def _wrap_tls(self, sock: socket.socket, host: str) -> socket.socket:
        import ssl  # noqa: PLC0415  (only TLS deployments pay for it)

        context = ssl.create_default_context(cafile=self.options.get("tlscafile") or None)
        if _truthy(self.options.get("tlsallowinvalidhostnames")):
            context.check_hostname = False
        return context.wrap_socket(sock, server_hostname=host)

    def _auth_source(self) -> str:
        return self.options.get("authsource") or self.auth_database

    def _authenticate(self, sock: socket.socket, hello: Mapping[str, Any]) -> None:
        from bson.binary import Binary  # noqa: PLC0415

        assert self.user is not None and self.password is not None
        mechanism = self.options.get("authmechanism")
        if mechanism is None:
            offered = hello.get("saslSupportedMechs") or []
            mechanism = "SCRAM-SHA-256" if "SCRAM-SHA-256" in offered else "SCRAM-SHA-1"  # the auth spec's rule
        hash_name = _MECHANISMS[mechanism]
        password = mongo_sha1_password(self.user, self.password) if hash_name == "sha1" else self.password
        scram = ScramClient(hash_name, self.user, password)
        source = self._auth_source()
        reply = self._roundtrip(sock, {"saslStart": 1, "mechanism": mechanism,
                                       "payload": Binary(scram.first().encode()), "autoAuthorize": 1,
                                       "options": {"skipEmptyExchange": True}, "$db": source})
        final = scram.final(bytes(reply["payload"]).decode())
        reply = self._roundtrip(sock, {"saslContinue": 1, "conversationId": reply["conversationId"],
                                       "payload": Binary(final.encode()), "$db": source})
        scram.verify(bytes(reply["payload"]).decode())
        if not reply.get("done"):  # servers that do not skip the empty exchange
            self._roundtrip(sock, {"saslContinue": 1, "conversationId": reply["conversationId"],
                                   "payload": Binary(b""), "$db": source})


class LightCollection:
    """The part of pymongo's ``Collection`` the inbox reads use: ``find``, ``count_documents``, ``aggregate``."""

    def __init__(self, reader: MongoReader, name: str) -> None:
        self.reader = reader
        self.name = name

    def find(self, query: Mapping[str, Any] | None = None) -> LightCursor:
        return LightCursor(self, dict(query or {}))

    def count_documents(self, query: Mapping[str, Any]) -> int:
        rows = self.aggregate([{"$match": dict(query)}, {"$group": {"_id": 1, "n": {"$sum": 1}}}])
        return int(rows[0]["n"]) if rows else 0

    def aggregate(self, pipeline: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        reply = self.reader.command({"aggregate": self.name, "pipeline": list(pipeline), "cursor": {}})
        return list(self._drain(reply))

    def _drain(self, reply: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        cursor = reply["cursor"]
        yield from cursor.get("firstBatch", [])
        while cursor.get("id"):
            cursor = self.reader.command({"getMore": cursor["id"], "collection": self.name})["cursor"]
            yield from cursor.get("nextBatch", [])


class LightCursor:
    """``find(...).sort(...).skip(n).limit(n)``, run when iterated (as pymongo's cursor)."""

    def __init__(self, collection: LightCollection, query: dict[str, Any]) -> None:
        self.collection = collection
        self.body: dict[str, Any] = {"find": collection.name, "filter": query}

    def sort(self, keys: Sequence[tuple[str, int]]) -> LightCursor:
        self.body["sort"] = dict(keys)
        return self

    def skip(self, count: int) -> LightCursor:
        self.body["skip"] = int(count)
        return self

    def limit(self, count: int) -> LightCursor:
        if count:
            self.body["limit"] = int(count)
            self.body["batchSize"] = int(count)
        return self

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self.collection._drain(self.collection.reader.command(dict(self.body)))


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1", "yes")


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise OSError("MongoDB closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _host_port(item: str) -> tuple[str, int]:
    if item.startswith("["):  # [ipv6]:port
        host, _, rest = item[1:].partition("]")
        return host, int(rest.lstrip(":") or 27017)
    host, _, port = item.partition(":")
    return host, int(port or 27017)


def reader_for(url: str, database: str, timeout: float = 5.0) -> MongoReader | None:
    """A reader of ``database`` at ``url``, or ``None`` when the URL needs something only pymongo does (see the
    module docstring)."""
    if not url.startswith("mongodb://"):
        return None
    rest = url[len("mongodb://"):]
    location, _, query = rest.partition("?")
    netloc, _, path = location.partition("/")
    userinfo, at, hostlist = netloc.rpartition("@")
    options = {key.lower(): value for key, value in parse_qsl(query, keep_blank_values=True)}
    if any(key not in _OPTIONS for key in options):
        return None
    mechanism = options.get("authmechanism")
    if mechanism is not None and mechanism not in _MECHANISMS:
        return None
    user = password = None
    if at:
        name, _, secret = userinfo.partition(":")
        user, password = unquote(name), unquote(secret)
        if not password.isascii():  # SASLprep would be needed: pymongo does it
            return None
    try:
        hosts = [_host_port(item) for item in hostlist.split(",") if item]
    except ValueError:
        return None
    if not hosts:
        return None
    return MongoReader(hosts, database, options, user, password, unquote(path) or "admin", timeout)
