"""The SQS event source: partial batch response semantics, and receiving a backlog in parallel."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any

import pytest

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


class _BacklogSqs:
    """A queue holding a backlog; every ReceiveMessage takes 20 ms (a round trip), counted while in progress."""

    def __init__(self, count: int) -> None:
        self.waiting = [{"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": "{}", "Attributes": {}}
                        for i in range(count)]
        self.deleted: list[str] = []
        self.lock = threading.Lock()
        self.receiving = 0
        self.peak_receiving = 0

    def receive_message(self, **kw: Any) -> dict[str, Any]:
        with self.lock:
            self.receiving += 1
            self.peak_receiving = max(self.peak_receiving, self.receiving)
        time.sleep(0.02)
        with self.lock:
            self.receiving -= 1
            batch, self.waiting = self.waiting[:kw["MaxNumberOfMessages"]], self.waiting[kw["MaxNumberOfMessages"]:]
        if not batch and kw["WaitTimeSeconds"]:
            time.sleep(0.05)  # a long poll on an empty queue
        return {"Messages": batch}

    def delete_message_batch(self, **kw: Any) -> dict[str, Any]:
        with self.lock:
            self.deleted += [e["ReceiptHandle"] for e in kw["Entries"]]
        return {}


def test_a_backlog_is_received_in_parallel_and_the_extra_receivers_stop_when_it_is_drained(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from licita_local import sqs

    fake = _BacklogSqs(200)
    monkeypatch.setattr(sqs, "client", lambda *_: fake)
    monkeypatch.setenv("LICITA_LOCAL_SQS_CONCURRENCY", "4")
    host = SimpleNamespace(name="Notify", max_containers=8, invoke=lambda *a, **k: time.sleep(0.005))
    queue = SimpleNamespace(name="q", dlq=None, max_receive_count=None, logical_id="Q")
    template = SimpleNamespace(queues={"Q": queue}, queue_url=lambda name: f"http://sqs/{name}")
    event = SimpleNamespace(function="Notify", name="Q", queue="Q", batch_size=10, batching_window=0,
                            report_batch_item_failures=False)
    poller = sqs.SqsPoller(event, host, template, "http://sqs")  # type: ignore[arg-type]
    poller.start()
    try:
        deadline = time.monotonic() + 10
        while len(fake.deleted) < 200 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sorted(fake.deleted) == sorted(f"r{i}" for i in range(200))  # each message once
        assert fake.peak_receiving >= 2  # one receiver alone never overlaps its receives
        while poller._burst_receivers and time.monotonic() < deadline:
            time.sleep(0.01)
        assert poller._burst_receivers == 0  # idle again: one long-polling receiver
    finally:
        poller.stop()
        poller.join(5)
