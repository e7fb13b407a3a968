"""Every tenant endpoint, called by company A with company B's ids, answers 404: not 403, not data.

Routes are enumerated from the functions' route tables, so a new route is covered (or fails here
until it says which of B's ids to try and which valid body to send).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from apigw import ROOT, call, load_function
from factories import PASSWORD, make_company, make_user
from licita.audit.service import Actor
from licita.auth import bearer
from licita.auth import service as auth
from licita.core.security.principal import Principal

TENANT_FUNCTIONS = ("auth", "accounts", "tenders")
# Path parameters that are names inside the caller's own company, not ids of rows: another tenant's
# value addresses the caller's own (empty or default) entry, so there is nothing to leak.
OWN_NAMESPACE = {("GET", "/settings/{key}"), ("PUT", "/settings/{key}"), ("PUT", "/templates/{name}")}
# A valid body per (method, route) so validation passes and the tenant check is what answers.
BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/users/{user_id}"): {"first_name": "Invasor"},
    ("PUT", "/users/{user_id}/role"): {"role": "VIEWER"},
    ("PUT", "/tenders/{tender_id}/fields/{field}"): {"value": "x", "reason": "teste"},
}


def _login(email: str) -> tuple[str, Principal]:
    pair = auth.login(email, PASSWORD, Actor(ip=f"10.9.{uuid.uuid4().int % 250}.1"))
    return pair.access_token, bearer.authorize(pair.access_token)


@pytest.fixture(scope="module")
def world() -> dict[str, Any]:
    a, b = make_company(plan="internal"), make_company(plan="internal")
    admin_a, admin_b = make_user(a, role="ADMIN_EMPRESA"), make_user(b, role="ADMIN_EMPRESA")
    member_b = make_user(b)
    token_a, _ = _login(admin_a.email)
    token_b, principal_b = _login(admin_b.email)
    from licita.accounts.dynamic_settings import put_template
    from licita.accounts.schemas import TemplateUpdate

    put_template(str(b.id), "segredo-de-b", TemplateUpdate(body="conteúdo de B"), str(admin_b.id))
    ids: dict[str, str] = {"user_id": str(member_b.id), "session_id": principal_b.session_id,
                           "field": "object", "name": "segredo-de-b"}
    if (ROOT / "functions" / "tenders" / "app.py").exists():
        ids["tender_id"] = str(_insert_tender(b.id))
    return {"token_a": token_a, "token_b": token_b, "ids": ids, "company_b": b}


def _insert_tender(company_id: uuid.UUID) -> uuid.UUID:
    from sqlalchemy import text

    from licita.platform.db.engine import tenant_transaction

    tender_id = uuid.uuid4()
    with tenant_transaction(company_id) as db:
        db.execute(text("INSERT INTO tenders (id, company_id, status) VALUES (:id, :cid, 'READY')"),
                   {"id": tender_id, "cid": company_id})
    return tender_id


def _routes() -> list[tuple[str, str, str]]:
    found = []
    for name in TENANT_FUNCTIONS:
        try:
            api = load_function(name).api
        except FileNotFoundError:
            continue
        found += [(name, r.method, r.path) for r in api.routes
                  if "{" in r.path and not r.public and (r.method, r.path) not in OWN_NAMESPACE]
    return found


@pytest.mark.parametrize(("function", "method", "path"), _routes())
def test_foreign_ids_are_not_found(world: dict[str, Any], function: str, method: str, path: str) -> None:
    url = path
    for name, value in world["ids"].items():
        url = url.replace("{" + name + "}", value)
    assert "{" not in url, f"no id of company B known for {path}: add it to the world fixture"
    status, body = call(function, method, url, BODIES.get((method, path)), token=world["token_a"])
    assert status == 404, (method, path, status, body)
    assert body["error"]["code"] == "not_found" or body["error"]["code"].endswith("not_found")


def test_lists_never_show_another_tenant(world: dict[str, Any]) -> None:
    status, users = call("accounts", "GET", "/users", token=world["token_a"], query={"page_size": "200"})
    assert status == 200
    assert all(u["company_id"] != str(world["company_b"].id) for u in users["items"])
    _, audit = call("accounts", "GET", "/audit", token=world["token_a"],
                    query={"company_id": str(world["company_b"].id)})
    assert all(e["company_id"] != str(world["company_b"].id) for e in audit["items"])
    _, sessions = call("auth", "GET", "/auth/sessions", token=world["token_a"])
    assert world["ids"]["session_id"] not in {s["id"] for s in sessions["items"]}
