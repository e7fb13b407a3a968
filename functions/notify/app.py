"""Notifications queue consumer: each domain event → recipients' sockets, inbox and e-mail.

Partial batch failures: a record that fails (Mongo/Redis down, malformed event) is reported alone, SQS
redelivers it and finally moves it to the DLQ; redeliveries are idempotent per event id.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from licita.platform.sqs import process_batch

log = logging.getLogger("licita.notify")


def _deliver(record: dict[str, Any]) -> None:
    from licita.notifications.service import deliver

    result = deliver(json.loads(record["body"]))
    log.info("notify %s %s", record.get("messageId"), json.dumps(result))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_batch(event, _deliver)
