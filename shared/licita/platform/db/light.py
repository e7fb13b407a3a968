"""Plain psycopg for the few queries on cold or hot paths (the session check of the authorizer and ws
``$connect``, GET /auth/me, the SPA's first call, GET /tenders and GET /boards, its landing lists, and the
notify function's recipients): no SQLAlchemy and no ORM models, whose import is most of an API function's cold
start (~600 ms on the 2-core bench machine).

One connection per container, reused by warm invocations. Each unit of work is a transaction scoped exactly like
``engine.system_transaction`` (application role, RLS bypass flag, no company) or, for a tenant's rows,
``engine.tenant_transaction`` (its company, row-level security on). Lambda runs one invocation per
container at a time; the local runtime and the API's threaded fallback path may not, so work on the one
connection is serialised (concurrent transactions on it broke each other: 503s).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from licita.core.config import get_settings

# Same scope as platform.db.engine._SCOPE.
SCOPE = ("SELECT set_config('role', %s, true), set_config('app.company_id', %s, true),"
         " set_config('app.bypass_rls', %s, true)")

_conn: Any = None
_lock = threading.Lock()


def _connection() -> Any:
    global _conn
    import psycopg  # noqa: PLC0415  (heavy: psycopg ~180 ms, loaded only when a query runs)

    if _conn is None or _conn.closed:
        url = get_settings().database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        _conn = psycopg.connect(url, connect_timeout=5)
    return _conn


def reset() -> None:
    """Forget the connection (tests re-point DATABASE_URL; a dropped connection is replaced)."""
    global _conn
    if _conn is not None:
        _conn.close()
    _conn = None


def _run[T](work: Callable[[Any], T], company_id: str) -> T:
    conn = _connection()
    try:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(SCOPE, (get_settings().db_app_role or "none", company_id, "off" if company_id else "on"))
            return work(cur)
    finally:
        if conn.info.transaction_status != 0:  # never leave the shared connection inside a transaction
            conn.rollback()


def run_system[T](work: Callable[[Any], T]) -> T:
    """``work(cursor)`` in one system-scoped transaction; a connection the database (or a proxy) dropped is
    replaced and the work run once more."""
    return _retried(work, "")


def run_tenant[T](company_id: uuid.UUID | str, work: Callable[[Any], T]) -> T:
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

    def work(cur: Any) -> tuple[list[tuple[Any, ...]], int]:
        rows = cur.execute(sql, [*params, page_size, (page - 1) * page_size]).fetchall()
        if rows or page == 1:
            return [row[:-1] for row in rows], int(rows[0][-1]) if rows else 0
        return [], int(cur.execute(f"SELECT count(*) FROM {table} WHERE {condition}", params).fetchone()[0])

    return run_tenant(company_id, work)


def _retried[T](work: Callable[[Any], T], company_id: str) -> T:
    import psycopg  # noqa: PLC0415  (heavy: see _connection)

    with _lock:
        try:
            return _run(work, company_id)
        except psycopg.OperationalError:
            reset()
            return _run(work, company_id)
