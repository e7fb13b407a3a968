"""Tenders pipeline: upload intents (the second wall against unexpected writes) and dead-letter bookkeeping.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from licita.platform.db.rls import disable_rls, enable_tenant_rls

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = ("tender_upload_intents", "analysis_dead_letters")


def _fk(name: str, target: str) -> sa.Column[object]:
    return sa.Column(name, UUID(as_uuid=True), sa.ForeignKey(f"{target}.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "tender_upload_intents",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _fk("company_id", "companies"),
        _fk("tender_id", "tenders"),
        _fk("document_id", "tender_documents"),
        sa.Column("s3_key", sa.String(400), nullable=False, unique=True),
        sa.Column("content_type", sa.String(120), nullable=False),
        sa.Column("expected_size", sa.BigInteger),
        sa.Column("max_bytes", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consumed_etag", sa.String(80)),
        sa.Column("consumed_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_tender_upload_intents_tender_id", "tender_upload_intents", ["tender_id"])
    op.create_index("ix_tender_upload_intents_status_created", "tender_upload_intents", ["status", "created_at"])
    # Uploads signed before this migration and never received keep working: their intent is what was signed.
    op.execute("""
        INSERT INTO tender_upload_intents (id, company_id, tender_id, document_id, s3_key, content_type,
                                           expected_size, max_bytes, status, expires_at, created_at)
        SELECT gen_random_uuid(), d.company_id, d.tender_id, d.id, d.s3_key, d.content_type, d.size,
               104857600, 'PENDING', d.created_at + interval '15 minutes', d.created_at
          FROM tender_documents d
         WHERE d.etag IS NULL
    """)

    op.create_table(
        "analysis_dead_letters",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        _fk("company_id", "companies"),
        _fk("tender_id", "tenders"),
        _fk("document_id", "tender_documents"),
        sa.Column("run_key", sa.String(120), nullable=False),
        sa.Column("message", JSONB, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("redrives", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("last_redriven_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("document_id", "run_key", name="uq_analysis_dead_letters_document_run"),
    )
    op.create_index("ix_analysis_dead_letters_tender_id", "analysis_dead_letters", ["tender_id"])
    op.create_index("ix_analysis_dead_letters_status", "analysis_dead_letters", ["status", "updated_at"])
    enable_tenant_rls(op, TABLES)


def downgrade() -> None:
    disable_rls(op, TABLES)
    op.drop_table("analysis_dead_letters")
    op.drop_table("tender_upload_intents")
