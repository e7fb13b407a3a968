"""The single publisher of domain events onto the notifications queue."""

from __future__ import annotations

import json
import logging
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


def send(queue_url: str, body: dict[str, Any], *, attributes: dict[str, str] | None = None) -> str:
    """One JSON message onto any queue of the deployment (analysis, redrives); returns its MessageId."""
    kwargs: dict[str, Any] = {"QueueUrl": queue_url, "MessageBody": json.dumps(body, ensure_ascii=False, default=str)}
    if attributes:
        kwargs["MessageAttributes"] = {k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()}
    sent = aws_client("sqs").send_message(**kwargs)
    return str(sent.get("MessageId", ""))


def publish(event_type: str, company_id: str, payload: dict[str, Any], *, user_id: str | None = None) -> str:
    event = build_event(event_type, company_id, payload, user_id=user_id)
    send(get_settings().notifications_queue_url, event, attributes={"type": event_type})
    return str(event["id"])


def publish_quietly(event_type: str, company_id: str, payload: dict[str, Any], *,
                    user_id: str | None = None) -> str | None:
    """Publish after a committed mutation: the change stands even if the notification cannot go out."""
    try:
        return publish(event_type, company_id, payload, user_id=user_id)
    except Exception:
        logging.getLogger("licita.events").warning("could not publish %s", event_type, exc_info=True)
        return None
