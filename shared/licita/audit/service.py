"""Audit trail: every mutation records who, what, when, from where, before/after.

The PostgreSQL ``audit_log`` row is written in the same transaction as the change (it is the record).
The SPA's timeline document in MongoDB ``activity_history`` is written only after that transaction
commits, so a rolled-back change never shows up in anyone's timeline; inside a request it waits for the
end of the handler (``audit.timeline``).
"""

from __future__ import annotations

import ipaddress
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from licita.audit import timeline
from licita.audit.models import AuditLog
from licita.core.actor import Actor
from licita.core.schemas import Page
from licita.platform.clients import get_mongo
from licita.platform.db.listing import paginate

__all__ = ["Actor", "AuditLog", "activity", "list_audit", "record", "valid_ip"]

log = logging.getLogger("licita.audit")
_PENDING = "licita_activity"


def valid_ip(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None


def record(db: Session, actor: Actor, action: str, entity: str, entity_id: Any = None, *,
           company_id: Any = None, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None) -> None:
    company = company_id or actor.company_id
    db.add(AuditLog(
        company_id=company, user_id=actor.user_id, action=action, entity=entity,
        entity_id=None if entity_id is None else str(entity_id), ip_address=valid_ip(actor.ip),
        user_agent=actor.user_agent, before=before, after=after, request_id=actor.request_id,
    ))
    db.info.setdefault(_PENDING, []).append({
        "company_id": None if company is None else str(company), "user_id": actor.user_id, "action": action,
        "entity": entity, "entity_id": None if entity_id is None else str(entity_id),
        "summary": after or {}, "at": datetime.now(UTC), "request_id": actor.request_id,
    })


@event.listens_for(Session, "after_commit")
def _publish_activity(session: Session) -> None:
    docs = session.info.pop(_PENDING, None)
    if docs:
        timeline.committed(docs)


@event.listens_for(Session, "after_rollback")
def _drop_activity(session: Session) -> None:
    session.info.pop(_PENDING, None)


def list_audit(db: Session, *, company_id: uuid.UUID | None, page: int, page_size: int,
               filters: dict[str, Any]) -> tuple[list[AuditLog], Page]:
    """Newest first, exact-match filters and a time window, through the one list helper."""
    stmt = select(AuditLog)
    if company_id is not None:
        stmt = stmt.where(AuditLog.company_id == company_id)
    for name in ("action", "entity", "entity_id", "user_id", "company_id"):
        if filters.get(name) is not None:
            stmt = stmt.where(getattr(AuditLog, name) == filters[name])
    if filters.get("since") is not None:
        stmt = stmt.where(AuditLog.created_at >= filters["since"])
    if filters.get("until") is not None:
        stmt = stmt.where(AuditLog.created_at < filters["until"])
    return paginate(db, stmt.order_by(AuditLog.id.desc()), page, page_size)


def activity(company_id: str, *, limit: int = 50, entity: str | None = None,
             entity_id: str | None = None) -> list[dict[str, Any]]:
    query: dict[str, Any] = {"company_id": company_id}
    if entity:
        query["entity"] = entity
    if entity_id:
        query["entity_id"] = entity_id
    docs = get_mongo()["activity_history"].find(query, {"_id": 0}).sort("at", -1).limit(limit)
    return list(docs)
