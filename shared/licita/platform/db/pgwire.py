"""A minimal synchronous PostgreSQL client (protocol 3.0) for the cold-start-critical queries of ``db.light``.

``import psycopg`` costs ~165-290 ms on the 2-core bench machine (libpq's shared libraries, and psycopg.errors
pulling asyncio; this module: ~18 ms, mostly standard-library modules the functions load anyway): most of an API
function's cold start budget for GET /tenders, /boards, /auth/me and the session check. This client speaks the
same protocol over one socket (TCP, TLS by ``sslmode``, or the embedded server's unix socket) with trust,
cleartext, MD5 or SCRAM-SHA-256 authentication (``platform.scram``'s math), and imports only the standard library
(``ssl`` only for TLS, hashing only for password authentication). SQLAlchemy keeps psycopg.

Queries use the extended protocol with the unnamed statement and portal (nothing for RDS Proxy to pin);
parameters travel as text with type OID 0, so the server infers each one's type from where it stands (a bare
``SELECT %s`` comes back as text, ``%s IS NULL`` cannot be typed: our SQL never needs either). Results arrive as
text and are decoded by column type into what psycopg returned (rows are tuples; timestamptz is an aware datetime
in UTC, as the session's TimeZone is UTC); types not listed in ``_LOADERS`` (enums, interval, money, ...) come
back as their text.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from licita.platform.scram import ScramClient

__all__ = ["Connection", "Cursor", "PgConnectionError", "PgError", "connect", "convert_placeholders", "decode",
           "encode_param", "parse_array", "parse_url"]

IDLE, IN_TRANSACTION, IN_ERROR = "I", "T", "E"  # ReadyForQuery's transaction status byte
_SYNC, _TERMINATE = b"S\0\0\0\4", b"X\0\0\0\4"
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_URL_OPTIONS = {"host", "port", "dbname", "user", "password", "sslmode", "sslrootcert", "connect_timeout",
                "application_name", "options"}


class PgError(Exception):
    """An ErrorResponse from the server, or a refusal with the SQLSTATE the server would use (``sqlstate``;
    ``core.input_errors`` answers class 22/23 as 422/409)."""

    def __init__(self, message: str, sqlstate: str = "", fields: dict[str, str] | None = None) -> None:
        super().__init__(f"{message} (SQLSTATE {sqlstate})" if sqlstate else message)
        self.message, self.sqlstate, self.fields = message, sqlstate, fields or {}


class PgConnectionError(PgError):
    """The server could not be reached or refused the session, or the connection broke or was ended by the
    server (FATAL): the connection is closed. An outage (``core.outage``), and what ``light`` retries once."""


# ------------------------------------------------------------------------------ SQL text and parameters
@lru_cache(maxsize=256)
def convert_placeholders(sql: str) -> tuple[str, int]:
    """psycopg's ``%s`` placeholders as ``$1..$n`` (``%%`` is a literal %), and how many there are."""
    out, count, start = [], 0, 0
    while (at := sql.find("%", start)) >= 0:
        out.append(sql[start:at])
        follower = sql[at + 1:at + 2]
        if follower == "s":
            count += 1
            out.append(f"${count}")
        elif follower == "%":
            out.append("%")
        else:
            raise ValueError(f"unsupported placeholder {sql[at:at + 2]!r} at {at}: use %s, or %% for a literal %")
        start = at + 2
    out.append(sql[start:])
    return "".join(out), count


def encode_param(value: Any) -> str | None:
    """A Python value as PostgreSQL's text input (None is NULL); lists and tuples become array literals."""
    if value is None:
        return None
    if isinstance(value, Enum):  # psycopg would send the member's name: say which one is meant
        raise TypeError(f"pass {value!r}'s .value or .name, not the member")
    if isinstance(value, str):
        if "\0" in value:
            raise PgError("text parameters cannot contain NUL (0x00) characters", "22021")
        return str.__str__(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float | Decimal):
        if value != value:  # noqa: PLR0124  (NaN)
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return f"{value.days} days {value.seconds} seconds {value.microseconds} microseconds"
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, dict):
        return json.dumps(value)  # a NUL inside is escaped (\u0000): jsonb refuses it as data (22P05)
    if isinstance(value, list | tuple):
        return "{" + ",".join(_array_item(item) for item in value) + "}"
    raise TypeError(f"cannot send a {type(value).__name__} as a query parameter")


