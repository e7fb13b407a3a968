"""Accounts and tenancy through the local runtime over HTTP, as the SPA and the master admin call them."""

from __future__ import annotations

import random
import uuid
from typing import Any

import httpx
import pytest

from licita.core.brazil import complete_cnpj

pytestmark = pytest.mark.e2e


def cnpj() -> str:
    return complete_cnpj("".join(str(random.randint(0, 9)) for _ in range(12)))


@pytest.fixture
def client(runtime: Any) -> Any:
    with httpx.Client(base_url=runtime.rest_url, timeout=15) as c:
        yield c


def login(client: httpx.Client, email: str, password: str) -> dict[str, str]:
    response = client.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_company_onboarding_invite_and_suspension(runtime: Any, client: httpx.Client) -> None:
    creds = runtime.credentials
    master = login(client, creds["master_email"], creds["password"])
    contact = f"dona-{uuid.uuid4().hex[:6]}@empresa.com.br"

    # 1. a company asks for access (public), master approves, the first admin sets a password
    asked = client.post("/access-requests", json={"legal_name": "Empresa E2E Ltda", "cnpj": cnpj(),
                                                  "contact_name": "Dona Maria", "email": contact})
    assert asked.status_code == 201, asked.text
    dup = client.post("/access-requests", json={"legal_name": "Outra Ltda", "cnpj": asked.json()["cnpj"],
                                                "contact_name": "Xavier", "email": f"x{contact}"})
    assert dup.status_code == 409
    approved = client.post(f"/admin/access-requests/{asked.json()['id']}/approve", headers=master)
    assert approved.status_code == 200, approved.text
    setup = client.post("/auth/password/setup", json={"token": approved.json()["admin"]["token"],
                                                      "new_password": "dona-maria-2025"})
    assert setup.status_code == 422 and setup.json()["error"]["code"] == "weak_password"  # her own name
    setup = client.post("/auth/password/setup", json={"token": approved.json()["admin"]["token"],
                                                      "new_password": "cavalo-correto-bateria"})
    assert setup.status_code == 204
    admin = login(client, contact, "cavalo-correto-bateria")
    assert client.get("/companies/me", headers=admin).json()["id"] == approved.json()["company_id"]

    # 2. the admin invites a colleague, who sets a password and signs in
    invited_email = f"colega-{uuid.uuid4().hex[:6]}@empresa.com.br"
    invite = client.post("/users/invitations", headers=admin,
                         json={"email": invited_email, "first_name": "Colega", "role": "MANAGER"})
    assert invite.status_code == 201, invite.text
    users = client.get("/users", headers=admin, params={"status": "PENDING"}).json()
    assert [u["email"] for u in users["items"]] == [invited_email]
    assert client.post("/auth/password/setup", json={"token": invite.json()["token"],
                                                     "new_password": "girassol-na-janela-7"}).status_code == 204
    colleague = login(client, invited_email, "girassol-na-janela-7")
    assert client.get("/auth/me", headers=colleague).json()["role"] == "MANAGER"
    # a MANAGER may not hand out roles
    forbidden = client.put(f"/users/{invite.json()['user_id']}/role", headers=colleague, json={"role": "VIEWER"})
    assert forbidden.status_code == 403

    # 3. the audit log shows who did what; another tenant sees none of it
    audit = client.get("/audit", headers=admin, params={"action": "user.invited"}).json()
    assert audit["page"]["total"] == 1 and audit["items"][0]["after"]["email"] == invited_email
    demo = login(client, creds["email"], creds["password"])
    assert client.get(f"/users/{invite.json()['user_id']}", headers=demo).status_code == 404

    # 4. suspension by the master ends every session of the company at once
    suspended = client.post(f"/admin/companies/{approved.json()['company_id']}/suspend", headers=master)
    assert suspended.status_code == 200
    assert client.get("/auth/me", headers=admin).status_code == 401
    assert client.get("/auth/me", headers=colleague).status_code == 401
    dash = client.get("/admin/dashboard", headers=master).json()
    assert dash["companies_by_status"].get("SUSPENDED", 0) >= 1 and "analysis_dlq" in dash["queues"]


def test_openapi_documents_every_template_route(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    for path, method in (("/access-requests", "post"), ("/users", "get"), ("/admin/dashboard", "get"),
                         ("/tenders/uploads", "post"), ("/notifications", "get")):
        operation = spec["paths"][path][method]
        assert operation["responses"], (path, method)
    body = spec["paths"]["/access-requests"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("AccessRequestCreate")
    assert "409" in spec["paths"]["/access-requests"]["post"]["responses"]
