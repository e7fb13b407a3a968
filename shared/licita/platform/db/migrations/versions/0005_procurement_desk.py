"""Procurement desk: suppliers, products, quotes, reports (issue 10).

Every table carries ``company_id`` and is isolated by row-level security (enable_tenant_rls).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from licita.platform.db.rls import disable_rls, enable_tenant_rls

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("suppliers", "supplier_documents", "products", "supplier_products", "quotes", "quote_items",
          "quote_links", "quote_answers", "reports")


def _id() -> sa.Column[Any]:
    return sa.Column("id", UUID(as_uuid=True), primary_key=True)


def _company() -> sa.Column[Any]:
    return sa.Column("company_id", UUID(as_uuid=True), sa.ForeignKey("companies.id", ondelete="CASCADE"),
                     nullable=False)


def _ref(name: str, table: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column[Any]:
    return sa.Column(name, UUID(as_uuid=True), sa.ForeignKey(f"{table}.id", ondelete=ondelete), nullable=nullable)


def _ts(name: str, *, now: bool = False) -> sa.Column[Any]:
    if now:
        return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)
    return sa.Column(name, sa.DateTime(timezone=True))


def _jsonb(name: str, default: str) -> sa.Column[Any]:
    return sa.Column(name, JSONB, nullable=False, server_default=default)


def upgrade() -> None:
    op.create_table(
        "suppliers", _id(), _company(),
        sa.Column("cnpj", sa.String(14), nullable=False),
        sa.Column("legal_name", sa.String(200), nullable=False),
        sa.Column("trade_name", sa.String(200)),
        _jsonb("categories", "[]"), _jsonb("contacts", "[]"),
        sa.Column("email", sa.String(254)), sa.Column("phone", sa.String(30)),
        sa.Column("address", sa.String(300)), sa.Column("city", sa.String(120)), sa.Column("uf", sa.String(2)),
        sa.Column("notes", sa.Text), sa.Column("rating", sa.SmallInteger),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_by", UUID(as_uuid=True)), _ts("created_at", now=True), _ts("updated_at", now=True),
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 0 AND 5", name="ck_suppliers_rating"),
        sa.CheckConstraint("cnpj ~ '^[0-9]{14}$'", name="ck_suppliers_cnpj_digits"),
    )
    op.create_index("uq_suppliers_company_cnpj", "suppliers", ["company_id", "cnpj"], unique=True)
    op.create_index("ix_suppliers_company_name", "suppliers", ["company_id", "legal_name"])

    op.create_table(
        "supplier_documents", _id(), _company(), _ref("supplier_id", "suppliers"),
        sa.Column("kind", sa.String(40), nullable=False), sa.Column("description", sa.String(300)),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(120), nullable=False), sa.Column("size", sa.BigInteger),
        sa.Column("s3_key", sa.String(400), nullable=False, unique=True),
        sa.Column("issued_on", sa.Date), sa.Column("expires_on", sa.Date),
        sa.Column("created_by", UUID(as_uuid=True)), _ts("created_at", now=True),
    )
    op.create_index("ix_supplier_documents_supplier", "supplier_documents", ["company_id", "supplier_id"])

    op.create_table(
        "products", _id(), _company(),
        sa.Column("description", sa.Text, nullable=False), sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("code_kind", sa.String(10)), sa.Column("code", sa.String(20)),
        sa.Column("brand", sa.String(120)), sa.Column("model", sa.String(120)), sa.Column("category", sa.String(80)),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_by", UUID(as_uuid=True)), _ts("created_at", now=True), _ts("updated_at", now=True),
        sa.CheckConstraint("code_kind IS NULL OR code_kind IN ('catmat','catser','ncm')",
                           name="ck_products_code_kind"),
    )
    op.create_index("ix_products_company_description", "products", ["company_id", "description"])
    op.create_index("ix_products_company_code", "products", ["company_id", "code_kind", "code"])

    op.create_table(
        "supplier_products", _id(), _company(), _ref("supplier_id", "suppliers"), _ref("product_id", "products"),
        sa.Column("supplier_code", sa.String(60)), sa.Column("last_price", sa.Numeric(18, 4)),
        _ts("last_quoted_at"), _ts("created_at", now=True),
        sa.UniqueConstraint("company_id", "supplier_id", "product_id", name="uq_supplier_products"),
    )
    op.create_index("ix_supplier_products_product", "supplier_products", ["company_id", "product_id"])

    op.create_table(
        "quotes", _id(), _company(), _ref("tender_id", "tenders", nullable=True, ondelete="SET NULL"),
        sa.Column("title", sa.String(200), nullable=False), sa.Column("message", sa.Text),
        sa.Column("status", sa.String(12), nullable=False, server_default="DRAFT"),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False), _jsonb("pricing", "{}"),
        sa.Column("created_by", UUID(as_uuid=True)), _ts("created_at", now=True), _ts("updated_at", now=True),
        sa.CheckConstraint("status IN ('DRAFT','OPEN','CLOSED','CANCELLED')", name="ck_quotes_status"),
    )
    op.create_index("ix_quotes_company_created", "quotes", ["company_id", "created_at"])
    op.create_index("ix_quotes_deadline", "quotes", ["status", "deadline_at"])

    op.create_table(
        "quote_items", _id(), _company(), _ref("quote_id", "quotes"),
        sa.Column("position", sa.Integer, nullable=False),
        _ref("tender_item_id", "tender_items", nullable=True, ondelete="SET NULL"),
        _ref("product_id", "products", nullable=True, ondelete="SET NULL"),
        sa.Column("number", sa.Integer), sa.Column("description", sa.Text, nullable=False),
        sa.Column("unit", sa.String(60)), sa.Column("quantity", sa.Numeric(18, 4), nullable=False),
        sa.Column("estimated_unit_price", sa.Numeric(18, 4)), sa.Column("winner_link_id", UUID(as_uuid=True)),
        _jsonb("pricing", "{}"),
    )
    op.create_index("ix_quote_items_quote_position", "quote_items", ["quote_id", "position"])

    op.create_table(
        "quote_links", _id(), _company(), _ref("quote_id", "quotes"), _ref("supplier_id", "suppliers"),
        sa.Column("email", sa.String(254)), sa.Column("token_hash", sa.String(64)),
        _ts("expires_at"), _ts("revoked_at"), _ts("sent_at"), _ts("opened_at"), _ts("saved_at"),
        _ts("submitted_at"), _ts("reminded_at"), sa.Column("notes", sa.Text), _jsonb("attachments", "[]"),
        _ts("created_at", now=True),
        sa.UniqueConstraint("quote_id", "supplier_id", name="uq_quote_links_quote_supplier"),
        sa.UniqueConstraint("token_hash", name="uq_quote_links_token_hash"),
    )

    op.create_table(
        "quote_answers", _id(), _company(), _ref("quote_id", "quotes"), _ref("link_id", "quote_links"),
        _ref("item_id", "quote_items"),
        sa.Column("unit_price", sa.Numeric(18, 4)), sa.Column("brand", sa.String(120)),
        sa.Column("model", sa.String(120)), sa.Column("delivery_days", sa.Integer),
        sa.Column("validity_days", sa.Integer), sa.Column("notes", sa.Text), _ts("updated_at", now=True),
        sa.UniqueConstraint("link_id", "item_id", name="uq_quote_answers_link_item"),
        sa.CheckConstraint("unit_price IS NULL OR unit_price >= 0", name="ck_quote_answers_price"),
    )
    op.create_index("ix_quote_answers_quote", "quote_answers", ["company_id", "quote_id"])

    op.create_table(
        "reports", _id(), _company(), sa.Column("user_id", UUID(as_uuid=True)),
        sa.Column("kind", sa.String(30), nullable=False), _jsonb("params", "{}"),
        sa.Column("status", sa.String(10), nullable=False, server_default="QUEUED"),
        sa.Column("progress", sa.Integer, nullable=False, server_default="0"),
        sa.Column("s3_key", sa.String(400)), sa.Column("filename", sa.String(200)),
        sa.Column("content_type", sa.String(120)), sa.Column("size", sa.BigInteger), sa.Column("error", sa.Text),
        _ts("expires_at"), _ts("started_at"), _ts("finished_at"), _ts("created_at", now=True),
        sa.CheckConstraint("status IN ('QUEUED','RUNNING','READY','FAILED','EXPIRED')", name="ck_reports_status"),
    )
    op.create_index("ix_reports_company_created", "reports", ["company_id", "created_at"])
    op.create_index("ix_reports_status_expires", "reports", ["status", "expires_at"])

    enable_tenant_rls(op, TABLES)


def downgrade() -> None:
    disable_rls(op, TABLES)
    for table in reversed(TABLES):
        op.drop_table(table)
