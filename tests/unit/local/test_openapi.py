"""The OpenAPI 3.1 document generated from the template and the functions' route tables is valid."""

from __future__ import annotations

from pathlib import Path

from openapi_spec_validator import validate

from licita_local.functions import FunctionHost, InvocationLog, ReloadGate
from licita_local.openapi import build_openapi
from licita_local.template import load_template

ROOT = Path(__file__).resolve().parents[3]


def test_openapi_document() -> None:
    tpl = load_template(ROOT / "template.yaml", {"JwtSecret": "x" * 40}, env={})
    log, gate = InvocationLog(), ReloadGate()
    hosts = {k: FunctionHost(fn, log, gate) for k, fn in tpl.functions.items()}
    doc = build_openapi(tpl, hosts, "http://127.0.0.1:3000")
    validate(doc)  # type: ignore[arg-type]
    assert doc["openapi"] == "3.1.0" and "x-load-errors" not in doc["info"]
    template_routes = {(e.path, e.method.lower()) for e in tpl.api_events}
    doc_routes = {(p, m) for p, item in doc["paths"].items() for m in item}
    assert template_routes == doc_routes
    login = doc["paths"]["/auth/login"]["post"]
    assert login["security"] == [] and login["operationId"] == "auth_login"
    body_schema = login["requestBody"]["content"]["application/json"]["schema"]
    assert body_schema == {"$ref": "#/components/schemas/LoginRequest"}
    ok_schema = login["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok_schema == {"$ref": "#/components/schemas/TokenPair"}
    assert {"400", "413", "415", "422", "429"} <= set(login["responses"])
    me = doc["paths"]["/auth/me"]["get"]
    assert me["security"] == [{"bearerAuth": []}] and "401" in me["responses"]
    revoke = doc["paths"]["/auth/sessions/{session_id}"]["delete"]
    param = revoke["parameters"][0]
    assert {k: param[k] for k in ("name", "in", "required")} == {"name": "session_id", "in": "path", "required": True}
    # the path parameter states what the API enforces: non-empty, bounded, no NUL byte
    assert param["schema"]["type"] == "string" and param["schema"]["minLength"] == 1
    assert param["schema"]["maxLength"] > 0 and param["schema"]["pattern"] == "^[^\\x00]*$"
    assert "204" in revoke["responses"] and "404" in revoke["responses"]
    schemas = doc["components"]["schemas"]
    assert "SessionOut" in schemas  # nested $defs hoisted
    assert schemas["Error"]["properties"]["error"]["required"] == ["code", "message", "details"]
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    ops = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ops) == len(set(ops))
