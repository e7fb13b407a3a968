"""Deliver a domain event: decide the audience and push it to their live connections."""

from __future__ import annotations

from typing import Any

from licita.errors import ValidationFailed
from licita.services import realtime


def deliver(event: dict[str, Any]) -> dict[str, int]:
    if not isinstance(event, dict) or not event.get("type") or not event.get("company_id"):
        raise ValidationFailed("Evento sem 'type' ou 'company_id'.", code="malformed_event")
    topics = [f"user:{event['user_id']}"] if event.get("user_id") else [f"company:{event['company_id']}"]
    message = {"type": "notification", "event": event["type"], "id": event.get("id"),
               "occurred_at": event.get("occurred_at"), "payload": event.get("payload") or {}}
    return realtime.push(topics, message)
