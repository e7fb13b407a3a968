"""Inbox and notification-preferences API contract.

Notification kinds are a closed vocabulary: the registry of :mod:`licita.core.events`, filled by each area's
``events.py``. :data:`NotificationKind` checks input against it and lists it as an enum in the JSON schema (so the
OpenAPI document states it). The registry is read only when a kind is validated or a schema is generated, never
at import: importing this module must not import every area (cold start of the notifications function).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError, core_schema

from licita.core.events import kinds
from licita.core.schemas import NotNull, Paged, Schema, StrictModel

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler

MAX_KIND = 100  # characters: kind keys are short dotted names ("tender.analyzed")
MAX_KINDS = 50  # kinds in one filter or one preferences update


def known_kinds() -> list[str]:
    """Every registered kind, sorted (imports each area's ``events`` module the first time)."""
    return sorted(kinds())


def _known_kind(value: str) -> str:
    known = known_kinds()
    if value not in known:
        raise PydanticCustomError("enum", "tipo de notificação desconhecido; use {expected}",
                                  {"expected": ", ".join(known)})
    return value


class _KindVocabulary:
    """``Annotated[str, _KindVocabulary(checked)]``: a kind key whose JSON schema is the registry as an enum.

    ``checked`` (input): an unregistered kind is a 422 (type ``enum``); the schema is the shared
    ``NotificationKind`` component. Unchecked (output): what is stored is returned as it is (a stored kind is
    never a reason to fail a read), documented with the same enum inline.
    """

    def __init__(self, checked: bool) -> None:
        self.checked = checked

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        if not self.checked:
            return core_schema.str_schema()
        return core_schema.no_info_after_validator_function(_known_kind, core_schema.str_schema(max_length=MAX_KIND),
                                                            ref="NotificationKind")

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema,
                                     handler: GetJsonSchemaHandler) -> dict[str, Any]:
        described = {"type": "string", "enum": known_kinds(), "title": "NotificationKind",
                     "description": "Tipo de notificação (registrado pelas áreas em licita/<área>/events.py)."}
        js: dict[str, Any] = dict(handler(schema))
        if not self.checked:
            return described
        target = handler.resolve_ref_schema(js)
        target.clear()
        target.update(described)
        return js


NotificationKind = Annotated[str, _KindVocabulary(checked=True)]
StoredKind = Annotated[str, _KindVocabulary(checked=False)]


class KindsQuery(StrictModel):
    kinds: Annotated[list[NotificationKind] | None, NotNull] = Field(
        None, max_length=MAX_KINDS, description="Tipos separados por vírgula (todos se ausente)")

    @field_validator("kinds", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        """The query string carries one value per name: ``kinds=a,b`` (OpenAPI ``style: form, explode: false``)."""
        if isinstance(value, str):
            return [k.strip() for k in value.split(",") if k.strip()]
        return value

    def kind_list(self) -> list[str]:
        return list(self.kinds or [])


class InboxQuery(KindsQuery):
    unread_only: bool = False
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=100)


class NotificationOut(Schema):
    id: str
    kind: StoredKind
    title: str
    body: str
    link: str | None
    data: dict[str, Any]
    read: bool
    read_at: datetime | None
    created_at: datetime


class NotificationList(Paged[NotificationOut]):
    unread: int


class InboxCounts(Schema):
    total: int
    unread: int
    unread_by_kind: dict[StoredKind, int]


class Updated(Schema):
    updated: int


class ChannelPrefs(StrictModel):
    in_app: bool | None = None
    email: bool | None = None


class KindPreference(Schema):
    kind: StoredKind
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

    kinds: dict[NotificationKind, ChannelPrefs] = Field(min_length=1, max_length=MAX_KINDS)
