"""Companies, users, sessions, refresh tokens, audit log; row-level security on tenant tables.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import INET, JSONB, UUID

from licita.platform.db.columns import company_column, id_column, jsonb, legal_names, timestamp, timestamps
from licita.platform.db.rls import create_app_role, enable_tenant_rls

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TENANT_TABLES = ("users", "user_sessions", "refresh_tokens", "audit_log")


def upgrade() -> None:
    op.create_table(
        "companies",
        id_column(),
        *legal_names(),
        sa.Column("cnpj", sa.String(14), nullable=False, unique=True),
        sa.Column("plan", sa.String(30), nullable=False, server_default="basic"),
        sa.Column("status", sa.String(20), nullable=False, server_default="ACTIVE"),
        sa.Column("max_users", sa.Integer, nullable=False, server_default="10"),
        sa.Column("max_concurrent_sessions", sa.Integer, nullable=False, server_default="5"),
        sa.Column("monthly_analyses", sa.Integer, nullable=False, server_default="100"),
        sa.Column("storage_mb", sa.Integer, nullable=False, server_default="5120"),
        jsonb("settings", "{}"),
        sa.Column("is_platform", sa.Boolean, nullable=False, server_default=sa.false()),
        *timestamps(),
    )
    op.create_table(
        "users",
        id_column(),
        sa.Column("company_id", UUID(as_uuid=True), sa.ForeignKey("companies.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("email", sa.String(255), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(100)),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False, server_default=""),
        sa.Column("role", sa.String(20), nullable=False, server_default="USER"),
        jsonb("permissions", "[]"),
        sa.Column("status", sa.String(20), nullable=False, server_default="ACTIVE"),
        sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false()),
        timestamp("last_login_at"),
        timestamp("password_changed_at", now=True),
        *timestamps(),
        sa.CheckConstraint("email = lower(email)", name="ck_users_email_lower"),
        sa.CheckConstraint("role IN ('MASTER','ADMIN_EMPRESA','MANAGER','USER','VIEWER')", name="ck_users_role"),
    )
    op.create_table(
        "user_sessions",
        id_column(),
        sa.Column("user_id", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        company_column(),
        sa.Column("ip_address", INET),
        sa.Column("user_agent", sa.String(512)),
        timestamp("created_at", now=True),
        timestamp("last_activity_at", now=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        timestamp("revoked_at"),
        sa.Column("revoke_reason", sa.String(40)),
    )
    op.create_index("ix_user_sessions_company_active", "user_sessions", ["company_id", "revoked_at"])
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("session_id", UUID(as_uuid=True), sa.ForeignKey("user_sessions.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        company_column(),
        timestamp("issued_at", now=True),
        timestamp("used_at"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("company_id", UUID(as_uuid=True)),
        sa.Column("user_id", UUID(as_uuid=True)),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("entity", sa.String(60), nullable=False),
        sa.Column("entity_id", sa.String(64)),
        sa.Column("ip_address", INET),
        sa.Column("user_agent", sa.String(512)),
        sa.Column("before", JSONB),
        sa.Column("after", JSONB),
        sa.Column("request_id", sa.String(64)),
        timestamp("created_at", now=True),
    )
    op.create_index("ix_audit_log_company_created", "audit_log", ["company_id", "created_at"])

    # Row-level security: the application runs its transactions as APP_ROLE (never a superuser, which
    # would bypass RLS); a transaction sees a tenant's rows only when app.company_id names that tenant,
    # or when it explicitly opted into cross-tenant work with app.bypass_rls (login, maintenance, master).
    create_app_role(op)
    enable_tenant_rls(op, TENANT_TABLES)


def downgrade() -> None:
    for table in ("audit_log", "refresh_tokens", "user_sessions", "users", "companies"):
        op.drop_table(table)