def _array_item(item: Any) -> str:
    if item is None:
        return "NULL"
    if isinstance(item, list | tuple):
        return encode_param(item) or "{}"
    text = encode_param(item) or ""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ------------------------------------------------------------------------------ results
def _timestamp(text: str) -> datetime:
    if text[-1].isalpha():  # 'infinity', '-infinity', a year BC: psycopg refused them too
        raise PgError(f"timestamp out of Python's range: {text!r}", "22008")
    return datetime.fromisoformat(text)


def _date(text: str) -> date:
    if text[-1].isalpha():
        raise PgError(f"date out of Python's range: {text!r}", "22008")
    return date.fromisoformat(text)


def _ip(text: str, network: bool = False) -> Any:
    import ipaddress  # noqa: PLC0415  (rare: the sessions' client address)

    if network:
        return ipaddress.ip_network(text)
    return ipaddress.ip_interface(text) if "/" in text else ipaddress.ip_address(text)


_LOADERS: dict[int, Callable[[str], Any]] = {
    16: lambda t: t == "t", 20: int, 21: int, 23: int, 26: int, 700: float, 701: float, 1700: Decimal,
    2950: uuid.UUID, 1184: _timestamp, 1114: _timestamp, 1082: _date, 1083: time.fromisoformat,
    1266: time.fromisoformat, 114: json.loads, 3802: json.loads, 17: lambda t: bytes.fromhex(t[2:]), 869: _ip,
    650: lambda t: _ip(t, network=True),
}
_ARRAYS = {1000: 16, 1016: 20, 1005: 21, 1007: 23, 1028: 26, 1021: 700, 1022: 701, 1231: 1700, 2951: 2950,
           1185: 1184, 1115: 1114, 1182: 1082, 1183: 1083, 1270: 1266, 199: 114, 3807: 3802, 1001: 17, 1041: 869,
           651: 650}
_ARRAYS.update(dict.fromkeys((1009, 1015, 1014, 1003, 1002), 25))  # text, varchar, bpchar, name, "char"


def parse_array(text: str, load: Callable[[str], Any] = str) -> list[Any]:
    """An array's text output (``{a,"b c",NULL}``, nested, maybe with ``[0:1]=`` bounds) as nested lists."""
    if text.startswith("["):
        text = text[text.index("=") + 1:]
    stack: list[list[Any]] = []
    result: list[Any] = []
    at, end = 0, len(text)
    while at < end:
        char = text[at]
        if char == "{":
            stack.append([])
        elif char == "}":
            done = stack.pop()
            if stack:
                stack[-1].append(done)
            else:
                result = done
        elif char == '"':
            value, at = [], at + 1
            while text[at] != '"':
                at += text[at] == "\\"  # a backslash escapes the next character
                value.append(text[at])
                at += 1
            stack[-1].append(load("".join(value)))
        elif char != ",":
            stop = min(i for i in (text.find(",", at), text.find("}", at)) if i >= 0)
            word = text[at:stop]
            stack[-1].append(None if word.upper() == "NULL" else load(word))
            at = stop - 1
        at += 1
    return result


def _loader(type_oid: int) -> Callable[[str], Any] | None:
    """None: the text as it came (text, varchar, enums and every type not listed)."""
    if type_oid in _ARRAYS:
        element = _LOADERS.get(_ARRAYS[type_oid], str)
        return lambda text: parse_array(text, element)
    return _LOADERS.get(type_oid)


def decode(type_oid: int, text: str) -> Any:
    """A value in the server's text format as psycopg returned it for its column type (other types: the text)."""
    load = _loader(type_oid)
    return text if load is None else load(text)


