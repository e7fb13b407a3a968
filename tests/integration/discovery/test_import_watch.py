"""Import a PNCP compra as a tender (deduplicated, items, ZIP edital analysed through S3 → SQS), then watch it:
suspension, new dates, a retificação document and a homologated item land in the change log once, with
alerts; the new edital version is analysed and the diff route answers. Price history from the results.
Vault: documents with validity, the tender check, reminders. Every route is checked across tenants."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from discovery_support import events
from sqlalchemy import text

from licita.core.actor import Actor
from licita.core.security.principal import Principal
from licita.core.time import BRT
from licita.discovery.imports import import_compra
from licita.discovery.schemas import ImportRequest
from licita.discovery.sync import run_cycle
from licita.platform.db.engine import system_transaction
from licita.platform.pncp import PncpClient
from licita_local.pncp_fake import FakePncp, minimal_pdf, zip_of
from tenders_helpers import Aws, Caller, call, load_function, make_caller, pump

APP = load_function("discovery").app
VAULT = load_function("vault").app


def principal(caller: Caller) -> Principal:
    return Principal(caller.user_id, caller.company_id, caller.role, "s")


def _import(caller: Caller, ncp: str, client: PncpClient) -> Any:
    return import_compra(principal(caller), ImportRequest(numero_controle=ncp), Actor(caller.user_id,
                                                                                      caller.company_id), client)


def test_import_dedupes_keeps_pncp_identity_and_analyses_the_zip_edital(fake: FakePncp, client: PncpClient,
                                                                        discovery_env: Aws) -> None:
    caller = make_caller()
    ncp = fake.store.publish(objetoCompra="Aquisição de notebooks", modalidadeId=6, situacaoCompraId=1)[
        "numeroControlePNCP"]
    first = _import(caller, ncp, client)
    again = _import(caller, ncp, client)
    assert first.created and not again.created and again.tender_id == first.tender_id
    assert first.analysed_document_id is not None and first.items >= 1
    status, tender = call(load_function("tenders").app, "GET", "/tenders/{tender_id}", caller,
                          path_params={"tender_id": str(first.tender_id)})
    assert status == 200, tender
    with system_transaction() as db:
        row = db.execute(text("SELECT pncp_numero_controle, pncp_url, pncp_watched FROM tenders WHERE id = :i"),
                         {"i": str(first.tender_id)}).one()
        items = db.scalar(text("SELECT count(*) FROM tender_items WHERE tender_id = :i"), {"i": str(first.tender_id)})
    assert row.pncp_numero_controle == ncp and row.pncp_url.startswith("https://pncp.gov.br/app/editais/")
    assert row.pncp_watched and items == first.items
    _, result = pump(discovery_env, load_function("analysis"))
    assert result["batchItemFailures"] == []
    with system_transaction() as db:
        doc = db.execute(text("SELECT status, file_kind FROM tender_documents WHERE id = :d"),
                         {"d": str(first.analysed_document_id)}).one()
    assert doc.file_kind == "zip" and doc.status in ("READY", "NEEDS_REVIEW"), doc
    other = make_caller()  # another company imports the same compra: its own tender
    assert _import(other, ncp, client).tender_id != first.tender_id


def test_changes_are_logged_once_alerted_and_the_new_version_is_diffed(fake: FakePncp, client: PncpClient,
                                                                      discovery_env: Aws) -> None:
    caller = make_caller()
    ncp = fake.store.publish(objetoCompra="Serviço de limpeza predial", modalidadeId=6, situacaoCompraId=1)[
        "numeroControlePNCP"]
    tender_id = str(_import(caller, ncp, client).tender_id)
    pump(discovery_env, load_function("analysis"))
    run_cycle(client)  # baseline
    events(discovery_env)
    new_end = (datetime.now(UTC) + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%S")
    fake.store.update_compra(ncp, situacaoCompraId=4, dataEncerramentoProposta=new_end,
                             justificativa="Suspensa por determinação do TCE")
    retificado = zip_of({"edital-retificado.pdf": minimal_pdf([
        "EDITAL RETIFICADO", "PREGÃO ELETRÔNICO Nº 99/2025", "Objeto: limpeza e conservação predial",
        "A sessão pública será realizada em 30/12/2025 às 10h00"])})
    fake.store.add_documento(ncp, "Retificação do Edital", 2, retificado, "application/zip", "edital-retificado.zip")
    fake.store.homologar_item(ncp, 1)
    report = run_cycle(client)
    assert report.changes >= 4, report
    status, log = call(APP, "GET", "/discovery/tenders/{tender_id}/changes", caller,
                       path_params={"tender_id": tender_id})
    assert status == 200, log
    kinds = {c["kind"] for c in log["items"]}
    assert {"situacao", "dates", "document", "history", "item_homologated"} <= kinds, kinds
    assert any("Suspensa" in c["message"] for c in log["items"])
    alerts = [e for e in events(discovery_env) if e["type"] == "discovery.tender_changed"]
    assert len(alerts) == 1 and alerts[0]["payload"]["tender_id"] == tender_id
    assert run_cycle(client).changes == 0  # a replayed cycle logs and alerts nothing new
    assert [e for e in events(discovery_env) if e["type"] == "discovery.tender_changed"] == []
    status, diff = call(APP, "GET", "/discovery/tenders/{tender_id}/diff", caller, path_params={"tender_id": tender_id})
    assert status == 200 and diff["previous_version"] == 1 and diff["pending"], diff
    pump(discovery_env, load_function("analysis"))
    status, diff = call(APP, "GET", "/discovery/tenders/{tender_id}/diff", caller, path_params={"tender_id": tender_id})
    assert status == 200 and not diff["pending"] and diff["changes"], diff
    code, description = _homologated_item(ncp)  # generated data: the item may or may not carry a CATMAT code
    status, prices = call(APP, "GET", "/discovery/prices", caller,
                          query={"catmat": code} if code else {"q": description})
    assert status == 200 and prices["count"] >= 1 and prices["sources"][0]["link"].startswith("https://pncp.gov.br")
    assert prices["p25"] <= prices["median"] <= prices["p75"]


def _homologated_item(ncp: str) -> tuple[str | None, str]:
    with system_transaction() as db:
        code, description = db.execute(text(
            "SELECT i.catalogo_codigo, i.descricao FROM pncp_itens i JOIN pncp_compras c ON c.id = i.compra_id "
            "WHERE c.numero_controle = :n AND i.numero_item = 1"), {"n": ncp}).one()
    return code, description


def test_change_log_diff_and_import_are_tenant_scoped(fake: FakePncp, client: PncpClient) -> None:
    owner, other = make_caller(), make_caller()
    ncp = fake.store.publish(objetoCompra="Aquisição de cones", modalidadeId=6, situacaoCompraId=1)[
        "numeroControlePNCP"]
    tender_id = str(_import(owner, ncp, client).tender_id)
    for resource in ("/discovery/tenders/{tender_id}/changes", "/discovery/tenders/{tender_id}/diff"):
        status, body = call(APP, "GET", resource, other, path_params={"tender_id": tender_id})
        assert status == 404 and body["error"]["code"] == "tender_not_found"
        status, _ = call(APP, "GET", resource, owner, path_params={"tender_id": "not-a-uuid"})
        assert status == 404
    viewer = Caller(owner.user_id, owner.company_id, "VIEWER")
    status, body = call(APP, "POST", "/discovery/imports", viewer, body={"numero_controle": ncp})
    assert status == 403
    for bad in ({"numero_controle": "x"}, {"numero_controle": None}, {}, {"numero_controle": ncp, "x": 1}):
        status, body = call(APP, "POST", "/discovery/imports", owner, body=bad)
        assert status == 422, (bad, body)
    status, body = call(APP, "POST", "/discovery/imports", owner,
                        body={"numero_controle": "46395000000139-1-999999/2025"})
    assert status == 404 and body["error"]["code"] == "pncp_not_found"
    for query in ({}, {"q": "x\x00y"}, {"limit": "0", "q": "pneu"}):
        status, _ = call(APP, "GET", "/discovery/prices", owner, query=query)
        assert status == 422


# ------------------------------------------------------------------------------------------ vault
def test_vault_documents_check_a_tender_and_remind_before_expiry(discovery_env: Aws) -> None:
    caller, other = make_caller(), make_caller()
    today = datetime.now(BRT).date()  # the vault's day is Brasília's
    created = {}
    for kind, expires in (("cnd_federal", today + timedelta(days=90)), ("fgts", today + timedelta(days=3)),
                          ("trabalhista", today - timedelta(days=1))):
        status, body = call(VAULT, "POST", "/vault/documents", caller, body={
            "kind": kind, "title": f"Certidão {kind}", "issued_on": str(today - timedelta(days=30)),
            "expires_on": str(expires), "filename": f"{kind}.pdf", "content_type": "application/pdf", "size": 1000})
        assert status == 201, body
        created[kind] = body["document"]["id"]
    tender_id = uuid.uuid4()
    with system_transaction() as db:
        db.execute(text("""INSERT INTO tenders (id, company_id, status, review_reasons, fields, corrections, risk,
                           details, session_at)
                           VALUES (:i, :c, 'READY', '[]', '{}', '{}', '{}', CAST(:d AS jsonb), :s)"""),
                   {"i": str(tender_id), "c": caller.company_id, "s": datetime.now(UTC) + timedelta(days=10),
                    "d": '{"requirements": [{"kind": "regularidade_fiscal", "description": "Regularidade fiscal"},'
                         ' {"kind": "fgts", "description": "FGTS"}, {"kind": "regularidade_trabalhista",'
                         ' "description": "CNDT"}, {"kind": "balanco_patrimonial", "description": "Balanço"}]}'})
    status, check = call(VAULT, "GET", "/vault/tenders/{tender_id}/check", caller,
                         path_params={"tender_id": str(tender_id)})
    assert status == 200, check
    assert {m["kind"] for m in check["missing"]} == {"estadual", "municipal", "balanco"}
    assert {e["kind"]: e["reason"] for e in check["expiring"]} == {"fgts": "vence antes da sessão",
                                                                   "trabalhista": "vencido"}
    assert [o["kind"] for o in check["ok"]] == ["cnd_federal"]
    status, _ = call(VAULT, "GET", "/vault/tenders/{tender_id}/check", other, path_params={"tender_id": str(tender_id)})
    assert status == 404
    for method, resource, body in (("PATCH", "/vault/documents/{document_id}", {"title": "x"}),
                                   ("DELETE", "/vault/documents/{document_id}", None),
                                   ("GET", "/vault/documents/{document_id}/download", None)):
        status, out = call(VAULT, method, resource, other, path_params={"document_id": created["fgts"]}, body=body)
        assert status == 404, out
    status, listed = call(VAULT, "GET", "/vault/documents", other)
    assert listed["items"] == []
    for bad in ({"kind": "rg", "title": "x", "filename": "a.pdf", "content_type": "application/pdf"},
                {"kind": "fgts", "title": "x", "filename": "a.exe", "content_type": "application/pdf"},
                {"kind": "fgts", "title": "x\x00", "filename": "a.pdf", "content_type": "application/pdf"},
                {"kind": "fgts", "title": "x", "filename": "a.pdf", "content_type": "application/pdf",
                 "issued_on": "2025-02-01", "expires_on": "2025-01-01"}):
        status, out = call(VAULT, "POST", "/vault/documents", caller, body=bad)
        assert status in (415, 422), (bad, out)
    from licita.vault.service import send_reminders

    events(discovery_env)
    assert send_reminders() >= 1
    assert send_reminders() == 0  # each threshold once
    reminders = [e for e in events(discovery_env, "vault.document_expiring")
                 if e["company_id"] == caller.company_id]
    assert [e["payload"]["threshold"] for e in reminders] == [7]
    status, _ = call(VAULT, "DELETE", "/vault/documents/{document_id}", caller,
                     path_params={"document_id": created["fgts"]})
    assert status == 204
