"""Procurement desk: suppliers, products, quotes, reports (issue 10).

Every table carries ``company_id`` and is isolated by row-level security (enable_tenant_rls).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from licita.platform.db.columns import create_tenant_table, jsonb, legal_names, ref, timestamp, timestamps
from licita.platform.db.rls import disable_rls, enable_tenant_rls

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("suppliers", "supplier_documents", "products", "supplier_products", "quotes", "quote_items",
          "quote_links", "quote_answers", "reports")


def upgrade() -> None:
    create_tenant_table(
        op, "suppliers",
        sa.Column("cnpj", sa.String(14), nullable=False),
        *legal_names(),
        jsonb("categories", "[]"), jsonb("contacts", "[]"),
        sa.Column("email", sa.String(254)), sa.Column("phone", sa.String(30)),
        sa.Column("address", sa.String(300)), sa.Column("city", sa.String(120)), sa.Column("uf", sa.String(2)),
        sa.Column("notes", sa.Text), sa.Column("rating", sa.SmallInteger),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_by", UUID(as_uuid=True)), *timestamps(),
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 0 AND 5", name="ck_suppliers_rating"),
        sa.CheckConstraint("cnpj ~ '^[0-9]{14}$'", name="ck_suppliers_cnpj_digits"),
    )
    op.create_index("uq_suppliers_company_cnpj", "suppliers", ["company_id", "cnpj"], unique=True)
    op.create_index("ix_suppliers_company_name", "suppliers", ["company_id", "legal_name"])

    create_tenant_table(
        op, "supplier_documents", ref("supplier_id", "suppliers"),
        sa.Column("kind", sa.String(40), nullable=False), sa.Column("description", sa.String(300)),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(120), nullable=False), sa.Column("size", sa.BigInteger),
        sa.Column("s3_key", sa.String(400), nullable=False, unique=True),
        sa.Column("issued_on", sa.Date), sa.Column("expires_on", sa.Date),
        sa.Column("created_by", UUID(as_uuid=True)), timestamp("created_at", now=True),
    )
    op.create_index("ix_supplier_documents_supplier", "supplier_documents", ["company_id", "supplier_id"])

    create_tenant_table(
        op, "products",
        sa.Column("description", sa.Text, nullable=False), sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("code_kind", sa.String(10)), sa.Column("code", sa.String(20)),
        sa.Column("brand", sa.String(120)), sa.Column("model", sa.String(120)), sa.Column("category", sa.String(80)),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_by", UUID(as_uuid=True)), *timestamps(),
        sa.CheckConstraint("code_kind IS NULL OR code_kind IN ('catmat','catser','ncm')",
                           name="ck_products_code_kind"),
    )
    op.create_index("ix_products_company_description", "products", ["company_id", "description"])
    op.create_index("ix_products_company_code", "products", ["company_id", "code_kind", "code"])

    create_tenant_table(
        op, "supplier_products", ref("supplier_id", "suppliers"), ref("product_id", "products"),
        sa.Column("supplier_code", sa.String(60)), sa.Column("last_price", sa.Numeric(18, 4)),
        timestamp("last_quoted_at"), timestamp("created_at", now=True),
        sa.UniqueConstraint("company_id", "supplier_id", "product_id", name="uq_supplier_products"),
    )
    op.create_index("ix_supplier_products_product", "supplier_products", ["company_id", "product_id"])

    create_tenant_table(
        op, "quotes", ref("tender_id", "tenders", nullable=True, ondelete="SET NULL"),
        sa.Column("title", sa.String(200), nullable=False), sa.Column("message", sa.Text),
        sa.Column("status", sa.String(12), nullable=False, server_default="DRAFT"),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False), jsonb("pricing", "{}"),
        sa.Column("created_by", UUID(as_uuid=True)), *timestamps(),
        sa.CheckConstraint("status IN ('DRAFT','OPEN','CLOSED','CANCELLED')", name="ck_quotes_status"),
    )
    op.create_index("ix_quotes_company_created", "quotes", ["company_id", "created_at"])
    op.create_index("ix_quotes_deadline", "quotes", ["status", "deadline_at"])

    create_tenant_table(
        op, "quote_items", ref("quote_id", "quotes"),
        sa.Column("position", sa.Integer, nullable=False),
        ref("tender_item_id", "tender_items", nullable=True, ondelete="SET NULL"),
        ref("product_id", "products", nullable=True, ondelete="SET NULL"),
        sa.Column("number", sa.Integer), sa.Column("description", sa.Text, nullable=False),
        sa.Column("unit", sa.String(60)), sa.Column("quantity", sa.Numeric(18, 4), nullable=False),
        sa.Column("estimated_unit_price", sa.Numeric(18, 4)), sa.Column("winner_link_id", UUID(as_uuid=True)),
        jsonb("pricing", "{}"),
    )
    op.create_index("ix_quote_items_quote_position", "quote_items", ["quote_id", "position"])

    create_tenant_table(
        op, "quote_links", ref("quote_id", "quotes"), ref("supplier_id", "suppliers"),
        sa.Column("email", sa.String(254)), sa.Column("token_hash", sa.String(64)),
        timestamp("expires_at"), timestamp("revoked_at"), timestamp("sent_at"), timestamp("opened_at"),
        timestamp("saved_at"), timestamp("submitted_at"), timestamp("reminded_at"), sa.Column("notes", sa.Text),
        jsonb("attachments", "[]"),
        timestamp("created_at", now=True),
        sa.UniqueConstraint("quote_id", "supplier_id", name="uq_quote_links_quote_supplier"),
        sa.UniqueConstraint("token_hash", name="uq_quote_links_token_hash"),
    )

    create_tenant_table(
        op, "quote_answers", ref("quote_id", "quotes"), ref("link_id", "quote_links"),
        ref("item_id", "quote_items"),
        sa.Column("unit_price", sa.Numeric(18, 4)), sa.Column("brand", sa.String(120)),
        sa.Column("model", sa.String(120)), sa.Column("delivery_days", sa.Integer),
        sa.Column("validity_days", sa.Integer), sa.Column("notes", sa.Text), timestamp("updated_at", now=True),
        sa.UniqueConstraint("link_id", "item_id", name="uq_quote_answers_link_item"),
        sa.CheckConstraint("unit_price IS NULL OR unit_price >= 0", name="ck_quote_answers_price"),
    )
    op.create_index("ix_quote_answers_quote", "quote_answers", ["company_id", "quote_id"])

    create_tenant_table(
        op, "reports", sa.Column("user_id", UUID(as_uuid=True)),
        sa.Column("kind", sa.String(30), nullable=False), jsonb("params", "{}"),
        sa.Column("status", sa.String(10), nullable=False, server_default="QUEUED"),
        sa.Column("progress", sa.Integer, nullable=False, server_default="0"),
        sa.Column("s3_key", sa.String(400)), sa.Column("filename", sa.String(200)),
        sa.Column("content_type", sa.String(120)), sa.Column("size", sa.BigInteger), sa.Column("error", sa.Text),
        timestamp("expires_at"), timestamp("started_at"), timestamp("finished_at"), timestamp("created_at", now=True),
        sa.CheckConstraint("status IN ('QUEUED','RUNNING','READY','FAILED','EXPIRED')", name="ck_reports_status"),
    )
    op.create_index("ix_reports_company_created", "reports", ["company_id", "created_at"])
    op.create_index("ix_reports_status_expires", "reports", ["status", "expires_at"])

    enable_tenant_rls(op, TABLES)


def downgrade() -> None:
    disable_rls(op, TABLES)
    for table in reversed(TABLES):
        op.drop_table(table)
