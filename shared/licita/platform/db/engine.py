"""One engine per warm container; transactions carry the tenant in a per-transaction setting.

`SET LOCAL` (not session-level SET) keeps connections reusable through RDS Proxy without pinning and
lets PostgreSQL row-level security see which company the transaction works for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from uuid import UUID

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from licita.core.config import get_settings

# One round trip: drop to the unprivileged application role (superusers bypass RLS) and set the scope.
_SCOPE = text(
    "SELECT set_config('role', :role, true), set_config('app.company_id', :cid, true),"
    " set_config('app.bypass_rls', :bypass, true)"
)


def _app_role() -> str:
    return get_settings().db_app_role or "none"


@cache
def get_engine() -> Engine:
    url = get_settings().database_url
    if not url:
        raise RuntimeError("DATABASE_URL is not configured")
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, pool_recycle=300)


@cache
def _session_factory() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False, autoflush=False)


def reset_engine() -> None:
    """Drop pooled connections (tests and the local runtime re-point DATABASE_URL)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    _session_factory.cache_clear()


@contextmanager
def system_transaction() -> Iterator[Session]:
    """A transaction that may cross tenants: login, the authorizer, maintenance, master admin."""
    with _session_factory()() as session, session.begin():
        session.execute(_SCOPE, {"role": _app_role(), "cid": "", "bypass": "on"})
        yield session


@contextmanager
def tenant_transaction(company_id: UUID | str) -> Iterator[Session]:
    """A transaction scoped to one company; RLS policies filter on ``app.company_id``."""
    with _session_factory()() as session, session.begin():
        session.execute(_SCOPE, {"role": _app_role(), "cid": str(company_id), "bypass": "off"})
        yield session
