"""The tenders Chalice app with real API Gateway REST events on real PostgreSQL/S3/SQS: validation, search,
corrections (audited), download, deletion (object too) and tenant isolation on every route."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import requests
from sqlalchemy import select

from licita.audit.models import AuditLog
from licita.platform.db.engine import system_transaction
from licita.tenders.models import Tender
from tenders_helpers import (
    Aws,
    Caller,
    call,
    drain,
    edital_pdf,
    make_caller,
    post_file,
    request_upload,
    seed_tender,
    upload_and_analyse,
)

ROUTES = [
    ("GET", "/tenders/{tender_id}", None),
    ("GET", "/tenders/{tender_id}/items", None),
    ("GET", "/tenders/{tender_id}/deadlines", None),
    ("GET", "/tenders/{tender_id}/download", None),
    ("PUT", "/tenders/{tender_id}/fields/{field}", {"value": "pregao_presencial"}),
    ("POST", "/tenders/{tender_id}/reanalyze", None),
    ("DELETE", "/tenders/{tender_id}", None),
]


# ------------------------------------------------------------------------------------------ uploads
def test_upload_returns_a_presigned_post_bound_to_key_type_and_size(aws: Aws, tenders_app: Any) -> None:
    caller = make_caller()
    status, body = request_upload(tenders_app, caller, "../../etc/Edital Nº 12 — Aquisição.PDF", "application/pdf",
                                  size=1234)
    assert status == 201, body
    assert body["status"] == "UPLOADING" and body["max_bytes"] == 100 * 1024 * 1024
    assert body["key"] == f"companies/{caller.company_id}/tenders/{body['tender_id']}/Edital-No-12-Aquisicao.pdf"
    fields = body["upload"]["fields"]
    assert fields["key"] == body["key"] and fields["Content-Type"] == "application/pdf" and "policy" in fields
    import base64
    import json

    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1234, 1234] in policy["conditions"]  # the declared size, exactly
    assert {"Content-Type": "application/pdf"} in policy["conditions"]
    _, detail = call(tenders_app, "GET", "/tenders/{tender_id}", caller, path_params={"tender_id": body["tender_id"]})
    assert detail["status"] == "UPLOADING" and detail["documents"][0]["filename"].endswith("Aquisição.PDF")
    with system_transaction() as db:
        audit = db.scalar(select(AuditLog).where(AuditLog.entity_id == body["tender_id"]))
        assert audit is not None and audit.action == "tender.upload_created"
    # the download of a file never sent is a clear 409
    status, err = call(tenders_app, "GET", "/tenders/{tender_id}/download", caller,
                       path_params={"tender_id": body["tender_id"]})
    assert status == 409 and err["error"]["code"] == "upload_pending"


@pytest.mark.parametrize(("filename", "content_type", "status", "code"), [
    ("planilha.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 422,
     "validation_failed"),  # a content type outside the schema's enum
    ("planilha.xlsx", "application/octet-stream", 415, "unsupported_file_type"),
    ("edital", "application/pdf", 415, "unsupported_file_type"),
    ("edital.pdf", "text/plain", 422, "validation_failed"),  # the schema lists the accepted types
    ("edital.pdf", "application/zip", 422, "content_type_mismatch"),
    ("edital.docx", "application/pdf", 422, "content_type_mismatch"),
])
def test_upload_refuses_other_types_with_a_clear_reason(aws: Aws, tenders_app: Any, filename: str,
                                                        content_type: str, status: int, code: str) -> None:
    got_status, body = request_upload(tenders_app, make_caller(), filename, content_type)
    assert got_status == status and body["error"]["code"] == code
    assert set(body["error"]) == {"code", "message", "details"} and body["error"]["message"]


def test_generic_content_type_takes_the_type_of_the_extension(aws: Aws, tenders_app: Any) -> None:
    status, body = request_upload(tenders_app, make_caller(), "termo.docx", "application/octet-stream")
    assert status == 201
    assert body["content_type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.mark.parametrize(("raw", "status", "code"), [
    ("{not json", 400, "malformed_json"),
    ("", 400, "body_required"),
    ('{"filename": "a.pdf"}', 422, "validation_failed"),
    ('{"filename": "a.pdf", "content_type": "application/pdf", "size": 0}', 422, "validation_failed"),
    ('{"filename": "a.pdf", "content_type": "application/pdf", "sha256": "xyz"}', 422, "validation_failed"),
    ('{"filename": "a.pdf", "content_type": "application/pdf", "bucket": "x"}', 422, "validation_failed"),
])
def test_bad_upload_bodies_get_the_standard_4xx(aws: Aws, tenders_app: Any, raw: str, status: int, code: str) -> None:
    got_status, body = call(tenders_app, "POST", "/tenders/uploads", make_caller(), raw_body=raw)
    assert got_status == status and body["error"]["code"] == code


def test_permissions_per_role(aws: Aws, tenders_app: Any) -> None:
    viewer, user = make_caller("VIEWER"), make_caller("USER")
    status, body = request_upload(tenders_app, viewer, "a.pdf", "application/pdf")
    assert status == 403 and body["error"]["details"] == {"required": "tenders:write"}
    assert call(tenders_app, "GET", "/tenders", viewer)[0] == 200
    tid = seed_tender(user, number="1/2025")
    status, body = call(tenders_app, "DELETE", "/tenders/{tender_id}", user, path_params={"tender_id": tid})
    assert status == 403 and body["error"]["details"] == {"required": "tenders:delete"}
    status, _ = call(tenders_app, "GET", "/tenders", None)
    assert status == 401


# ------------------------------------------------------------------------------------------ listing
@pytest.fixture(scope="module")
def catalogue(aws: Aws) -> tuple[Caller, dict[str, str]]:
    caller = make_caller()
    ids = {
        "a": seed_tender(caller, modality="pregao_eletronico", number="001/2025", agency="Prefeitura de Bilac",
                         object="Aquisição de papel A4", estimated_value=Decimal("1000.00"),
                         session_at=datetime(2025, 3, 10, 12, 0, tzinfo=UTC)),
        "b": seed_tender(caller, modality="concorrencia_eletronica", number="002/2025",
                         agency="Departamento Nacional de Obras Contra as Secas", object="Obra de barragem",
                         estimated_value=Decimal("5000000.00"), session_at=datetime(2025, 6, 1, 13, 0, tzinfo=UTC)),
        "c": seed_tender(caller, modality="pregao_eletronico", number="003/2025", agency="Prefeitura de Americana",
                         object="Serviços de limpeza 100% garantidos", estimated_value=None,
                         session_at=datetime(2025, 9, 20, 12, 0, tzinfo=UTC)),
        "d": seed_tender(caller, status="FAILED", failure_reason="O arquivo está corrompido."),
        "e": seed_tender(caller, status="NEEDS_REVIEW", modality="dispensa", number="010/2024",
                         agency="Marinha do Brasil", object="Material de papelaria", estimated_value=Decimal("50.5")),
    }
    return caller, ids


def _list(app: Any, caller: Caller, **query: str) -> tuple[int, Any]:
    return call(app, "GET", "/tenders", caller, query=query or None)


def test_list_filters(tenders_app: Any, catalogue: tuple[Caller, dict[str, str]]) -> None:
    caller, ids = catalogue
    by = {v: k for k, v in ids.items()}

    def names(**q: str) -> set[str]:
        status, page = _list(tenders_app, caller, page_size="100", **q)
        assert status == 200, page
        return {by[t["id"]] for t in page["items"]}

    assert names() == set(ids)
    assert names(status="READY") == {"a", "b", "c"}
    assert names(status="failed,needs_review") == {"d", "e"}
    assert names(modality="pregao_eletronico") == {"a", "c"}
    assert names(agency="prefeitura") == {"a", "c"}
    assert names(q="PAPEL") == {"a", "e"}
    assert names(q="100%") == {"c"}  # LIKE wildcards are literal
    assert names(q="002/2025") == {"b"}
    assert names(session_from="2025-05-01") == {"b", "c"}
    assert names(session_from="2025-03-10", session_to="2025-06-01") == {"a", "b"}
    assert names(value_min="1000", value_max="5000000") == {"a", "b"}
    assert names(value_max="999") == {"e"}
    assert names(created_from="2000-01-01", created_to="2100-01-01") == set(ids)


def test_list_sorting_and_pagination(tenders_app: Any, catalogue: tuple[Caller, dict[str, str]]) -> None:
    caller, ids = catalogue
    by = {v: k for k, v in ids.items()}
    _, page = _list(tenders_app, caller, sort="estimated_value", order="asc")
    assert [by[t["id"]] for t in page["items"]] == ["e", "a", "b", "c", "d"] or \
        [by[t["id"]] for t in page["items"]][:3] == ["e", "a", "b"]  # nulls last
    _, page = _list(tenders_app, caller, sort="estimated_value", order="desc")
    assert [by[t["id"]] for t in page["items"]][:3] == ["b", "a", "e"]
    _, page = _list(tenders_app, caller, sort="session_at", order="asc")
    assert [by[t["id"]] for t in page["items"]][:3] == ["a", "b", "c"]
    _, first = _list(tenders_app, caller, page_size="2", page="1", sort="created_at", order="asc")
    _, third = _list(tenders_app, caller, page_size="2", page="3", sort="created_at", order="asc")
    assert first["page"] == {"page": 1, "page_size": 2, "total": 5}  # the common Page shape
    assert len(first["items"]) == 2 and len(third["items"]) == 1
    _, beyond = _list(tenders_app, caller, page="9")
    assert beyond["items"] == [] and beyond["page"]["total"] == 5


@pytest.mark.parametrize("query", [
    {"page": "0"}, {"page_size": "101"}, {"sort": "title"}, {"order": "up"}, {"status": "DONE"},
    {"session_from": "31/12/2025"}, {"value_min": "-1"}, {"value_min": "10", "value_max": "5"},
    {"session_from": "2025-02-01", "session_to": "2025-01-01"}, {"unknown": "1"},
])
def test_list_rejects_bad_queries(tenders_app: Any, catalogue: tuple[Caller, dict[str, str]],
                                  query: dict[str, str]) -> None:
    status, body = _list(tenders_app, catalogue[0], **query)
    assert status == 422 and body["error"]["code"] in ("validation_failed", "invalid_range")
    assert body["error"]["details"]


# ------------------------------------------------------------------------------------------ corrections
def test_correction_is_kept_beside_the_extracted_value_and_audited(
        tenders_app: Any, catalogue: tuple[Caller, dict[str, str]]) -> None:
    caller = make_caller()
    tid = seed_tender(caller, modality="pregao_eletronico", number="5/2025", agency="Prefeitura X", object="Papel")
    status, field = call(tenders_app, "PUT", "/tenders/{tender_id}/fields/{field}", caller,
                         path_params={"tender_id": tid, "field": "modality"},
                         body={"value": "pregao_presencial", "reason": "o edital diz presencial na pág. 3"})
    assert status == 200, field
    assert field["value"] == "pregao_presencial" and field["corrected"] is True
    assert field["extracted"]["value"] == "pregao_eletronico" and field["extracted"]["quote"]
    assert field["correction"]["previous"] == "pregao_eletronico" and field["correction"]["by"] == caller.user_id
    _, detail = call(tenders_app, "GET", "/tenders/{tender_id}", caller, path_params={"tender_id": tid})
    assert detail["modality"] == "pregao_presencial" and detail["title"] == "Pregão Presencial nº 5/2025"
    _, page = _list(tenders_app, caller, modality="pregao_presencial")
    assert [t["id"] for t in page["items"]] == [tid]
    with system_transaction() as db:
        audit = db.scalars(select(AuditLog).where(AuditLog.entity_id == tid,
                                                  AuditLog.action == "tender.field_corrected")).one()
        assert audit.user_id == uuid.UUID(caller.user_id)
        assert audit.before == {"field": "modality", "value": "pregao_eletronico", "correction": None}
        assert audit.after is not None and audit.after["value"] == "pregao_presencial"

    # correcting the session date recomputes the cut-offs (art. 164) from it
    status, _ = call(tenders_app, "PUT", "/tenders/{tender_id}/fields/{field}", caller,
                     path_params={"tender_id": tid, "field": "session_datetime"},
                     body={"value": "2026-01-08T10:00:00-03:00"})
    assert status == 200
    _, deadlines = call(tenders_app, "GET", "/tenders/{tender_id}/deadlines", caller, path_params={"tender_id": tid})
    kinds = {d["kind"]: d for d in deadlines["items"]}
    assert kinds["session"]["source"] == "manual"
    # 08/01/2026 (Thu): 07, 06, 05 → cut-off Monday 05/01/2026 23:59:59 -03:00
    due = datetime.fromisoformat(kinds["impugnacao"]["due_at"])
    assert due == datetime.fromisoformat("2026-01-05T23:59:59-03:00")
    assert "regime anterior" not in (kinds["impugnacao"]["basis"] or "")
    # the legal basis annotates the statutory cut-offs: correcting it rebuilds them too
    status, _ = call(tenders_app, "PUT", "/tenders/{tender_id}/fields/{field}", caller,
                     path_params={"tender_id": tid, "field": "legal_basis"}, body={"value": "lei_8666_10520"})
    assert status == 200
    _, deadlines = call(tenders_app, "GET", "/tenders/{tender_id}/deadlines", caller, path_params={"tender_id": tid})
    kinds = {d["kind"]: d for d in deadlines["items"]}
    assert "regime anterior" in kinds["impugnacao"]["basis"] and kinds["session"]["source"] == "manual"


@pytest.mark.parametrize(("field", "value", "status", "code"), [
    ("modality", "pregao_virtual", 422, "invalid_field_value"),
    ("agency_cnpj", "11.222.333/0001-00", 422, "invalid_field_value"),
    ("session_datetime", "amanhã", 422, "invalid_field_value"),
    ("estimated_value", "muito", 422, "invalid_field_value"),
    ("srp", "sim", 422, "invalid_field_value"),
    ("items_count", -1, 422, "invalid_field_value"),
    ("color", "azul", 404, "field_not_found"),
])
def test_bad_corrections_are_refused(tenders_app: Any, field: str, value: Any, status: int, code: str) -> None:
    caller = make_caller()
    tid = seed_tender(caller, number="1/2025")
    got, body = call(tenders_app, "PUT", "/tenders/{tender_id}/fields/{field}", caller,
                     path_params={"tender_id": tid, "field": field}, body={"value": value})
    assert got == status and body["error"]["code"] == code


def test_valid_corrections_are_normalised(tenders_app: Any) -> None:
    caller = make_caller()
    tid = seed_tender(caller, number="1/2025")
    cases = [("agency_cnpj", "11.222.333/0001-81", "11222333000181"), ("estimated_value", "1234.5", 1234.5),
             ("srp", True, True), ("uasg", "080020", "080020"), ("number", None, None)]
    for name, value, expected in cases:
        status, field = call(tenders_app, "PUT", "/tenders/{tender_id}/fields/{field}", caller,
                             path_params={"tender_id": tid, "field": name}, body={"value": value})
        assert status == 200 and field["value"] == expected, (name, field)
    _, detail = call(tenders_app, "GET", "/tenders/{tender_id}", caller, path_params={"tender_id": tid})
    assert detail["estimated_value"] == 1234.5 and detail["number"] is None and detail["uasg"] == "080020"


# ------------------------------------------------------------------------------------------ download + delete
def test_download_and_delete_remove_the_object_too(aws: Aws, tenders_app: Any) -> None:
    caller = make_caller()
    data = edital_pdf(number="404/2025")
    status, created = request_upload(tenders_app, caller, "apagar.pdf", "application/pdf")
    assert status == 201 and post_file(created["upload"], data).status_code in (200, 204)
    drain(aws.sqs, aws.analysis_queue)  # not analysed yet: download and deletion work in any state
    status, link = call(tenders_app, "GET", "/tenders/{tender_id}/download", caller,
                        path_params={"tender_id": created["tender_id"]})
    assert status == 200
    got = requests.get(link["url"], timeout=10)
    assert got.status_code == 200 and got.content == data
    assert "attachment" in got.headers.get("content-disposition", "")

    status, _ = call(tenders_app, "DELETE", "/tenders/{tender_id}", caller,
                     path_params={"tender_id": created["tender_id"]})
    assert status == 204
    assert aws.s3.list_objects_v2(Bucket=aws.bucket, Prefix=created["key"]).get("KeyCount", 0) == 0
    assert call(tenders_app, "GET", "/tenders/{tender_id}", caller,
                path_params={"tender_id": created["tender_id"]})[0] == 404
    with system_transaction() as db:
        assert db.get(Tender, uuid.UUID(created["tender_id"])) is None
        audit = db.scalars(select(AuditLog).where(AuditLog.entity_id == created["tender_id"],
                                                  AuditLog.action == "tender.deleted")).one()
        assert audit.before is not None and audit.before["documents"][0]["key"] == created["key"]
    assert call(tenders_app, "DELETE", "/tenders/{tender_id}", caller,
                path_params={"tender_id": created["tender_id"]})[0] == 404


def test_delete_of_an_analysed_tender_removes_items_and_deadlines(aws: Aws, analysis_fn: Any,
                                                                  tenders_app: Any) -> None:
    caller = make_caller()
    detail = upload_and_analyse(tenders_app, aws, analysis_fn, caller, edital_pdf(number="808/2025"))
    assert detail["status"] in ("READY", "NEEDS_REVIEW")
    assert call(tenders_app, "DELETE", "/tenders/{tender_id}", caller,
                path_params={"tender_id": detail["id"]})[0] == 204
    assert call(tenders_app, "GET", "/tenders/{tender_id}/items", caller,
                path_params={"tender_id": detail["id"]})[0] == 404
    assert aws.s3.list_objects_v2(Bucket=aws.bucket, Prefix=detail["_upload"]["key"]).get("KeyCount", 0) == 0


# ------------------------------------------------------------------------------------------ isolation
def test_another_companys_tender_is_404_on_every_route(aws: Aws, tenders_app: Any) -> None:
    owner, intruder = make_caller(), make_caller()
    tid = seed_tender(owner, modality="pregao_eletronico", number="9/2025", agency="Órgão A", object="Objeto A")
    for method, resource, body in ROUTES:
        params = {"tender_id": tid, "field": "modality"} if "{field}" in resource else {"tender_id": tid}
        status, err = call(tenders_app, method, resource, intruder, path_params=params, body=body)
        assert status == 404, (method, resource, err)
        assert err["error"]["code"] == "tender_not_found"
    _, page = _list(tenders_app, intruder)
    assert tid not in {t["id"] for t in page["items"]}
    _, detail = call(tenders_app, "GET", "/tenders/{tender_id}", owner, path_params={"tender_id": tid})
    assert detail["modality"] == "pregao_eletronico" and detail["fields"]["modality"]["corrected"] is False


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "1", "5f0c9a52-2c1e-4d6b-9a55-0d8f3a6e7b21"])
def test_unknown_or_malformed_ids_are_404(aws: Aws, tenders_app: Any, bad_id: str) -> None:
    caller = make_caller()
    for method, resource, body in ROUTES:
        params = {"tender_id": bad_id, "field": "number"} if "{field}" in resource else {"tender_id": bad_id}
        status, err = call(tenders_app, method, resource, caller, path_params=params, body=body)
        assert status == 404 and err["error"]["code"] == "tender_not_found", (method, resource, err)
