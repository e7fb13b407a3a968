"""The auth slice through the local runtime, over plain HTTP, exactly as the SPA calls it."""

from __future__ import annotations

import time
import uuid
from typing import Any

import bcrypt
import httpx
import jwt
import psycopg
import pytest


def _pg(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def make_company_with_user(runtime: Any, *, max_sessions: int = 5) -> tuple[str, str]:
    """Insert a fresh tenant straight into the runtime's PostgreSQL (the accounts API is another issue)."""
    email, password = f"e2e-{uuid.uuid4().hex[:8]}@teste.com.br", "senha-e2e-123"
    company_id, cnpj = uuid.uuid4(), str(uuid.uuid4().int)[:14]
    with psycopg.connect(_pg(runtime.endpoints.database_url)) as conn:
        conn.execute("INSERT INTO companies (id, legal_name, cnpj, max_concurrent_sessions) VALUES (%s, %s, %s, %s)",
                     (company_id, "E2E Ltda", cnpj, max_sessions))
        conn.execute("INSERT INTO users (id, company_id, email, password_hash, first_name, role) "
                     "VALUES (%s, %s, %s, %s, 'E2E', 'USER')",
                     (uuid.uuid4(), company_id, email, bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()))
    return email, password


@pytest.fixture
def client(runtime: Any) -> httpx.Client:
    with httpx.Client(base_url=runtime.rest_url, timeout=10) as c:
        yield c


def login(client: httpx.Client, email: str, password: str) -> dict[str, Any]:
    response = client.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def test_login_me_refresh_reuse_logout(runtime: Any, client: httpx.Client) -> None:
    email, password = make_company_with_user(runtime)
    tokens = login(client, email, password)

    me = client.get("/auth/me", headers=bearer(tokens))
    assert me.status_code == 200 and me.json()["email"] == email

    sessions = client.get("/auth/sessions", headers=bearer(tokens)).json()["items"]
    assert [s["current"] for s in sessions] == [True]

    rotated = client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["refresh_token"] != tokens["refresh_token"]
    assert client.get("/auth/me", headers=bearer(new)).status_code == 200

    # a spent token presented again right away is a concurrent refresh (two tabs): answered, a bounded number
    # of times; one more presentation is a theft signal and revokes the whole family
    for _ in range(3):
        assert client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}).status_code == 200
    reuse = client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert reuse.status_code == 401 and reuse.json()["error"]["code"] == "session_revoked"
    # the whole family is gone: the newest access token stops at the authorizer
    denied = client.get("/auth/me", headers=bearer(new))
    assert denied.status_code == 401 and set(denied.json()["error"]) == {"code", "message", "details"}

    again = login(client, email, password)
    assert client.post("/auth/logout", headers=bearer(again)).status_code == 204
    assert client.get("/auth/me", headers=bearer(again)).status_code == 401


def test_session_cap_revokes_the_oldest(runtime: Any, client: httpx.Client) -> None:
    email, password = make_company_with_user(runtime, max_sessions=2)
    first, second, third = (login(client, email, password) for _ in range(3))
    assert client.get("/auth/me", headers=bearer(first)).status_code == 401
    assert client.get("/auth/me", headers=bearer(second)).status_code == 200
    assert client.get("/auth/me", headers=bearer(third)).status_code == 200


def test_authorizer_rejects_missing_tampered_and_expired_tokens(runtime: Any, client: httpx.Client) -> None:
    email, password = make_company_with_user(runtime)
    tokens = login(client, email, password)
    missing = client.get("/auth/me")
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthorized"

    head, payload, sig = tokens["access_token"].split(".")
    tampered = client.get("/auth/me", headers={"Authorization": f"Bearer {head}.{payload}.{sig[::-1]}"})
    assert tampered.status_code == 401

    import os

    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    claims["exp"] = int(time.time()) - 1
    expired = jwt.encode(claims, os.environ["JWT_SECRET"], algorithm="HS256")
    assert client.get("/auth/me", headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    assert client.get("/auth/me", headers=bearer(tokens)).status_code == 200


def test_revoking_a_session_from_another_device(runtime: Any, client: httpx.Client) -> None:
    email, password = make_company_with_user(runtime)
    laptop, phone = login(client, email, password), login(client, email, password)
    revoke = client.delete(f"/auth/sessions/{phone['session_id']}", headers=bearer(laptop))
    assert revoke.status_code == 204
    assert client.get("/auth/me", headers=bearer(phone)).status_code == 401
    assert client.delete(f"/auth/sessions/{uuid.uuid4()}", headers=bearer(laptop)).status_code == 404


def test_login_rate_limit_answers_429_with_retry_after(runtime: Any, client: httpx.Client) -> None:
    email, _ = make_company_with_user(runtime)
    statuses = [client.post("/auth/login", json={"email": email, "password": "errada"}).status_code
                for _ in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    limited = client.post("/auth/login", json={"email": email, "password": "errada"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["error"]["code"] == "rate_limited"


@pytest.mark.parametrize(("body", "status", "code"), [
    (b"{oops", 400, "malformed_json"),
    (b'{"email": ["x"], "password": 1}', 422, "validation_failed"),
    (b'{"password": "x"}', 422, "validation_failed"),
])
def test_bad_bodies_over_http(client: httpx.Client, body: bytes, status: int, code: str) -> None:
    response = client.post("/auth/login", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status and response.json()["error"]["code"] == code
