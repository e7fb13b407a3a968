"""Form templates (JSON Schema 2020-12, one row per version) and submissions pinned to a version."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from licita.platform.db.base import Base, CreatedAt, TenantRow


class FormTemplate(TenantRow, CreatedAt, Base):
    __tablename__ = "form_templates"
    __table_args__ = (UniqueConstraint("company_id", "key", "version", name="uq_form_templates_key_version"),)

    key: Mapped[str] = mapped_column(String(60))  # stable across versions
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str | None] = mapped_column(Text)
    schema: Mapped[dict[str, Any]] = mapped_column(JSONB)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class FormSubmission(TenantRow, CreatedAt, Base):
    __tablename__ = "form_submissions"
    __table_args__ = (
        Index("ix_form_submissions_template", "company_id", "template_key", "created_at"),
        Index("ix_form_submissions_tender", "tender_id"),
        Index("ix_form_submissions_card", "card_id"),
    )

    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("form_templates.id", ondelete="RESTRICT"))
    template_key: Mapped[str] = mapped_column(String(60))
    template_version: Mapped[int] = mapped_column(Integer)
    tender_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenders.id", ondelete="CASCADE"))
    card_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    submitted_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


FORM_TABLES = ("form_templates", "form_submissions")
