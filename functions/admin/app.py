"""Master admin function: platform dashboard, access requests, companies and users across tenants.

Every route needs the MASTER-only permission ``admin:all``. Impersonation does not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from licita.accounts import schemas as s
from licita.api import Api, RequestContext
from licita.audit import schemas as audit_schemas
from licita.core.lazy import lazy_imports

if TYPE_CHECKING:
    from licita.accounts import service as accounts
    from licita.admin import service as admin
    from licita.audit import queries as audit_queries
else:  # loaded on the first request that needs them (cold start)
    accounts, admin, audit_queries = lazy_imports("licita", "accounts.service", "admin.service", "audit.queries")

api = Api("admin", tags=["admin"])
app = api.app
MASTER = "admin:all"


@api.get("/admin/dashboard", response=s.Dashboard, permission=MASTER)
def dashboard(ctx: RequestContext[None, None]) -> s.Dashboard:
    """Companies by status, users, active sessions, analyses this month, queue and DLQ depths."""
    return admin.dashboard()


@api.get("/admin/access-requests", query=s.AccessRequestQuery, response=s.AccessRequestList, permission=MASTER)
def list_requests(ctx: RequestContext[None, s.AccessRequestQuery]) -> s.AccessRequestList:
    """Access requests, newest first."""
    return accounts.list_access_requests(ctx.query)


@api.post("/admin/access-requests/{request_id}/approve", response=s.ApprovalOut, permission=MASTER,
          errors=(404, 409))
def approve(ctx: RequestContext[None, None]) -> s.ApprovalOut:
    """Approve: creates the company and its first ADMIN_EMPRESA with a first-access token."""
    return accounts.approve_access_request(ctx.path_params["request_id"], ctx.user, ctx.actor)


@api.post("/admin/access-requests/{request_id}/reject", body=s.RejectRequest, response=s.AccessRequestOut,
          permission=MASTER, errors=(404, 409))
def reject(ctx: RequestContext[s.RejectRequest, None]) -> s.AccessRequestOut:
    """Reject with a reason."""
    return accounts.reject_access_request(ctx.path_params["request_id"], ctx.body.reason, ctx.user, ctx.actor)


@api.get("/admin/companies", query=s.CompanyQuery, response=s.CompanyList, permission=MASTER)
def list_companies(ctx: RequestContext[None, s.CompanyQuery]) -> s.CompanyList:
    """Search companies across tenants."""
    return accounts.admin_list_companies(ctx.query)


@api.get("/admin/companies/{company_id}", response=s.CompanyOut, permission=MASTER, errors=(404,))
def get_company(ctx: RequestContext[None, None]) -> s.CompanyOut:
    """One company."""
    return accounts.admin_get_company(ctx.path_params["company_id"])


@api.patch("/admin/companies/{company_id}", body=s.CompanyAdminUpdate, response=s.CompanyOut, permission=MASTER,
           errors=(404, 409, 422))
def update_company(ctx: RequestContext[s.CompanyAdminUpdate, None]) -> s.CompanyOut:
    """Change plan, limits, names, settings."""
    return accounts.admin_update_company(ctx.path_params["company_id"], ctx.body, ctx.actor)


@api.post("/admin/companies/{company_id}/suspend", response=s.CompanyOut, permission=MASTER, errors=(404, 409))
def suspend(ctx: RequestContext[None, None]) -> s.CompanyOut:
    """Suspend a company: every session of it is revoked at once."""
    return accounts.admin_set_company_status(ctx.path_params["company_id"], "SUSPENDED", ctx.actor)


@api.post("/admin/companies/{company_id}/reactivate", response=s.CompanyOut, permission=MASTER, errors=(404,))
def reactivate(ctx: RequestContext[None, None]) -> s.CompanyOut:
    """Reactivate a suspended company."""
    return accounts.admin_set_company_status(ctx.path_params["company_id"], "ACTIVE", ctx.actor)


@api.get("/admin/users", query=s.AdminUserQuery, response=s.UserList, permission=MASTER)
def list_users(ctx: RequestContext[None, s.AdminUserQuery]) -> s.UserList:
    """Search users across tenants."""
    return accounts.admin_list_users(ctx.query, None if ctx.query.company_id is None else str(ctx.query.company_id))


@api.get("/admin/audit", query=audit_schemas.AuditQuery, response=audit_schemas.AuditList, permission=MASTER)
def audit_log(ctx: RequestContext[None, audit_schemas.AuditQuery]) -> audit_schemas.AuditList:
    """The audit log of every tenant, filtered."""
    return audit_queries.platform_audit(ctx.query)
