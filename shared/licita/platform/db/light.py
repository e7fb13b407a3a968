"""Plain queries for the few on cold or hot paths (the session check of the authorizer and ws ``$connect``,
GET /auth/me, the SPA's first call, GET /tenders and GET /boards, its landing lists, and the notify function's
recipients): no SQLAlchemy and no ORM models, whose import is most of an API function's cold start (~600 ms on
the 2-core bench machine), and not even psycopg (~230 ms to import): the standard-library client ``pgwire``.

Each unit of work is a transaction scoped exactly like ``engine.system_transaction`` (application role, RLS
bypass flag, no company) or, for a tenant's rows, ``engine.tenant_transaction`` (its company, row-level security
on), on a connection of its own: idle connections are kept for the next one. BEGIN and the scope travel with
the first query, so a one-query GET costs two round trips (that batch, then COMMIT). Lambda runs one invocation per
container at a time, so it keeps one; the local runtime runs functions on threads and keeps as many as ran at
once (concurrent transactions on one shared connection broke each other: 503s; serialising them on a lock
queued the notify batches behind each other).

A ``DATABASE_URL`` that ``pgwire`` does not understand (several hosts, client certificates, libpq-only options)
is served by psycopg instead, through the same session interface: slower to import, never refused.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

from licita.core.config import get_settings
from licita.platform.db import pgwire

# Same scope as platform.db.engine._SCOPE.
SCOPE = ("SELECT set_config('role', %s, true), set_config('app.company_id', %s, true),"
         " set_config('app.bypass_rls', %s, true)")


class _LibpqSession:
    """psycopg behind ``pgwire.Connection``'s interface (``begin`` / ``cursor`` / ``commit`` / ``rollback``), its
    lost connections raised as ``PgConnectionError`` so the retry and ``core.outage`` treat both alike."""

    def __init__(self, url: str) -> None:
        import psycopg  # noqa: PLC0415  (heavy: only for URLs pgwire does not serve)

        self._psycopg = psycopg
        with self._translated():
            self._conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), connect_timeout=5)

    @property
    def closed(self) -> bool:
        return bool(self._conn.closed)

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except self._psycopg.OperationalError as exc:
            raise pgwire.PgConnectionError(str(exc), getattr(exc, "sqlstate", None) or "08006") from exc

    def begin(self, *statements: tuple[str, Sequence[Any] | None]) -> None:
        with self._translated():
            for sql, params in statements:  # psycopg opens the transaction with the first statement
                self._conn.execute(sql, params)

    def cursor(self) -> _LibpqCursor:
        return _LibpqCursor(self, self._conn.cursor())

    def commit(self) -> None:
        with self._translated():
            self._conn.commit()

    def rollback(self) -> None:
        with self._translated():
            self._conn.rollback()

    def close(self) -> None:
        self._conn.close()


class _LibpqCursor:
    def __init__(self, session: _LibpqSession, cursor: Any) -> None:
        self._session, self._cursor = session, cursor

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> _LibpqCursor:
        with self._session._translated():
            self._cursor.execute(sql, params)
        return self

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)

    def fetchone(self) -> tuple[Any, ...] | None:
        return cast("tuple[Any, ...] | None", self._cursor.fetchone())

    def fetchall(self) -> list[tuple[Any, ...]]:
        return cast("list[tuple[Any, ...]]", self._cursor.fetchall())


Session = pgwire.Connection | _LibpqSession

_idle: list[Session] = []  # connections no one is using; Lambda (one invocation at a time) needs one
_generation = 0  # bumped by reset(): a connection opened before it is closed when it comes back
_lock = threading.Lock()


@functools.lru_cache(maxsize=4)
def served_by_pgwire(url: str) -> bool:
    """Whether ``pgwire`` understands ``url`` (scheme, one host, its options and sslmode)."""
    try:
        pgwire.parse_url(url)
    except ValueError:
        return False
    return True


def _checkout() -> tuple[Session, int]:
    with _lock:
        while _idle:
            conn = _idle.pop()
            if not conn.closed:
                return conn, _generation
        generation = _generation
    url = get_settings().database_url
    if not served_by_pgwire(url):
        return _LibpqSession(url), generation
    return pgwire.connect(url, connect_timeout=5), generation


def _checkin(conn: Session, generation: int) -> None:
    with _lock:
        if generation == _generation and not conn.closed:
            _idle.append(conn)
            return
    conn.close()


def reset() -> None:
    """Forget the connections (tests re-point DATABASE_URL; a dropped connection is replaced)."""
    global _generation
    with _lock:
        idle, _idle[:] = list(_idle), []
        _generation += 1
    for conn in idle:
        conn.close()


def _run[T](conn: Session, work: Callable[[Any], T], company_id: str) -> T:
    try:
        conn.begin((SCOPE, (get_settings().db_app_role or "none", company_id, "off" if company_id else "on")))
        result = work(conn.cursor())
        conn.commit()
        return result
    finally:
        if not conn.closed:  # never hand back a connection mid-transaction, or with a BEGIN still queued
            try:
                conn.rollback()  # no round trip after a commit
            except pgwire.PgError:
                conn.close()


def run_system[T](work: Callable[[pgwire.Cursor], T]) -> T:
    """``work(cursor)`` in one system-scoped transaction; a connection the database (or a proxy) dropped is
    replaced and the work run once more."""
    return _retried(work, "")


def run_tenant[T](company_id: uuid.UUID | str, work: Callable[[pgwire.Cursor], T]) -> T:
    """``work(cursor)`` in one transaction scoped to ``company_id`` (row-level security on), as
    :func:`run_system` otherwise. Queries still filter on ``company_id`` themselves: two layers."""
    if not str(company_id):
        raise ValueError("a tenant transaction needs a company")
    return _retried(work, str(company_id))


def page_of(company_id: uuid.UUID | str, table: str, columns: Sequence[str], condition: str, params: Sequence[Any],
            order_by: str, page: int, page_size: int) -> tuple[list[tuple[Any, ...]], int]:
    """One page of a tenant's rows and the whole list's total in one round trip (a window count); only a page
    past the end asks for the total alone. ``table``, ``columns``, ``condition`` and ``order_by`` are the
    caller's own SQL text, never user input: values go in ``params`` (``%s`` placeholders)."""
    sql = (f"SELECT {', '.join(columns)}, count(*) OVER () FROM {table} WHERE {condition} ORDER BY {order_by}"
           " LIMIT %s OFFSET %s")

    def work(cur: pgwire.Cursor) -> tuple[list[tuple[Any, ...]], int]:
        rows = cur.execute(sql, [*params, page_size, (page - 1) * page_size]).fetchall()
        if rows or page == 1:
            return [row[:-1] for row in rows], int(rows[0][-1]) if rows else 0
        total = cur.execute(f"SELECT count(*) FROM {table} WHERE {condition}", params).fetchone()
        return [], int(total[0]) if total else 0

    return run_tenant(company_id, work)


def _retried[T](work: Callable[[pgwire.Cursor], T], company_id: str) -> T:
    """One connection per concurrent unit of work (the local runtime runs functions on threads: one shared
    connection serialised the notify batches; concurrent transactions on one connection break each other)."""
    conn, generation = _checkout()
    try:
        return _run(conn, work, company_id)
    except pgwire.PgConnectionError:
        conn.close()
        conn, generation = _checkout()
        return _run(conn, work, company_id)
    finally:
        _checkin(conn, generation)
