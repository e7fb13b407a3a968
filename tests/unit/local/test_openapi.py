"""The OpenAPI 3.1 document generated from the template and the functions' route tables is valid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def test_openapi_lists_notification_kinds_and_upload_types() -> None:
    """Closed vocabularies are stated in the document: the registered notification kinds and the upload types."""
    from licita.core.events import kinds
    from licita.core.filetypes import ATTACHMENT_CONTENT_TYPES, DOCUMENT_CONTENT_TYPES

    tpl = load_template(ROOT / "template.yaml", {"JwtSecret": "x" * 40}, env={})
    log, gate = InvocationLog(), ReloadGate()
    hosts = {k: FunctionHost(fn, log, gate) for k, fn in tpl.functions.items()}
    doc: dict[str, Any] = build_openapi(tpl, hosts, "http://127.0.0.1:3000")
    schemas = doc["components"]["schemas"]
    registered = sorted(kinds())
    assert len(registered) > 10 and schemas["NotificationKind"]["enum"] == registered
    kind_ref = {"$ref": "#/components/schemas/NotificationKind"}
    assert schemas["PreferencesUpdate"]["properties"]["kinds"]["propertyNames"] == kind_ref
    listing = {p["name"]: p for p in doc["paths"]["/notifications"]["get"]["parameters"]}
    assert listing["kinds"]["schema"]["items"] == kind_ref  # `kinds=a,b`: a form array, not exploded
    assert (listing["kinds"]["style"], listing["kinds"]["explode"]) == ("form", False)
    assert schemas["NotificationOut"]["properties"]["kind"]["enum"] == registered
    assert schemas["InboxCounts"]["properties"]["unread_by_kind"]["propertyNames"]["enum"] == registered

    def content_types(path: str) -> list[str]:
        ref = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return list(schemas[ref.rsplit("/", 1)[-1]]["properties"]["content_type"]["enum"])

    for path in ("/tenders/uploads", "/suppliers/{supplier_id}/documents", "/vault/documents",
                 "/cotacao/{token}/anexos"):
        assert content_types(path) == list(DOCUMENT_CONTENT_TYPES), path
    for path in ("/cards/{card_id}/attachments", "/conversations/{conversation_id}/attachments"):
        assert content_types(path) == list(ATTACHMENT_CONTENT_TYPES), path
    assert "application/pdf" in DOCUMENT_CONTENT_TYPES and "text/plain" not in DOCUMENT_CONTENT_TYPES
