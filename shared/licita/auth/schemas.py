"""Auth API contract."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import Field

from licita.core.schemas import Schema, StrictModel


class LoginRequest(StrictModel):
    email: str = Field(min_length=3, max_length=255, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    password: str = Field(min_length=1, max_length=256)


class RefreshRequest(StrictModel):
    refresh_token: str = Field(min_length=20, max_length=200)


class UserOut(Schema):
    id: UUID
    company_id: UUID
    email: str
    first_name: str
    last_name: str
    role: str
    permissions: list[str]
    status: str
    must_change_password: bool
    last_login_at: datetime | None


class TokenPair(Schema):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    refresh_token: str
    refresh_expires_at: datetime
    session_id: UUID
    must_change_password: bool = False


class SessionOut(Schema):
    id: UUID
    user_id: UUID
    ip_address: str | None
    user_agent: str | None
    created_at: datetime
    last_activity_at: datetime
    expires_at: datetime
    current: bool


class SessionList(Schema):
    items: list[SessionOut]


class PasswordChange(StrictModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=10, max_length=256)


class PasswordSetup(StrictModel):
    token: str = Field(min_length=20, max_length=200)
    new_password: str = Field(min_length=10, max_length=256)
