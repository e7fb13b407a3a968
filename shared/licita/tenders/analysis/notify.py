"""The tender.* events a finished run (or a dead letter) raises; the uploader is the event's user."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from licita.core.config import get_settings
from licita.platform.queues import publish
from licita.tenders.models import Tender, TenderDocument, TenderStatus

log = logging.getLogger("licita.analysis")

EVENT_TYPES = {TenderStatus.READY: "tender.analyzed", TenderStatus.NEEDS_REVIEW: "tender.needs_review",
               TenderStatus.FAILED: "tender.failed"}


def event_payload(tender: Tender, doc: TenderDocument) -> dict[str, Any]:
    return {"tender_id": str(tender.id), "document_id": str(doc.id), "status": tender.status,
            "title": tender.title, "failure_reason": tender.failure_reason, "cache_hit": doc.cache_hit,
            "review_reasons": list(tender.review_reasons or []), "filename": doc.filename,
            "session_at": tender.session_at.isoformat() if tender.session_at else None}


def publish_status(tender: Tender, doc: TenderDocument) -> None:
    """Publish the event of the tender's status now; raises when the queue refuses (callers decide)."""
    publish(EVENT_TYPES[TenderStatus(tender.status)], str(tender.company_id), event_payload(tender, doc),
            user_id=str(tender.created_by) if tender.created_by else None)


def publish_for(db: Session, tender: Tender, doc: TenderDocument) -> None:
    """Publish once per finished run (``event_published_at``); a failure is retried by the next delivery."""
    if not get_settings().notifications_queue_url or tender.status not in EVENT_TYPES:
        return
    try:
        publish_status(tender, doc)
    except Exception:
        log.warning("event for tender %s not published (will retry on redelivery)", tender.id, exc_info=True)
        return
    doc.event_published_at = datetime.now(UTC)
