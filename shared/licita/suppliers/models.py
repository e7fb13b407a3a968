"""Suppliers and their documents (tenant-scoped; migration 0005 creates the tables with RLS)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from licita.platform.db.base import Base, CreatedAt, TenantRow, Timestamps


class Supplier(TenantRow, Timestamps, Base):
    __tablename__ = "suppliers"
    __table_args__ = (
        Index("uq_suppliers_company_cnpj", "company_id", "cnpj", unique=True),
        Index("ix_suppliers_company_name", "company_id", "legal_name"),
    )

    cnpj: Mapped[str] = mapped_column(String(14))
    legal_name: Mapped[str] = mapped_column(String(200))
    trade_name: Mapped[str | None] = mapped_column(String(200))
    categories: Mapped[list[str]] = mapped_column(JSONB, default=list)
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    email: Mapped[str | None] = mapped_column(String(254))  # where quote requests go
    phone: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(120))
    uf: Mapped[str | None] = mapped_column(String(2))
    notes: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class SupplierDocument(TenantRow, CreatedAt, Base):
    """A certidão or other document, stored in S3 (``procurement/<company>/suppliers/<id>/…``)."""

    __tablename__ = "supplier_documents"
    __table_args__ = (Index("ix_supplier_documents_supplier", "company_id", "supplier_id"),)

    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(BigInteger)
    s3_key: Mapped[str] = mapped_column(String(400), unique=True)
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


SUPPLIER_TABLES = ("suppliers", "supplier_documents")

__all__ = ["SUPPLIER_TABLES", "Supplier", "SupplierDocument"]
