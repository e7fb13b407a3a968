"""Plain psycopg for the few queries on cold paths (the session check of the authorizer and ws ``$connect``, and
GET /auth/me, the SPA's first call): no SQLAlchemy and no ORM models, whose import is most of an API function's
cold start (~600 ms on the 2-core bench machine).

One connection per container, reused by warm invocations. Each unit of work is a transaction scoped exactly like
``engine.system_transaction`` (application role, RLS bypass flag, no company). Lambda runs one invocation per
container at a time; the local runtime and the API's threaded fallback path may not, so work on the one
connection is serialised (concurrent transactions on it broke each other: 503s).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from licita.core.config import get_settings

# Same scope as platform.db.engine._SCOPE for a system transaction.
SCOPE = ("SELECT set_config('role', %s, true), set_config('app.company_id', '', true),"
         " set_config('app.bypass_rls', 'on', true)")

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


def _run[T](work: Callable[[Any], T]) -> T:
    conn = _connection()
    try:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(SCOPE, (get_settings().db_app_role or "none",))
            return work(cur)
    finally:
        if conn.info.transaction_status != 0:  # never leave the shared connection inside a transaction
            conn.rollback()


def run_system[T](work: Callable[[Any], T]) -> T:
    """``work(cursor)`` in one system-scoped transaction; a connection the database (or a proxy) dropped is
    replaced and the work run once more."""
    import psycopg  # noqa: PLC0415  (heavy: see _connection)

    with _lock:
        try:
            return _run(work)
        except psycopg.OperationalError:
            reset()
            return _run(work)
