"""Accounts API contract: access requests, companies, users, profiles, audit, settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, field_validator

from licita.auth.schemas import UserOut
from licita.core.brazil import is_valid_cnpj, only_digits
from licita.core.schemas import CNPJ_PATTERN, NotNull, Paged, PageQuery, Schema, StrictModel
from licita.core.security.permissions import Permission

RoleName = Literal["MASTER", "ADMIN_EMPRESA", "MANAGER", "USER", "VIEWER"]
TenantRole = Literal["ADMIN_EMPRESA", "MANAGER", "USER", "VIEWER"]
StatusName = Literal["ACTIVE", "INACTIVE", "PENDING", "SUSPENDED"]
PlanName = Literal["basic", "pro", "enterprise"]
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


# ------------------------------------------------------------------------------ access requests
class AccessRequestCreate(StrictModel):
    legal_name: str = Field(min_length=3, max_length=200)
    trade_name: str | None = Field(None, max_length=200)
    cnpj: str = Field(min_length=14, max_length=18, pattern=CNPJ_PATTERN)
    contact_name: str = Field(min_length=2, max_length=200)
    email: str = Field(max_length=255, pattern=EMAIL)
    phone: str | None = Field(None, max_length=30)
    requested_plan: PlanName = "basic"
    message: str | None = Field(None, max_length=2000)

    @field_validator("cnpj")
    @classmethod
    def _cnpj(cls, value: str) -> str:
        if not is_valid_cnpj(value):
            raise ValueError("CNPJ inválido (dígitos verificadores não conferem)")
        return only_digits(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return value.lower()


class AccessRequestOut(Schema):
    id: UUID
    legal_name: str
    trade_name: str | None
    cnpj: str
    contact_name: str
    email: str
    phone: str | None
    requested_plan: str
    message: str | None
    status: str
    rejection_reason: str | None
    company_id: UUID | None
    created_at: datetime
    decided_at: datetime | None


class AccessRequestList(Paged[AccessRequestOut]): ...


class AccessRequestQuery(PageQuery):
    status: Literal["PENDING", "APPROVED", "REJECTED"] | None = None


class RejectRequest(StrictModel):
    reason: str = Field(min_length=3, max_length=500)


class OneTimeTokenOut(Schema):
    """Returned to the admin who created it, so it can be delivered (e-mail sends it too)."""

    user_id: UUID
    token: str
    purpose: str
    expires_at: datetime


class ApprovalOut(Schema):
    request: AccessRequestOut
    company_id: UUID
    admin: OneTimeTokenOut


# ------------------------------------------------------------------------------------ companies
class CompanyOut(Schema):
    id: UUID
    legal_name: str
    trade_name: str | None
    cnpj: str
    plan: str
    status: str
    max_users: int
    max_concurrent_sessions: int
    monthly_analyses: int
    storage_mb: int
    settings: CompanySettingsOut
    created_at: datetime


class CompanyList(Paged[CompanyOut]): ...


class CompanySettingsIn(StrictModel):
    """Per-company LLM choice. Only the fields sent change; null clears one. An own endpoint must be on the
    platform's allow-list, resolve to public addresses and (for openai) come with the company's own key."""

    llm_provider: Literal["none", "ollama", "openai"] | None = None
    llm_model: str | None = Field(None, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:/@-]+$")
    llm_base_url: str | None = Field(None, max_length=500, pattern=r"^https?://[^\s/?#]+[^\s]*$",
                                     description="own OpenAI-compatible or Ollama endpoint (allow-listed hosts)")
    llm_api_key: str | None = Field(None, min_length=8, max_length=500, pattern=r"^[\x21-\x7e]+$",
                                    description="write-only: stored encrypted, shown back as a hint")


class CompanySettingsOut(Schema):
    llm_provider: str | None = None
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key_set: bool = False
    llm_api_key_hint: str | None = None


class CompanyUpdate(StrictModel):
    """What a company admin may change on their own company (omitted fields stay as they are)."""

    trade_name: str | None = Field(None, max_length=200)
    legal_name: Annotated[str | None, NotNull] = Field(None, min_length=3, max_length=200)
    settings: Annotated[CompanySettingsIn | None, NotNull] = None


class CompanyAdminUpdate(CompanyUpdate):
    """What MASTER may change on any company."""

    plan: Annotated[PlanName | None, NotNull] = None
    max_users: Annotated[int | None, NotNull] = Field(None, ge=1, le=100_000)
    max_concurrent_sessions: Annotated[int | None, NotNull] = Field(None, ge=1, le=100_000)
    monthly_analyses: Annotated[int | None, NotNull] = Field(None, ge=0, le=10_000_000)
    storage_mb: Annotated[int | None, NotNull] = Field(None, ge=0, le=100_000_000)


class CompanyQuery(PageQuery):
    status: StatusName | None = None
    plan: str | None = Field(None, max_length=30)
    q: str | None = Field(None, max_length=100)


# ---------------------------------------------------------------------------------------- users
class InviteRequest(StrictModel):
    email: str = Field(max_length=255, pattern=EMAIL)
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field("", max_length=100)
    role: TenantRole = "USER"
    permissions: list[Permission] = Field(default_factory=list, max_length=50)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return value.lower()

    @field_validator("permissions")
    @classmethod
    def _perms(cls, value: list[Permission]) -> list[Permission]:
        return sorted(set(value))


class UserUpdate(StrictModel):
    first_name: Annotated[str | None, NotNull] = Field(None, min_length=1, max_length=100)
    last_name: Annotated[str | None, NotNull] = Field(None, max_length=100)
    permissions: Annotated[list[Permission] | None, NotNull] = Field(None, max_length=50)

    @field_validator("permissions")
    @classmethod
    def _perms(cls, value: list[Permission] | None) -> list[Permission] | None:
        return None if value is None else sorted(set(value))


class RoleChange(StrictModel):
    role: TenantRole


class UserQuery(PageQuery):
    role: RoleName | None = None
    status: StatusName | None = None
    q: str | None = Field(None, max_length=100)
    sort: Literal["created_at", "-created_at", "email", "-email", "first_name", "-first_name"] = "email"


class UserSummary(UserOut):
    created_at: datetime


class UserList(Paged[UserSummary]): ...


class ProfileOut(Schema):
    user_id: UUID
    first_name: str
    last_name: str
    avatar_url: str | None
    phone: str | None
    job_title: str | None
    preferences: dict[str, Any]


class ProfileUpdate(StrictModel):
    first_name: Annotated[str | None, NotNull] = Field(None, min_length=1, max_length=100)
    last_name: Annotated[str | None, NotNull] = Field(None, max_length=100)
    avatar_url: str | None = Field(None, max_length=500, pattern=r"^https?://\S+$")
    phone: str | None = Field(None, max_length=30, pattern=r"^\+?[0-9 ()-]{8,30}$")
    job_title: str | None = Field(None, max_length=100)
    preferences: Annotated[dict[str, Any] | None, NotNull] = None


# ------------------------------------------------------------------------------------- settings
class SettingOut(Schema):
    key: str
    version: int
    value: dict[str, Any]
    updated_at: datetime | None
    updated_by: str | None


class SettingUpdate(StrictModel):
    value: dict[str, Any]
    expected_version: int | None = Field(None, ge=0, description="optimistic concurrency: 409 when stale")


class TemplateOut(Schema):
    name: str
    version: int
    subject: str | None
    body: str
    kind: str
    updated_at: datetime | None


class TemplateUpdate(StrictModel):
    kind: Literal["email", "proposal", "checklist", "document"] = "document"
    subject: str | None = Field(None, max_length=200)
    body: str = Field(min_length=1, max_length=200_000)
    expected_version: int | None = Field(None, ge=0)


# -------------------------------------------------------------------------------------- admin
class Dashboard(Schema):
    companies_by_status: dict[str, int]
    users_by_status: dict[str, int]
    active_sessions: int
    analyses_this_month: int
    pending_access_requests: int
    queues: dict[str, dict[str, int]]


class AdminUserQuery(UserQuery):
    company_id: UUID | None = None
