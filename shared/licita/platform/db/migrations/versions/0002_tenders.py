"""Tenders, their documents, items and deadlines; row-level security like 0001.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from licita.platform.db.columns import create_tenant_table, ref, timestamp, timestamps
from licita.platform.db.rls import enable_tenant_rls

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TENANT_TABLES = ("tenders", "tender_documents", "tender_items", "deadlines")
STATUSES = "('UPLOADING','QUEUED','PROCESSING','READY','NEEDS_REVIEW','FAILED')"

# The extracted fields' typed columns at this revision, in this order, all nullable (later revisions add theirs).
FIELD_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("title", sa.String(300)), ("object", sa.Text), ("document_kind", sa.String(40)), ("modality", sa.String(40)),
    ("number", sa.String(60)), ("process_number", sa.String(80)), ("agency", sa.String(300)),
    ("agency_cnpj", sa.String(14)), ("uasg", sa.String(12)), ("session_at", sa.DateTime(timezone=True)),
    ("estimated_value", sa.Numeric(18, 2)), ("items_count", sa.Integer), ("srp", sa.Boolean),
    ("me_epp", sa.String(20)), ("award_criterion", sa.String(40)), ("dispute_mode", sa.String(20)),
    ("platform", sa.String(40)), ("legal_basis", sa.String(20)),
)


def upgrade() -> None:
    create_tenant_table(
        op, "tenders",
        sa.Column("status", sa.String(20), nullable=False, server_default="UPLOADING"),
        sa.Column("failure_reason", sa.Text),
        sa.Column("review_reasons", JSONB, nullable=False, server_default="[]"),
        *(sa.Column(name, kind) for name, kind in FIELD_COLUMNS),
        sa.Column("fields", JSONB, nullable=False, server_default="{}"),
        sa.Column("corrections", JSONB, nullable=False, server_default="{}"),
        sa.Column("risk", JSONB, nullable=False, server_default="{}"),
        sa.Column("details", JSONB, nullable=False, server_default="{}"),
        sa.Column("duplicate_of", UUID(as_uuid=True)),
        sa.Column("created_by", UUID(as_uuid=True)),
        sa.Column("analysed_at", sa.DateTime(timezone=True)),
        *timestamps(),
        sa.CheckConstraint(f"status IN {STATUSES}", name="ck_tenders_status"),
    )
    op.create_index("ix_tenders_company_created", "tenders", ["company_id", "created_at"])
    op.create_index("ix_tenders_company_status", "tenders", ["company_id", "status"])
    op.create_index("ix_tenders_company_session", "tenders", ["company_id", "session_at"])

    create_tenant_table(
        op, "tender_documents", ref("tender_id", "tenders"),
        sa.Column("s3_key", sa.String(400), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(120), nullable=False),
        sa.Column("size", sa.BigInteger),
        sa.Column("sha256", sa.String(64)),
        sa.Column("etag", sa.String(80)),
        sa.Column("status", sa.String(20), nullable=False, server_default="UPLOADING"),
        sa.Column("failure_reason", sa.Text),
        sa.Column("failure_code", sa.String(60)),
        sa.Column("file_kind", sa.String(10)),
        sa.Column("pages", sa.Integer),
        sa.Column("ocr_pages", sa.Integer),
        sa.Column("analysis", JSONB),
        sa.Column("cache_hit", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("cached_from", UUID(as_uuid=True)),
        sa.Column("processed_key", sa.String(120)),
        sa.Column("processing_started_at", sa.DateTime(timezone=True)),
        sa.Column("event_published_at", sa.DateTime(timezone=True)),
        sa.Column("analysed_at", sa.DateTime(timezone=True)),
        sa.Column("created_by", UUID(as_uuid=True)),
        *timestamps(),
        sa.UniqueConstraint("company_id", "sha256", "tender_id", name="uq_tender_documents_company_sha_tender"),
        sa.UniqueConstraint("s3_key", name="uq_tender_documents_s3_key"),
        sa.CheckConstraint(f"status IN {STATUSES}", name="ck_tender_documents_status"),
    )
    op.create_index("ix_tender_documents_tender_id", "tender_documents", ["tender_id"])
    op.create_index("ix_tender_documents_company_sha", "tender_documents", ["company_id", "sha256"])

    create_tenant_table(
        op, "tender_items", ref("tender_id", "tenders"),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer),
        sa.Column("lot", sa.String(40)),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("quantity", sa.Numeric(18, 4)),
        sa.Column("unit", sa.String(60)),
        sa.Column("unit_price", sa.Numeric(18, 4)),
        sa.Column("total_price", sa.Numeric(18, 2)),
        sa.Column("me_epp_exclusive", sa.Boolean),
        sa.Column("page", sa.Integer),
        timestamp("created_at", now=True),
    )
    op.create_index("ix_tender_items_tender_position", "tender_items", ["tender_id", "position"])

    create_tenant_table(
        op, "deadlines", ref("tender_id", "tenders"),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("basis", sa.String(200)),
        sa.Column("source", sa.String(20), nullable=False, server_default="extracted"),
        sa.Column("page", sa.Integer),
        sa.Column("quote", sa.Text),
        sa.Column("notified", JSONB, nullable=False, server_default="{}"),
        timestamp("created_at", now=True),
        sa.CheckConstraint("kind IN ('session','proposal','impugnacao','esclarecimento','other')",
                           name="ck_deadlines_kind"),
        sa.CheckConstraint("source IN ('extracted','computed','manual')", name="ck_deadlines_source"),
    )
    op.create_index("ix_deadlines_company_due", "deadlines", ["company_id", "due_at"])
    op.create_index("ix_deadlines_tender", "deadlines", ["tender_id"])

    enable_tenant_rls(op, TENANT_TABLES)


def downgrade() -> None:
    for table in ("deadlines", "tender_items", "tender_documents", "tenders"):
        op.drop_table(table)
