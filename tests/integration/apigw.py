"""Invoke a function's Chalice app in-process with real API Gateway REST v1 events (no HTTP)."""

from __future__ import annotations

import importlib.util
import json
import random
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def import_function(name: str, tag: str = "under_test") -> ModuleType:
    """A fresh module object of ``functions/<name>/app.py`` (as Lambda loads it: by path, not as a package)."""
    spec = importlib.util.spec_from_file_location(f"fn_{name}_{tag}", ROOT / "functions" / name / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def load_function(name: str) -> Any:
    return import_function(name)


def event(method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None, *,
          resource: str | None = None, path_params: dict[str, str] | None = None,
          query: dict[str, str] | None = None, source_ip: str = "198.51.100.9") -> dict[str, Any]:
    hdrs = {"content-type": "application/json", **(headers or {})}
    return {
        "resource": resource or path, "path": path, "httpMethod": method, "headers": hdrs,
        "multiValueHeaders": {k: [v] for k, v in hdrs.items()}, "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_params, "stageVariables": None,
        "requestContext": {"resourcePath": resource or path, "httpMethod": method, "path": path,
                           "stage": "test", "requestId": "req-1",
                           "identity": {"sourceIp": source_ip, "userAgent": "pytest"}},
        "body": body, "isBase64Encoded": False,
    }


def call(function: str, method: str, path: str, payload: Any = None, *, token: str | None = None,
         raw: str | None = None, query: dict[str, str] | None = None,
         headers: dict[str, str] | None = None, source_ip: str | None = None) -> tuple[int, Any]:
    """Route like API Gateway does: find the declared resource for ``path`` and fill pathParameters.

    Each call comes from its own random client address unless told, so per-IP login limits do not couple tests.
    """
    app = load_function(function).app
    resource, params = _match(app, method, path)
    hdrs = dict(headers or {})
    if token:
        hdrs["authorization"] = f"Bearer {token}"
    body = raw if raw is not None else (None if payload is None else json.dumps(payload))
    ip = source_ip or f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
    response = app(event(method, path, body, hdrs, resource=resource, path_params=params or None, query=query,
                         source_ip=ip), None)
    text = response.get("body")
    return response["statusCode"], json.loads(text) if text else None


def _match(app: Any, method: str, path: str) -> tuple[str, dict[str, str]]:
    parts = path.strip("/").split("/")
    for resource, methods in app.routes.items():
        rparts = resource.strip("/").split("/")
        if len(rparts) != len(parts) or method not in methods:
            continue
        params: dict[str, str] = {}
        for r, p in zip(rparts, parts, strict=True):
            if r.startswith("{") and r.endswith("}"):
                params[r[1:-1]] = p
            elif r != p:
                break
        else:
            return resource, params
    raise AssertionError(f"no route for {method} {path}")


def login(email: str, password: str = PASSWORD) -> dict[str, Any]:
    """Log in through the real auth handler: the token pair and session id (anything but a 200 fails the test)."""
    status, body = call("auth", "POST", "/auth/login", {"email": email, "password": password})
    assert status == 200, body
    result: dict[str, Any] = body
    return result


def token_of(user: Any, password: str = PASSWORD) -> str:
    """An access token of ``user`` (made with a known password by ``factories.make_user``)."""
    return str(login(user.email, password)["access_token"])
