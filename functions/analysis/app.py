"""Analysis queue consumer: S3 ObjectCreated notifications delivered through SQS (partial batch failures)."""

from __future__ import annotations

import json
from typing import Any

from licita.platform.sqs import process_batch


def _process(record: dict[str, Any]) -> None:
    from licita.tenders.uploads import handle_s3_notification

    handle_s3_notification(json.loads(record["body"]))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_batch(event, _process)
