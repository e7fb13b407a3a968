"""Issue 9 on real services (PostgreSQL, Mongo-wire, moto S3/SQS with a real redrive policy):
the pipeline's second wall, dead letters, bounded redrives, stale runs, abandoned uploads, truncated PDFs."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest
from env_support import env_vars
from sqlalchemy import select, update

import tenders_helpers as th
from licita.audit.models import AuditLog
from licita.platform.db.engine import system_transaction
from licita.tenders.analysis.admission import REPLACED_MESSAGE
from licita.tenders.analysis.recovery import expire_uploads, process_pending, recover_stale, redrive_pending
from licita.tenders.analysis.review import INTEGRITY_WARNINGS
from licita.tenders.models import AnalysisDeadLetter, TenderDocument, UploadIntent


def _detail(app: Any, caller: th.Caller, tender_id: str) -> dict[str, Any]:
    status, body = th.call(app, "GET", "/tenders/{tender_id}", caller, path_params={"tender_id": tender_id})
    assert status == 200, body
    return dict(body)


def _events(aws: th.Aws, tender_id: str | None = None) -> list[dict[str, Any]]:
    events = [json.loads(m["Body"]) for m in th.drain(aws.sqs, aws.notifications_queue)]
    return [e for e in events if tender_id is None or e["payload"].get("tender_id") == tender_id]


def _audit(tender_id: str, action: str) -> list[AuditLog]:
    with system_transaction() as db:
        rows = list(db.scalars(select(AuditLog).where(AuditLog.entity_id == tender_id, AuditLog.action == action)))
        db.expunge_all()
        return rows


def _dlq(aws: th.Aws) -> str:
    policy = json.loads(aws.sqs.get_queue_attributes(QueueUrl=aws.analysis_queue, AttributeNames=["RedrivePolicy"])
                        ["Attributes"]["RedrivePolicy"])
    return str(aws.sqs.get_queue_url(QueueName=policy["deadLetterTargetArn"].rsplit(":", 1)[1])["QueueUrl"])


def dead_letter(aws: th.Aws, key: str) -> list[dict[str, Any]]:
    """Let every analysis message fail until SQS's redrive policy (maxReceiveCount 3) moves it to the DLQ, as
    Lambda's poller would after three failed deliveries; return the DLQ messages about ``key``."""
    for _ in range(10):
        got = aws.sqs.receive_message(QueueUrl=aws.analysis_queue, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                      AttributeNames=["All"]).get("Messages", [])
        if not got:
            break
        for m in got:
            aws.sqs.change_message_visibility(QueueUrl=aws.analysis_queue, ReceiptHandle=m["ReceiptHandle"],
                                              VisibilityTimeout=0)
    mine = []
    for m in th.drain(aws.sqs, _dlq(aws)):
        if key in json.dumps(json.loads(m["Body"])).replace("%2F", "/"):
            mine.append(m)
    assert mine, "the message did not reach the DLQ"
    return mine


@pytest.fixture
def max_redrives() -> Iterator[int]:
    from licita.core.config import reset_settings

    with env_vars({"ANALYSIS_MAX_REDRIVES": "2"}, reset_settings):
        yield 2


def _requested(tenders_app: Any, number: str) -> tuple[th.Caller, bytes, dict[str, Any]]:
    """A new caller asks to upload an edital numbered ``number`` (201 asserted): caller, file, answer."""
    caller = th.make_caller()
    data = th.edital_pdf(number=number)
    status, created = th.request_upload(tenders_app, caller, "edital.pdf", "application/pdf", len(data))
    assert status == 201, created
    return caller, data, created


# ------------------------------------------------------------------------------ the second wall
def test_overwrite_of_a_ready_tender_is_refused_audited_and_changes_nothing(
        aws: th.Aws, analysis_fn: ModuleType, tenders_app: Any) -> None:
    caller = th.make_caller()
    detail = th.upload_and_analyse(tenders_app, aws, analysis_fn, caller, th.edital_pdf(number="401/2025"))
    assert detail["status"] == "READY"
    key, tender_id = detail["_upload"]["key"], detail["id"]
    _events(aws)

    # another tenant (or anyone holding a leaked form) overwrites the object: S3 notifies the pipeline again
    evil = th.edital_pdf(number="666/2025", extra="OBJETO: outra coisa")
    aws.s3.put_object(Bucket=aws.bucket, Key=key, Body=evil, ContentType="application/pdf")
    # ... and drops a second file beside it
    aws.s3.put_object(Bucket=aws.bucket, Key=key.rsplit("/", 1)[0] + "/extra.pdf", Body=evil,
                      ContentType="application/pdf")
    messages, result = th.pump(aws, analysis_fn)
    assert len(messages) == 2 and result["batchItemFailures"] == []  # refused, consumed, not retried

    after = _detail(tenders_app, caller, tender_id)
    assert after["status"] == "READY" and after["fields"]["number"]["value"] == "401/2025"
    assert after["updated_at"] == detail["updated_at"] and len(after["documents"]) == 1
    refused = _audit(tender_id, "tender.upload_rejected")
    assert sorted(r.after["code"] for r in refused) == ["no_upload_intent", "object_replaced"]
    assert all(r.company_id == uuid.UUID(caller.company_id) and r.user_id is None for r in refused)
    assert _events(aws, tender_id) == []

    from licita.platform.clients import get_mongo

    rejected = list(get_mongo()["ai_processing"].find({"status": "REJECTED", "tender_id": tender_id}))
    assert {r["code"] for r in rejected} == {"no_upload_intent", "object_replaced"}

    # a person then asks for a re-analysis: the stored file is not the one accepted, so it is not read
    status, body = th.call(tenders_app, "POST", "/tenders/{tender_id}/reanalyze", caller,
                        path_params={"tender_id": tender_id})
    assert status == 202, body
    th.pump(aws, analysis_fn)
    final = _detail(tenders_app, caller, tender_id)
    assert final["status"] == "FAILED" and final["failure_reason"] == REPLACED_MESSAGE
    assert final["fields"]["number"]["value"] == "401/2025"  # the evil bytes were never analysed
    assert [e["type"] for e in _events(aws, tender_id)] == ["tender.failed"]


