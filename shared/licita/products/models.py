"""The product catalogue and supplier–product links (tenant-scoped; migration 0005)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from licita.platform.db.base import Base, CreatedAt, TenantRow, Timestamps


class Product(TenantRow, Timestamps, Base):
    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_company_description", "company_id", "description"),
        Index("ix_products_company_code", "company_id", "code_kind", "code"),
    )

    description: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(40))
    code_kind: Mapped[str | None] = mapped_column(String(10))  # catmat | catser | ncm
    code: Mapped[str | None] = mapped_column(String(20))
    brand: Mapped[str | None] = mapped_column(String(120))
    model: Mapped[str | None] = mapped_column(String(120))
    category: Mapped[str | None] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class SupplierProduct(TenantRow, CreatedAt, Base):
    """Who supplies what, and the last price they quoted (updated when a quote answer arrives)."""

    __tablename__ = "supplier_products"
    __table_args__ = (UniqueConstraint("company_id", "supplier_id", "product_id", name="uq_supplier_products"),
                      Index("ix_supplier_products_product", "company_id", "product_id"))

    supplier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    supplier_code: Mapped[str | None] = mapped_column(String(60))
    last_price: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    last_quoted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


PRODUCT_TABLES = ("products", "supplier_products")

__all__ = ["PRODUCT_TABLES", "Product", "SupplierProduct"]
