"""Request/response models of the habilitação vault."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field, field_validator

from licita.core.filetypes import DocumentContentType
from licita.core.schemas import ExpiryAfterIssue, Schema, StrictModel

VaultKind = Literal["cnd_federal", "fgts", "trabalhista", "estadual", "municipal", "balanco", "atestado",
                    "contrato_social", "falencia", "outro"]


def _no_nul(value: str | None) -> str | None:
    if value is not None and "\x00" in value:
        raise ValueError("texto com caractere NUL")
    return value


class VaultUploadRequest(ExpiryAfterIssue):
    kind: VaultKind
    title: str = Field(min_length=1, max_length=200)
    issuer: str | None = Field(None, max_length=200)
    number: str | None = Field(None, max_length=80)
    issued_on: date | None = None
    expires_on: date | None = None
    notes: str | None = Field(None, max_length=2000)
    filename: str = Field(min_length=1, max_length=255)
    content_type: DocumentContentType
    size: int | None = Field(None, ge=1)

    _text = field_validator("title", "issuer", "number", "notes", "filename")(_no_nul)


class VaultUpdate(StrictModel):
    title: str | None = Field(None, min_length=1, max_length=200)
    issued_on: date | None = None
    expires_on: date | None = None
    notes: str | None = Field(None, max_length=2000)

    _text = field_validator("title", "notes")(_no_nul)


class PresignedUpload(Schema):
    url: str
    fields: dict[str, str]


class VaultDocumentOut(Schema):
    id: UUID
    kind: str
    kind_label: str
    title: str
    issuer: str | None
    number: str | None
    issued_on: date | None
    expires_on: date | None
    expired: bool
    status: str
    filename: str
    content_type: str
    size: int | None
    created_at: datetime


class VaultUploadResponse(Schema):
    document: VaultDocumentOut
    upload: PresignedUpload
    expires_at: datetime


class VaultList(Schema):
    items: list[VaultDocumentOut]


class DownloadOut(Schema):
    url: str
    expires_in: int


class RequirementState(Schema):
    kind: str
    label: str
    required_by: list[str]
    document_id: str | None = None
    title: str | None = None
    expires_on: date | None = None
    reason: str | None = None


class TenderCheck(Schema):
    tender_id: UUID
    session_at: datetime | None
    analysed: bool
    ok: list[RequirementState]
    missing: list[RequirementState]
    expiring: list[RequirementState]
    details: dict[str, Any] = Field(default_factory=dict)
