"""SQS event source mappings: long-poll each subscribed queue and invoke its function with batches.

Semantics follow Lambda's poller: success deletes the batch; with ReportBatchItemFailures only the
listed ``itemIdentifier``s stay (an invalid report fails the whole batch); an exception deletes nothing.
Failed messages come back after the visibility timeout and the queue's RedrivePolicy moves them to the
DLQ after ``maxReceiveCount`` receives (moto does this; if an endpoint does not, we do it here).

Like Lambda's pollers, several batches of one event source run at once: ``LICITA_LOCAL_SQS_CONCURRENCY``
(default 4, at most the function's container cap) batches in flight per queue/function pair, so a burst
(e.g. a fan-out's ``push.chunk`` messages) is handled by concurrent invocations, not one after another.
Receiving scales the same way: an idle source has one long-polling receiver (one call a second), and a full
batch starts burst receivers (up to one per slot) that receive without waiting until the queue runs dry. One
receiver alone capped a backlog at one ``ReceiveMessage`` round trip per batch (measured: 4 slots averaged
fewer than 2 batches in flight during a 300-event burst).

``LICITA_LOCAL_MAX_VISIBILITY_SECONDS`` caps how long a failed message stays invisible (the runtime
calls ChangeMessageVisibility on failures), so retries/DLQ can be watched in seconds, not minutes.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from licita_local.aws import client
from licita_local.events import sqs_event
from licita_local.functions import FunctionHost
from licita_local.template import QueueDef, SqsEvent, Template, queue_arn

log = logging.getLogger("licita.local.sqs")


def concurrency() -> int:
    return max(1, int(os.environ.get("LICITA_LOCAL_SQS_CONCURRENCY", "4")))


def max_visibility() -> int | None:
    raw = os.environ.get("LICITA_LOCAL_MAX_VISIBILITY_SECONDS")
    return int(raw) if raw else None


def failed_ids(result: Any, message_ids: list[str]) -> list[str] | None:
    """Message ids to keep, from a ReportBatchItemFailures response; ``None`` = the whole batch failed.

    Like Lambda: no dict / null / empty ``batchItemFailures`` is full success; an identifier that is
    missing, empty or not in the batch makes the whole batch a failure.
    """
    if not isinstance(result, dict):
        return []
    failures = result.get("batchItemFailures")
    if not failures:
        return []
    if not isinstance(failures, list):
        return None
    out: list[str] = []
    for item in failures:
        ident = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not ident or ident not in message_ids:
            return None
        out.append(str(ident))
    return out


class SqsPoller(threading.Thread):
    def __init__(self, event: SqsEvent, host: FunctionHost, template: Template, endpoint_url: str) -> None:
        super().__init__(name=f"sqs-{event.function}-{event.name}", daemon=True)
        self.event = event
        self.host = host
        self.queue: QueueDef = template.queues[event.queue]
        self.queue_url = template.queue_url(event.queue)
        self.arn = queue_arn(self.queue.name)
        self.dlq_url = template.queue_url(self.queue.dlq) if self.queue.dlq else None
        self.endpoint_url = endpoint_url
        self._stop_event = threading.Event()
        self.batches = 0
        self.client: Any = None
        self.concurrency = min(concurrency(), host.max_containers)
        self._slots = threading.BoundedSemaphore(self.concurrency)
        self._count_lock = threading.Lock()
        self._burst_receivers = 0  # running now, besides this thread (at most concurrency - 1)

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        self.client = client("sqs", self.endpoint_url)
        backoff = 0.5
        while not self._stop_event.is_set():
            while not self._slots.acquire(timeout=0.5):  # a free slot before receiving (no message waits on us)
                if self._stop_event.is_set():
                    return
            try:
                messages = self._receive_batch()
                backoff = 0.5
            except Exception as exc:
                self._slots.release()
                if self._stop_event.is_set():
                    return
                log.warning("receive from %s failed: %s", self.queue.name, exc)
                self._stop_event.wait(backoff)
                backoff = min(backoff * 2, 10)
                continue
            if not messages:
                self._slots.release()
            elif self.concurrency == 1:
                self._deliver_then_release(messages)
            else:
                self._dispatch(messages)
                if len(messages) >= self.event.batch_size:  # a backlog: receive in parallel while it lasts
                    self._start_burst_receiver()

    def _dispatch(self, messages: list[dict[str, Any]]) -> None:
        threading.Thread(target=self._deliver_then_release, args=(messages,), daemon=True,
                         name=f"{self.name}-batch").start()

    def _start_burst_receiver(self) -> None:
        with self._count_lock:
            if self._burst_receivers >= self.concurrency - 1:
                return
            self._burst_receivers += 1
        threading.Thread(target=self._burst_receive, daemon=True, name=f"{self.name}-burst").start()

    def _burst_receive(self) -> None:
        """Receive without waiting, a batch per free slot, until a receive comes back empty (or fails)."""
        try:
            while not self._stop_event.is_set():
                if not self._slots.acquire(timeout=0.5):
                    continue
                try:
                    messages = self._receive(0, self.event.batch_size)
                except Exception:
                    self._slots.release()
                    return  # the long-polling receiver reports and backs off
                if not messages:
                    self._slots.release()
                    return
                self._dispatch(messages)
        finally:
            with self._count_lock:
                self._burst_receivers -= 1

    def _deliver_then_release(self, messages: list[dict[str, Any]]) -> None:
        try:
            self._deliver(messages)
        except Exception:
            log.warning("delivering a batch from %s failed", self.queue.name, exc_info=True)
        finally:
            self._slots.release()

    def _receive(self, wait: int, max_n: int) -> list[dict[str, Any]]:
        resp = self.client.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=max_n, WaitTimeSeconds=wait,
            AttributeNames=["All"], MessageAttributeNames=["All"],
        )
        msgs: list[dict[str, Any]] = resp.get("Messages", [])
        return self._redrive_exhausted(msgs)

    def _receive_batch(self) -> list[dict[str, Any]]:
        size = self.event.batch_size
        messages = self._receive(1, size)
        if messages and len(messages) < size and self.event.batching_window > 0:
            deadline = time.monotonic() + self.event.batching_window
            while len(messages) < size and not self._stop_event.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                more = self._receive(min(int(remaining), 1) if remaining >= 1 else 0, size - len(messages))
                messages += more
                if not more and remaining < 1:
                    self._stop_event.wait(min(remaining, 0.1))
        return messages

    def _redrive_exhausted(self, msgs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Safety net for endpoints without redrive: move messages received too often to the DLQ."""
        limit = self.queue.max_receive_count
        if not msgs or limit is None or self.dlq_url is None:
            return msgs
        keep: list[dict[str, Any]] = []
        for m in msgs:
            if int((m.get("Attributes") or {}).get("ApproximateReceiveCount", "1")) > limit:
                kwargs: dict[str, Any] = {"QueueUrl": self.dlq_url, "MessageBody": m["Body"]}
                if m.get("MessageAttributes"):
                    kwargs["MessageAttributes"] = m["MessageAttributes"]
                self.client.send_message(**kwargs)
                self.client.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
                log.info("moved %s to %s after %s receives", m["MessageId"], self.queue.dlq, limit)
            else:
                keep.append(m)
        return keep

    def _deliver(self, messages: list[dict[str, Any]]) -> None:
        with self._count_lock:
            self.batches += 1
        ids = [m["MessageId"] for m in messages]
        target = f"{self.queue.logical_id} ({len(messages)} msg)"
        try:
            result = self.host.invoke(sqs_event(messages, self.arn), source="sqs", target=target)
        except Exception:
            self._fail(messages)
            return
        if self.event.report_batch_item_failures:
            keep = failed_ids(result, ids)
            if keep is None:
                log.warning("%s returned an invalid batchItemFailures report: whole batch failed",
                            self.host.name)
                self._fail(messages)
                return
        else:
            keep = []
        keep_set = set(keep)
        self._delete_messages([m for m in messages if m["MessageId"] not in keep_set])
        if keep_set:
            self._fail([m for m in messages if m["MessageId"] in keep_set])

    def _delete_messages(self, messages: list[dict[str, Any]]) -> None:
        for i in range(0, len(messages), 10):
            chunk = messages[i:i + 10]
            self.client.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(chunk)])

    def _fail(self, messages: list[dict[str, Any]]) -> None:
        cap = max_visibility()
        if cap is None:
            return  # they reappear after the queue's own VisibilityTimeout
        for i in range(0, len(messages), 10):
            chunk = messages[i:i + 10]
            try:
                self.client.change_message_visibility_batch(QueueUrl=self.queue_url, Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": cap}
                    for n, m in enumerate(chunk)])
            except Exception as exc:
                log.debug("change_message_visibility failed: %s", exc)

    def describe(self) -> dict[str, Any]:
        return {"function": self.host.name, "event": self.event.name, "queue": self.queue.logical_id,
                "batch_size": self.event.batch_size, "batching_window": self.event.batching_window,
                "report_batch_item_failures": self.event.report_batch_item_failures,
                "concurrency": self.concurrency, "batches": self.batches}

