"""Accounts and tenancy through the real handlers, on real PostgreSQL/Redis/Mongo-wire."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from apigw import call, login
from factories import PASSWORD, _cnpj, make_company, make_user
from licita.accounts.seed import seed_demo


@pytest.fixture(scope="module")
def master_token() -> str:
    creds = seed_demo()
    return str(login(creds["master_email"], creds["password"])["access_token"])


@pytest.fixture
def tenant() -> dict[str, Any]:
    company = make_company(plan="internal", max_users=50)
    admin = make_user(company, role="ADMIN_EMPRESA")
    member = make_user(company, role="USER")
    return {"company": company, "admin": admin, "member": member,
            "admin_token": login(admin.email)["access_token"], "member_token": login(member.email)["access_token"]}


def access_request(**over: Any) -> dict[str, Any]:
    body = {"legal_name": "Construtora Exemplo Ltda", "cnpj": _cnpj(), "contact_name": "Maria Souza",
            "email": f"maria-{uuid.uuid4().hex[:6]}@exemplo.com.br", "requested_plan": "pro"}
    return {**body, **over}


# ------------------------------------------------------------------------------ access requests
def test_access_request_approval_creates_company_and_first_admin(master_token: str) -> None:
    req = access_request()
    status, created = call("accounts", "POST", "/access-requests", req)
    assert status == 201 and created["status"] == "PENDING"

    status, approval = call("admin", "POST", f"/admin/access-requests/{created['id']}/approve", token=master_token)
    assert status == 200, approval
    token = approval["admin"]["token"]
    company_id = approval["company_id"]

    # the first admin cannot log in before setting a password...
    status, _body = call("auth", "POST", "/auth/login", {"email": req["email"], "password": "anything-123"})
    assert status == 401
    assert call("auth", "POST", "/auth/password/setup", {"token": token, "new_password": "nova-senha-forte"})[0] == 204
    # ...and the one-time token works once
    assert call("auth", "POST", "/auth/password/setup", {"token": token, "new_password": "outra-senha-forte"})[0] == 401
    tokens = login(req["email"], "nova-senha-forte")
    status, me = call("auth", "GET", "/auth/me", token=tokens["access_token"])
    assert me["role"] == "ADMIN_EMPRESA" and me["company_id"] == company_id
    status, company = call("accounts", "GET", "/companies/me", token=tokens["access_token"])
    assert company["plan"] == "pro" and company["max_users"] == 25

    again = call("admin", "POST", f"/admin/access-requests/{created['id']}/approve", token=master_token)
    assert again[0] == 409 and again[1]["error"]["code"] == "already_decided"


def test_duplicate_cnpj_is_409_but_a_duplicate_email_reveals_nothing() -> None:
    first = access_request()
    assert call("accounts", "POST", "/access-requests", first)[0] == 201
    status, body = call("accounts", "POST", "/access-requests", access_request(cnpj=first["cnpj"]))
    assert status == 409 and body["error"]["code"] == "cnpj_taken"
    status, body = call("accounts", "POST", "/access-requests", access_request(email=first["email"]))
    assert status == 201 and body["status"] == "PENDING"  # no account enumeration (tests/integration/security)


@pytest.mark.parametrize("cnpj", ["11.222.333/0001-80", "11111111111111", "123"])
def test_invalid_cnpj_is_422(cnpj: str) -> None:
    status, body = call("accounts", "POST", "/access-requests", access_request(cnpj=cnpj))
    assert status == 422 and body["error"]["details"][0]["field"] == "cnpj"


def test_formatted_valid_cnpj_is_accepted_and_normalised() -> None:
    raw = _cnpj()
    formatted = f"{raw[:2]}.{raw[2:5]}.{raw[5:8]}/{raw[8:12]}-{raw[12:]}"
    status, body = call("accounts", "POST", "/access-requests", access_request(cnpj=formatted))
    assert status == 201 and body["cnpj"] == raw


def test_reject_keeps_the_reason(master_token: str) -> None:
    _, created = call("accounts", "POST", "/access-requests", access_request())
    status, body = call("admin", "POST", f"/admin/access-requests/{created['id']}/reject",
                        {"reason": "CNPJ baixado na Receita"}, token=master_token)
    assert status == 200 and body["status"] == "REJECTED" and body["rejection_reason"] == "CNPJ baixado na Receita"
    status, listed = call("admin", "GET", "/admin/access-requests", token=master_token, query={"status": "REJECTED"})
    assert created["id"] in {r["id"] for r in listed["items"]}


# -------------------------------------------------------------------------------------- users
def test_invite_list_filter_and_paginate(tenant: dict[str, Any]) -> None:
    token = tenant["admin_token"]
    for i in range(3):
        status, invited = call("accounts", "POST", "/users/invitations",
                               {"email": f"conv{i}-{uuid.uuid4().hex[:6]}@x.com.br", "first_name": f"C{i}",
                                "role": "VIEWER"}, token=token)
        assert status == 201 and invited["purpose"] == "invite"
    status, page = call("accounts", "GET", "/users", token=token,
                        query={"status": "PENDING", "page_size": "2", "sort": "email"})
    assert status == 200 and page["page"]["total"] == 3 and len(page["items"]) == 2
    emails = [u["email"] for u in page["items"]]
    assert emails == sorted(emails)
    status, page2 = call("accounts", "GET", "/users", token=token,
                         query={"status": "PENDING", "page_size": "2", "page": "2"})
    assert len(page2["items"]) == 1
    assert call("accounts", "GET", "/users", token=token, query={"page_size": "1000"})[0] == 422


def test_roles_cannot_be_raised_above_your_own(tenant: dict[str, Any]) -> None:
    manager = make_user(tenant["company"], role="MANAGER")
    token = login(manager.email)["access_token"]
    # a MANAGER lacks users:write entirely
    status, body = call("accounts", "PUT", f"/users/{tenant['member'].id}/role", {"role": "MANAGER"}, token=token)
    assert status == 403
    status, body = call("accounts", "PUT", f"/users/{tenant['member'].id}/role", {"role": "MASTER"},
                        token=tenant["admin_token"])
    assert status == 422  # MASTER is not a tenant role
    status, body = call("accounts", "PUT", f"/users/{tenant['member'].id}/role", {"role": "MANAGER"},
                        token=tenant["admin_token"])
    assert status == 200 and body["role"] == "MANAGER"
    # the member's old token carried USER: it was revoked so the new role applies
    assert call("auth", "GET", "/auth/me", token=tenant["member_token"])[0] == 401


def test_deactivation_ends_sessions_and_reactivation_restores_login(tenant: dict[str, Any]) -> None:
    member = tenant["member"]
    status, body = call("accounts", "POST", f"/users/{member.id}/deactivate", token=tenant["admin_token"])
    assert status == 200 and body["status"] == "INACTIVE"
    assert call("auth", "GET", "/auth/me", token=tenant["member_token"])[0] == 401
    assert call("auth", "POST", "/auth/login", {"email": member.email, "password": PASSWORD})[0] == 403
    assert call("accounts", "POST", f"/users/{member.id}/reactivate", token=tenant["admin_token"])[0] == 200
    login(member.email)


def test_password_reset_forces_a_new_password(tenant: dict[str, Any]) -> None:
    member = tenant["member"]
    status, reset = call("accounts", "POST", f"/users/{member.id}/password-reset", token=tenant["admin_token"])
    assert status == 201
    tokens = login(member.email)  # old password still works, but...
    status, body = call("accounts", "GET", "/profile", token=tokens["access_token"])
    assert status == 403 and body["error"]["code"] == "password_change_required"
    assert call("auth", "GET", "/auth/me", token=tokens["access_token"])[0] == 200
    assert call("auth", "POST", "/auth/password/setup",
                {"token": reset["token"], "new_password": "senha-nova-de-verdade"})[0] == 204
    assert call("auth", "POST", "/auth/login", {"email": member.email, "password": PASSWORD})[0] == 401
    login(member.email, "senha-nova-de-verdade")


def test_changing_own_password_revokes_other_sessions(tenant: dict[str, Any]) -> None:
    member = tenant["member"]
    other_device = login(member.email)["access_token"]
    current = tenant["member_token"]
    status, body = call("auth", "POST", "/auth/password",
                        {"current_password": "errada", "new_password": "outra-senha-123"}, token=current)
    assert status == 403 and body["error"]["code"] == "wrong_password"
    assert call("auth", "POST", "/auth/password",
                {"current_password": PASSWORD, "new_password": "outra-senha-123"}, token=current)[0] == 204
    assert call("auth", "GET", "/auth/me", token=current)[0] == 200
    assert call("auth", "GET", "/auth/me", token=other_device)[0] == 401


def test_profile_update_and_validation(tenant: dict[str, Any]) -> None:
    token = tenant["member_token"]
    status, body = call("accounts", "PATCH", "/profile",
                        {"phone": "+55 (11) 99999-0000", "avatar_url": "https://cdn.exemplo.com/a.png",
                         "preferences": {"theme": "dark"}}, token=token)
    assert status == 200 and body["preferences"] == {"theme": "dark"}
    assert call("accounts", "PATCH", "/profile", {"avatar_url": "javascript:alert(1)"}, token=token)[0] == 422
    assert call("accounts", "PATCH", "/profile", {"unknown": 1}, token=token)[0] == 422


def test_user_limit_of_the_plan_is_enforced() -> None:
    company = make_company(max_users=1)
    admin = make_user(company, role="ADMIN_EMPRESA")
    status, body = call("accounts", "POST", "/users/invitations", {"email": "extra@x.com.br", "first_name": "X"},
                        token=login(admin.email)["access_token"])
    assert status == 409 and body["error"]["code"] == "user_limit_reached"


# ---------------------------------------------------------------------------- audit / activity
def test_mutations_are_audited_and_streamed_to_the_timeline(tenant: dict[str, Any]) -> None:
    token = tenant["admin_token"]
    assert call("accounts", "PATCH", f"/users/{tenant['member'].id}", {"first_name": "Renomeado"}, token=token,
                source_ip="198.51.100.9")[0] == 200
    status, audit = call("accounts", "GET", "/audit", token=token, query={"action": "user.updated"})
    assert status == 200 and audit["page"]["total"] == 1
    entry = audit["items"][0]
    assert entry["before"]["first_name"] == "Teste" and entry["after"]["first_name"] == "Renomeado"
    assert entry["ip_address"] == "198.51.100.9"
    status, activity = call("accounts", "GET", "/activity", token=token)
    assert any(a["action"] == "user.updated" for a in activity["items"])
    # a plain USER cannot read the audit log
    assert call("accounts", "GET", "/audit", token=tenant["member_token"])[0] == 403


# --------------------------------------------------------------------------- suspend / master
def test_suspension_revokes_every_session_of_the_company(tenant: dict[str, Any], master_token: str) -> None:
    company_id = tenant["company"].id
    status, body = call("admin", "POST", f"/admin/companies/{company_id}/suspend", token=master_token)
    assert status == 200 and body["status"] == "SUSPENDED"
    assert call("auth", "GET", "/auth/me", token=tenant["admin_token"])[0] == 401
    assert call("auth", "GET", "/auth/me", token=tenant["member_token"])[0] == 401
    assert call("admin", "POST", f"/admin/companies/{company_id}/reactivate", token=master_token)[0] == 200
    login(tenant["admin"].email)


def test_master_dashboard_and_cross_tenant_search(tenant: dict[str, Any], master_token: str) -> None:
    status, dash = call("admin", "GET", "/admin/dashboard", token=master_token)
    assert status == 200 and dash["companies_by_status"]["ACTIVE"] >= 2 and dash["active_sessions"] >= 2
    status, users = call("admin", "GET", "/admin/users", token=master_token,
                         query={"company_id": str(tenant["company"].id)})
    assert {u["email"] for u in users["items"]} == {tenant["admin"].email, tenant["member"].email}
    status, companies = call("admin", "GET", "/admin/companies", token=master_token,
                             query={"q": tenant["company"].cnpj[:8]})
    assert str(tenant["company"].id) in {c["id"] for c in companies["items"]}


def test_company_admins_are_not_masters(tenant: dict[str, Any]) -> None:
    for path in ("/admin/dashboard", "/admin/companies", "/admin/users", "/admin/audit", "/admin/access-requests"):
        status, _body = call("admin", "GET", path, token=tenant["admin_token"])
        assert status == 403, path


# ---------------------------------------------------------------------------------- settings
def test_dynamic_settings_are_validated_and_versioned(tenant: dict[str, Any]) -> None:
    token = tenant["admin_token"]
    status, body = call("accounts", "GET", "/settings/notifications", token=token)
    assert status == 200 and body["version"] == 0 and body["value"]["reminder_hours"] == [72, 24, 2]
    status, body = call("accounts", "PUT", "/settings/notifications",
                        {"value": {"digest": "weekly"}, "expected_version": 0}, token=token)
    assert status == 200 and body["version"] == 1 and body["value"]["digest"] == "weekly"
    stale = call("accounts", "PUT", "/settings/notifications", {"value": {"digest": "off"}, "expected_version": 0},
                 token=token)
    assert stale[0] == 409 and stale[1]["error"]["code"] == "version_conflict"
    bad = call("accounts", "PUT", "/settings/notifications", {"value": {"digest": "hourly"}}, token=token)
    assert bad[0] == 422 and bad[1]["error"]["details"][0]["field"] == "value.digest"
    assert bad[1]["error"]["details"][0]["message"] == "valor inválido; use 'off', 'daily' ou 'weekly'"
    for key, value in (("notifications", {"reminder_hours": [0]}), ("notifications", {"reminder_hours": [1] * 11}),
                       ("branding", {"logo_url": "http://169.254.169.254/x"}), ("branding", {"webhook": "x"}),
                       ("bidding", {"regions": ["sp"]}), ("branding", {"display_name": "x" * 121})):
        status, body = call("accounts", "PUT", f"/settings/{key}", {"value": value}, token=token)
        assert status == 422, (key, value, body)
    assert call("accounts", "GET", "/settings/nope", token=token)[0] == 404
    assert call("accounts", "PUT", "/settings/branding", {"value": {}}, token=tenant["member_token"])[0] == 403


def test_templates_are_versioned(tenant: dict[str, Any]) -> None:
    token = tenant["admin_token"]
    assert call("accounts", "GET", "/templates/proposta", token=token)[0] == 404
    body = {"kind": "proposal", "subject": "Proposta", "body": "Prezados, segue proposta para {{edital}}."}
    assert call("accounts", "PUT", "/templates/proposta", body, token=token)[1]["version"] == 1
    assert call("accounts", "PUT", "/templates/proposta", {**body, "body": "v2"}, token=token)[1]["version"] == 2
    _status, got = call("accounts", "GET", "/templates/proposta", token=token)
    assert got["body"] == "v2"
    other = make_user(make_company(plan="internal"), role="ADMIN_EMPRESA")
    assert call("accounts", "GET", "/templates/proposta", token=login(other.email)["access_token"])[0] == 404


# ------------------------------------------------------------------------------- rate limits
def test_api_rate_limit_per_user_answers_429_with_retry_after() -> None:
    company = make_company(plan="basic")
    user = make_user(company)
    token = login(user.email)["access_token"]
    import time

    left = 60 - time.time() % 60  # the budget is a fixed per-minute window: start far from its end
    if left < 40:
        time.sleep(left + 0.2)
    statuses = [call("accounts", "GET", "/profile", token=token)[0] for _ in range(125)]
    assert statuses[:120] == [200] * 120 and statuses[-1] == 429


# ------------------------------------------------------------------------------ issue 9, part 8
def test_platform_company_plan_and_status_cannot_be_edited_away(master_token: str) -> None:
    from sqlalchemy import select

    from licita.accounts.models import Company
    from licita.platform.db.engine import system_transaction

    with system_transaction() as db:
        platform_id = str(db.scalar(select(Company.id).where(Company.is_platform.is_(True))))
    status, body = call("admin", "PATCH", f"/admin/companies/{platform_id}", {"plan": "basic"}, token=master_token)
    assert status == 409 and body["error"]["code"] == "platform_company"
    status, body = call("admin", "POST", f"/admin/companies/{platform_id}/suspend", token=master_token)
    assert status == 409 and body["error"]["code"] == "platform_company"
    status, company = call("admin", "GET", f"/admin/companies/{platform_id}", token=master_token)
    assert company["plan"] == "internal" and company["status"] == "ACTIVE"
    # its names stay editable
    status, _ = call("admin", "PATCH", f"/admin/companies/{platform_id}", {"trade_name": "Licita"}, token=master_token)
    assert status == 200


def test_user_search_treats_like_wildcards_literally(tenant: dict[str, Any]) -> None:
    from sqlalchemy import update

    from licita.accounts.models import User
    from licita.platform.db.engine import system_transaction

    company = tenant["company"]
    under, other, percent = (make_user(company, role="VIEWER") for _ in range(3))
    with system_transaction() as db:
        for user, name in ((under, "Ana_Clara"), (other, "Anaxclara"), (percent, "Cem%porcento")):
            db.execute(update(User).where(User.id == user.id).values(first_name=name))
    for q, expected in (("_", {under.id}), ("Ana_C", {under.id})):
        status, body = call("accounts", "GET", "/users", token=tenant["admin_token"], query={"q": q})
        assert status == 200 and {uuid.UUID(u["id"]) for u in body["items"]} == expected, (q, body)
    status, body = call("accounts", "GET", "/users", token=tenant["admin_token"], query={"q": "%"})
    assert [u["first_name"] for u in body["items"]] == ["Cem%porcento"]
