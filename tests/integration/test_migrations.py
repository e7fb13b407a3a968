"""The migrations and the models agree, and every tenant table carries the one RLS helper's policy."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text

from licita.models import metadata
from licita.platform.db import rls
from licita.platform.db.autogen import COMPARE_OPTIONS, server_default_drift
from licita.platform.db.engine import get_engine

# Tables with a company_id that only cross-tenant (platform) transactions may touch.
PLATFORM_ONLY = {"access_requests"}


def _drift() -> tuple[list[object], list[str]]:
    with get_engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts=COMPARE_OPTIONS), metadata)
        defaults = server_default_drift(conn, metadata)
    return list(diff), defaults


def test_autogenerate_against_the_migrated_database_finds_no_difference() -> None:
    """`alembic revision --autogenerate` would propose nothing: every model is migrated, and only that."""
    diff, defaults = _drift()
    assert diff == [], "\n".join(map(str, diff))
    assert defaults == [], "\n".join(defaults)


class _Op:
    """The part of alembic's ``op`` the RLS helper uses, bound to one connection."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def execute(self, sql: str) -> None:
        self.conn.execute(text(sql))


def _policies(conn: Connection) -> dict[str, dict[str, Any]]:
    rows = conn.execute(text(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, p.policyname, p.qual, p.with_check"
        " FROM pg_class c LEFT JOIN pg_policies p ON p.tablename = c.relname AND p.schemaname = 'public'"
        " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'"))
    return {r[0]: {"enabled": r[1], "forced": r[2], "policy": r[3], "qual": r[4], "check": r[5]} for r in rows}


def _reference(conn: Connection) -> dict[str, dict[str, Any]]:
    """What enable_tenant_rls / enable_platform_only_rls produce, on scratch tables (rolled back)."""
    conn.execute(text("CREATE TABLE rls_ref_tenant (company_id uuid)"))
    conn.execute(text("CREATE TABLE rls_ref_company (id uuid)"))
    conn.execute(text("CREATE TABLE rls_ref_platform (id uuid)"))
    rls.enable_tenant_rls(_Op(conn), ["rls_ref_tenant"])
    rls.enable_tenant_rls(_Op(conn), ["rls_ref_company"], column="id")
    rls.enable_platform_only_rls(_Op(conn), ["rls_ref_platform"])
    found = _policies(conn)
    return {"tenant": found["rls_ref_tenant"], "company": found["rls_ref_company"],
            "platform": found["rls_ref_platform"]}


def test_every_tenant_table_has_the_helpers_policy_forced() -> None:
    with get_engine().connect() as conn:
        trans = conn.begin()
        try:
            reference = _reference(conn)
            actual = _policies(conn)
        finally:
            trans.rollback()
    assert reference["tenant"]["policy"] == "tenant_isolation" and reference["tenant"]["forced"]
    tenant_tables = {t.name for t in metadata.sorted_tables if "company_id" in t.c} - PLATFORM_ONLY
    assert {"users", "tenders", "audit_log", "user_profiles"} <= tenant_tables
    wrong = {}
    for table in sorted(tenant_tables | PLATFORM_ONLY | {"companies"}):
        want = reference["platform" if table in PLATFORM_ONLY else "company" if table == "companies" else "tenant"]
        if actual.get(table) != want:
            wrong[table] = actual.get(table)
    assert not wrong, f"tables without enable_tenant_rls in their migration: {wrong}"


def test_default_drift_is_reported_and_mirrored_defaults_are_not() -> None:
    """The server-default rule is a real check: a migration default the model does not share is reported."""
    from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table

    scratch = MetaData()
    Table("drift_probe", scratch, Column("id", Integer, primary_key=True),
          Column("plan", String(10), default="basic"), Column("active", Boolean, default=True),
          Column("limit_", Integer, default=10))
    with get_engine().connect() as conn:
        trans = conn.begin()
        try:
            conn.execute(text("CREATE TABLE drift_probe (id serial PRIMARY KEY, plan varchar(10) DEFAULT 'basic',"
                              " active boolean DEFAULT false, limit_ integer DEFAULT 10)"))
            problems = server_default_drift(conn, scratch)
        finally:
            trans.rollback()
    assert len(problems) == 1 and problems[0].startswith("drift_probe.active"), problems
