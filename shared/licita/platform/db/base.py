"""The declarative base every area's ORM models share (one metadata: Alembic sees every table), and the column
groups most tables repeat, as mixins: a model lists ``TenantRow``/``Timestamps`` instead of pasting them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSONB, list[str]: JSONB}


def new_uuid() -> uuid.UUID:
    return uuid.uuid4()


class TenantRow:
    """A tenant table's first two columns: a random UUID key and the owning company (rows go with it). Row-level
    security (``rls.enable_tenant_rls`` in the migration) and ``tenant_transaction`` key on ``company_id``."""

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_uuid, sort_order=-2)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), sort_order=-1)


class CreatedAt:
    """When the database inserted the row."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Timestamps(CreatedAt):
    """Inserted and last updated (``updated_at`` is set by the database on insert, by the ORM on update)."""

    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())
