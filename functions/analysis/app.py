"""Analysis queue consumer (S3 ObjectCreated through SQS, partial batch failures) and the analysis DLQ's consumer."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from licita.core.lazy import lazy_imports
from licita.platform.sqs import process_batch

if TYPE_CHECKING:
    from licita.tenders.analysis import pipeline, recovery
else:  # the pipeline (documents, extraction, SQLAlchemy) loads on the first record, not at INIT (cold start)
    pipeline, recovery = lazy_imports("licita.tenders.analysis", "pipeline", "recovery")


def _process(record: dict[str, Any]) -> None:
    pipeline.handle_notification(json.loads(record["body"]))


def _dead_letter(record: dict[str, Any]) -> None:
    recovery.on_dead_letter(record["body"], receive_count=record.get("attributes", {}).get("ApproximateReceiveCount"))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_batch(event, _process)


def dead_letter_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A dead-lettered analysis: the tender ends FAILED with a reason, the uploader is told, a redrive is planned."""
    return process_batch(event, _dead_letter)
