"""The analysis pipeline on real services: presigned POST to S3 → ObjectCreated → SQS → analysis handler →
PostgreSQL + MongoDB + notifications queue. Idempotency, cache, and every kind of bad file."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from env_support import env_vars
from sqlalchemy import func, select

from licita.platform.db.engine import system_transaction
from licita.tenders.models import Deadline, TenderDocument, TenderItem
from tenders_helpers import (
    TRT_EDITAL,
    Aws,
    call,
    drain,
    edital_pdf,
    encrypted_pdf,
    make_caller,
    post_file,
    pump,
    request_upload,
    sqs_event,
    upload_and_analyse,
    zip_bomb,
)


def _counts(tender_id: str) -> dict[str, int]:
    with system_transaction() as db:
        return {model.__tablename__: db.scalar(select(func.count()).select_from(model).where(
            model.tender_id == uuid.UUID(tender_id))) or 0 for model in (TenderItem, Deadline, TenderDocument)}


def _object_exists(aws: Aws, key: str) -> bool:
    return any(o["Key"] == key for o in aws.s3.list_objects_v2(Bucket=aws.bucket, Prefix=key).get("Contents", []))


def _events(aws: Aws) -> list[dict[str, Any]]:
    return [json.loads(m["Body"]) for m in drain(aws.sqs, aws.notifications_queue)]


def _mongo_record(key: str) -> dict[str, Any] | None:
    from licita.platform.clients import get_mongo

    doc: dict[str, Any] | None = get_mongo()["ai_processing"].find_one({"key": key, "runs": {"$exists": True}})
    return doc


def test_upload_then_analysis_ends_ready_with_fields_items_and_deadlines(
        aws: Aws, analysis_fn: ModuleType, tenders_app: Any) -> None:
    caller = make_caller()
    _events(aws)
    detail = upload_and_analyse(tenders_app, aws, analysis_fn, caller, edital_pdf())
    assert detail["status"] == "READY", (detail["status"], detail["failure_reason"], detail["review_reasons"])
    fields = detail["fields"]
    assert fields["modality"]["value"] == "pregao_eletronico"
    assert fields["number"]["value"] == "012/2025"
    assert fields["session_datetime"]["value"].startswith("2025-11-19T09:30")
    assert fields["modality"]["extracted"]["page"] == 1 and fields["modality"]["extracted"]["quote"]
    assert detail["modality"] == "pregao_eletronico" and detail["session_at"].startswith("2025-11-19T12:30")
    document = detail["documents"][0]
    assert document["pages"] == 2 and document["sha256"] and document["cache_hit"] is False

    status, deadlines = call(tenders_app, "GET", "/tenders/{tender_id}/deadlines", caller,
                             path_params={"tender_id": detail["id"]})
    assert status == 200
    kinds = {d["kind"]: d for d in deadlines["items"]}
    assert {"session", "proposal", "impugnacao", "esclarecimento"} <= set(kinds)
    # 19/11/2025 (Wednesday): 18, 17, 14 are the three business days before → cut-off Friday 14/11 23:59 BRT
    assert kinds["impugnacao"]["due_at"].startswith("2025-11-15T02:59:59") or \
        kinds["impugnacao"]["due_at"].startswith("2025-11-14T23:59:59")
    assert kinds["impugnacao"]["source"] == "computed" and "164" in kinds["impugnacao"]["basis"]

    # this tender's events only: the pump also runs analysis messages an earlier test left in the shared queue
    events = [e for e in _events(aws) if e["payload"].get("tender_id") == detail["id"]]
    assert [e["type"] for e in events] == ["tender.analyzed"]
    assert events[0]["user_id"] == caller.user_id

    record = _mongo_record(detail["_upload"]["key"])
    assert record is not None and record["status"] == "READY" and record["sha256"] == document["sha256"]
    run = record["runs"][-1]
    assert run["pages"] == 2 and {"download", "extract", "rules", "persist"} <= set(run["timings_ms"])


def test_duplicate_delivery_is_idempotent(aws: Aws, analysis_fn: ModuleType, tenders_app: Any) -> None:
    caller = make_caller()
    status, created = request_upload(tenders_app, caller, "edital.pdf", "application/pdf")
    assert status == 201
    assert post_file(created["upload"], edital_pdf(number="077/2025")).status_code in (200, 204)
    messages, result = pump(aws, analysis_fn, keep=True)  # processed but not deleted: SQS will redeliver
    assert len(messages) == 1 and result["batchItemFailures"] == []
    before = _counts(created["tender_id"])
    _events(aws)
    # the same message delivered twice more (at-least-once delivery), in one batch
    again = analysis_fn.handler(sqs_event(messages + messages), None)
    assert again["batchItemFailures"] == []
    drain(aws.sqs, aws.analysis_queue)
    assert _counts(created["tender_id"]) == before
    assert before["deadlines"] >= 4 and before["tender_documents"] == 1
    assert _events(aws) == []  # no second tender.analyzed


def test_same_bytes_again_is_served_from_cache(aws: Aws, analysis_fn: ModuleType, tenders_app: Any) -> None:
    caller = make_caller()
    data = edital_pdf(number="031/2025")
    first = upload_and_analyse(tenders_app, aws, analysis_fn, caller, data, "edital-031.pdf")
    second = upload_and_analyse(tenders_app, aws, analysis_fn, caller, data, "copia do edital.pdf")
    assert first["status"] == second["status"] == "READY"
    assert second["documents"][0]["cache_hit"] is True and first["documents"][0]["cache_hit"] is False
    assert second["duplicate_of"] == first["id"]
    assert second["fields"]["number"]["value"] == "031/2025"
    assert _counts(first["id"]) == _counts(second["id"])  # each tender has its rows, once
    record = _mongo_record(second["_upload"]["key"])
    assert record is not None and record["runs"][-1]["cache_hit"] is True
    assert "extract" not in record["runs"][-1]["timings_ms"]

    # announcing the hash up front tells the client it already has this file
    import hashlib

    status, created = call(tenders_app, "POST", "/tenders/uploads", caller, body={
        "filename": "x.pdf", "content_type": "application/pdf", "sha256": hashlib.sha256(data).hexdigest()})
    assert status == 201 and created["existing_tender_id"] == first["id"]


def test_reanalysis_bypasses_the_cache_and_is_idempotent(aws: Aws, analysis_fn: ModuleType,
                                                         tenders_app: Any) -> None:
    caller = make_caller()
    detail = upload_and_analyse(tenders_app, aws, analysis_fn, caller, edital_pdf(number="055/2025"))
    tid = detail["id"]
    status, queued = call(tenders_app, "POST", "/tenders/{tender_id}/reanalyze", caller, path_params={"tender_id": tid})
    assert status == 202 and queued["status"] == "QUEUED"
    assert call(tenders_app, "GET", "/tenders/{tender_id}", caller, path_params={"tender_id": tid})[1]["status"] == \
        "QUEUED"
    messages, _ = pump(aws, analysis_fn, keep=True)
    body = json.loads(messages[0]["Body"])
    assert body["licita"]["reanalyze"] is True and body["Records"][0]["s3"]["object"]["key"].startswith("companies")
    after = call(tenders_app, "GET", "/tenders/{tender_id}", caller, path_params={"tender_id": tid})[1]
    assert after["status"] == "READY" and after["documents"][0]["cache_hit"] is False
    counts = _counts(tid)
    analysis_fn.handler(sqs_event(messages), None)  # duplicate delivery of the re-analysis request
    drain(aws.sqs, aws.analysis_queue)
    assert _counts(tid) == counts
    record = _mongo_record(detail["_upload"]["key"])
    assert record is not None and [r["reanalyze"] for r in record["runs"] if "reanalyze" in r][-1] is True


@pytest.mark.parametrize(("name", "content_type", "make", "code"), [
    ("corrompido.pdf", "application/pdf", lambda: b"%PDF-1.7\n1 0 obj <<>> garbage \x00\xff" * 50, "document_corrupt"),
    ("falso.pdf", "application/pdf", lambda: "isto é só um texto com extensão de PDF\n".encode() * 20,
     "content_mismatch"),
    ("protegido.pdf", "application/pdf", encrypted_pdf, "document_encrypted"),
    ("bomba.zip", "application/zip", zip_bomb, "archive_rejected"),
    ("vazio.pdf", "application/pdf", lambda: b"", "empty"),
])
def test_bad_files_end_failed_with_a_reason_and_the_file_is_kept(
        aws: Aws, analysis_fn: ModuleType, tenders_app: Any, name: str, content_type: str, make: Any,
        code: str) -> None:
    caller = make_caller()
    data = make()
    status, created = request_upload(tenders_app, caller, name, content_type)
    assert status == 201
    response = post_file(created["upload"], data, name)
    if not data and response.status_code >= 400:  # S3 refuses the empty part (content-length-range from 1)
        return
    assert response.status_code in (200, 204), response.text
    _events(aws)
    _, result = pump(aws, analysis_fn)
    assert result["batchItemFailures"] == []  # permanent: consumed, not retried forever
    _, detail = call(tenders_app, "GET", "/tenders/{tender_id}", caller,
                     path_params={"tender_id": created["tender_id"]})
    assert detail["status"] == "FAILED"
    assert detail["failure_reason"] and len(detail["failure_reason"]) > 20
    assert code in detail["documents"][0]["failure_code"] or code == "empty"
    assert _object_exists(aws, created["key"])  # nothing the user sent is lost
    assert [e["type"] for e in _events(aws)] == ["tender.failed"]
    # the download link still works: the user can get the file back
    status, link = call(tenders_app, "GET", "/tenders/{tender_id}/download", caller,
                        path_params={"tender_id": created["tender_id"]})
    assert status == 200 and link["url"]


@pytest.fixture
def small_upload_limit() -> Iterator[int]:
    """MAX_UPLOAD_BYTES=50000 for one test (settings are cached: reset before and after)."""
    from licita.core.config import reset_settings

    with env_vars({"MAX_UPLOAD_BYTES": "50000"}, reset_settings):
        yield 50_000


def test_oversized_file_is_refused_before_upload_and_by_the_pipeline(
        aws: Aws, analysis_fn: ModuleType, tenders_app: Any, small_upload_limit: int) -> None:
    caller = make_caller()
    status, body = request_upload(tenders_app, caller, "grande.pdf", "application/pdf", size=60_000)
    assert status == 413 and body["error"]["code"] == "file_too_large"
    assert body["error"]["details"]["max_bytes"] == 50_000

    # a client that lies about the size (or none declared): the presigned policy carries the limit ...
    status, created = request_upload(tenders_app, caller, "grande.pdf", "application/pdf")
    assert status == 201 and created["max_bytes"] == 50_000
    big = edital_pdf(pages=2, extra="x" * 10) + b"%" + os.urandom(60_000)
    response = post_file(created["upload"], big, "grande.pdf")
    if response.status_code >= 400:  # real S3 (and any emulator that enforces the policy): EntityTooLarge
        assert "EntityTooLarge" in response.text
        return
    # ... moto does not enforce content-length-range, so the pipeline refuses by size, keeping the object
    pump(aws, analysis_fn)
    _, detail = call(tenders_app, "GET", "/tenders/{tender_id}", caller,
                     path_params={"tender_id": created["tender_id"]})
    assert detail["status"] == "FAILED" and detail["documents"][0]["failure_code"] == "file_too_large"
    assert "limite" in detail["failure_reason"]
    assert _object_exists(aws, created["key"])


def test_bad_keys_and_orphans_are_consumed_not_retried(aws: Aws, analysis_fn: ModuleType) -> None:
    bad = {"Records": [{"s3": {"bucket": {"name": aws.bucket}, "object": {"key": "elsewhere/x.pdf", "size": 1}}}]}
    orphan_key = f"companies/{uuid.uuid4()}/tenders/{uuid.uuid4()}/edital.pdf"
    orphan = {"Records": [{"s3": {"bucket": {"name": aws.bucket}, "object": {"key": orphan_key, "size": 1,
                                                                             "eTag": "abc"}}}]}
    messages = [{"MessageId": str(i), "ReceiptHandle": "r", "Body": json.dumps(b)} for i, b in enumerate([bad, orphan])]
    assert analysis_fn.handler(sqs_event(messages), None) == {"batchItemFailures": []}


def test_infrastructure_failure_is_retried(aws: Aws, analysis_fn: ModuleType, tenders_app: Any,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """S3 unreachable: the record fails (SQS redelivers, then DLQ); the tender is not marked FAILED."""
    caller = make_caller()
    _, created = request_upload(tenders_app, caller, "edital.pdf", "application/pdf")
    assert post_file(created["upload"], edital_pdf(number="099/2025")).status_code in (200, 204)
    messages = drain(aws.sqs, aws.analysis_queue)
    assert messages
    from licita.core.config import reset_settings
    from licita.platform.clients import reset_clients

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    reset_settings()
    reset_clients()
    try:
        result = analysis_fn.handler(sqs_event(messages), None)
    finally:
        monkeypatch.undo()
        reset_settings()
        reset_clients()
    assert len(result["batchItemFailures"]) == len(messages)
    _, detail = call(tenders_app, "GET", "/tenders/{tender_id}", caller,
                     path_params={"tender_id": created["tender_id"]})
    assert detail["status"] == "UPLOADING"  # the object is looked at before any claim: nothing changed
    assert analysis_fn.handler(sqs_event(messages), None) == {"batchItemFailures": []}
    _, detail = call(tenders_app, "GET", "/tenders/{tender_id}", caller,
                     path_params={"tender_id": created["tender_id"]})
    assert detail["status"] == "READY"


def test_real_trt_edital_ends_ready_with_items_and_deadlines(aws: Aws, analysis_fn: ModuleType,
                                                             tenders_app: Any) -> None:
    if not TRT_EDITAL.exists():
        pytest.skip(f"dev document not available: {TRT_EDITAL}")
    caller = make_caller()
    detail = upload_and_analyse(tenders_app, aws, analysis_fn, caller, TRT_EDITAL.read_bytes(),
                                "trt18-pe-035-2018-edital.pdf")
    assert detail["status"] in ("READY", "NEEDS_REVIEW"), detail["failure_reason"]
    assert detail["status"] == "READY", detail["review_reasons"]
    assert detail["fields"]["modality"]["value"] == "pregao_eletronico"
    assert detail["fields"]["number"]["value"] == "035/2018"
    assert detail["documents"][0]["pages"] == 116
    _, items = call(tenders_app, "GET", "/tenders/{tender_id}/items", caller, path_params={"tender_id": detail["id"]})
    assert items["total"] >= 30
    _, deadlines = call(tenders_app, "GET", "/tenders/{tender_id}/deadlines", caller,
                        path_params={"tender_id": detail["id"]})
    kinds = {d["kind"] for d in deadlines["items"]}
    assert {"session", "impugnacao", "esclarecimento"} <= kinds
    record = _mongo_record(detail["_upload"]["key"])
    assert record is not None and record["pages"] == 116
    print(f"\nTRT edital (116 pages) pipeline timings, ms: {record['runs'][-1]['timings_ms']}")
    session = next(d for d in deadlines["items"] if d["kind"] == "session")
    assert session["due_at"].startswith("2018-07-05T16:00") or session["due_at"].startswith("2018-07-05T13:00")


def test_llm_failure_keeps_the_rules_result(aws: Aws, analysis_fn: ModuleType, tenders_app: Any) -> None:
    """A company on the OpenAI provider whose server is down: the tender still ends READY, with a note."""
    from factories import make_company, make_user
    from tenders_helpers import Caller

    company = make_company(settings={"llm_provider": "openai", "llm_base_url": "http://127.0.0.1:9/v1",
                                     "llm_api_key": "sk-test"})
    user = make_user(company, role="MANAGER")
    caller = Caller(str(user.id), str(company.id))
    detail = upload_and_analyse(tenders_app, aws, analysis_fn, caller, edital_pdf(number="321/2025"))
    assert detail["status"] == "READY", detail["review_reasons"]
    assert detail["fields"]["number"]["value"] == "321/2025"
    assert any("IA" in note for note in detail["notes"])
    record = _mongo_record(detail["_upload"]["key"])
    assert record is not None and record["provider"] == "openai"
    run = record["runs"][-1]
    # a loopback endpoint is now refused by the outbound guard before any request ("failed"); an unreachable
    # allowed one fails at the call ("llm_failed"): either way the rules result stands
    assert run["llm"]["status"] in {"llm_failed", "failed"} and "llm" in run["timings_ms"]


def test_operator_llm_timeout_and_prompt_budget_reach_the_model_call(aws: Aws, analysis_fn: ModuleType,
                                                                     tenders_app: Any) -> None:
    """LLM_TIMEOUT_SECONDS and LLM_PROMPT_BUDGET (a CPU-only model needs longer calls, a small one a shorter
    prompt) govern the pipeline's model call: slower than the timeout is abandoned and retried, the prompt
    keeps to the budget, and the rules result stands."""
    from bson import ObjectId
    from llm_servers import OpenAICompatServer, Reply
    from llm_servers.samples import good_answer_json

    from factories import make_company, make_user
    from licita.core.config import reset_settings
    from licita.extraction.llm.prompts import build_user_prompt
    from licita.platform.clients import get_mongo
    from tenders_helpers import Caller

    with OpenAICompatServer("gemma-local") as server, \
            env_vars({"OPENAI_BASE_URL": server.base_url, "OPENAI_MODEL": "gemma-local", "LLM_TIMEOUT_SECONDS": "0.5",
                      "LLM_PROMPT_BUDGET": "1000"}, reset_settings):
        server.default = Reply(content=good_answer_json(), delay=2.0)
        company = make_company(settings={"llm_provider": "openai"})
        caller = Caller(str(make_user(company, role="MANAGER").id), str(company.id))
        detail = upload_and_analyse(tenders_app, aws, analysis_fn, caller, edital_pdf(number="557/2025", pages=4))
        prompts = [r["messages"][1]["content"] for r in server.chat_requests()]
    assert detail["status"] == "READY" and detail["fields"]["number"]["value"] == "557/2025"
    record = _mongo_record(detail["_upload"]["key"])
    assert record is not None
    llm = record["runs"][-1]["llm"]
    assert llm["status"] == "llm_failed" and llm["model"] == "gemma-local"
    model_call = get_mongo()["ai_processing"].find_one({"_id": ObjectId(llm["record_id"])})
    assert model_call is not None and model_call["attempts"] == 3 == len(prompts)
    assert [e["kind"] for e in model_call["errors"]] == ["timeout"] * 3
    assert model_call["sections"]["chars"] <= 1000 < model_call["sections"]["source_chars"]
    assert all(len(p) <= len(build_user_prompt("")) + 1000 for p in prompts)


def test_concurrent_duplicate_deliveries_analyse_once(aws: Aws, analysis_fn: ModuleType, tenders_app: Any) -> None:
    """Two function instances get the same message at once: one analyses, the other backs off."""
    from concurrent.futures import ThreadPoolExecutor

    caller = make_caller()
    _, created = request_upload(tenders_app, caller, "edital.pdf", "application/pdf")
    assert post_file(created["upload"], edital_pdf(number="202/2025")).status_code in (200, 204)
    messages = drain(aws.sqs, aws.analysis_queue)
    _events(aws)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: analysis_fn.handler(sqs_event(messages), None), range(4)))
    assert all(r == {"batchItemFailures": []} for r in results)
    _, detail = call(tenders_app, "GET", "/tenders/{tender_id}", caller,
                     path_params={"tender_id": created["tender_id"]})
    assert detail["status"] == "READY"
    counts = _counts(created["tender_id"])
    assert counts["tender_documents"] == 1 and counts["deadlines"] >= 4
    _, deadlines = call(tenders_app, "GET", "/tenders/{tender_id}/deadlines", caller,
                        path_params={"tender_id": created["tender_id"]})
    kinds = [d["kind"] for d in deadlines["items"]]
    assert len(kinds) == len(set(kinds))  # nothing doubled
    assert [e["type"] for e in _events(aws)] == ["tender.analyzed"]
    record = _mongo_record(created["key"])
    assert record is not None
    statuses = sorted(r["status"] for r in record["runs"])
    assert statuses.count("READY") == 1 and statuses.count("SKIPPED") == 3


def test_a_run_that_could_not_publish_is_published_by_a_late_redelivery_only(
        aws: Aws, analysis_fn: ModuleType, tenders_app: Any) -> None:
    """A delivery right after the run (the run is still publishing) must not publish a second event; one after
    the grace (the crashed run's message, back after the visibility timeout) publishes the missing one."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    caller = make_caller()
    _, created = request_upload(tenders_app, caller, "edital.pdf", "application/pdf")
    assert post_file(created["upload"], edital_pdf(number="77/2025")).status_code in (200, 204)
    messages = drain(aws.sqs, aws.analysis_queue)
    _events(aws)
    assert analysis_fn.handler(sqs_event(messages), None) == {"batchItemFailures": []}
    assert [e["type"] for e in _events(aws)] == ["tender.analyzed"]

    def lose_event(finished_ago: timedelta) -> None:  # as if the run had committed and then crashed
        with system_transaction() as db:
            db.execute(update(TenderDocument).where(TenderDocument.s3_key == created["key"]).values(
                event_published_at=None, analysed_at=datetime.now(UTC) - finished_ago))

    lose_event(timedelta(seconds=1))
    assert analysis_fn.handler(sqs_event(messages), None) == {"batchItemFailures": []}
    assert _events(aws) == []  # the run may still be publishing
    lose_event(timedelta(minutes=10))
    assert analysis_fn.handler(sqs_event(messages), None) == {"batchItemFailures": []}
    assert [e["type"] for e in _events(aws)] == ["tender.analyzed"]
    assert analysis_fn.handler(sqs_event(messages), None) == {"batchItemFailures": []}
    assert _events(aws) == []  # published once: recorded, not sent again
