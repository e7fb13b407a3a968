"""Relational model (tenant-scoped: every tenant row carries ``company_id``)."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, func, text
from sqlalchemy.dialects.postgresql import INET, UUID
from sqlalchemy.orm import Mapped, mapped_column

from licita.platform.db.base import Base, CreatedAt, TenantRow, Timestamps, new_uuid


class Role(enum.StrEnum):
    MASTER = "MASTER"
    ADMIN_EMPRESA = "ADMIN_EMPRESA"
    MANAGER = "MANAGER"
    USER = "USER"
    VIEWER = "VIEWER"


class Status(enum.StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    PENDING = "PENDING"
    SUSPENDED = "SUSPENDED"



class Company(Timestamps, Base):
    __tablename__ = "companies"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_uuid)
    legal_name: Mapped[str] = mapped_column(String(200))
    trade_name: Mapped[str | None] = mapped_column(String(200))
    cnpj: Mapped[str] = mapped_column(String(14), unique=True)
    plan: Mapped[str] = mapped_column(String(30), default="basic")
    status: Mapped[str] = mapped_column(String(20), default=Status.ACTIVE)
    max_users: Mapped[int] = mapped_column(Integer, default=10)
    max_concurrent_sessions: Mapped[int] = mapped_column(Integer, default=5)
    monthly_analyses: Mapped[int] = mapped_column(Integer, default=100)
    storage_mb: Mapped[int] = mapped_column(Integer, default=5120)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_platform: Mapped[bool] = mapped_column(Boolean, default=False)


class User(Timestamps, Base):
    __tablename__ = "users"
    __table_args__ = (Index("ix_users_company_email", "company_id", "email"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_uuid)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(20), default=Role.USER)
    permissions: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), default=Status.ACTIVE)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class UserSession(TenantRow, CreatedAt, Base):
    """A login: one refresh-token family. Revoking it kills every token it ever issued."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_company_active", "company_id", "revoked_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    ip_address: Mapped[str | None] = mapped_column(INET)
    user_agent: Mapped[str | None] = mapped_column(String(512))
    last_activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoke_reason: Mapped[str | None] = mapped_column(String(40))


class RefreshToken(Base):
    """Every refresh token ever issued, hashed; a used one presented again is a theft signal."""

    __tablename__ = "refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_sessions.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # fresh pairs handed out for this token inside the grace window (concurrent refreshes); bounded
    grace_reissues: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class UserProfile(Base):
    __tablename__ = "user_profiles"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(30))
    job_title: Mapped[str | None] = mapped_column(String(100))
    preferences: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class OneTimeToken(CreatedAt, Base):
    """Invitation, first-access and password-reset tokens: hashed, single use, short-lived."""

    __tablename__ = "one_time_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))  # invite | first_access | reset
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AccessRequest(CreatedAt, Base):
    """A company asking to use the platform; MASTER approves (creating company + admin) or rejects."""

    __tablename__ = "access_requests"
    __table_args__ = (  # one pending request per CNPJ, enforced by the database under concurrency (0003);
        # the e-mail index is plain since 0004 (a second request with the same e-mail must not reveal it exists)
        Index("ux_access_requests_pending_cnpj", "cnpj", unique=True, postgresql_where=text("status = 'PENDING'")),
        Index("ix_access_requests_email", "email"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_uuid)
    legal_name: Mapped[str] = mapped_column(String(200))
    trade_name: Mapped[str | None] = mapped_column(String(200))
    cnpj: Mapped[str] = mapped_column(String(14), index=True)
    contact_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(30))
    requested_plan: Mapped[str] = mapped_column(String(30))
    message: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20), default="PENDING")  # PENDING | APPROVED | REJECTED
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    company_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    decided_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


TENANT_TABLES = ("users", "user_sessions", "refresh_tokens", "audit_log", "user_profiles", "one_time_tokens")