def test_an_upload_that_is_not_what_was_signed_is_refused(aws: th.Aws, analysis_fn: ModuleType,
                                                          tenders_app: Any) -> None:
    caller, data, created = _requested(tenders_app, "402/2025")
    # moto does not enforce the POST policy: a bigger file under the signed key reaches the pipeline
    aws.s3.put_object(Bucket=aws.bucket, Key=created["key"], Body=data + b"%junk", ContentType="application/pdf")
    th.pump(aws, analysis_fn)
    detail = _detail(tenders_app, caller, created["tender_id"])
    assert detail["status"] == "UPLOADING"
    assert [r.after["code"] for r in _audit(created["tender_id"], "tender.upload_rejected")] == ["size_mismatch"]
    # the signed upload itself still goes through
    assert th.post_file(created["upload"], data).status_code in (200, 204)
    th.pump(aws, analysis_fn)
    assert _detail(tenders_app, caller, created["tender_id"])["status"] == "READY"
    with system_transaction() as db:
        intent = db.scalar(select(UploadIntent).where(UploadIntent.s3_key == created["key"]))
        assert intent is not None and intent.status == "CONSUMED" and intent.consumed_etag


# ------------------------------------------------------------------------------ dead letters and redrives
def test_dead_lettered_analysis_fails_the_tender_notifies_and_a_redrive_recovers_it(
        aws: th.Aws, analysis_fn: ModuleType, tenders_app: Any) -> None:
    caller, data, created = _requested(tenders_app, "403/2025")
    assert th.post_file(created["upload"], data).status_code in (200, 204)
    _events(aws)
    dead = dead_letter(aws, created["key"])
    assert analysis_fn.dead_letter_handler(th.sqs_event(dead), None) == {"batchItemFailures": []}

    detail = _detail(tenders_app, caller, created["tender_id"])
    assert detail["status"] == "FAILED" and "nova tentativa automática" in detail["failure_reason"]
    assert detail["documents"][0]["failure_code"] == "analysis_dead_lettered"
    events = _events(aws, created["tender_id"])
    assert [e["type"] for e in events] == ["tender.failed"] and events[0]["user_id"] == caller.user_id
    assert events[0]["payload"]["failure_reason"] == detail["failure_reason"]
    assert _audit(created["tender_id"], "tender.analysis_dead_lettered")
    # the same dead letter delivered again changes nothing and tells nobody twice
    analysis_fn.dead_letter_handler(th.sqs_event(dead), None)
    assert _events(aws, created["tender_id"]) == []

    redrive_pending()  # the 5-minute schedule
    assert _detail(tenders_app, caller, created["tender_id"])["status"] == "QUEUED"
    th.pump(aws, analysis_fn)
    detail = _detail(tenders_app, caller, created["tender_id"])
    assert detail["status"] == "READY" and detail["failure_reason"] is None
    assert [e["type"] for e in _events(aws, created["tender_id"])] == ["tender.analyzed"]
    assert _audit(created["tender_id"], "tender.analysis_redriven")


