from __future__ import annotations

import uuid
from typing import Any

import pytest

from licita.platform.queues import build_event
from licita.platform.sqs import process_batch
from licita.tenders.uploads import PermanentFailure, parse_s3_notification


def test_partial_batch_reports_only_the_failed_records() -> None:
    seen: list[str] = []

    def process(record: dict[str, Any]) -> None:
        if record["body"] == "bad":
            raise ValueError("cannot")
        seen.append(record["body"])

    event = {"Records": [{"messageId": "1", "body": "ok"}, {"messageId": "2", "body": "bad"},
                         {"messageId": "3", "body": "ok2"}]}
    assert process_batch(event, process) == {"batchItemFailures": [{"itemIdentifier": "2"}]}
    assert seen == ["ok", "ok2"]


def test_s3_keys_are_url_decoded_and_validated() -> None:
    company, tender = uuid.uuid4(), uuid.uuid4()
    body = {"Records": [{"s3": {"bucket": {"name": "b"}, "object": {
        "key": f"companies/{company}/tenders/{tender}/Edital+PE+n%C2%BA+35.pdf", "size": 10, "eTag": "e"}}}]}
    (obj,) = parse_s3_notification(body)
    assert obj.filename == "Edital PE nº 35.pdf"
    assert (obj.company_id, obj.tender_id, obj.size) == (company, tender, 10)


def test_s3_test_event_is_ignored_and_foreign_keys_are_permanent_failures() -> None:
    assert parse_s3_notification({"Event": "s3:TestEvent"}) == []
    with pytest.raises(PermanentFailure):
        parse_s3_notification({"Records": [{"s3": {"object": {"key": "elsewhere/x.pdf"}}}]})
    with pytest.raises(PermanentFailure):
        parse_s3_notification({"hello": "world"})


def test_domain_events_have_id_type_and_tenant() -> None:
    event = build_event("tender.analyzed", "c1", {"tender_id": "t"}, user_id="u")
    assert event["type"] == "tender.analyzed" and event["company_id"] == "c1" and event["user_id"] == "u"
    assert len(event["id"]) == 32 and event["occurred_at"].endswith("+00:00")
