"""SQS batch handling with partial failures: one bad record never makes the good ones retry."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("licita.sqs")


def process_batch(event: dict[str, Any], process: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Run ``process`` per record; report the failed ones so SQS redelivers (and finally DLQs) only them."""
    failures: list[dict[str, str]] = []
    for record in event.get("Records", []):
        try:
            process(record)
        except Exception as exc:
            log.warning("record %s failed (receive #%s): %s", record.get("messageId"),
                        record.get("attributes", {}).get("ApproximateReceiveCount"), exc, exc_info=True)
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
