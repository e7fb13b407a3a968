"""API Gateway resource matching and IAM policy evaluation of authorizer results."""

from __future__ import annotations

import pytest

from licita_local.routing import Route, RouteTable, arn_matches, compile_path, policy_allows


def table() -> RouteTable:
    return RouteTable([
        Route("/auth/me", "GET", "Auth", "A", "Api"),
        Route("/auth/sessions", "GET", "Auth", "A", "Api"),
        Route("/auth/sessions/{session_id}", "DELETE", "Auth", "A", "Api"),
        Route("/tenders/{id}", "GET", "T", "A", "Api"),
        Route("/tenders/{id}", "PATCH", "T", "A", "Api"),
        Route("/tenders/search", "GET", "T", "A", "Api"),
        Route("/tenders/{id}/items/{item_id}", "GET", "T", "A", "Api"),
        Route("/files/{proxy+}", "ANY", "F", None, "Api"),
    ])


def test_static_route() -> None:
    res, params = table().match("/auth/me") or (None, None)
    assert res is not None and res.path == "/auth/me" and params == {}
    assert res.route_for("GET") is not None and res.route_for("POST") is None
    assert res.allow == "GET, OPTIONS"


def test_path_parameters() -> None:
    res, params = table().match("/auth/sessions/3f1c") or (None, None)
    assert res is not None and res.path == "/auth/sessions/{session_id}" and params == {"session_id": "3f1c"}
    res, params = table().match("/tenders/7/items/9") or (None, None)
    assert params == {"id": "7", "item_id": "9"}


def test_literal_segment_beats_parameter() -> None:
    res, _ = table().match("/tenders/search") or (None, None)
    assert res is not None and res.path == "/tenders/search"
    res, params = table().match("/tenders/123") or (None, None)
    assert res is not None and res.path == "/tenders/{id}" and params == {"id": "123"}
    assert res.allow == "GET, OPTIONS, PATCH"


def test_greedy_proxy_and_any() -> None:
    res, params = table().match("/files/a/b/c.pdf") or (None, None)
    assert res is not None and params == {"proxy": "a/b/c.pdf"}
    assert res.route_for("DELETE") is not None


def test_no_match() -> None:
    t = table()
    assert t.match("/nope") is None
    assert t.match("/auth/sessions/a/b") is None
    assert t.match("/auth") is None


def test_trailing_slash_on_static() -> None:
    res, _ = table().match("/auth/me/") or (None, None)
    assert res is not None and res.path == "/auth/me"


def test_duplicate_route_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        RouteTable([Route("/a", "GET", "F", None, "Api"), Route("/a", "GET", "G", None, "Api")])


def test_compile_path() -> None:
    assert compile_path("/a/{b}/c").match("/a/x/c") is not None
    assert compile_path("/a/{b}/c").match("/a/x/y/c") is None
    assert compile_path("/a.b/{c}").match("/aXb/1") is None  # literals are escaped


ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/local/GET/auth/me"


@pytest.mark.parametrize(("pattern", "expected"), [
    ("*", True),
    (ARN, True),
    ("arn:aws:execute-api:us-east-1:123456789012:abc123/local/*", True),
    ("arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/*", True),
    ("arn:aws:execute-api:us-east-1:123456789012:abc123/local/POST/*", False),
    ("arn:aws:execute-api:us-east-1:123456789012:abc12?/local/GET/auth/me", True),
    ("arn:aws:execute-api:us-east-1:123456789012:other/local/*", False),
])
def test_arn_matching(pattern: str, expected: bool) -> None:
    assert arn_matches(pattern, ARN) is expected


def _policy(*stmts: tuple[str, str | list[str]]) -> dict[str, object]:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": effect, "Action": "execute-api:Invoke", "Resource": res} for effect, res in stmts]}


def test_policy_evaluation() -> None:
    stage = "arn:aws:execute-api:us-east-1:123456789012:abc123/local/*"
    assert policy_allows(_policy(("Allow", stage)), ARN)
    assert policy_allows(_policy(("Allow", ["arn:x", stage])), ARN)
    assert not policy_allows(_policy(("Deny", ARN)), ARN)
    assert not policy_allows(_policy(("Allow", stage), ("Deny", ARN)), ARN)  # explicit deny wins
    assert not policy_allows(_policy(("Allow", "arn:aws:execute-api:us-east-1:123456789012:abc123/local/POST/*")),
                             ARN)
    assert not policy_allows({"Statement": []}, ARN)
    assert not policy_allows(None, ARN)
    single = {"Statement": {"Effect": "Allow", "Action": ["execute-api:*"], "Resource": "*"}}
    assert policy_allows(single, ARN)
    assert not policy_allows({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}, ARN)
