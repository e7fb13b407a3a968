"""Accounts function: access requests, own company, users, profile, audit, dynamic settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from licita.accounts import schemas as s
from licita.api import Api, RequestContext
from licita.audit import schemas as audit_schemas
from licita.core.lazy import lazy_imports
from licita.core.schemas import PageQuery

if TYPE_CHECKING:
    from licita.accounts import dynamic_settings
    from licita.accounts import service as accounts
    from licita.audit import queries as audit_queries
else:  # loaded on the first request that needs them (cold start)
    accounts, audit_queries, dynamic_settings = lazy_imports(
        "licita", "accounts.service", "audit.queries", "accounts.dynamic_settings")

api = Api("accounts", tags=["accounts"])
app = api.app


@api.post("/access-requests", body=s.AccessRequestCreate, response=s.AccessRequestOut, status=201, public=True,
          errors=(409,))
def request_access(ctx: RequestContext[s.AccessRequestCreate, None]) -> s.AccessRequestOut:
    """A company asks for access (CNPJ check digits validated)."""
    return accounts.create_access_request(ctx.body, ctx.actor)


@api.get("/companies/me", response=s.CompanyOut)
def own_company(ctx: RequestContext[None, None]) -> s.CompanyOut:
    """The caller's company: plan, limits, settings, status."""
    return accounts.get_own_company(ctx.user)


@api.patch("/companies/me", body=s.CompanyUpdate, response=s.CompanyOut, permission="company:write")
def update_company(ctx: RequestContext[s.CompanyUpdate, None]) -> s.CompanyOut:
    """Company admins edit their own company."""
    return accounts.update_own_company(ctx.user, ctx.body, ctx.actor)


@api.post("/users/invitations", body=s.InviteRequest, response=s.OneTimeTokenOut, status=201,
          permission="users:write", errors=(409,))
def invite(ctx: RequestContext[s.InviteRequest, None]) -> s.OneTimeTokenOut:
    """Invite a user by e-mail; the one-time token lets them set a password."""
    return accounts.invite_user(ctx.user, ctx.body, ctx.actor)


@api.get("/users", query=s.UserQuery, response=s.UserList, permission="users:read")
def list_users(ctx: RequestContext[None, s.UserQuery]) -> s.UserList:
    """Users of the company, filtered and paginated."""
    return accounts.list_users(ctx.user, ctx.query)


@api.get("/users/{user_id}", response=s.UserSummary, errors=(404,))
def get_user(ctx: RequestContext[None, None]) -> s.UserSummary:
    """One user of the company."""
    return accounts.get_user(ctx.user, ctx.path_params["user_id"])


@api.patch("/users/{user_id}", body=s.UserUpdate, response=s.UserSummary, permission="users:write", errors=(404,))
def update_user(ctx: RequestContext[s.UserUpdate, None]) -> s.UserSummary:
    """Update names and per-user permissions."""
    return accounts.update_user(ctx.user, ctx.path_params["user_id"], ctx.body, ctx.actor)


@api.put("/users/{user_id}/role", body=s.RoleChange, response=s.UserSummary, permission="users:write",
         errors=(404,))
def change_role(ctx: RequestContext[s.RoleChange, None]) -> s.UserSummary:
    """Change a user's role (never above your own)."""
    return accounts.change_role(ctx.user, ctx.path_params["user_id"], ctx.body.role, ctx.actor)


@api.post("/users/{user_id}/deactivate", response=s.UserSummary, permission="users:write", errors=(404,))
def deactivate(ctx: RequestContext[None, None]) -> s.UserSummary:
    """Deactivate a user; their sessions end now."""
    return accounts.set_user_status(ctx.user, ctx.path_params["user_id"], "INACTIVE", ctx.actor)


@api.post("/users/{user_id}/reactivate", response=s.UserSummary, permission="users:write", errors=(404, 409))
def reactivate(ctx: RequestContext[None, None]) -> s.UserSummary:
    """Reactivate a user."""
    return accounts.set_user_status(ctx.user, ctx.path_params["user_id"], "ACTIVE", ctx.actor)


@api.post("/users/{user_id}/password-reset", response=s.OneTimeTokenOut, status=201, permission="users:write",
          errors=(404,))
def reset_password(ctx: RequestContext[None, None]) -> s.OneTimeTokenOut:
    """Issue a password-reset token for a user."""
    return accounts.reset_password(ctx.user, ctx.path_params["user_id"], ctx.actor)


@api.get("/profile", response=s.ProfileOut)
def get_profile(ctx: RequestContext[None, None]) -> s.ProfileOut:
    """The caller's profile."""
    return accounts.get_profile(ctx.user)


@api.patch("/profile", body=s.ProfileUpdate, response=s.ProfileOut)
def update_profile(ctx: RequestContext[s.ProfileUpdate, None]) -> s.ProfileOut:
    """Update name, avatar URL, phone, job title, preferences."""
    return accounts.update_profile(ctx.user, ctx.body, ctx.actor)


@api.get("/audit", query=audit_schemas.AuditQuery, response=audit_schemas.AuditList, permission="audit:read")
def audit_log(ctx: RequestContext[None, audit_schemas.AuditQuery]) -> audit_schemas.AuditList:
    """The company's audit log, filtered."""
    return audit_queries.company_audit(ctx.user, ctx.query)


@api.get("/activity", query=PageQuery, response=audit_schemas.ActivityList)
def activity(ctx: RequestContext[None, PageQuery]) -> audit_schemas.ActivityList:
    """The company's activity timeline (newest first)."""
    return audit_queries.company_activity(ctx.user, ctx.query)


@api.get("/settings/{key}", response=s.SettingOut, errors=(404,))
def get_setting(ctx: RequestContext[None, None]) -> s.SettingOut:
    """A company setting (defaults when never set)."""
    return dynamic_settings.get_setting(ctx.user.company_id, ctx.path_params["key"])


@api.put("/settings/{key}", body=s.SettingUpdate, response=s.SettingOut, permission="settings:write",
         errors=(404, 409))
def put_setting(ctx: RequestContext[s.SettingUpdate, None]) -> s.SettingOut:
    """Replace a company setting (validated, versioned)."""
    body: Any = ctx.body
    return dynamic_settings.put_setting(ctx.user.company_id, ctx.path_params["key"], body.value,
                                        body.expected_version, ctx.user.user_id)


@api.get("/templates/{name}", response=s.TemplateOut, errors=(404,))
def get_template(ctx: RequestContext[None, None]) -> s.TemplateOut:
    """A company template (e-mail, proposal, checklist...)."""
    return dynamic_settings.get_template(ctx.user.company_id, ctx.path_params["name"])


@api.put("/templates/{name}", body=s.TemplateUpdate, response=s.TemplateOut, permission="settings:write",
         errors=(409,))
def put_template(ctx: RequestContext[s.TemplateUpdate, None]) -> s.TemplateOut:
    """Create or replace a company template (versioned)."""
    return dynamic_settings.put_template(ctx.user.company_id, ctx.path_params["name"], ctx.body, ctx.user.user_id)