def test_redrives_are_bounded_then_the_tender_is_failed_for_good(
        aws: th.Aws, analysis_fn: ModuleType, tenders_app: Any, max_redrives: int) -> None:
    caller, data, created = _requested(tenders_app, "404/2025")
    assert th.post_file(created["upload"], data).status_code in (200, 204)
    _events(aws)
    sent = 0
    for _ in range(max_redrives + 1):  # the analysis keeps crashing: every delivery ends in the DLQ
        analysis_fn.dead_letter_handler(th.sqs_event(dead_letter(aws, created["key"])), None)
        assert _detail(tenders_app, caller, created["tender_id"])["status"] == "FAILED"
        before = aws.sqs.get_queue_attributes(QueueUrl=aws.analysis_queue, AttributeNames=[
            "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"]
        redrive_pending()
        queued = aws.sqs.get_queue_attributes(QueueUrl=aws.analysis_queue, AttributeNames=[
            "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"]
        if int(queued) > int(before):
            sent += 1
            assert _detail(tenders_app, caller, created["tender_id"])["status"] == "QUEUED"
    assert sent == max_redrives
    detail = _detail(tenders_app, caller, created["tender_id"])
    assert detail["status"] == "FAILED" and "mesmo após 2 nova(s) tentativa(s)" in detail["failure_reason"]
    with system_transaction() as db:
        letter = db.scalar(select(AnalysisDeadLetter).where(
            AnalysisDeadLetter.tender_id == uuid.UUID(created["tender_id"])))
        assert letter is not None and letter.status == "EXHAUSTED" and letter.redrives == max_redrives
    # told twice: when it first failed, and when retries ran out (not on every intermediate failure)
    assert [e["type"] for e in _events(aws, created["tender_id"])] == ["tender.failed", "tender.failed"]
    redrive_pending()
    assert _detail(tenders_app, caller, created["tender_id"])["status"] == "FAILED"


def test_a_run_stuck_in_processing_beyond_its_lease_is_recovered(aws: th.Aws, analysis_fn: ModuleType,
                                                                tenders_app: Any) -> None:
    caller, data, created = _requested(tenders_app, "405/2025")
    assert th.post_file(created["upload"], data).status_code in (200, 204)
    th.pump(aws, analysis_fn)
    # a crash that lost the message: PROCESSING since long ago, nothing on any queue
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    with system_transaction() as db:
        db.execute(update(TenderDocument).where(TenderDocument.s3_key == created["key"]).values(
            status="PROCESSING", processing_started_at=long_ago))
        from licita.tenders.models import Tender

        db.execute(update(Tender).where(Tender.id == uuid.UUID(created["tender_id"])).values(status="PROCESSING"))
    assert recover_stale()["recovered"] >= 1
    assert _detail(tenders_app, caller, created["tender_id"])["status"] == "FAILED"
    process_pending()  # redrives it
    th.pump(aws, analysis_fn)
    assert _detail(tenders_app, caller, created["tender_id"])["status"] == "READY"


# ------------------------------------------------------------------------------ abandoned uploads
def test_abandoned_upload_expires_and_a_late_file_is_refused(aws: th.Aws, analysis_fn: ModuleType,
                                                            tenders_app: Any) -> None:
    caller, data, created = _requested(tenders_app, "406/2025")
    _events(aws)
    assert expire_uploads()["expired"] == 0 or _detail(tenders_app, caller, created["tender_id"])["status"] == \
        "UPLOADING"  # too young to expire
    assert expire_uploads(datetime.now(UTC) + timedelta(minutes=121))["expired"] >= 1
    detail = _detail(tenders_app, caller, created["tender_id"])
    assert detail["status"] == "FAILED" and "não foi concluído em 120 minutos" in detail["failure_reason"]
    assert detail["documents"][0]["failure_code"] == "upload_expired"
    assert [e["type"] for e in _events(aws, created["tender_id"])] == ["tender.failed"]
    assert _audit(created["tender_id"], "tender.upload_expired")
    # the file arrives after all: the intent is closed, the tender stays as it is
    assert th.post_file(created["upload"], data).status_code in (200, 204)
    th.pump(aws, analysis_fn)
    assert _detail(tenders_app, caller, created["tender_id"])["status"] == "FAILED"
    assert [r.after["code"] for r in _audit(created["tender_id"], "tender.upload_rejected")] == \
        ["upload_intent_closed"]


# ------------------------------------------------------------------------------ truncated PDF
def test_truncated_pdf_ends_needs_review_with_an_incompleteness_warning(
        aws: th.Aws, analysis_fn: ModuleType, tenders_app: Any) -> None:
    whole = th.edital_pdf(number="407/2025", pages=3)
    truncated = whole[: whole.rindex(b"xref")]  # the download stopped before the cross-reference table
    caller = th.make_caller()
    _events(aws)
    detail = th.upload_and_analyse(tenders_app, aws, analysis_fn, caller, truncated, "edital-truncado.pdf")
    assert detail["status"] == "NEEDS_REVIEW", (detail["status"], detail["failure_reason"])
    assert INTEGRITY_WARNINGS["repaired"] in detail["review_reasons"]
    assert detail["fields"]["number"]["value"] == "407/2025"  # what could be read is kept
    events = _events(aws, detail["id"])
    assert [e["type"] for e in events] == ["tender.needs_review"]
    assert any("incompleto" in r for r in events[0]["payload"]["review_reasons"])
    # the whole file of the same edital is READY: the warning comes from the damage, not from the content
    assert th.upload_and_analyse(tenders_app, aws, analysis_fn, caller, whole)["status"] == "READY"
