"""The auth Chalice app invoked in-process with real API Gateway REST v1 events: validation and errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from apigw import event, load_function
from factories import PASSWORD, make_company, make_user


@pytest.fixture(scope="module")
def auth_app() -> Any:
    return load_function("auth").app


def invoke(app: Any, method: str, path: str, body: str | None = None,
           headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any] | None]:
    response = app(event(method, path, body, headers), None)
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


@pytest.mark.parametrize(("body", "code", "status"), [
    ("{not json", "malformed_json", 400),
    ("", "body_required", 400),
    ('{"email": 12, "password": "x"}', "validation_failed", 422),
    ('{"email": "a@b.com.br"}', "validation_failed", 422),
    ('{"email": "not-an-email", "password": "x"}', "validation_failed", 422),
    ('{"email": "a@b.com.br", "password": "x", "extra": 1}', "validation_failed", 422),
    ("[1, 2]", "validation_failed", 422),
])
def test_bad_login_bodies_get_a_clear_4xx(auth_app: Any, body: str, code: str, status: int) -> None:
    got_status, got = invoke(auth_app, "POST", "/auth/login", body)
    assert got_status == status
    assert got is not None and got["error"]["code"] == code
    assert set(got["error"]) == {"code", "message", "details"}


def test_validation_errors_name_the_fields(auth_app: Any) -> None:
    _, body = invoke(auth_app, "POST", "/auth/login", '{"email": 12}')
    assert body is not None
    assert {d["field"] for d in body["error"]["details"]} == {"email", "password"}


def test_oversized_body_is_413(auth_app: Any) -> None:
    huge = json.dumps({"email": "a@b.com", "password": "x" * 2_000_000})
    status, body = invoke(auth_app, "POST", "/auth/login", huge)
    assert status == 413 and body is not None and body["error"]["code"] == "payload_too_large"


def test_wrong_content_type_is_415(auth_app: Any) -> None:
    status, body = invoke(auth_app, "POST", "/auth/login", "email=a", headers={"content-type": "text/plain"})
    assert status == 415 and body is not None and body["error"]["code"] == "unsupported_media_type"


def test_login_me_and_logout_over_the_handler(auth_app: Any) -> None:
    user = make_user(make_company())
    status, tokens = invoke(auth_app, "POST", "/auth/login", json.dumps({"email": user.email, "password": PASSWORD}))
    assert status == 200 and tokens is not None
    bearer = {"authorization": f"Bearer {tokens['access_token']}"}
    status, me = invoke(auth_app, "GET", "/auth/me", headers=bearer)
    assert status == 200 and me is not None and me["email"] == user.email
    assert invoke(auth_app, "POST", "/auth/logout", headers=bearer)[0] == 204
    status, body = invoke(auth_app, "GET", "/auth/me", headers=bearer)
    assert status == 401 and body is not None and body["error"]["code"] == "session_revoked"


def test_protected_route_without_token_is_401(auth_app: Any) -> None:
    status, body = invoke(auth_app, "GET", "/auth/me", headers={})
    assert status == 401 and body is not None and body["error"]["code"] == "token_missing"


def test_authorizer_allows_valid_and_denies_bad_tokens() -> None:
    authorizer = load_function("authorizer")
    user = make_user(make_company())
    _, tokens = invoke(load_function("auth").app, "POST", "/auth/login",
                     json.dumps({"email": user.email, "password": PASSWORD}))
    assert tokens is not None
    arn = "arn:aws:execute-api:us-east-1:123456789012:abc123/local/GET/auth/me"
    allowed = authorizer.handler({"type": "REQUEST", "methodArn": arn,
                                  "headers": {"Authorization": f"Bearer {tokens['access_token']}"}}, None)
    assert allowed["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert allowed["policyDocument"]["Statement"][0]["Resource"] == (
        "arn:aws:execute-api:us-east-1:123456789012:abc123/local/*")
    assert allowed["context"]["user_id"] == str(user.id)
    denied = authorizer.handler({"type": "REQUEST", "methodArn": arn, "headers": {"Authorization": "Bearer x.y.z"}},
                                None)
    assert denied["policyDocument"]["Statement"][0]["Effect"] == "Deny"
