"""Report requests and their generated files (tenant-scoped; migration 0005)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from licita.platform.db.base import Base, CreatedAt, TenantRow


class ReportStatus(enum.StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    READY = "READY"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"  # the file was removed by the schedule; ask for a new one


class ReportKind(enum.StrEnum):
    TENDER_SUMMARY = "tender_summary"  # PDF
    QUOTE_COMPARISON = "quote_comparison"  # XLSX
    PIPELINE = "pipeline"  # XLSX


class Report(TenantRow, CreatedAt, Base):
    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_company_created", "company_id", "created_at"),
                      Index("ix_reports_status_expires", "status", "expires_at"))

    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(String(30))
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    status: Mapped[str] = mapped_column(String(10), default=ReportStatus.QUEUED)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    s3_key: Mapped[str | None] = mapped_column(String(400))
    filename: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


REPORT_TABLES = ("reports",)

__all__ = ["REPORT_TABLES", "Report", "ReportKind", "ReportStatus"]
