"""Reports end to end on real services: API → reports queue → worker (progress frames on the requester's
socket) → S3 → presigned download; PDF text read back with PyMuPDF, XLSX cells with openpyxl; failure, expiry,
the schedule's supplier reminders."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import requests
from procurement_helpers import seed_tender
from procurement_support import Proc, call, make_caller, same_company
from sqlalchemy import select, update
from test_quotes import answer, setup_quote

from licita.platform.db.engine import system_transaction
from licita.reports.models import Report
from licita.tenders.models import Deadline, Tender
from tenders_helpers import load_function


def pump(proc: Proc) -> dict[str, Any]:
    """Deliver the reports queue to the worker as Lambda's SQS event source would."""
    worker = load_function("report_worker")
    got = proc.sqs.receive_message(QueueUrl=proc.reports_queue, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                   AttributeNames=["All"]).get("Messages", [])
    result: dict[str, Any] = worker.handler({"Records": [
        {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
         "attributes": {"ApproximateReceiveCount": "1"}, "eventSource": "aws:sqs"} for m in got]}, None)
    failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    for m in got:
        if m["MessageId"] not in failed:
            proc.sqs.delete_message(QueueUrl=proc.reports_queue, ReceiptHandle=m["ReceiptHandle"])
    return {"count": len(got), **result}


def enrich_tender(tender_id: str) -> None:
    with system_transaction() as db:
        db.execute(update(Tender).where(Tender.id == uuid.UUID(tender_id)).values(
            agency="Tribunal Regional do Trabalho da 18ª Região", estimated_value=Decimal("123456.78"),
            fields={"modality": {"value": "pregao_eletronico", "page": 1, "quote": "PREGÃO ELETRÔNICO Nº 35/2018"},
                    "estimated_value": {"value": 123456.78, "page": 4, "quote": "valor global de R$ 123.456,78"}},
            risk={"score": 45, "level": "medium", "factors": [
                {"code": "guarantee", "label": "Garantia contratual", "weight": 15, "page": 20,
                 "reason": "garantia de 5% do valor do contrato"}]},
            details={"requirements": [{"kind": "habilitacao", "category": "Regularidade fiscal",
                                       "description": "Certidão conjunta de débitos federais", "page": 12,
                                       "quote": "prova de regularidade"}]}))
        tender = db.get(Tender, uuid.UUID(tender_id))
        assert tender is not None
        db.add(Deadline(id=uuid.uuid4(), company_id=tender.company_id, tender_id=tender.id, kind="session",
                        due_at=datetime(2025, 11, 19, 12, 30, tzinfo=UTC), basis="item 1.1 do edital", notified={}))


def test_tender_summary_pdf_through_queue_worker_and_download(reports_app: Any, proc: Proc) -> None:
    import pymupdf

    from licita.accounts.models import User
    from notify_helpers import connect

    caller = make_caller("MANAGER")
    tender_id, _ = seed_tender(caller.company_id, [("Papel A4 75g", 1200, 25.5), ("Caneta azul", 50, 2.0)])
    enrich_tender(tender_id)
    with system_transaction() as db:
        user = db.get(User, uuid.UUID(caller.user_id))
    connection = connect(user)
    status, report = call(reports_app, "POST", "/reports", caller, body={"kind": "tender_summary",
                                                                           "tender_id": tender_id})
    assert status == 202 and report["status"] == "QUEUED", report
    path = {"report_id": report["id"]}
    status, body = call(reports_app, "GET", "/reports/{report_id}/download", caller, path_params=path)
    assert status == 409 and body["error"]["code"] == "report_not_ready"
    assert pump(proc)["batchItemFailures"] == []
    status, done = call(reports_app, "GET", "/reports/{report_id}", caller, path_params=path)
    assert done["status"] == "READY" and done["progress"] == 100 and done["filename"].endswith(".pdf")
    frames = proc.notify.connections.frames(connection, "report.progress")
    assert next(f["status"] for f in frames) == "RUNNING" and frames[-1]["status"] == "READY"
    assert [f["progress"] for f in frames] == sorted(f["progress"] for f in frames)
    status, link = call(reports_app, "GET", "/reports/{report_id}/download", caller, path_params=path)
    assert status == 200
    pdf = requests.get(link["url"], timeout=30).content
    text = "".join(page.get_text() for page in pymupdf.open(stream=pdf, filetype="pdf"))
    flat = " ".join(text.split())
    for expected in ("Resumo do edital", "Tribunal Regional do Trabalho da 18ª Região", "PREGÃO ELETRÔNICO Nº 35/2018",
                     "R$ 123.456,78", "Garantia contratual", "garantia de 5% do valor do contrato",
                     "Checklist de habilitação", "Certidão conjunta de débitos federais", "19/11/2025 às 09:30",
                     "Papel A4 75g", "R$ 25,50", "1.200"):
        assert expected in flat, (expected, flat[:3000])
    # report.ready went to the notifications queue for the requester
    from tenders_helpers import drain

    events = [json.loads(m["Body"]) for m in drain(proc.sqs, proc.notify.queue_url)]
    ready = [e for e in events if e["type"] == "report.ready"]
    assert ready and ready[-1]["user_id"] == caller.user_id and ready[-1]["payload"]["report_id"] == report["id"]


