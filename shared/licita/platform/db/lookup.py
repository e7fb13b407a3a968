"""One tenant row by the id a client sent. A malformed id, another company's row and a missing row are the same
404 (same code), so an id tells a caller nothing about other tenants; row-level security is the second layer."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from licita.core.errors import NotFound
from licita.core.security.principal import Principal
from licita.platform.db.base import TenantRow
from licita.platform.db.engine import tenant_transaction

R = TypeVar("R", bound=TenantRow)
Out = TypeVar("Out")


def company_of(principal: Principal) -> uuid.UUID:
    """The caller's company as the UUID the tenant tables store."""
    return uuid.UUID(principal.company_id)


@contextmanager
def company_transaction(principal: Principal) -> Iterator[tuple[Session, uuid.UUID]]:
    """A transaction for the caller's company (row-level security on) and that company's id."""
    company_id = company_of(principal)
    with tenant_transaction(company_id) as db:
        yield db, company_id


def parse_id(raw: Any, what: str = "Item", code: str = "not_found") -> uuid.UUID:
    """``raw`` as a UUID, or the 404 of a missing ``what``."""
    if isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(str(raw))
    except (ValueError, TypeError):
        raise NotFound(f"{what} não encontrado.", code=code) from None


def get_owned(db: Session, model: type[R], company_id: uuid.UUID, raw_id: Any, *, code: str, message: str,
              lock: bool = False, where: Iterable[ColumnElement[bool]] = ()) -> R:
    """The ``model`` row ``raw_id`` of ``company_id`` (``FOR UPDATE`` with ``lock``; ``where`` narrows it further),
    else ``NotFound(message, code)`` (a malformed id is just as missing)."""
    try:
        wanted = raw_id if isinstance(raw_id, uuid.UUID) else uuid.UUID(str(raw_id))
    except (ValueError, TypeError):
        raise NotFound(message, code=code) from None
    stmt = select(model).where(model.id == wanted, model.company_id == company_id, *where)
    row = db.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise NotFound(message, code=code)
    return row


def read_owned(principal: Principal, fetch: Callable[[Session, uuid.UUID, str], R], raw_id: str,
               out: Callable[[R], Out]) -> Out:
    """A GET of one row: ``fetch`` it in the caller's tenant transaction and render it with ``out`` there."""
    with company_transaction(principal) as (db, company_id):
        return out(fetch(db, company_id, raw_id))
