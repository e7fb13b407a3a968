"""Row-level security for tenant tables, applied by migrations through one helper.

A row is visible when the transaction works for its company (``app.company_id``, set per transaction by
:func:`licita.platform.db.engine.tenant_transaction`) or explicitly crosses tenants (``app.bypass_rls``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

APP_ROLE = "licita_app"
TENANT_SCOPE = ("current_setting('app.bypass_rls', true) = 'on' "
                "OR {column}::text = current_setting('app.company_id', true)")
PLATFORM_SCOPE = "current_setting('app.bypass_rls', true) = 'on'"


def create_app_role(op: Any) -> None:
    """The role transactions run as (never a superuser, which would bypass RLS), with rights on future tables.

    The first migration calls it once; later migrations only call :func:`enable_tenant_rls`.
    """
    op.execute(f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            CREATE ROLE {APP_ROLE} NOLOGIN;
          END IF;
        END $$;
    """)
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public "
               f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}")


def grant_app_role(op: Any) -> None:
    """The unprivileged role every transaction runs as may use the tables created so far."""
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")


def enable_tenant_rls(op: Any, tables: Iterable[str], *, column: str = "company_id") -> None:
    """Grant the app role and isolate each table by ``column`` (forced, so owners obey it too)."""
    grant_app_role(op)
    for table in tables:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        scope = TENANT_SCOPE.format(column=column)
        op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({scope}) WITH CHECK ({scope})")


def enable_platform_only_rls(op: Any, tables: Iterable[str]) -> None:
    """Tables only cross-tenant (platform) transactions may touch."""
    grant_app_role(op)
    for table in tables:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY platform_only ON {table} USING ({PLATFORM_SCOPE}) WITH CHECK ({PLATFORM_SCOPE})")


def disable_rls(op: Any, tables: Iterable[str], *, policy: str = "tenant_isolation") -> None:
    for table in tables:
        op.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
