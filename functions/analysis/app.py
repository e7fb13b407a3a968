"""Analysis queue consumer (S3 ObjectCreated through SQS, partial batch failures) and the analysis DLQ's consumer."""

from __future__ import annotations

import json
from typing import Any

from licita.platform.sqs import process_batch


def _process(record: dict[str, Any]) -> None:
    from licita.tenders.analysis.pipeline import handle_notification

    handle_notification(json.loads(record["body"]))


def _dead_letter(record: dict[str, Any]) -> None:
    from licita.tenders.analysis.recovery import on_dead_letter

    on_dead_letter(record["body"], receive_count=record.get("attributes", {}).get("ApproximateReceiveCount"))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_batch(event, _process)


def dead_letter_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A dead-lettered analysis: the tender ends FAILED with a reason, the uploader is told, a redrive is planned."""
    return process_batch(event, _dead_letter)
