"""Audit trail: every mutation records who, what, when, from where, before/after."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from licita.db.models import AuditLog


@dataclass(frozen=True)
class Actor:
    """Where a mutation came from (the HTTP layer fills it from the request)."""

    user_id: str | None = None
    company_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


def record(db: Session, actor: Actor, action: str, entity: str, entity_id: Any = None, *,
           company_id: Any = None, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None) -> None:
    db.add(AuditLog(
        company_id=company_id or actor.company_id, user_id=actor.user_id, action=action, entity=entity,
        entity_id=None if entity_id is None else str(entity_id), ip_address=valid_ip(actor.ip),
        user_agent=actor.user_agent, before=before, after=after, request_id=actor.request_id,
    ))


def valid_ip(ip: str | None) -> str | None:
    import ipaddress

    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None
