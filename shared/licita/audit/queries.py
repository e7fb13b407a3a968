"""Reading the audit trail: a company admin sees their company; MASTER sees every tenant."""

from __future__ import annotations

import uuid

from licita.audit import schemas as s
from licita.audit import service as audit
from licita.core.schemas import PageQuery
from licita.core.security.principal import Principal
from licita.platform.db.engine import system_transaction, tenant_transaction


def _entries(rows: list[audit.AuditLog]) -> list[s.AuditEntry]:
    return [s.AuditEntry(id=r.id, company_id=r.company_id, user_id=r.user_id, action=r.action, entity=r.entity,
                         entity_id=r.entity_id, ip_address=None if r.ip_address is None else str(r.ip_address),
                         user_agent=r.user_agent, before=r.before, after=r.after, created_at=r.created_at)
            for r in rows]


def _filters(query: s.AuditQuery) -> dict[str, object]:
    return query.model_dump(exclude={"page", "page_size"}, exclude_none=True)


def company_audit(principal: Principal, query: s.AuditQuery) -> s.AuditList:
    principal.require("audit:read")
    filters = _filters(query)
    filters.pop("company_id", None)  # a tenant cannot look elsewhere
    with tenant_transaction(principal.company_id) as db:
        rows, page = audit.list_audit(db, company_id=uuid.UUID(principal.company_id), page=query.page,
                                      page_size=query.page_size, filters=filters)
        return s.AuditList(items=_entries(rows), page=page)


def platform_audit(query: s.AuditQuery) -> s.AuditList:
    with system_transaction() as db:
        rows, page = audit.list_audit(db, company_id=None, page=query.page, page_size=query.page_size,
                                      filters=_filters(query))
        return s.AuditList(items=_entries(rows), page=page)


def company_activity(principal: Principal, query: PageQuery) -> s.ActivityList:
    return s.ActivityList(items=audit.activity(principal.company_id, limit=query.page_size))
