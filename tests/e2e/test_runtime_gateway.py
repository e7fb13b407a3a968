"""The REST gateway of the project's template over real HTTP, as the SPA sees it."""

from __future__ import annotations

import json
from typing import Any

import httpx
from openapi_spec_validator import validate
from runtime_support import RuntimeHandle

ERROR_KEYS = {"code", "message", "details"}


def error_of(resp: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = resp.json()["error"]
    assert set(body) == ERROR_KEYS
    return body


def test_unknown_route_is_404_standard_body(http: httpx.Client) -> None:
    resp = http.get("/does/not/exist")
    assert resp.status_code == 404 and error_of(resp)["code"] == "route_not_found"
    assert resp.headers["access-control-allow-origin"] == "*"


def test_wrong_method_is_405(http: httpx.Client) -> None:
    resp = http.put("/auth/me")
    assert resp.status_code == 405 and error_of(resp)["code"] == "method_not_allowed"
    assert resp.headers["allow"] == "GET, OPTIONS"


def test_cors_preflight(http: httpx.Client) -> None:
    resp = http.options("/auth/login", headers={"Origin": "http://localhost:5173",
                                                "Access-Control-Request-Method": "POST",
                                                "Access-Control-Request-Headers": "content-type"})
    assert resp.status_code == 200
    assert resp.headers["access-control-allow-origin"] == "*"
    assert "POST" in resp.headers["access-control-allow-methods"]
    assert "Content-Type" in resp.headers["access-control-allow-headers"]


def test_authorized_route_without_token_is_401(runtime: RuntimeHandle, http: httpx.Client) -> None:
    since = runtime.last_invocation_id()
    resp = http.get("/auth/me")
    assert resp.status_code == 401 and error_of(resp)["code"] == "unauthorized"
    assert runtime.invocations("AuthorizerFunction", since) == []  # like API Gateway: no identity, no call


def test_bad_token_is_401(http: httpx.Client) -> None:
    resp = http.get("/auth/me", headers={"Authorization": "Bearer not-a-jwt"})
    assert resp.status_code == 401 and error_of(resp)["code"] == "unauthorized"


def test_me_with_token_and_invocation_records(runtime: RuntimeHandle, http: httpx.Client, token: str) -> None:
    since = runtime.last_invocation_id()
    for _ in range(2):
        resp = http.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 200 and resp.json()["email"] == runtime.credentials["email"]
    items = runtime.invocations("AuthFunction", since)
    assert [(i["source"], i["target"], i["outcome"]) for i in items] == [("api", "GET /auth/me", "200")] * 2
    assert items[-1]["cold"] is False
    assert {i["source"] for i in runtime.invocations("AuthorizerFunction", since)} == {"authorizer"}


def test_validation_error_passes_through(http: httpx.Client) -> None:
    resp = http.post("/auth/login", json={"email": "nope"})
    assert resp.status_code == 422 and error_of(resp)["code"] == "validation_failed"


def test_body_over_10_mb_is_413(http: httpx.Client) -> None:
    resp = http.post("/auth/login", content=b"x" * (10 * 1024 * 1024 + 10),
                     headers={"Content-Type": "application/json"})
    assert resp.status_code == 413 and error_of(resp)["code"] == "payload_too_large"


def test_openapi_and_docs(http: httpx.Client) -> None:
    resp = http.get("/openapi.json")
    assert resp.status_code == 200
    doc = resp.json()
    validate(doc)
    assert doc["openapi"] == "3.1.0" and "/auth/login" in doc["paths"]
    assert doc["servers"][0]["url"].startswith("http://127.0.0.1:")
    page = http.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for src in ("/docs/assets/swagger-ui-bundle.js", "/docs/local/docs.js"):
        if src in page.text or "swagger" not in page.text:
            asset = http.get(src)
            assert asset.status_code == 200 and len(asset.content) > 1000
    assert "https://" not in page.text  # no CDN


def test_local_endpoints(runtime: RuntimeHandle, http: httpx.Client) -> None:
    health = http.get("/_local/health").json()
    assert health["status"] == "ok" and health["rest_url"] == runtime.rest_url
    functions = {f["function"] for f in http.get("/_local/functions").json()["items"]}
    assert {"AuthFunction", "AuthorizerFunction", "AnalysisFunction", "WsFunction"} <= functions
    queues = {q["logical_id"]: q for q in http.get("/_local/queues").json()["items"]}
    assert queues["AnalysisQueue"]["dlq"]["logical_id"] == "AnalysisDLQ"
    assert queues["AnalysisQueue"]["dlq"]["max_receive_count"] == 3
    assert http.get("/_local/nope").status_code == 404
    json.dumps(health)
