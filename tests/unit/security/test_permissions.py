"""The permission vocabulary is closed, the grant rule is the one documented, and the OpenAPI shows it."""

from __future__ import annotations

import itertools

import pytest
from pydantic import ValidationError

from licita.accounts.schemas import InviteRequest, UserUpdate
from licita.core.security.permissions import (
    ALL_PERMISSIONS,
    PLATFORM_PERMISSIONS,
    ROLE_PERMISSIONS,
    Permission,
    effective,
    escalations,
    grantable_to,
    may_assign_role,
)
from licita.core.security.principal import Principal

UPCOMING = {"tenders:read", "tenders:write", "tenders:delete", "quotes:read", "quotes:write", "quotes:approve",
            "suppliers:read", "suppliers:write", "products:read", "products:write", "reports:read", "boards:read",
            "boards:write", "forms:read", "forms:write", "calendar:read", "calendar:write", "conversations:read",
            "conversations:write", "discovery:read", "discovery:write", "vault:read", "vault:write", "users:read",
            "users:write", "company:write", "audit:read", "settings:write"}


def test_vocabulary_covers_every_area_and_marks_platform_permissions() -> None:
    assert UPCOMING | {"admin:all"} == ALL_PERMISSIONS
    assert {"admin:all"} == PLATFORM_PERMISSIONS
    assert all(p in ALL_PERMISSIONS for perms in ROLE_PERMISSIONS.values() for p in perms)
    tenant_roles = ("VIEWER", "USER", "MANAGER", "ADMIN_EMPRESA")
    assert not any(PLATFORM_PERMISSIONS & ROLE_PERMISSIONS[r] for r in tenant_roles)
    ranks = [ROLE_PERMISSIONS[r] for r in (*tenant_roles, "MASTER")]
    assert all(low <= high for low, high in itertools.pairwise(ranks))  # roles nest


def test_openapi_schema_lists_the_enum() -> None:
    schema = InviteRequest.model_json_schema()
    enum = schema["$defs"]["Permission"]
    assert set(enum["enum"]) == ALL_PERMISSIONS and "admin:all" in enum["description"]
    assert schema["properties"]["permissions"]["items"] == {"$ref": "#/$defs/Permission"}
    assert UserUpdate.model_json_schema()["$defs"]["Permission"]["enum"] == enum["enum"]


@pytest.mark.parametrize("bad", ["admin:everything", "tenders:*", " tenders:read", "x" * 300])
def test_unknown_permission_is_a_validation_error(bad: str) -> None:
    with pytest.raises(ValidationError):
        InviteRequest.model_validate({"email": "a@b.com.br", "first_name": "A", "permissions": [bad]})


def test_grant_rule() -> None:
    assert escalations("ADMIN_EMPRESA", [], ["users:write", "tenders:delete"]) == []
    assert escalations("ADMIN_EMPRESA", [], ["admin:all"]) == ["admin:all"]
    assert escalations("ADMIN_EMPRESA", ["admin:all"], ["admin:all"], platform_company=True) == ["admin:all"]
    assert escalations("MANAGER", ["users:write"], ["audit:read", "reports:read"]) == ["audit:read"]
    assert escalations("VIEWER", [], ["nonsense:perm"]) == ["nonsense:perm"]
    assert escalations("MASTER", [], ["admin:all"], platform_company=False) == ["admin:all"]
    assert escalations("MASTER", [], ["admin:all"], platform_company=True) == []


def test_roles_assignable_up_to_ones_own_and_master_only_by_master() -> None:
    assert may_assign_role("ADMIN_EMPRESA", "ADMIN_EMPRESA") and may_assign_role("ADMIN_EMPRESA", "VIEWER")
    assert not may_assign_role("ADMIN_EMPRESA", "MASTER") and not may_assign_role("MANAGER", "ADMIN_EMPRESA")
    assert may_assign_role("MASTER", "MASTER") and not may_assign_role("USER", "nonsense")


def test_tokens_only_carry_known_and_allowed_permissions() -> None:
    assert grantable_to(["admin:all", "made:up", "reports:read"], platform_company=False) == ["reports:read"]
    assert grantable_to(["admin:all", "made:up"], platform_company=True) == ["admin:all"]
    assert "made:up" not in effective("USER", ["made:up"])
    p = Principal("u", "c", "USER", "s", frozenset({"made:up", "reports:read"}))
    assert p.can("reports:read") and not p.can("made:up") and p.can(Permission.TENDERS_WRITE)
