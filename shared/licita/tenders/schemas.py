"""Tenders API contract: uploads, listing, detail with evidence, items, deadlines, corrections."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import Field, field_validator

from licita.core.filetypes import DocumentContentType
from licita.core.schemas import Page, PageQuery, Schema, StrictModel

TenderStatusName = Literal["UPLOADING", "QUEUED", "PROCESSING", "READY", "NEEDS_REVIEW", "FAILED"]
SortField = Literal["created_at", "session_at", "estimated_value"]


class TenderUploadRequest(StrictModel):
    filename: str = Field(min_length=1, max_length=255, description="Original name (extension .pdf, .docx or .zip)")
    content_type: DocumentContentType = Field(description="MIME type the browser will send")
    size: int | None = Field(default=None, ge=1, description="File size in bytes, when known (checked early)")
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$",
                               description="Optional hash: lets the API say the file was already analysed")


class PresignedPost(Schema):
    url: str
    fields: dict[str, str]


class TenderUploadResponse(Schema):
    tender_id: UUID
    document_id: UUID
    status: TenderStatusName
    key: str
    filename: str
    content_type: str
    max_bytes: int
    expires_at: datetime
    upload: PresignedPost = Field(description="POST multipart/form-data to url with fields + the 'file' part last")
    existing_tender_id: UUID | None = Field(default=None, description="A tender of yours with the same file")


class TenderListQuery(PageQuery):
    status: str | None = Field(default=None, description="One status or several separated by commas")
    modality: str | None = None
    agency: str | None = Field(default=None, max_length=200, description="Part of the agency name")
    q: str | None = Field(default=None, max_length=200, description="Text in object, agency, number or title")
    session_from: date | None = None
    session_to: date | None = None
    created_from: date | None = None
    created_to: date | None = None
    value_min: Decimal | None = Field(default=None, ge=0)
    value_max: Decimal | None = Field(default=None, ge=0)
    sort: SortField = "created_at"
    order: Literal["asc", "desc"] = "desc"
    page: int = Field(default=1, ge=1, le=10_000)
    page_size: int = Field(default=20, ge=1, le=100)

    @field_validator("status")
    @classmethod
    def _statuses(cls, value: str | None) -> str | None:
        if value is None:
            return None
        allowed = {"UPLOADING", "QUEUED", "PROCESSING", "READY", "NEEDS_REVIEW", "FAILED"}
        wanted = {s.strip().upper() for s in value.split(",") if s.strip()}
        unknown = wanted - allowed
        if unknown:
            raise ValueError(f"status desconhecido: {', '.join(sorted(unknown))}; use {', '.join(sorted(allowed))}")
        return ",".join(sorted(wanted)) or None

    def statuses(self) -> list[str]:
        return self.status.split(",") if self.status else []


class TenderSummary(Schema):
    id: UUID
    status: TenderStatusName
    failure_reason: str | None
    title: str | None
    object: str | None
    document_kind: str | None
    modality: str | None
    number: str | None
    agency: str | None
    session_at: datetime | None
    estimated_value: float | None
    items_count: int | None
    platform: str | None
    risk_score: float | None
    created_at: datetime
    updated_at: datetime


class TenderPage(Schema):
    """The common list shape: the items and where they are in the whole list."""

    items: list[TenderSummary]
    page: Page


class Evidence(Schema):
    value: Any = None
    page: int | None = None
    quote: str | None = None
    confidence: float | None = None
    source: str | None = None


class Correction(Schema):
    value: Any = None
    reason: str | None = None
    by: UUID | None = None
    at: datetime | None = None
    previous: Any = None


FieldSource = Literal["rules", "llm", "both", "human"]


class FieldOut(Schema):
    """A structured field: the effective value, what the extractor found (with evidence) and any correction."""

    name: str
    value: Any = None
    corrected: bool = False
    extracted: Evidence | None = None
    correction: Correction | None = None
    # where the effective value came from: the rules extractor, the language model, both agreeing, or a person
    source: FieldSource | None = None


class DocumentOut(Schema):
    id: UUID
    filename: str
    content_type: str
    size: int | None
    sha256: str | None
    status: TenderStatusName
    failure_reason: str | None
    failure_code: str | None
    file_kind: str | None
    pages: int | None
    ocr_pages: int | None
    cache_hit: bool
    analysed_at: datetime | None
    created_at: datetime


class TenderDetail(TenderSummary):
    process_number: str | None
    agency_cnpj: str | None
    uasg: str | None
    srp: bool | None
    me_epp: str | None
    award_criterion: str | None
    dispute_mode: str | None
    legal_basis: str | None
    review_reasons: list[str]
    fields: dict[str, FieldOut]
    risk: dict[str, Any]
    requirements: list[Any]
    penalties: list[Any]
    guarantees: list[Any]
    dates: list[Any]
    notes: list[Any]
    documents: list[DocumentOut]
    duplicate_of: UUID | None
    analysed_at: datetime | None
    created_by: UUID | None


class ItemOut(Schema):
    id: UUID
    position: int
    number: int | None
    lot: str | None
    description: str
    quantity: float | None
    unit: str | None
    unit_price: float | None
    total_price: float | None
    me_epp_exclusive: bool | None
    page: int | None


class ItemList(Schema):
    tender_id: UUID
    items: list[ItemOut]
    total: int


class DeadlineOut(Schema):
    id: UUID
    kind: Literal["session", "proposal", "impugnacao", "esclarecimento", "other"]
    due_at: datetime
    basis: str | None
    source: Literal["extracted", "computed", "manual"]
    page: int | None
    quote: str | None


class DeadlineList(Schema):
    tender_id: UUID
    items: list[DeadlineOut]


class DownloadLink(Schema):
    url: str
    filename: str
    content_type: str
    expires_at: datetime


class FieldCorrectionRequest(StrictModel):
    value: Any = Field(description="The right value (null when the document does not state it)")
    reason: str | None = Field(default=None, max_length=1000, description="Why the value was corrected")


class ReanalyzeResponse(Schema):
    tender_id: UUID
    document_id: UUID
    status: TenderStatusName
    message_id: str
