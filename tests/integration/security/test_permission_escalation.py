"""Every grant path (invitation, user update, role change, token issuance) refuses escalation attempts.

Real handlers over real PostgreSQL/Redis: a refused grant changes nothing in the database, an allowed one
takes effect, and a permission change ends the target's live sessions.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from helpers import Tenant, login, make_tenant, token
from sqlalchemy import select, update

from apigw import call
from factories import make_company, make_user
from licita.accounts.models import User, UserSession
from licita.accounts.seed import seed_demo
from licita.platform.db.engine import system_transaction


@pytest.fixture
def tenant() -> Tenant:
    return make_tenant()


def invite(tok: str, **over: Any) -> tuple[int, Any]:
    body = {"email": f"novo-{uuid.uuid4().hex[:8]}@empresa.com.br", "first_name": "Novo", **over}
    return call("accounts", "POST", "/users/invitations", body, token=tok)


def user_row(email: str) -> User | None:
    with system_transaction() as db:
        return db.scalar(select(User).where(User.email == email))


def grant_users_write(tenant: Tenant) -> str:
    """A MANAGER who may manage users (per-user users:write), the interesting middle grantor."""
    status, body = call("accounts", "PATCH", f"/users/{tenant.manager.id}", {"permissions": ["users:write"]},
                        token=token(tenant.admin))
    assert status == 200, body
    return token(tenant.manager)


# ------------------------------------------------------------------------------------------- invitations
def test_admin_cannot_invite_with_a_platform_permission(tenant: Tenant) -> None:
    email = f"intruso-{uuid.uuid4().hex[:8]}@empresa.com.br"
    status, body = invite(token(tenant.admin), email=email, permissions=["admin:all"])
    assert status == 403 and body["error"]["code"] == "permission_not_held"
    assert body["error"]["details"]["refused"] == ["admin:all"]
    assert user_row(email) is None  # nothing was created


@pytest.mark.parametrize("perm", ["admin:everything", "platform:all", "tenders:*", "ADMIN:ALL"])
def test_unknown_permissions_are_422(tenant: Tenant, perm: str) -> None:
    status, body = invite(token(tenant.admin), permissions=[perm])
    assert status == 422 and body["error"]["details"][0]["field"].startswith("permissions")


def test_nobody_invites_a_master(tenant: Tenant) -> None:
    status, body = invite(token(tenant.admin), role="MASTER")
    assert status == 422 and body["error"]["details"][0]["field"] == "role"


def test_manager_with_users_write_cannot_invite_above_self_or_grant_what_it_lacks(tenant: Tenant) -> None:
    manager = grant_users_write(tenant)
    status, body = invite(manager, role="ADMIN_EMPRESA")
    assert status == 403 and body["error"]["code"] == "role_too_high"
    status, body = invite(manager, permissions=["audit:read", "tenders:read"])  # MANAGER lacks audit:read
    assert status == 403 and body["error"]["details"]["refused"] == ["audit:read"]
    status, body = invite(manager, permissions=["settings:write"])
    assert status == 403
    # what it holds it may hand on
    email = f"ok-{uuid.uuid4().hex[:8]}@empresa.com.br"
    status, body = invite(manager, email=email, role="MANAGER", permissions=["reports:read"])
    assert status == 201, body
    row = user_row(email)
    assert row is not None and row.permissions == ["reports:read"] and row.role == "MANAGER"


def test_user_without_users_write_cannot_invite(tenant: Tenant) -> None:
    status, body = invite(token(tenant.member), permissions=["tenders:read"])
    assert status == 403 and body["error"]["details"] == {"required": "users:write"}


# ------------------------------------------------------------------------------------------ user updates
def test_admin_cannot_add_a_platform_permission_to_a_user(tenant: Tenant) -> None:
    status, body = call("accounts", "PATCH", f"/users/{tenant.member.id}", {"permissions": ["admin:all"]},
                        token=token(tenant.admin))
    assert status == 403 and body["error"]["code"] == "permission_not_held"
    row = user_row(tenant.member.email)
    assert row is not None and row.permissions == []


def test_manager_cannot_add_permissions_it_lacks_nor_touch_itself(tenant: Tenant) -> None:
    manager = grant_users_write(tenant)
    status, body = call("accounts", "PATCH", f"/users/{tenant.member.id}",
                        {"permissions": ["company:write"]}, token=manager)
    assert status == 403 and body["error"]["details"]["refused"] == ["company:write"]
    status, body = call("accounts", "PATCH", f"/users/{tenant.manager.id}",
                        {"permissions": ["users:write", "audit:read"]}, token=manager)
    assert status == 403 and body["error"]["code"] == "self_management"
    status, body = call("accounts", "PATCH", f"/users/{tenant.admin.id}", {"permissions": []}, token=manager)
    assert status == 403 and body["error"]["code"] == "role_too_high"


def test_permission_change_revokes_the_targets_sessions(tenant: Tenant) -> None:
    member_tokens = login(tenant.member.email)
    old = member_tokens["access_token"]
    assert call("auth", "GET", "/auth/me", token=old)[0] == 200
    status, body = call("accounts", "PATCH", f"/users/{tenant.member.id}", {"permissions": ["reports:read"]},
                        token=token(tenant.admin))
    assert status == 200 and body["permissions"] == ["reports:read"]
    status, body = call("auth", "GET", "/auth/me", token=old)
    assert status == 401 and body["error"]["code"] == "session_revoked"
    status, body = call("auth", "POST", "/auth/refresh", {"refresh_token": member_tokens["refresh_token"]})
    assert status == 401
    with system_transaction() as db:
        reasons = set(db.scalars(select(UserSession.revoke_reason).where(UserSession.user_id == tenant.member.id)))
    assert reasons == {"permissions_changed"}
    # fresh tokens carry the new permission
    fresh = login(tenant.member.email)
    assert call("auth", "GET", "/auth/me", token=fresh["access_token"])[1]["permissions"] == ["reports:read"]


def test_renaming_a_user_keeps_their_sessions(tenant: Tenant) -> None:
    old = token(tenant.member)
    status, _ = call("accounts", "PATCH", f"/users/{tenant.member.id}", {"first_name": "Renomeado"},
                     token=token(tenant.admin))
    assert status == 200
    assert call("auth", "GET", "/auth/me", token=old)[0] == 200


# ------------------------------------------------------------------------------------------ role changes
def test_role_changes_stop_at_the_grantors_rank(tenant: Tenant) -> None:
    manager = grant_users_write(tenant)
    status, body = call("accounts", "PUT", f"/users/{tenant.member.id}/role", {"role": "ADMIN_EMPRESA"},
                        token=manager)
    assert status == 403 and body["error"]["code"] == "role_too_high"
    status, body = call("accounts", "PUT", f"/users/{tenant.member.id}/role", {"role": "MASTER"},
                        token=token(tenant.admin))
    assert status == 422
    status, body = call("accounts", "PUT", f"/users/{tenant.member.id}/role", {"role": "MANAGER"}, token=manager)
    assert status == 200 and body["role"] == "MANAGER"
    row = user_row(tenant.member.email)
    assert row is not None and row.role == "MANAGER"


# ------------------------------------------------------------------------------ platform permissions
def test_a_stored_platform_permission_never_reaches_a_tenant_token(tenant: Tenant) -> None:
    """Defence in depth: even a row written before this fix (or by hand) grants nothing outside the platform."""
    with system_transaction() as db:
        db.execute(update(User).where(User.id == tenant.member.id)
                   .values(permissions=["admin:all", "tenders:read", "made:up"]))
    tok = login(tenant.member.email)["access_token"]
    status, _me = call("auth", "GET", "/auth/me", token=tok)
    assert status == 200
    status, _body = call("admin", "GET", "/admin/dashboard", token=tok)
    assert status == 403
    status, _body = call("admin", "GET", "/admin/users", token=tok)
    assert status == 403


def test_master_may_grant_a_platform_permission_inside_the_platform_company() -> None:
    creds = seed_demo()
    master = login(creds["master_email"], creds["password"])["access_token"]
    email = f"suporte-{uuid.uuid4().hex[:8]}@licita.local"
    status, body = invite(master, email=email, role="USER", permissions=["admin:all"])
    assert status == 201, body
    row = user_row(email)
    assert row is not None and row.permissions == ["admin:all"]


def test_a_master_outside_the_platform_company_cannot_grant_platform_permissions() -> None:
    company = make_company(plan="internal", max_users=50)
    rogue = make_user(company, role="MASTER")  # a misplaced MASTER row, e.g. from a bad import
    status, body = invite(token(rogue), permissions=["admin:all"])
    assert status == 403 and body["error"]["details"]["refused"] == ["admin:all"]