def test_quote_comparison_and_pipeline_xlsx(reports_app: Any, suppliers_app: Any, quotes_app: Any,
                                            portal_app: Any, proc: Proc) -> None:
    from openpyxl import load_workbook

    env = setup_quote(suppliers_app, quotes_app, 2)
    caller = env["caller"]
    for i, token in enumerate(env["tokens"].values()):
        assert answer(portal_app, token, [20.0 + i, 2.0, 30.0, 0.1, 100.0])[0] == 200
    status, rq = call(reports_app, "POST", "/reports", caller, body={"kind": "quote_comparison",
                                                                       "quote_id": env["quote"]["id"]})
    assert status == 202, rq
    today = datetime.now(UTC).date()
    status, rp = call(reports_app, "POST", "/reports", caller, body={
        "kind": "pipeline", "period_from": (today - timedelta(days=1)).isoformat(), "period_to": today.isoformat()})
    assert status == 202, rp
    pump(proc)
    books = {}
    for r in (rq, rp):
        status, link = call(reports_app, "GET", "/reports/{report_id}/download", caller,
                            path_params={"report_id": r["id"]})
        assert status == 200, link
        books[r["kind"]] = load_workbook(io.BytesIO(requests.get(link["url"], timeout=30).content))
    comp = books["quote_comparison"]["Comparativo"]
    assert [c.value for c in comp[2]][:7] == [1, "Papel A4 75g", "UN", 100, "R$ 25,00", 2, "R$ 20,00"]
    summary = {r[0]: r[1:] for r in books["pipeline"]["Resumo"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Licitações"][0] == 1 and summary["Analisado"][0] == 1
    assert summary["Cotação em andamento"][0] == 1
    rows = list(books["pipeline"]["Licitações"].iter_rows(min_row=2, values_only=True))
    assert rows[0][1] == "Pregão Eletrônico nº 9/2025" and rows[0][3] == "Analisado"
    assert rows[0][6] == "Cotação em andamento"


def test_validation_permissions_failure_and_expiry(reports_app: Any, proc: Proc) -> None:
    caller = make_caller("MANAGER")
    for bad in ({"kind": "tender_summary"}, {"kind": "pipeline", "period_from": "2025-02-01",
                                             "period_to": "2025-01-01"},
                {"kind": "nope"}, {"kind": "quote_comparison", "quote_id": "x"}):
        assert call(reports_app, "POST", "/reports", caller, body=bad)[0] == 422, bad
    assert call(reports_app, "POST", "/reports", same_company(caller, "USER"),
                body={"kind": "pipeline", "period_from": "2025-01-01", "period_to": "2025-01-31"})[0] == 403
    assert call(reports_app, "POST", "/reports", caller,
                body={"kind": "tender_summary", "tender_id": str(uuid.uuid4())})[0] == 404
    # a tender deleted after the request: FAILED with a reason, and report.failed
    tender_id, _ = seed_tender(caller.company_id, [("X", 1, 1.0)])
    status, report = call(reports_app, "POST", "/reports", caller, body={"kind": "tender_summary",
                                                                         "tender_id": tender_id})
    with system_transaction() as db:
        db.execute(update(Tender).where(Tender.id == uuid.UUID(tender_id)).values(company_id=make_caller().company_id))
    pump(proc)
    status, failed = call(reports_app, "GET", "/reports/{report_id}", caller, path_params={"report_id": report["id"]})
    assert failed["status"] == "FAILED" and failed["error"] == "Licitação não encontrada."
    # READY then expired by the schedule: the file is removed and the download answers 410
    status, report = call(reports_app, "POST", "/reports", caller, body={
        "kind": "pipeline", "period_from": "2025-01-01", "period_to": "2025-01-31"})
    pump(proc)
    with system_transaction() as db:
        key = db.scalar(select(Report.s3_key).where(Report.id == uuid.UUID(report["id"])))
        db.execute(update(Report).where(Report.id == uuid.UUID(report["id"]))
                   .values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    worker = load_function("report_worker")
    result = worker.handler({"task": "procurement_maintenance"}, None)
    assert result["reports"]["expired"] >= 1
    status, body = call(reports_app, "GET", "/reports/{report_id}/download", caller,
                        path_params={"report_id": report["id"]})
    assert status == 410 and body["error"]["code"] == "report_expired"
    assert proc.s3.list_objects_v2(Bucket=proc.bucket, Prefix=key).get("KeyCount") == 0
    status, page = call(reports_app, "GET", "/reports", caller, query={"status": "EXPIRED"})
    assert [r["id"] for r in page["items"]] == [report["id"]]


def test_schedule_reminds_suppliers_before_expiry_and_closes_expired(suppliers_app: Any, quotes_app: Any,
                                                                      portal_app: Any, proc: Proc) -> None:
    from licita.quotes.models import Quote

    env = setup_quote(suppliers_app, quotes_app, 2)
    s0, s1 = env["suppliers"]
    assert answer(portal_app, env["tokens"][s0["id"]], [1.0])[0] == 200
    with system_transaction() as db:
        db.execute(update(Quote).where(Quote.id == uuid.UUID(env["quote"]["id"]))
                   .values(deadline_at=datetime.now(UTC) + timedelta(hours=5)))
    worker = load_function("report_worker")
    first = worker.handler({"task": "procurement_maintenance"}, None)
    assert first["quotes"]["reminders"] >= 1
    reminders = proc.notify.mails_to(s1["email"])
    assert any("Lembrete" in m["subject"] for m in reminders)
    assert not any("Lembrete" in m["subject"] for m in proc.notify.mails_to(s0["email"]))  # already answered
    again = worker.handler({"task": "procurement_maintenance"}, None)
    assert len([m for m in proc.notify.mails_to(s1["email"]) if "Lembrete" in m["subject"]]) == 1, again
    with system_transaction() as db:
        db.execute(update(Quote).where(Quote.id == uuid.UUID(env["quote"]["id"]))
                   .values(deadline_at=datetime.now(UTC) - timedelta(minutes=1)))
    worker.handler({"task": "procurement_maintenance"}, None)
    _status, quote = call(quotes_app, "GET", "/quotes/{quote_id}", env["caller"],
                         path_params={"quote_id": env["quote"]["id"]})
    assert quote["status"] == "CLOSED"
