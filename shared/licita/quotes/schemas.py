"""Quotes API contract: company side (create, send, compare, price) and the supplier's answer."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import Field, model_validator

from licita.core.filetypes import DocumentContentType
from licita.core.schemas import Paged, PageQuery, Schema
from licita.suppliers.schemas import Input

Money = Decimal


class Pricing(Input):
    """Percentages (15 = 15 %) that turn a cost into a bid: bid = cost × (1 + BDI)."""

    admin_pct: float | None = Field(None, ge=0, le=200)
    freight_pct: float | None = Field(None, ge=0, le=200)
    taxes_pct: float | None = Field(None, ge=0, lt=100)
    margin_pct: float | None = Field(None, ge=0, le=500)


class FreeItem(Input):
    description: str = Field(min_length=2, max_length=2000)
    unit: str | None = Field(None, max_length=60)
    quantity: Decimal = Field(gt=0, le=Decimal("1e12"))
    estimated_unit_price: Decimal | None = Field(None, ge=0, le=Decimal("1e13"))
    product_id: UUID | None = None


class QuoteCreate(Input):
    title: str = Field(min_length=3, max_length=200)
    message: str | None = Field(None, max_length=5000)
    deadline_at: datetime
    tender_id: UUID | None = None
    tender_item_ids: list[UUID] | None = Field(None, max_length=2000, description="omitido = todos os itens")
    items: list[FreeItem] = Field(default_factory=list, max_length=2000)
    supplier_ids: list[UUID] = Field(min_length=1, max_length=100)
    pricing: Pricing | None = None

    @model_validator(mode="after")
    def _source(self) -> QuoteCreate:
        if self.tender_id is None and not self.items:
            raise ValueError("informe tender_id (itens da licitação) e/ou items (itens livres)")
        if self.tender_id is None and self.tender_item_ids:
            raise ValueError("tender_item_ids exige tender_id")
        if self.deadline_at.tzinfo is None:
            raise ValueError("deadline_at deve ter fuso horário, ex. 2025-11-19T18:00:00-03:00")
        return self


class QuoteItemOut(Schema):
    id: UUID
    position: int
    number: int | None
    description: str
    unit: str | None
    quantity: float
    estimated_unit_price: float | None
    tender_item_id: UUID | None
    product_id: UUID | None
    winner_supplier_id: UUID | None


class LinkStatus(Schema):
    supplier_id: UUID
    supplier_name: str
    email: str | None
    state: Literal["pending", "sent", "opened", "saved", "answered", "revoked"]
    sent_at: datetime | None
    opened_at: datetime | None
    submitted_at: datetime | None
    expires_at: datetime | None
    attachments: list[dict[str, Any]]


class QuoteOut(Schema):
    id: UUID
    title: str
    message: str | None
    status: str
    deadline_at: datetime
    tender_id: UUID | None
    pricing: dict[str, Any]
    items: list[QuoteItemOut]
    suppliers: list[LinkStatus]
    created_at: datetime


class QuoteSummary(Schema):
    id: UUID
    title: str
    status: str
    deadline_at: datetime
    tender_id: UUID | None
    items: int
    suppliers: int
    answered: int
    created_at: datetime


class QuoteListQuery(PageQuery, Input):
    status: Literal["DRAFT", "OPEN", "CLOSED", "CANCELLED"] | None = None
    tender_id: UUID | None = None
    q: str | None = Field(None, max_length=200)
    sort: str = Field("-created_at", max_length=30)


class QuotePage(Paged[QuoteSummary]): ...


class SentLink(Schema):
    supplier_id: UUID
    supplier_name: str
    email: str | None
    url: str  # shown once: only the token's hash is stored


class SendResult(Schema):
    quote_id: UUID
    status: str
    links: list[SentLink]


class SendRequest(Input):
    supplier_ids: list[UUID] | None = Field(None, max_length=100, description="omitido = todos ainda não enviados")


# ------------------------------------------------------------------------------ comparison and pricing
class OfferOut(Schema):
    supplier_id: UUID
    supplier_name: str
    unit_price: float
    total: float
    brand: str | None
    model: str | None
    delivery_days: int | None
    validity_days: int | None
    notes: str | None
    outlier: bool


class ComparisonItem(Schema):
    item_id: UUID
    position: int
    description: str
    unit: str | None
    quantity: float
    estimated_unit_price: float | None
    offers: list[OfferOut]
    lowest: float | None
    median: float | None
    spread: float | None
    spread_pct: float | None
    no_answer: list[str]
    suggested_supplier_id: UUID | None
    winner_supplier_id: UUID | None


class Comparison(Schema):
    quote_id: UUID
    title: str
    suppliers: list[LinkStatus]
    items: list[ComparisonItem]


class WinnerRequest(Input):
    supplier_id: UUID | None


class ItemPricing(Pricing):
    item_id: UUID
    clear: bool = False


class PricingUpdate(Input):
    pricing: Pricing | None = None
    items: list[ItemPricing] = Field(default_factory=list, max_length=2000)


class PricedItem(Schema):
    item_id: UUID
    position: int
    description: str
    quantity: float
    supplier_id: UUID | None
    supplier_name: str | None
    cost: float | None
    bdi_pct: float
    bid_unit_price: float | None
    bid_total: float | None
    estimated_unit_price: float | None
    above_estimate: bool
    pricing: dict[str, float]


class PricingOut(Schema):
    quote_id: UUID
    pricing: dict[str, float]
    items: list[PricedItem]
    total_cost: float
    total_bid: float
    items_above_estimate: int


class DownloadLink(Schema):
    url: str
    filename: str
    content_type: str
    expires_at: datetime


# ------------------------------------------------------------------------------ supplier answers (portal)
class ItemAnswer(Input):
    item_id: UUID
    unit_price: Decimal | None = Field(None, ge=0, le=Decimal("1e13"))
    brand: str | None = Field(None, max_length=120)
    model: str | None = Field(None, max_length=120)
    delivery_days: int | None = Field(None, ge=0, le=3650)
    validity_days: int | None = Field(None, ge=1, le=3650)
    notes: str | None = Field(None, max_length=2000)


class AnswerRequest(Input):
    items: list[ItemAnswer] = Field(max_length=2000)
    notes: str | None = Field(None, max_length=5000)
    submit: bool = True


class AttachmentRequest(Input):
    filename: str = Field(min_length=1, max_length=200)
    content_type: DocumentContentType
    size: int | None = Field(None, ge=1)


class AttachmentTicket(Schema):
    key: str
    url: str
    fields: dict[str, str]
    max_bytes: int
    expires_at: datetime


class PortalItem(Schema):
    id: UUID
    position: int
    description: str
    unit: str | None
    quantity: float
    unit_price: float | None
    brand: str | None
    model: str | None
    delivery_days: int | None
    validity_days: int | None
    notes: str | None


class PortalView(Schema):
    quote_title: str
    company_name: str
    supplier_name: str
    message: str | None
    deadline_at: datetime
    submitted_at: datetime | None
    saved_at: datetime | None
    notes: str | None
    attachments: list[dict[str, Any]]
    items: list[PortalItem]
    state: Literal["open", "submitted"]
