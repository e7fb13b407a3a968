"""Notifications queue consumer: fans each domain event out to the live WebSocket connections."""

from __future__ import annotations

import json
from typing import Any

from licita.events.sqs import process_batch


def _deliver(record: dict[str, Any]) -> None:
    from licita.services.notifications import deliver

    deliver(json.loads(record["body"]))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return process_batch(event, _deliver)
