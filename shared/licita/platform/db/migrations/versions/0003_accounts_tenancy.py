"""Access requests, user profiles, one-time tokens; row-level security on companies too.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

APP_ROLE = "licita_app"
SCOPE = "current_setting('app.bypass_rls', true) = 'on' OR {column}::text = current_setting('app.company_id', true)"


def upgrade() -> None:
    op.create_table(
        "access_requests",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("legal_name", sa.String(200), nullable=False),
        sa.Column("trade_name", sa.String(200)),
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
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    # one pending request per CNPJ / e-mail, enforced by the database under concurrency
    op.create_index("ux_access_requests_pending_cnpj", "access_requests", ["cnpj"], unique=True,
                    postgresql_where=sa.text("status = 'PENDING'"))
    op.create_index("ux_access_requests_pending_email", "access_requests", ["email"], unique=True,
                    postgresql_where=sa.text("status = 'PENDING'"))
    op.create_table(
        "user_profiles",
        sa.Column("user_id", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("company_id", UUID(as_uuid=True), sa.ForeignKey("companies.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("avatar_url", sa.String(500)),
        sa.Column("phone", sa.String(30)),
        sa.Column("job_title", sa.String(100)),
        sa.Column("preferences", JSONB, nullable=False, server_default="{}"),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "one_time_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", UUID(as_uuid=True), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("company_id", UUID(as_uuid=True), sa.ForeignKey("companies.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_users_company_email", "users", ["company_id", "email"])
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    for table, column in (("user_profiles", "company_id"), ("one_time_tokens", "company_id"), ("companies", "id")):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({SCOPE.format(column=column)}) "
                   f"WITH CHECK ({SCOPE.format(column=column)})")
    # access_requests are platform data: only cross-tenant (MASTER / public intake) transactions see them
    op.execute("ALTER TABLE access_requests ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE access_requests FORCE ROW LEVEL SECURITY")
    op.execute("CREATE POLICY platform_only ON access_requests USING (current_setting('app.bypass_rls', true) = 'on') "
               "WITH CHECK (current_setting('app.bypass_rls', true) = 'on')")


def downgrade() -> None:
    for table in ("companies",):
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.drop_index("ix_users_company_email", table_name="users")
    op.drop_table("one_time_tokens")
    op.drop_table("user_profiles")
    op.drop_table("access_requests")
