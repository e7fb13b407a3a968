"""Security hardening: permissions, tenant secrets, refresh grace, no account enumeration (issue 9).

Data clean-up, so nothing granted or stored before the fix stays live:
- per-user permissions keep only the closed vocabulary; ``admin:all`` only inside the platform company;
- a MASTER outside the platform company becomes ADMIN_EMPRESA;
- company settings lose any plaintext ``llm_api_key`` and unchecked ``llm_base_url`` (the company enters
  them again through the validated API, which encrypts the key and checks the URL).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# frozen copy of licita.core.security.permissions at this revision (migrations never import app vocabularies)
KNOWN = ("tenders:read", "tenders:write", "tenders:delete", "quotes:read", "quotes:write", "quotes:approve",
         "suppliers:read", "suppliers:write", "products:read", "products:write", "reports:read", "boards:read",
         "boards:write", "forms:read", "forms:write", "calendar:read", "calendar:write", "conversations:read",
         "conversations:write", "discovery:read", "discovery:write", "vault:read", "vault:write", "users:read",
         "users:write", "company:write", "audit:read", "settings:write", "admin:all")
PLATFORM = ("admin:all",)


def upgrade() -> None:
    # concurrent refreshes: how many fresh pairs a just-rotated token obtained inside the grace window
    op.add_column("refresh_tokens", sa.Column("grace_reissues", sa.Integer(), nullable=False, server_default="0"))
    # an access request for an address already in use is stored like any other (no enumeration), so the
    # e-mail no longer has to be unique among pending requests; it stays indexed for look-ups
    op.drop_index("ux_access_requests_pending_email", table_name="access_requests")
    op.create_index("ix_access_requests_email", "access_requests", ["email"])

    bind = op.get_bind()
    bind.execute(sa.text("""
        UPDATE users u SET permissions = COALESCE((
            SELECT jsonb_agg(p ORDER BY p) FROM jsonb_array_elements_text(
                CASE WHEN jsonb_typeof(u.permissions) = 'array' THEN u.permissions ELSE '[]'::jsonb END) AS p
            WHERE p = ANY(:known) AND (c.is_platform OR NOT p = ANY(:platform))), '[]'::jsonb)
        FROM companies c WHERE c.id = u.company_id
    """), {"known": list(KNOWN), "platform": list(PLATFORM)})
    bind.execute(sa.text("""
        UPDATE users u SET role = 'ADMIN_EMPRESA' FROM companies c
        WHERE c.id = u.company_id AND u.role = 'MASTER' AND NOT c.is_platform
    """))
    bind.execute(sa.text("""
        UPDATE companies SET settings = settings - 'llm_api_key' - 'llm_base_url'
        WHERE jsonb_typeof(settings) = 'object' AND (settings ? 'llm_api_key' OR settings ? 'llm_base_url')
    """))


def downgrade() -> None:
    op.drop_index("ix_access_requests_email", table_name="access_requests")
    op.create_index("ux_access_requests_pending_email", "access_requests", ["email"], unique=True,
                    postgresql_where=sa.text("status = 'PENDING'"))
    op.drop_column("refresh_tokens", "grace_reissues")