class Cursor:
    """psycopg's cursor, as far as ``light``'s callers use it: ``execute`` returns the cursor to fetch from."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.description: list[tuple[str, int]] | None = None  # (name, type OID) of each column
        self.statusmessage = ""
        self._rows: list[tuple[Any, ...]] = []
        self._next = 0

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Cursor:
        self.description, self._rows, self.statusmessage = self.connection.run(sql, params)
        self._next = 0
        return self

    @property
    def rowcount(self) -> int:
        last = self.statusmessage.rpartition(" ")[2]
        return int(last) if last.isdigit() else -1

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = self._fetched()
        if self._next >= len(rows):
            return None
        self._next += 1
        return rows[self._next - 1]

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._next = self._fetched()[self._next:], len(self._rows)
        return rows

    def _fetched(self) -> list[tuple[Any, ...]]:
        if self.description is None:
            raise ValueError("the last statement returned no rows to fetch")
        return self._rows


# ------------------------------------------------------------------------------ the connection
def _message(kind: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return kind + struct.pack("!i", len(body) + 4) + body


def _cstr(text: str) -> bytes:
    raw = text.encode()
    if b"\0" in raw:
        raise ValueError("SQL text and connection settings cannot contain NUL characters")
    return raw + b"\0"


def _error(body: bytes) -> PgError:
    fields = {chr(part[0]): part[1:].decode(errors="replace") for part in body.split(b"\0") if part}
    return PgError(fields.get("M", "unknown error"), fields.get("C", ""), fields)


class Connection:
    """One session; not for two threads at once. ``begin(*statements)`` queues BEGIN and those statements: they
    travel with the next query (or the commit), so a one-query unit of work costs two round trips."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock, self._in = sock, sock.makefile("rb")
        self.closed = False
        self.transaction_status = IDLE
        self.parameters: dict[str, str] = {}  # ParameterStatus: server_version, TimeZone, ...
        self.backend_pid = 0
        self._pending: list[tuple[str, Sequence[Any] | None]] = []

    def cursor(self) -> Cursor:
        return Cursor(self)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Cursor:
        return Cursor(self).execute(sql, params)

    def begin(self, *statements: tuple[str, Sequence[Any] | None]) -> None:
        if self._pending or self.transaction_status != IDLE:
            raise PgError("a transaction is already open", "25001")
        self._pending = [("BEGIN", None), *statements]

    def commit(self) -> None:
        if self._pending or self.transaction_status != IDLE:
            _, _, tag = self.run("COMMIT", None)
            if tag != "COMMIT":  # a failed transaction 'commits' as ROLLBACK
                raise PgError("the transaction failed and was rolled back", "25P02")

    def rollback(self) -> None:
        """Drops what ``begin`` queued; ends a transaction the server has open. No round trip otherwise."""
        self._pending = []
        if not self.closed and self.transaction_status != IDLE:
            self.run("ROLLBACK", None)

    def run(self, sql: str, params: Sequence[Any] | None) -> tuple[list[tuple[str, int]] | None,
                                                                    list[tuple[Any, ...]], str]:
        """Queued statements then this one, in one write and one Sync: its columns, rows and command tag."""
        if self.closed:
            raise PgConnectionError("the connection is closed", "08003")
        batch = [*self._pending, (sql, params)]
        out = [self._statement(text, values) for text, values in batch]  # bad values: raised before sending
        self._pending = []
        try:
            self._send(b"".join(out) + _SYNC)
            return self._results(len(batch))
        except PgError:
            raise
        except BaseException:  # interrupted halfway through the replies: out of step with the server for good
            self._shut()
            raise

    @staticmethod
    def _statement(sql: str, params: Sequence[Any] | None) -> bytes:
        values: list[Any] = list(params) if params is not None else []
        if params is not None:
            sql, count = convert_placeholders(sql)
            if count != len(values):
                raise TypeError(f"the query has {count} placeholders but {len(values)} parameters were passed")
        if len(values) > 65535:
            raise ValueError("too many parameters for one statement (65,535 at most)")
        bind = [b"\0\0\0\0", struct.pack("!h", len(values))]
        for value in values:
            text = encode_param(value)
            raw = b"" if text is None else text.encode()
            bind.append(struct.pack("!i", -1 if text is None else len(raw)) + raw)
        return b"".join((_message(b"P", b"\0", _cstr(sql), b"\0\0"), _message(b"B", *bind, b"\0\0"),
                         _message(b"D", b"P\0"), _message(b"E", b"\0\0\0\0\0")))

    def _results(self, statements: int) -> tuple[list[tuple[str, int]] | None, list[tuple[Any, ...]], str]:
        """Reads up to ReadyForQuery: the last statement's result; the first error is raised once in step."""
        columns: list[tuple[str, int]] | None = None
        loaders: list[Callable[[str], Any] | None] = []
        rows: list[tuple[Any, ...]] = []
        done, tag, failure = 0, "", None
        while True:
            kind, body = self._receive()
            if kind == b"D":
                try:
                    rows.append(_row(body, loaders))
                except Exception as exc:  # a value Python cannot hold: read on, the connection stays in step
                    failure = failure or (exc if isinstance(exc, PgError) else PgError(str(exc), "22000"))
            elif kind == b"T":
                columns, loaders = _columns(body)
            elif kind == b"n":
                columns, loaders = None, []
            elif kind in (b"C", b"I"):
                done, tag = done + 1, body.rstrip(b"\0").decode()
                if done < statements:
                    columns, rows = None, []
            elif kind == b"E":
                error = _error(body)
                if error.fields.get("V", error.fields.get("S")) in ("FATAL", "PANIC"):  # the server hangs up
                    self._lost(error.message, error.sqlstate, error.fields)
                failure = failure or error
            elif kind == b"Z":
                self.transaction_status = chr(body[0])
                break
            elif kind == b"S":
                self._parameter(body)
            elif kind not in (b"1", b"2", b"N", b"A", b"s"):
                self._lost(f"unexpected message {kind!r} from the server", "08P01")
        if failure is not None:
            raise failure
        return columns, rows, tag

    def _parameter(self, body: bytes) -> None:
        name, value, _ = body.split(b"\0", 2)
        self.parameters[name.decode()] = value.decode()

    def _send(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError as exc:
            self._lost(f"connection lost: {exc}")

    def _receive(self) -> tuple[bytes, bytes]:
        try:
            head = self._in.read(5)
            size = struct.unpack("!i", head[1:])[0] - 4 if len(head) == 5 else -1
            body = self._in.read(size) if size > 0 else b""
        except OSError as exc:
            self._lost(f"connection lost: {exc}")
        if size < 0 or len(body) != size:
            self._lost("connection lost: the server closed it")
        return head[:1], body

    def _lost(self, message: str, sqlstate: str = "08006", fields: dict[str, str] | None = None) -> Any:
        self._shut()
        raise PgConnectionError(message, sqlstate, fields)

    def _shut(self) -> None:
        self.closed, self.transaction_status, self._pending = True, IDLE, []
        with contextlib.suppress(OSError):
            self._in.close()
            self._sock.close()

    def close(self) -> None:
        """Terminate the session (best effort) and close the socket."""
        if not self.closed:
            with contextlib.suppress(OSError):
                self._sock.sendall(_TERMINATE)
            self._shut()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _columns(body: bytes) -> tuple[list[tuple[str, int]], list[Callable[[str], Any] | None]]:
    (count,), at, columns = struct.unpack_from("!h", body), 2, []
    for _ in range(count):
        end = body.index(b"\0", at)
        columns.append((body[at:end].decode(), struct.unpack_from("!i", body, end + 7)[0]))
        at = end + 19
    return columns, [_loader(oid) for _, oid in columns]


def _row(body: bytes, loaders: list[Callable[[str], Any] | None]) -> tuple[Any, ...]:
    values: list[Any] = []
    at = 2
    for load in loaders:
        size = struct.unpack_from("!i", body, at)[0]
        at += 4
        if size < 0:
            values.append(None)
            continue
        text = body[at:at + size].decode()
        at += size
        values.append(text if load is None else load(text))
    return tuple(values)


# ------------------------------------------------------------------------------ connecting
def connect(url: str, *, connect_timeout: float = 5.0) -> Connection:
    """A session from a libpq-style URL (``postgresql://user:pass@host:port/db?sslmode=...``, or the unix
    socket form ``postgresql://postgres:@/postgres?host=/tmp/dir``; a ``+driver`` suffix is ignored). Without a
    host it is localhost over TCP (libpq would try its default unix socket); ``sslmode`` defaults to prefer."""
    opts = parse_url(url)
    mode = opts.get("sslmode", "prefer")
    timeout = float(opts.get("connect_timeout") or connect_timeout)
    attempts = (False, True) if mode == "allow" else (mode != "disable",)  # allow: TLS only if refused without
    for attempt, tls in enumerate(attempts, 1):
        try:
            return _open(opts, tls, timeout)
        except PgConnectionError:
            if attempt == len(attempts):
                raise
    raise AssertionError("unreachable")


def parse_url(url: str) -> dict[str, str]:
    """The URL's settings, percent-decoded: host, port, user, password, dbname and the query's options;
    ``ValueError`` for anything this client does not serve (``light`` then uses psycopg)."""
    parts = urlsplit(url)
    if parts.scheme.split("+", 1)[0] not in ("postgresql", "postgres"):
        raise ValueError(f"unsupported database URL scheme: {parts.scheme!r}")
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    host, _, port = hostport[1:].partition("]") if hostport.startswith("[") else hostport.partition(":")
    found = {"host": host, "port": port.lstrip(":"), "user": user, "password": password, "dbname": parts.path[1:]}
    opts = {key: unquote(value) for key, value in found.items() if value}
    for item in filter(None, parts.query.split("&")):
        key, _, value = item.partition("=")
        if unquote(key) not in _URL_OPTIONS:
            raise ValueError(f"unsupported database URL option {unquote(key)!r}")
        opts[unquote(key)] = unquote(value)
    if "," in opts.get("host", ""):
        raise ValueError("several hosts in one database URL are not supported")
    if opts.get("sslmode", "prefer") not in SSL_MODES:
        raise ValueError(f"unsupported sslmode {opts['sslmode']!r}")
    return opts


def _open(opts: dict[str, str], tls: bool, timeout: float) -> Connection:
    host, port = opts.get("host") or "localhost", int(opts.get("port") or 5432)
    unix = host.startswith("/")
    where = f"{host}/.s.PGSQL.{port}" if unix else f"{host}:{port}"
    sock: socket.socket | None = None
    try:
        if unix:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(where)
        else:
            sock = socket.create_connection((host, port), timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if tls:
                sock = _tls(sock, host, opts)
    except BaseException as exc:
        if sock is not None:
            sock.close()
        if isinstance(exc, OSError):
            raise PgConnectionError(f"cannot reach PostgreSQL at {where}: {exc}", "08001") from exc
        raise
    conn = Connection(sock)
    try:
        _startup(conn, opts)
    except BaseException:
        conn._shut()
        raise
    sock.settimeout(None)
    return conn


def _tls(sock: socket.socket, host: str, opts: dict[str, str]) -> socket.socket:
    """SSLRequest, then the handshake; ``verify-ca`` checks the chain, ``verify-full`` the host name too."""
    mode, root = opts.get("sslmode", "prefer"), opts.get("sslrootcert", "")
    sock.sendall(struct.pack("!ii", 8, 80877103))
    answer = sock.recv(1)  # one byte only: nothing the server sends before the handshake may be read as its own
    if answer == b"N" and mode in ("allow", "prefer"):
        return sock
    if answer != b"S":
        raise PgConnectionError(f"the server refused TLS (sslmode={mode})", "08001")
    import ssl  # noqa: PLC0415  (~11 ms, only for TLS endpoints such as RDS)

    context = ssl.create_default_context(cafile=root if root not in ("", "system") else None)
    if mode != "verify-full":
        context.check_hostname = False
        if not root and mode != "verify-ca":  # require/prefer/allow: encrypted, unverified (libpq's meaning)
            context.verify_mode = ssl.CERT_NONE
    return context.wrap_socket(sock, server_hostname=host)


def _startup(conn: Connection, opts: dict[str, str]) -> None:
    user = opts.get("user") or ""
    if not user:
        raise ValueError("the database URL names no user")
    settings = {"user": user, "database": opts.get("dbname") or user,
                "application_name": opts.get("application_name", "licita"), "client_encoding": "UTF8",
                "DateStyle": "ISO", "TimeZone": "UTC", **({"options": opts["options"]} if "options" in opts else {})}
    body = struct.pack("!i", 196608) + b"".join(_cstr(k) + _cstr(v) for k, v in settings.items()) + b"\0"
    conn._send(struct.pack("!i", len(body) + 4) + body)
    password, verified = opts.get("password", ""), False
    scram: ScramClient | None = None
    while True:
        kind, body = conn._receive()
        if kind == b"R":
            code = struct.unpack_from("!i", body)[0]
            if code == 0:
                if scram is not None and not verified:
                    raise PgConnectionError("SCRAM: the server skipped its proof", "28000")
                continue
            if code in (3, 5, 10) and not password:
                raise PgConnectionError("the server asks for a password and the database URL has none", "28P01")
            if code == 3:
                conn._send(_message(b"p", _cstr(password)))
            elif code == 5:
                conn._send(_message(b"p", _cstr(md5_password(password, user, body[4:8]))))
            elif code == 10:
                mechanisms = body[4:].split(b"\0")
                if b"SCRAM-SHA-256" not in mechanisms:
                    raise PgConnectionError(f"the server offers only {b', '.join(filter(None, mechanisms))!r}; "
                                            "this client has SCRAM-SHA-256 without channel binding", "28000")
                from licita.platform.scram import ScramClient  # noqa: PLC0415  (password authentication only)

                scram = ScramClient("sha256", "", saslprep(password))  # the user name: the startup message's
                first = scram.first().encode()
                conn._send(_message(b"p", b"SCRAM-SHA-256\0", struct.pack("!i", len(first)), first))
            elif code in (11, 12) and scram is not None:
                verified = _scram_step(conn, scram, code, body[4:].decode())
            else:
                raise PgConnectionError(f"unsupported authentication request {code}", "28000")
        elif kind == b"E":
            error = _error(body)
            raise PgConnectionError(error.message, error.sqlstate, error.fields)
        elif kind == b"K":
            conn.backend_pid = struct.unpack_from("!i", body)[0]
        elif kind == b"S":
            conn._parameter(body)
        elif kind == b"Z":
            conn.transaction_status = chr(body[0])
            return
        elif kind not in (b"N", b"v"):
            raise PgConnectionError(f"unexpected message {kind!r} while connecting", "08P01")


def _scram_step(conn: Connection, scram: ScramClient, code: int, message: str) -> bool:
    """SASLContinue (11): send our proof; SASLFinal (12): check the server's. True once the server is proven."""
    from licita.platform.scram import ScramError  # noqa: PLC0415  (loaded with ScramClient)

    try:
        if code == 11:
            conn._send(_message(b"p", scram.final(message).encode()))
            return False
        scram.verify(message)
        return True
    except ScramError as exc:
        raise PgConnectionError(f"SCRAM: {exc}", "28000") from exc


def md5_password(password: str, user: str, salt: bytes) -> str:
    import hashlib  # noqa: PLC0415  (password authentication only: the embedded server trusts its socket)

    inner = hashlib.md5((password + user).encode()).hexdigest()
    return "md5" + hashlib.md5(inner.encode() + salt).hexdigest()


def saslprep(password: str) -> str:
    """RFC 4013 as PostgreSQL applies it to passwords: a password it cannot prepare is used as it is."""
    if password.isascii():  # printable ASCII maps to itself; control characters fail, so: as it is
        return password
    import stringprep  # noqa: PLC0415  (non-ASCII passwords only)
    import unicodedata  # noqa: PLC0415

    kept = "".join(" " if stringprep.in_table_c12(c) else c for c in password if not stringprep.in_table_b1(c))
    prepared = unicodedata.normalize("NFKC", kept)
    prohibited = (stringprep.in_table_c12, stringprep.in_table_c21_c22, stringprep.in_table_c3,
                  stringprep.in_table_c4, stringprep.in_table_c5, stringprep.in_table_c6, stringprep.in_table_c7,
                  stringprep.in_table_c8, stringprep.in_table_c9, stringprep.in_table_a1)
    if not prepared or any(check(c) for c in prepared for check in prohibited):
        return password
    if any(map(stringprep.in_table_d1, prepared)) and (
            any(map(stringprep.in_table_d2, prepared))
            or not (stringprep.in_table_d1(prepared[0]) and stringprep.in_table_d1(prepared[-1]))):
        return password
    return prepared
