"""Analysis queue consumer (S3 ObjectCreated through SQS, partial batch failures), the analysis DLQ's consumer and
the OCR helpers' consumer (pages of another invocation's long scan, ``licita.documents.ocr_share``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from licita.core.lazy import lazy_imports
from licita.platform.sqs import process_batch

if TYPE_CHECKING:
    from licita.tenders.analysis import ocr_fanout, pipeline, recovery
else:  # the pipeline (documents, extraction, SQLAlchemy) loads on the first record, not at INIT (cold start)
    ocr_fanout, pipeline, recovery = lazy_imports("licita.tenders.analysis", "ocr_fanout", "pipeline", "recovery")


def _process(record: dict[str, Any]) -> None:
    pipeline.handle_notification(json.loads(record["body"]))


def _dead_letter(record: dict[str, Any]) -> None:
    recovery.on_dead_letter(record["body"], receive_count=record.get("attributes", {}).get("ApproximateReceiveCount"))


def _ocr_chunk(record: dict[str, Any]) -> None:
    ocr_fanout.read_chunk(json.loads(record["body"]))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_batch(event, _process)


def dead_letter_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A dead-lettered analysis: the tender ends FAILED with a reason, the uploader is told, a redrive is planned."""
    return process_batch(event, _dead_letter)


def ocr_pages_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Pages a lead asked helpers to read; one chunk per invocation (BatchSize 1), on this invocation's cores."""
    return process_batch(event, _ocr_chunk)
