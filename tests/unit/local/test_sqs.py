"""Partial batch response semantics of the SQS event source."""

from __future__ import annotations

from licita_local.sqs import failed_ids

IDS = ["m1", "m2", "m3"]


def test_success_shapes_delete_everything() -> None:
    assert failed_ids(None, IDS) == []
    assert failed_ids({"batchItemFailures": []}, IDS) == []
    assert failed_ids({}, IDS) == []
    assert failed_ids("ok", IDS) == []


def test_listed_failures_are_kept() -> None:
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "m2"}]}, IDS) == ["m2"]


def test_invalid_reports_fail_the_whole_batch() -> None:
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "other"}]}, IDS) is None
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": ""}]}, IDS) is None
    assert failed_ids({"batchItemFailures": [{}]}, IDS) is None
    assert failed_ids({"batchItemFailures": "m1"}, IDS) is None
