"""Tenders and what the analysis found in them (tenant-scoped; migrations 0002 and 0008 create the tables).

Columns hold the *effective* value of each structured field (a human correction wins over the
extractor), so lists filter and sort on what the user sees; ``fields`` keeps the extractor's opinion
with its evidence and ``corrections`` the human one, side by side, so nothing is overwritten.
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


class TenderStatus(enum.StrEnum):
    UPLOADING = "UPLOADING"  # tender created, waiting for the file to reach S3
    QUEUED = "QUEUED"  # re-analysis requested, message on the analysis queue
    PROCESSING = "PROCESSING"
    READY = "READY"
    NEEDS_REVIEW = "NEEDS_REVIEW"  # analysed, but a person should confirm key fields
    FAILED = "FAILED"  # the file could not be read; failure_reason says why (the file is kept)


TERMINAL_STATUSES = frozenset({TenderStatus.READY, TenderStatus.NEEDS_REVIEW, TenderStatus.FAILED})
# No tender may stay in one of these forever: maintenance expires or recovers them (tenders.analysis.recovery).
TRANSIENT_STATUSES = frozenset({TenderStatus.UPLOADING, TenderStatus.QUEUED, TenderStatus.PROCESSING})


class DeadlineKind(enum.StrEnum):
    SESSION = "session"
    PROPOSAL = "proposal"
    IMPUGNACAO = "impugnacao"
    ESCLARECIMENTO = "esclarecimento"
    OTHER = "other"


class DeadlineSource(enum.StrEnum):
    EXTRACTED = "extracted"  # stated by the document
    COMPUTED = "computed"  # derived from the law (e.g. art. 164) and the session date
    MANUAL = "manual"  # entered or corrected by a person



class Tender(TenantRow, Timestamps, Base):
    __tablename__ = "tenders"
    __table_args__ = (
        sa.Index("ix_tenders_company_created", "company_id", "created_at"),
        sa.Index("ix_tenders_company_status", "company_id", "status"),
        sa.Index("ix_tenders_company_session", "company_id", "session_at"),
        # PNCP identity (migration 0007): one import per compra per company; the watch scans watched ones only
        sa.Index("uq_tenders_company_pncp", "company_id", "pncp_numero_controle", unique=True,
              postgresql_where=sa.text("pncp_numero_controle IS NOT NULL")),
        sa.Index("ix_tenders_pncp_watched", "pncp_numero_controle", postgresql_where=sa.text("pncp_watched")),
    )

    status: Mapped[str] = mapped_column(sa.String(20), default=TenderStatus.UPLOADING)
    failure_reason: Mapped[str | None] = mapped_column(sa.Text)
    review_reasons: Mapped[list[str]] = mapped_column(JSONB, default=list)
    title: Mapped[str | None] = mapped_column(sa.String(300))
    object: Mapped[str | None] = mapped_column(sa.Text)
    document_kind: Mapped[str | None] = mapped_column(sa.String(40))
    modality: Mapped[str | None] = mapped_column(sa.String(40))
    number: Mapped[str | None] = mapped_column(sa.String(60))
    process_number: Mapped[str | None] = mapped_column(sa.String(80))
    agency: Mapped[str | None] = mapped_column(sa.String(300))
    agency_cnpj: Mapped[str | None] = mapped_column(sa.String(14))
    uasg: Mapped[str | None] = mapped_column(sa.String(12))
    session_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    estimated_value: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 2))
    items_count: Mapped[int | None] = mapped_column(sa.Integer)
    srp: Mapped[bool | None] = mapped_column(sa.Boolean)
    me_epp: Mapped[str | None] = mapped_column(sa.String(20))
    award_criterion: Mapped[str | None] = mapped_column(sa.String(40))
    dispute_mode: Mapped[str | None] = mapped_column(sa.String(20))
    platform: Mapped[str | None] = mapped_column(sa.String(40))
    legal_basis: Mapped[str | None] = mapped_column(sa.String(20))
    # PNCP identity of an imported tender (migration 0007; licita.discovery watches it while pncp_watched)
    pncp_numero_controle: Mapped[str | None] = mapped_column(sa.String(60))
    pncp_cnpj: Mapped[str | None] = mapped_column(sa.String(14))
    pncp_ano: Mapped[int | None] = mapped_column(sa.Integer)
    pncp_sequencial: Mapped[int | None] = mapped_column(sa.Integer)
    pncp_url: Mapped[str | None] = mapped_column(sa.String(300))
    pncp_watched: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default="false")
    # extractor output per field: {name: {value, page, quote, confidence, source}}
    fields: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # human corrections per field: {name: {value, note, by, at, previous}}
    corrections: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # {score, level, factors: [{code, label, weight, evidence}]}
    risk: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # requirements, penalties, guarantees, dates, notes from the extractor
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    duplicate_of: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    analysed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class TenderDocument(TenantRow, Timestamps, Base):
    """One uploaded file; ``analysis`` keeps the extractor output so the same bytes are never read twice."""

    __tablename__ = "tender_documents"
    __table_args__ = (
        sa.UniqueConstraint("company_id", "sha256", "tender_id", name="uq_tender_documents_company_sha_tender"),
        sa.UniqueConstraint("s3_key", name="uq_tender_documents_s3_key"),
        sa.Index("ix_tender_documents_company_sha", "company_id", "sha256"),
    )

    tender_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenders.id", ondelete="CASCADE"), index=True)
    s3_key: Mapped[str] = mapped_column(sa.String(400))
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    etag: Mapped[str | None] = mapped_column(sa.String(80))
    status: Mapped[str] = mapped_column(sa.String(20), default=TenderStatus.UPLOADING)
    failure_reason: Mapped[str | None] = mapped_column(sa.Text)
    failure_code: Mapped[str | None] = mapped_column(sa.String(60))
    file_kind: Mapped[str | None] = mapped_column(sa.String(10))  # pdf | docx | zip, from magic bytes
    pages: Mapped[int | None] = mapped_column(sa.Integer)
    ocr_pages: Mapped[int | None] = mapped_column(sa.Integer)
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    cache_hit: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    cached_from: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # idempotency: what the last finished run processed (etag of a plain upload or a re-analysis request id)
    processed_key: Mapped[str | None] = mapped_column(sa.String(120))
    processing_started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    event_published_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    analysed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class TenderItem(TenantRow, CreatedAt, Base):
    __tablename__ = "tender_items"
    __table_args__ = (sa.Index("ix_tender_items_tender_position", "tender_id", "position"),)

    tender_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.Integer)  # order in the document's item table
    number: Mapped[int | None] = mapped_column(sa.Integer)
    lot: Mapped[str | None] = mapped_column(sa.String(40))
    description: Mapped[str] = mapped_column(sa.Text)
    quantity: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4))
    unit: Mapped[str | None] = mapped_column(sa.String(60))
    unit_price: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4))
    total_price: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 2))
    me_epp_exclusive: Mapped[bool | None] = mapped_column(sa.Boolean)
    page: Mapped[int | None] = mapped_column(sa.Integer)


class Deadline(TenantRow, CreatedAt, Base):
    __tablename__ = "deadlines"
    __table_args__ = (
        sa.Index("ix_deadlines_company_due", "company_id", "due_at"),
        sa.Index("ix_deadlines_tender", "tender_id"),
    )

    tender_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenders.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    due_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    basis: Mapped[str | None] = mapped_column(sa.String(200))
    source: Mapped[str] = mapped_column(sa.String(20), default=DeadlineSource.EXTRACTED)
    page: Mapped[int | None] = mapped_column(sa.Integer)
    quote: Mapped[str | None] = mapped_column(sa.Text)
    # reminder thresholds already sent, e.g. {"72h": "2025-11-16T09:00:00Z"} (used by the reminders job)
    notified: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class IntentStatus(enum.StrEnum):
    PENDING = "PENDING"  # signed, waiting for the object
    CONSUMED = "CONSUMED"  # the object arrived and matched: its ETag is bound to the document
    EXPIRED = "EXPIRED"  # never completed (maintenance expired the upload)


class UploadIntent(TenantRow, CreatedAt, Base):
    """What create_upload signed: the only write the pipeline will analyse for that document (migration 0008)."""

    __tablename__ = "tender_upload_intents"
    __table_args__ = (
        sa.Index("ix_tender_upload_intents_status_created", "status", "created_at"),
    )

    tender_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenders.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tender_documents.id", ondelete="CASCADE"))
    s3_key: Mapped[str] = mapped_column(sa.String(400), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(120))
    expected_size: Mapped[int | None] = mapped_column(sa.BigInteger)  # declared by the client, when it did
    max_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    status: Mapped[str] = mapped_column(sa.String(20), default=IntentStatus.PENDING)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))  # of the presigned POST
    consumed_etag: Mapped[str | None] = mapped_column(sa.String(80))
    consumed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class DeadLetterStatus(enum.StrEnum):
    PENDING = "PENDING"  # waiting for the next redrive
    REDRIVEN = "REDRIVEN"  # sent back to the analysis queue
    EXHAUSTED = "EXHAUSTED"  # redriven the configured number of times: the tender is FAILED for good


class AnalysisDeadLetter(TenantRow, Timestamps, Base):
    """An analysis that kept failing (analysis DLQ, or stuck beyond its lease), one row per document run."""

    __tablename__ = "analysis_dead_letters"
    __table_args__ = (
        sa.UniqueConstraint("document_id", "run_key", name="uq_analysis_dead_letters_document_run"),
        sa.Index("ix_analysis_dead_letters_status", "status", "updated_at"),
    )

    tender_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenders.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tender_documents.id", ondelete="CASCADE"))
    run_key: Mapped[str] = mapped_column(sa.String(120))
    message: Mapped[dict[str, Any]] = mapped_column(JSONB)  # the analysis message to send again
    reason: Mapped[str] = mapped_column(sa.Text)
    redrives: Mapped[int] = mapped_column(sa.Integer, default=0)
    status: Mapped[str] = mapped_column(sa.String(20), default=DeadLetterStatus.PENDING)
    last_redriven_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


TENDER_TABLES = ("tenders", "tender_documents", "tender_items", "deadlines")
PIPELINE_TABLES = ("tender_upload_intents", "analysis_dead_letters")

__all__ = ["PIPELINE_TABLES", "TENDER_TABLES", "TERMINAL_STATUSES", "TRANSIENT_STATUSES", "AnalysisDeadLetter",
           "DeadLetterStatus", "Deadline", "DeadlineKind", "DeadlineSource", "IntentStatus", "Tender",
           "TenderDocument", "TenderItem", "TenderStatus", "UploadIntent"]
