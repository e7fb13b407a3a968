"""Access requests, user profiles, one-time tokens; row-level security on companies too.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from licita.platform.db.columns import company_column, id_column, jsonb, legal_names, timestamp
from licita.platform.db.rls import disable_rls, enable_platform_only_rls, enable_tenant_rls

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_requests",
        id_column(),
        *legal_names(),
        sa.Column("cnpj", sa.String(14), nullable=False, index=True),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("phone", sa.String(30)),
        sa.Column("requested_plan", sa.String(30), nullable=False),
        sa.Column("message", sa.String(2000)),
        sa.Column("status", sa.String(20), nullable=False, server_default="PENDING"),
        sa.Column("rejection_reason", sa.String(500)),
        sa.Column("company_id", UUID(as_uuid=True)),
        sa.Column("decided_by", UUID(as_uuid=True)),
        timestamp("decided_at"),
        timestamp("created_at", now=True),
    )
    # one pending request per CNPJ / e-mail, enforced by the database under concurrency
    op.create_index("ux_access_requests_pending_cnpj", "access_requests", ["cnpj"], unique=True,
                    postgresql_where=sa.text("status = 'PENDING'"))
    op.create_index("ux_access_requests_pending_email", "access_requests", ["email"], unique=True,
                    postgresql_where=sa.text("status = 'PENDING'"))
    op.create_table(
        "user_profiles",
        sa.Column("user_id", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        company_column(),
        sa.Column("avatar_url", sa.String(500)),
        sa.Column("phone", sa.String(30)),
        sa.Column("job_title", sa.String(100)),
        jsonb("preferences", "{}"),
        timestamp("updated_at", now=True),
    )
    op.create_table(
        "one_time_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        company_column(),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        timestamp("used_at"),
        timestamp("created_at", now=True),
    )
    op.create_index("ix_users_company_email", "users", ["company_id", "email"])
    enable_tenant_rls(op, ("user_profiles", "one_time_tokens"))
    enable_tenant_rls(op, ("companies",), column="id")
    # access_requests are platform data: only cross-tenant (MASTER / public intake) transactions see them
    enable_platform_only_rls(op, ("access_requests",))


def downgrade() -> None:
    disable_rls(op, ("companies",))
    op.drop_index("ix_users_company_email", table_name="users")
    op.drop_table("one_time_tokens")
    op.drop_table("user_profiles")
    op.drop_table("access_requests")
