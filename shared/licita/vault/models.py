"""Vault documents (migration 0007): one row per stored certidão/document, with its validity."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Date, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from licita.accounts import models as _accounts  # noqa: F401  (companies/users: FK targets)
from licita.platform.db.base import Base, TenantRow, Timestamps


class VaultDocument(TenantRow, Timestamps, Base):
    __tablename__ = "vault_documents"
    __table_args__ = (
        Index("ix_vault_documents_company_kind", "company_id", "kind"),
        Index("ix_vault_documents_expires", "expires_on"),
    )

    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str | None] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(80))
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    s3_key: Mapped[str] = mapped_column(String(400), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default="UPLOADING")
    # reminder thresholds already sent, e.g. {"30d": "2026-01-01T10:00:00+00:00"}
    notified: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


VAULT_TABLES = ("vault_documents",)
