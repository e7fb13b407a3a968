"""Reports API contract."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field, model_validator

from licita.core.schemas import Paged, PageQuery, Schema
from licita.suppliers.schemas import Input

Kind = Literal["tender_summary", "quote_comparison", "pipeline"]


class ReportRequest(Input):
    kind: Kind
    tender_id: UUID | None = None
    quote_id: UUID | None = None
    period_from: date | None = None
    period_to: date | None = None

    @model_validator(mode="after")
    def _params(self) -> ReportRequest:
        if self.kind == "tender_summary" and self.tender_id is None:
            raise ValueError("tender_summary exige tender_id")
        if self.kind == "quote_comparison" and self.quote_id is None:
            raise ValueError("quote_comparison exige quote_id")
        if self.kind == "pipeline":
            if self.period_from is None or self.period_to is None:
                raise ValueError("pipeline exige period_from e period_to")
            if self.period_from > self.period_to:
                raise ValueError("period_from depois de period_to")
            if (self.period_to - self.period_from).days > 3 * 366:
                raise ValueError("período máximo de 3 anos")
        return self


class ReportOut(Schema):
    id: UUID
    kind: str
    status: Literal["QUEUED", "RUNNING", "READY", "FAILED", "EXPIRED"]
    progress: int
    params: dict[str, str | None]
    filename: str | None
    size: int | None
    error: str | None
    expires_at: datetime | None
    created_at: datetime
    finished_at: datetime | None


class ReportListQuery(PageQuery):
    status: Literal["QUEUED", "RUNNING", "READY", "FAILED", "EXPIRED"] | None = None
    sort: str = Field("-created_at", max_length=20)


class ReportPage(Paged[ReportOut]): ...


class ReportDownload(Schema):
    url: str
    filename: str
    content_type: str
    expires_at: datetime
