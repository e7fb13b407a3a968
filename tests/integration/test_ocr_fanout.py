"""OCR fan-out on real services: the lead's chunks travel through SQS (moto), helpers read the object from S3 and
claim/publish pages in Redis, the lead collects them. Tesseract is real; nothing here is stubbed."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from env_support import env_vars

from licita.documents.errors import OcrUnavailable
from licita.tenders.analysis.ocr_fanout import KIND, RedisPageShare, read_chunk
from notify_helpers import reset_licita
from tenders_helpers import Aws, make_caller, scanned_pdf, sqs_event, upload_and_analyse


@pytest.fixture
def pages_queue(aws: Aws) -> Iterator[str]:
    queue = aws.sqs.create_queue(QueueName=f"ocr-pages-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    with env_vars({"OCR_PAGES_QUEUE_URL": queue, "OCR_HELPERS": "2"}, reset_licita):
        yield queue


def _receive(aws: Aws, queue: str, wait: int = 1) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = aws.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=wait,
                                                        AttributeNames=["All"]).get("Messages", [])
    return got


def _upload(aws: Aws, data: bytes) -> tuple[str, str]:
    key = f"companies/{uuid.uuid4()}/tenders/{uuid.uuid4()}/documents/scan.pdf"
    etag = aws.s3.put_object(Bucket=aws.bucket, Key=key, Body=data)["ETag"].strip('"')
    return key, etag


def test_chunks_travel_through_sqs_and_helpers_publish_pages_in_redis(aws: Aws, pages_queue: str,
                                                                       analysis_fn: ModuleType) -> None:
    import hashlib

    data = scanned_pdf(pages=4, dpi=150)
    key, etag = _upload(aws, data)
    lead = RedisPageShare.lead({"bucket": aws.bucket, "key": key, "etag": etag, "filename": "scan.pdf",
                                "sha256": hashlib.sha256(data).hexdigest()}, helpers=2)
    assert lead.dispatch([[1], [2, 3]])
    messages = _receive(aws, pages_queue)
    bodies = [json.loads(m["Body"]) for m in messages]
    assert sorted(b["pages"] for b in bodies) == [[1], [2, 3]] and {b["kind"] for b in bodies} == {KIND}
    assert all(b["token"] == lead.token and b["key"] == key for b in bodies)

    result = analysis_fn.ocr_pages_handler(sqs_event(messages), None)  # as Lambda's poller calls it
    assert result == {"batchItemFailures": []}
    texts = lead.collect([0, 1, 2, 3])
    assert sorted(texts) == [1, 2, 3]  # page 1 was nobody's chunk
    assert all(isinstance(t, str) and "Cláusula" in t for t in (texts[2], texts[3])), texts
    assert "TERMO DE REFERÊNCIA" in str(texts[1])
    assert lead.claim([1, 2, 3]) is None  # published pages are nobody's to claim again
    assert lead.claim([0]) == 0
    lead.close()
    assert not lead.is_open() and lead.collect([1]) == {}


def test_claims_in_redis_exclude_each_other_go_stale_and_close(aws: Aws, pages_queue: str) -> None:
    token = uuid.uuid4().hex
    lead = RedisPageShare(token, helpers=1, stale_after=0.5)
    helper = RedisPageShare(token, stale_after=0.5)
    assert helper.claim([3]) is None  # nothing open yet: a helper never works for a run that has not started
    assert lead.dispatch([[3, 4]])
    assert helper.claim([3]) == 3 and lead.claim([3, 4]) == 4 and helper.claim([4]) is None
    time.sleep(0.6)
    assert lead.claim([3]) == 3  # the helper never published page 4: its claim went stale
    helper.publish(3, OcrUnavailable("Falha no OCR: teste"))
    found = lead.collect([3, 4])
    assert isinstance(found[3], OcrUnavailable) and found[3].message == "Falha no OCR: teste" and 4 not in found
    lead.close()
    assert helper.claim([5]) is None


def test_a_chunk_that_cannot_be_served_is_consumed_with_a_reason(aws: Aws, pages_queue: str,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="licita.analysis.ocr")
    data = scanned_pdf(pages=2, dpi=100)
    key, etag = _upload(aws, data)
    lead = RedisPageShare.lead({"bucket": aws.bucket, "key": key, "etag": etag, "filename": "scan.pdf",
                                "sha256": "0" * 64}, helpers=1)
    assert lead.dispatch([[1]])
    body = json.loads(_receive(aws, pages_queue)[0]["Body"])
    assert read_chunk(body) == {"read": 0, "taken": 0, "failed": 0}  # another file's hash: nothing published
    assert read_chunk({**body, "settings": "tesseract/0/por/dpi1/psm3"}) == {"read": 0, "taken": 0, "failed": 0}
    assert read_chunk({"kind": KIND}) == {"read": 0, "taken": 0, "failed": 0}
    assert lead.collect([1]) == {}
    assert "mudou" in caplog.text and "settings" in caplog.text and "malformed" in caplog.text
    lead.close()


def test_an_upload_is_read_by_the_analysis_and_a_helper_together(aws: Aws, pages_queue: str,
                                                                  analysis_fn: ModuleType, tenders_app: Any) -> None:
    served: list[dict[str, Any]] = []
    stop = threading.Event()

    def helpers() -> None:  # the OcrPagesFunction event source, as the local runtime runs it
        while True:
            messages = _receive(aws, pages_queue)
            if not messages and stop.is_set():
                return  # a chunk received after the run has nothing to read, but is still consumed first
            for message in messages:
                served.append(json.loads(message["Body"]))
                analysis_fn.ocr_pages_handler(sqs_event([message]), None)
                aws.sqs.delete_message(QueueUrl=pages_queue, ReceiptHandle=message["ReceiptHandle"])

    poller = threading.Thread(target=helpers, daemon=True)
    poller.start()
    try:
        detail = upload_and_analyse(tenders_app, aws, analysis_fn, make_caller(), scanned_pdf(pages=12, dpi=150),
                                    "edital-digitalizado.pdf")
    finally:
        stop.set()
        poller.join(30)
    assert detail["status"] in ("READY", "NEEDS_REVIEW"), detail["review_reasons"]
    assert detail["documents"][0]["ocr_pages"] == 12  # every page read: by the lead or by a helper
    assert detail["fields"]["number"]["value"] == "012/2025"

    from licita.platform.clients import get_mongo

    record = get_mongo()["ai_processing"].find_one({"sha256": detail["documents"][0]["sha256"]})
    assert record is not None
    share = record["runs"][-1]["ocr_share"]
    # 12 pages, no ruled table: the 3 first pages are the lead's, the 9 others go to two helpers (chunks of at
    # least 4 pages); the lead reads the chunks' tails once its first pages are read, so how many pages each
    # side read depends on timing, but every page is read once
    assert share["chunks"] == 2 and share["pages_asked"] == 9 and 0 <= share["pages_from_helpers"] <= 9
    assert sorted(b["pages"] for b in served) == [[3, 4, 5, 6], [7, 8, 9, 10, 11]]


def test_no_share_unless_helpers_and_their_queue_are_configured(aws: Aws) -> None:
    from licita.tenders.analysis.ocr_fanout import lead_share

    args = (aws.bucket, "companies/x/tenders/y/documents/scan.pdf", "etag", "scan.pdf", "0" * 64)
    with env_vars({"OCR_HELPERS": "0", "OCR_PAGES_QUEUE_URL": "http://queue"}, reset_licita):
        assert lead_share(*args) is None  # the local runtime's default: one machine gains nothing
    with env_vars({"OCR_HELPERS": "3", "OCR_PAGES_QUEUE_URL": ""}, reset_licita):
        assert lead_share(*args) is None
    with env_vars({"OCR_HELPERS": "3", "OCR_PAGES_QUEUE_URL": "http://queue"}, reset_licita):
        share = lead_share(*args)
        assert share is not None and share.helpers == 3 and not share.dispatched
