"""Quote requests (cotações), their items, per-supplier links and answers (tenant-scoped; migration 0005).

A supplier link stores only the SHA-256 of its token: the token itself exists in the e-mail alone.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from licita.platform.db.base import Base, CreatedAt, TenantRow, Timestamps


class QuoteStatus(enum.StrEnum):
    DRAFT = "DRAFT"  # created, links not sent yet
    OPEN = "OPEN"  # links sent, suppliers answering until the deadline
    CLOSED = "CLOSED"  # closed by the company (or past its deadline): answers refused
    CANCELLED = "CANCELLED"



class Quote(TenantRow, Timestamps, Base):
    __tablename__ = "quotes"
    __table_args__ = (sa.Index("ix_quotes_company_created", "company_id", "created_at"),
                      sa.Index("ix_quotes_deadline", "status", "deadline_at"))

    tender_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("tenders.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(200))
    message: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(12), default=QuoteStatus.DRAFT)
    deadline_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # {"freight_pct", "taxes_pct", "margin_pct", "admin_pct"} in percent
    pricing: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class QuoteItem(TenantRow, Base):
    __tablename__ = "quote_items"
    __table_args__ = (sa.Index("ix_quote_items_quote_position", "quote_id", "position"),)

    quote_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("quotes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.Integer)
    tender_item_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("tender_items.id", ondelete="SET NULL"))
    product_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("products.id", ondelete="SET NULL"))
    number: Mapped[int | None] = mapped_column(sa.Integer)
    description: Mapped[str] = mapped_column(sa.Text)
    unit: Mapped[str | None] = mapped_column(sa.String(60))
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(18, 4))
    estimated_unit_price: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4))  # the tender's ceiling
    winner_link_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # per-item overrides of the quote's pricing (percent), e.g. a heavier freight
    pricing: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class QuoteLink(TenantRow, CreatedAt, Base):
    """One supplier's access to one quote: a hashed token, an expiry, revocable."""

    __tablename__ = "quote_links"
    __table_args__ = (sa.UniqueConstraint("quote_id", "supplier_id", name="uq_quote_links_quote_supplier"),
                      sa.UniqueConstraint("token_hash", name="uq_quote_links_token_hash"))

    quote_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("quotes.id", ondelete="CASCADE"))
    supplier_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("suppliers.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    token_hash: Mapped[str | None] = mapped_column(sa.String(64))
    expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    opened_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    saved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    # [{key, filename, content_type, size, requested_at}]
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)


class QuoteAnswer(TenantRow, Base):
    """A supplier's answer for one item (saved drafts and submissions alike; one row per link × item)."""

    __tablename__ = "quote_answers"
    __table_args__ = (sa.UniqueConstraint("link_id", "item_id", name="uq_quote_answers_link_item"),
                      sa.Index("ix_quote_answers_quote", "company_id", "quote_id"))

    quote_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("quotes.id", ondelete="CASCADE"))
    link_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("quote_links.id", ondelete="CASCADE"))
    item_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("quote_items.id", ondelete="CASCADE"))
    unit_price: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4))
    brand: Mapped[str | None] = mapped_column(sa.String(120))
    model: Mapped[str | None] = mapped_column(sa.String(120))
    delivery_days: Mapped[int | None] = mapped_column(sa.Integer)
    validity_days: Mapped[int | None] = mapped_column(sa.Integer)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), onupdate=sa.func.now()
    )


QUOTE_TABLES = ("quotes", "quote_items", "quote_links", "quote_answers")

__all__ = ["QUOTE_TABLES", "Quote", "QuoteAnswer", "QuoteItem", "QuoteLink", "QuoteStatus"]
