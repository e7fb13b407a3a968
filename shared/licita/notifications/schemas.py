"""Inbox and notification-preferences API contract."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from licita.core.schemas import Page, Schema, StrictModel


def _known_kind(value: str) -> str:
    from licita.core.events import kinds

    known = kinds()

    if value not in known:
        raise ValueError(f"tipo de notificação desconhecido: {value} (conhecidos: {', '.join(sorted(known))})")
    return value


def _check_kinds(value: str | None) -> str | None:
    for kind in (k.strip() for k in (value or "").split(",") if k.strip()):
        _known_kind(kind)
    return value


class KindsQuery(StrictModel):
    kinds: str | None = Field(None, max_length=500, description="Tipos separados por vírgula (todos se ausente)")

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, value: str | None) -> str | None:
        return _check_kinds(value)

    def kind_list(self) -> list[str]:
        return [k.strip() for k in (self.kinds or "").split(",") if k.strip()]


class InboxQuery(KindsQuery):
    unread_only: bool = False
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=100)


class NotificationOut(Schema):
    id: str
    kind: str
    title: str
    body: str
    link: str | None
    data: dict[str, Any]
    read: bool
    read_at: datetime | None
    created_at: datetime


class NotificationList(Schema):
    items: list[NotificationOut]
    page: Page
    unread: int


class InboxCounts(Schema):
    total: int
    unread: int
    unread_by_kind: dict[str, int]


class Updated(Schema):
    updated: int


class ChannelPrefs(StrictModel):
    in_app: bool | None = None
    email: bool | None = None


class KindPreference(Schema):
    kind: str
    label: str
    in_app: bool
    email: bool
    default_in_app: bool
    default_email: bool


class PreferencesOut(Schema):
    items: list[KindPreference]
    company_email_enabled: bool
    updated_at: datetime | None


class PreferencesUpdate(StrictModel):
    """Only the kinds and channels sent change; the others keep their value (or the default)."""

    kinds: dict[str, ChannelPrefs] = Field(min_length=1, max_length=50)

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, value: dict[str, ChannelPrefs]) -> dict[str, ChannelPrefs]:
        for kind in value:
            _known_kind(kind)
        return value
