"""Forms over the real Chalice app: built-in templates, versions, submissions validated (jsonschema) against
the exact version with Portuguese errors naming field and rule, filters, CSV export, tenant isolation."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

import pytest
from collaboration_support import Team, ready_tender

from apigw import _match, event, load_function


def templates(person: Any) -> dict[str, dict[str, Any]]:
    status, out = person.call("forms", "GET", "/forms/templates")
    assert status == 200, out
    return {t["key"]: t for t in out["items"]}


def export(person: Any, **query: str) -> dict[str, Any]:
    app = load_function("forms").app
    resource, _params = _match(app, "GET", "/forms/submissions/export")
    result: dict[str, Any] = app(event("GET", "/forms/submissions/export", None,
                                       {"authorization": f"Bearer {person.token}"}, resource=resource,
                                       query=query or None), None)
    return result


GO = {"decisao": "go", "margem_estimada": 12.5, "risco": "medio", "justificativa": "Margem boa e prazo viável."}


def test_builtins_submissions_versions_and_csv(team: Team) -> None:
    tid = ready_tender(team)
    got = templates(team.viewer)
    assert {got["checklist_habilitacao"]["name"], got["analise_viabilidade"]["name"]} == {
        "Checklist de habilitação", "Análise de viabilidade (go / no-go)"}
    v1 = got["analise_viabilidade"]
    status, sub = team.member.call("forms", "POST", f"/forms/templates/{v1['id']}/submissions",
                                   {"data": GO, "tender_id": tid})
    assert status == 201 and sub["template_version"] == 1
    status, err = team.member.call("forms", "POST", f"/forms/templates/{v1['id']}/submissions", {
        "data": {"decisao": "talvez", "margem_estimada": "muita", "extra": 1}, "tender_id": tid})
    assert status == 422 and err["error"]["code"] == "form_invalid"
    by_field = {d["field"]: d for d in err["error"]["details"]}
    assert by_field["risco"]["rule"] == "required" and "“Risco” é obrigatório" in by_field["risco"]["message"]
    assert by_field["decisao"]["rule"] == "enum" and "go, no-go" in by_field["decisao"]["message"]
    assert by_field["margem_estimada"]["rule"] == "type" and "número" in by_field["margem_estimada"]["message"]
    assert by_field["extra"]["rule"] == "additionalProperties"
    assert team.member.call("forms", "POST", f"/forms/templates/{v1['id']}/submissions", {"data": GO})[0] == 422
    assert team.member.call("forms", "POST", f"/forms/templates/{v1['id']}/submissions",
                            {"data": GO, "tender_id": str(uuid.uuid4())})[0] == 404
    assert team.viewer.call("forms", "POST", f"/forms/templates/{v1['id']}/submissions",
                            {"data": GO, "tender_id": tid})[0] == 403

    # version 2 requires a new field; version 1 submissions still validate against version 1
    schema2 = {**v1["json_schema"], "required": [*v1["json_schema"]["required"], "prazo_entrega_dias"],
               "properties": {**v1["json_schema"]["properties"],
                              "prazo_entrega_dias": {"type": "integer", "minimum": 1, "title": "Prazo de entrega"}}}
    status, v2 = team.admin.call("forms", "POST", f"/forms/templates/{v1['id']}/versions", {"json_schema": schema2})
    assert status == 201 and v2["version"] == 2 and v2["key"] == "analise_viabilidade"
    assert team.member.call("forms", "POST", f"/forms/templates/{v2['id']}/submissions",
                            {"data": GO, "tender_id": tid})[1]["error"]["details"][0]["field"] == "prazo_entrega_dias"
    assert team.member.call("forms", "POST", f"/forms/templates/{v1['id']}/submissions",
                            {"data": GO, "tender_id": tid})[0] == 201
    assert team.member.call("forms", "POST", f"/forms/templates/{v2['id']}/submissions",
                            {"data": {**GO, "prazo_entrega_dias": 30}, "tender_id": tid})[0] == 201
    assert templates(team.member)["analise_viabilidade"]["version"] == 2
    _, every = team.member.call("forms", "GET", "/forms/templates", query={"all_versions": "true"})
    assert sum(t["key"] == "analise_viabilidade" for t in every["items"]) == 2

    _, page = team.viewer.call("forms", "GET", "/forms/submissions",
                               query={"template_key": "analise_viabilidade", "version": "1"})
    assert page["page"]["total"] == 2 and {s["template_version"] for s in page["items"]} == {1}
    _, page = team.viewer.call("forms", "GET", "/forms/submissions", query={"tender_id": tid})
    assert page["page"]["total"] == 3

    response = export(team.viewer, template_key="analise_viabilidade")
    assert response["statusCode"] == 200 and response["headers"]["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response["body"])))
    assert len(rows) == 3 and {r["versao"] for r in rows} == {"1", "2"}
    assert {r["prazo_entrega_dias"] for r in rows} == {"", "30"} and rows[0]["decisao"] == "go"
    assert export(team.viewer, template_key="inexistente")["statusCode"] == 404
    assert export(team.viewer)["statusCode"] == 422


def test_custom_templates_are_checked_and_cards_take_forms(team: Team) -> None:
    status, b = team.admin.call("boards", "POST", "/boards", {"name": "F"})
    _, card = team.member.call("boards", "POST", f"/boards/{b['id']}/cards", {"list_id": b["lists"][0]["id"],
                                                                             "title": "c"})
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
              "properties": {"nota": {"type": "string", "maxLength": 5, "title": "Nota"}}}
    status, t = team.member.call("forms", "POST", "/forms/templates",
                                 {"key": "visita", "name": "Visita técnica", "json_schema": schema})
    assert status == 201 and t["version"] == 1
    assert team.member.call("forms", "POST", "/forms/templates",
                            {"key": "visita", "name": "x", "json_schema": schema})[0] == 409
    for bad in ({"type": "array"}, {"type": "object", "properties": {"x": {"type": "texto"}}},
                {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}):
        status, err = team.member.call("forms", "POST", "/forms/templates",
                                       {"key": "ruim", "name": "x", "json_schema": bad})
        assert status == 422 and err["error"]["code"] == "invalid_form_schema", bad
    status, err = team.member.call("forms", "POST", f"/forms/templates/{t['id']}/submissions",
                                   {"data": {"nota": "longa demais"}, "card_id": card["id"]})
    assert status == 422 and "“Nota” é longo demais (5)" in err["error"]["details"][0]["message"]
    status, sub = team.member.call("forms", "POST", f"/forms/templates/{t['id']}/submissions",
                                   {"data": {"nota": "ok"}, "card_id": card["id"]})
    assert status == 201 and sub["card_id"] == card["id"]
    assert team.member.call("forms", "POST", "/forms/templates", {"key": "k\x00", "name": "x",
                                                                  "json_schema": schema})[0] == 422


ROUTES = [("GET", "/forms/templates/{t}", None), ("POST", "/forms/templates/{t}/versions",
                                                  {"json_schema": {"type": "object"}}),
          ("POST", "/forms/templates/{t}/submissions", {"data": GO, "tender_id": "{tender}"})]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_other_company_sees_nothing(team: Team, other: Team, method: str, path: str, body: Any) -> None:
    tid = ready_tender(team)
    t = templates(team.admin)["analise_viabilidade"]
    team.member.call("forms", "POST", f"/forms/templates/{t['id']}/submissions", {"data": GO, "tender_id": tid})
    payload = None if body is None else {k: (v.replace("{tender}", tid) if isinstance(v, str) else v)
                                         for k, v in body.items()}
    assert other.admin.call("forms", method, path.replace("{t}", t["id"]), payload)[0] == 404
    _, page = other.admin.call("forms", "GET", "/forms/submissions", query={"tender_id": tid})
    assert page["page"]["total"] == 0
    assert export(other.admin, template_key="analise_viabilidade")["statusCode"] == 404
    assert t["id"] not in [x["id"] for x in templates(other.admin).values()]


def test_a_version_beyond_a_postgresql_integer_is_a_422_not_a_500(team: Team) -> None:
    """Found by the 54,153-case fuzz pass: ``version=87006078766`` reached the database as an int8."""
    result = export(team.member, template_key="analise_viabilidade", version="87006078766")
    assert result["statusCode"] == 422, result
    assert json.loads(result["body"])["error"]["code"] == "validation_failed"
    status, body = team.member.call("forms", "GET", "/forms/submissions", query={"version": str(2**31)})
    assert status == 422 and body["error"]["code"] == "validation_failed"
    largest = export(team.member, template_key="analise_viabilidade", version=str(2**31 - 1))
    assert largest["statusCode"] == 404  # a valid version that does not exist
