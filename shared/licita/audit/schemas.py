"""The audit trail's API models (the audit area's own, so it depends on no area above it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from licita.core.schemas import Paged, PageQuery, Schema


class AuditQuery(PageQuery):
    action: str | None = Field(None, max_length=60)
    entity: str | None = Field(None, max_length=60)
    entity_id: str | None = Field(None, max_length=64)
    user_id: UUID | None = None
    company_id: UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditEntry(Schema):
    id: int
    company_id: UUID | None
    user_id: UUID | None
    action: str
    entity: str
    entity_id: str | None
    ip_address: str | None
    user_agent: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: datetime


class AuditList(Paged[AuditEntry]): ...


class ActivityList(Schema):
    items: list[dict[str, Any]]
