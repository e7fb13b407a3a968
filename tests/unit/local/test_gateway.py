"""REST gateway decisions (404/405/413/CORS/authorizer/502) against the project's template, with fake functions."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from licita_local.gateway import Gateway
from licita_local.httpserver import Request, Response
from licita_local.template import load_template

ROOT = Path(__file__).resolve().parents[3]
ALLOW = {"principalId": "u1", "policyDocument": {"Version": "2012-10-17", "Statement": [
    {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "arn:aws:execute-api:us-east-1:*"}]},
    "context": {"user_id": "u1", "n": 3, "flag": True}}


class FakeHost:
    def __init__(self, fn: Callable[[dict[str, Any]], Any]) -> None:
        self.fn = fn
        self.events: list[dict[str, Any]] = []

    def invoke(self, event: dict[str, Any], *, source: str, target: str, request_id: str | None = None) -> Any:
        self.events.append(event)
        return self.fn(event)


def ok(event: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps({"ok": True})}


@pytest.fixture
def gw() -> tuple[Gateway, dict[str, FakeHost]]:
    tpl = load_template(ROOT / "template.yaml", {"JwtSecret": "x" * 40}, env={})
    hosts = {name: FakeHost(ok) for name in tpl.functions}
    hosts["AuthorizerFunction"] = FakeHost(lambda e: ALLOW)
    return Gateway(tpl, hosts), hosts  # type: ignore[arg-type]


def req(method: str, target: str, headers: list[tuple[str, str]] | None = None, body: bytes = b"") -> Request:
    return Request(method, target, headers or [("Host", "127.0.0.1:3000")], body, "10.1.2.3")


def error(resp: Response) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(resp.body)["error"]
    assert set(body) == {"code", "message", "details"}
    return body


def hdr(resp: Response, name: str) -> str | None:
    return next((v for k, v in resp.headers if k.lower() == name.lower()), None)


def test_unknown_route_is_404_with_the_templates_body(gw: Any) -> None:
    g, _ = gw
    resp = g(req("GET", "/nope"))
    assert resp.status == 404 and error(resp)["code"] == "route_not_found"
    assert hdr(resp, "Access-Control-Allow-Origin") == "*"


def test_wrong_method_is_405_with_allow(gw: Any) -> None:
    g, _ = gw
    resp = g(req("PUT", "/auth/me"))
    assert resp.status == 405 and hdr(resp, "Allow") == "GET, OPTIONS"
    assert error(resp)["code"] == "method_not_allowed"


def test_cors_preflight(gw: Any) -> None:
    g, hosts = gw
    resp = g(req("OPTIONS", "/auth/me", [("Origin", "http://localhost:5173"),
                                         ("Access-Control-Request-Method", "GET")]))
    assert resp.status == 200
    assert hdr(resp, "Access-Control-Allow-Methods") == "GET,POST,PUT,PATCH,DELETE,OPTIONS"
    assert hdr(resp, "Access-Control-Allow-Headers") == "Authorization,Content-Type,X-Request-Id"
    assert hdr(resp, "Access-Control-Max-Age") == "600"
    assert not hosts["AuthorizerFunction"].events  # preflight is never authorized


def test_missing_identity_is_401_without_calling_the_authorizer(gw: Any) -> None:
    g, hosts = gw
    resp = g(req("GET", "/auth/me"))
    assert resp.status == 401 and error(resp)["code"] == "unauthorized"
    assert not hosts["AuthorizerFunction"].events and not hosts["AuthFunction"].events


def test_public_route_skips_the_authorizer(gw: Any) -> None:
    g, hosts = gw
    resp = g(req("POST", "/auth/login", [("Content-Type", "application/json")], b'{"a":1}'))
    assert resp.status == 200 and not hosts["AuthorizerFunction"].events
    event = hosts["AuthFunction"].events[0]
    assert event["body"] == '{"a":1}' and event["isBase64Encoded"] is False
    assert "authorizer" not in event["requestContext"]


def test_authorized_request_event_shapes(gw: Any) -> None:
    g, hosts = gw
    resp = g(req("DELETE", "/auth/sessions/abc?x=1&x=2&y=", [("Host", "h:3000"), ("Authorization", "Bearer t"),
                                                             ("X-Multi", "a"), ("X-Multi", "b")]))
    assert resp.status == 200 and json.loads(resp.body) == {"ok": True}
    (auth_event,) = hosts["AuthorizerFunction"].events
    assert auth_event["type"] == "REQUEST"
    api_id = g.template.rest_apis["RestApi"].api_id
    arn = f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/local/DELETE/auth/sessions/abc"
    assert auth_event["methodArn"] == arn
    assert auth_event["resource"] == "/auth/sessions/{session_id}" and auth_event["path"] == "/auth/sessions/abc"
    assert auth_event["headers"]["Authorization"] == "Bearer t"
    assert auth_event["pathParameters"] == {"session_id": "abc"}
    (event,) = hosts["AuthFunction"].events
    assert set(event) == {"resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
                          "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext",
                          "body", "isBase64Encoded"}
    assert event["resource"] == "/auth/sessions/{session_id}" and event["httpMethod"] == "DELETE"
    assert event["queryStringParameters"] == {"x": "2", "y": ""}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": [""]}
    assert event["headers"]["X-Multi"] == "b" and event["multiValueHeaders"]["X-Multi"] == ["a", "b"]
    assert event["body"] is None and event["stageVariables"] is None
    ctx = event["requestContext"]
    assert ctx["resourcePath"] == "/auth/sessions/{session_id}" and ctx["stage"] == "local"
    assert ctx["path"] == "/local/auth/sessions/abc" and ctx["apiId"] == api_id
    assert ctx["identity"]["sourceIp"] == "10.1.2.3"
    authorizer = ctx["authorizer"]
    assert authorizer["principalId"] == "u1" and authorizer["user_id"] == "u1"
    assert authorizer["n"] == "3" and authorizer["flag"] == "true"  # stringified like API Gateway


def deny(event: dict[str, Any]) -> dict[str, Any]:
    return {"principalId": "x", "policyDocument": {"Statement": [
        {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": event["methodArn"]}]}}


def raise_unauthorized(event: dict[str, Any]) -> dict[str, Any]:
    raise Exception("Unauthorized")


def boom(event: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError("db down")


@pytest.mark.parametrize(("authorizer", "status", "code"), [
    (deny, 401, "unauthorized"),  # ACCESS_DENIED gateway response (template: 401)
    (raise_unauthorized, 401, "unauthorized"),
    (boom, 503, "service_unavailable"),  # AUTHORIZER_FAILURE gateway response (template: fails closed, 503)
    (lambda e: {"principalId": "x"}, 500, "authorizer_configuration_error"),
    (lambda e: {**ALLOW, "policyDocument": {"Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke",
                                                          "Resource": "arn:aws:execute-api:*:*:*/*/POST/*"}]}},
     401, "unauthorized"),  # policy does not cover this method ARN
])
def test_authorizer_outcomes(gw: Any, authorizer: Callable[[dict[str, Any]], Any], status: int, code: str) -> None:
    g, hosts = gw
    hosts["AuthorizerFunction"].fn = authorizer
    resp = g(req("GET", "/auth/me", [("Authorization", "Bearer t")]))
    assert resp.status == status and error(resp)["code"] == code
    assert not hosts["AuthFunction"].events


def test_authorizer_failure_applies_the_template_gateway_response(gw: Any) -> None:
    """An authorizer that cannot reach PostgreSQL/Redis raises: the gateway answers the template's
    AUTHORIZER_FAILURE response (status, Retry-After, CORS header, body) and no function runs."""
    g, hosts = gw
    hosts["AuthorizerFunction"].fn = boom
    resp = g(req("GET", "/auth/me", [("Authorization", "Bearer t")]))
    assert resp.status == 503 and hdr(resp, "Retry-After") == "5"
    assert hdr(resp, "Access-Control-Allow-Origin") and hdr(resp, "x-amzn-ErrorType") == "AuthorizerFailureException"
    assert error(resp)["code"] == "service_unavailable" and "indisponível" in error(resp)["message"]
    assert not hosts["AuthFunction"].events


def test_deny_uses_access_denied_message(gw: Any) -> None:
    g, hosts = gw
    hosts["AuthorizerFunction"].fn = deny
    resp = g(req("GET", "/auth/me", [("Authorization", "Bearer t")]))
    assert "expirado" in error(resp)["message"] and hdr(resp, "x-amzn-ErrorType") == "AccessDeniedException"


def test_function_that_raises_is_502(gw: Any) -> None:
    g, hosts = gw
    hosts["AuthFunction"].fn = boom
    resp = g(req("POST", "/auth/login", body=b"{}"))
    assert resp.status == 502 and error(resp)["code"] == "internal_error"


def test_malformed_function_result_is_502(gw: Any) -> None:
    g, hosts = gw
    hosts["AuthFunction"].fn = lambda e: "not a proxy response"
    assert g(req("POST", "/auth/login", body=b"{}")).status == 502


def test_response_conversion(gw: Any) -> None:
    g, hosts = gw
    hosts["AuthFunction"].fn = lambda e: {
        "statusCode": 201, "headers": {"X-One": "1", "Content-Type": "application/pdf"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
        "body": base64.b64encode(b"%PDF\x00\xff").decode(), "isBase64Encoded": True}
    resp = g(req("POST", "/auth/login", body=b"{}"))
    assert resp.status == 201 and resp.body == b"%PDF\x00\xff"
    assert [v for k, v in resp.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert hdr(resp, "Content-Type") == "application/pdf" and hdr(resp, "X-One") == "1"


def test_binary_request_body_is_base64(gw: Any) -> None:
    g, hosts = gw
    g(req("POST", "/auth/login", [("Content-Type", "application/octet-stream")], b"\xff\xfe\x00"))
    event = hosts["AuthFunction"].events[0]
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\xff\xfe\x00"


def test_body_over_10_mb_is_413(gw: Any) -> None:
    g, hosts = gw
    resp = g(req("POST", "/auth/login", body=b"x" * (10 * 1024 * 1024 + 1)))
    assert resp.status == 413 and error(resp)["code"] == "payload_too_large"
    assert not hosts["AuthFunction"].events


def test_local_paths_go_to_admin() -> None:
    tpl = load_template(ROOT / "template.yaml", {"JwtSecret": "x" * 40}, env={})
    seen: list[str] = []

    def admin(r: Request) -> Response | None:
        seen.append(r.target)
        return Response(200, [], b"admin")

    g = Gateway(tpl, {n: FakeHost(ok) for n in tpl.functions}, admin)  # type: ignore[misc]
    assert g(req("GET", "/_local/invocations")).body == b"admin"
    assert g(req("POST", "/local/@connections/abc=")).body == b"admin"
    assert seen == ["/_local/invocations", "/local/@connections/abc="]
