"""Column builders migrations share: ids, the tenant key, references, timestamps, JSONB documents.

Each returns exactly the column the released migrations spelled out by hand (type, nullability, server default,
foreign key and its ON DELETE), so a migration that switched to them creates the same schema: compare
``pg_dump --schema-only`` of a database migrated before and after such a change. Migrations never import ORM
models; these builders are plain SQLAlchemy.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID


def id_column() -> sa.Column[Any]:
    """``id uuid PRIMARY KEY`` (the application generates the value)."""
    return sa.Column("id", UUID(as_uuid=True), primary_key=True)


def company_column() -> sa.Column[Any]:
    """``company_id``: the tenant key row-level security filters on; the company's rows go with it."""
    return ref("company_id", "companies")


def ref(name: str, table: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column[Any]:
    """A uuid column referencing ``table.id``."""
    return sa.Column(name, UUID(as_uuid=True), sa.ForeignKey(f"{table}.id", ondelete=ondelete), nullable=nullable)


def timestamp(name: str, *, now: bool = False) -> sa.Column[Any]:
    """``timestamptz``: nullable, or (``now=True``) NOT NULL DEFAULT now()."""
    if now:
        return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)
    return sa.Column(name, sa.DateTime(timezone=True))


def timestamps() -> list[sa.Column[Any]]:
    """``created_at`` and ``updated_at``, both NOT NULL DEFAULT now()."""
    return [timestamp("created_at", now=True), timestamp("updated_at", now=True)]


def jsonb(name: str, default: str | None = None) -> sa.Column[Any]:
    """``jsonb NOT NULL``, with ``default`` as its server default when given."""
    return sa.Column(name, JSONB, nullable=False, server_default=default)


def legal_names() -> list[sa.Column[Any]]:
    """``legal_name`` (razão social, required) and ``trade_name`` (nome fantasia): how a company, a request to open
    one, or a supplier is named."""
    return [sa.Column("legal_name", sa.String(200), nullable=False), sa.Column("trade_name", sa.String(200))]


def create_tenant_table(op: Any, name: str, *columns: Any) -> None:
    """A tenant table: ``id`` and ``company_id`` first, then ``columns`` (and constraints)."""
    op.create_table(name, id_column(), company_column(), *columns)
