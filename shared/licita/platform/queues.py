"""The single publisher of domain events onto the notifications queue."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from licita.core.config import get_settings
from licita.platform.clients import aws_client


def build_event(event_type: str, company_id: str, payload: dict[str, Any], *,
                user_id: str | None = None) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex, "type": event_type, "company_id": str(company_id),
        "user_id": None if user_id is None else str(user_id),
        "occurred_at": datetime.now(UTC).isoformat(), "payload": payload,
    }


def publish(event_type: str, company_id: str, payload: dict[str, Any], *, user_id: str | None = None) -> str:
    event = build_event(event_type, company_id, payload, user_id=user_id)
    aws_client("sqs").send_message(
        QueueUrl=get_settings().notifications_queue_url,
        MessageBody=json.dumps(event, ensure_ascii=False, default=str),
        MessageAttributes={"type": {"DataType": "String", "StringValue": event_type}},
    )
    return str(event["id"])


def publish_quietly(event_type: str, company_id: str, payload: dict[str, Any], *,
                    user_id: str | None = None) -> str | None:
    """Publish after a committed mutation: the change stands even if the notification cannot go out."""
    import logging

    try:
        return publish(event_type, company_id, payload, user_id=user_id)
    except Exception:
        logging.getLogger("licita.events").warning("could not publish %s", event_type, exc_info=True)
        return None
