"""Forms API contract."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field

from licita.boards.schemas import Text
from licita.core.schemas import Page, PageQuery, PositiveInt32, Schema, StrictModel


class TemplateCreate(StrictModel):
    key: str = Field(min_length=2, max_length=60, pattern=r"^[a-z0-9_]+$")
    name: Annotated[Text, Field(min_length=1, max_length=160)]
    description: Annotated[Text, Field(max_length=2000)] | None = None
    json_schema: dict[str, Any] = Field(description="JSON Schema draft 2020-12, object at the root")


class VersionCreate(StrictModel):
    name: Annotated[Text, Field(min_length=1, max_length=160)] | None = None
    description: Annotated[Text, Field(max_length=2000)] | None = None
    json_schema: dict[str, Any]


class TemplateOut(Schema):
    id: UUID
    key: str
    version: int
    name: str
    description: str | None
    json_schema: dict[str, Any]
    builtin: bool
    created_at: datetime | None


class TemplateList(Schema):
    items: list[TemplateOut]


class SubmissionCreate(StrictModel):
    data: dict[str, Any]
    tender_id: UUID | None = None
    card_id: UUID | None = None


class SubmissionFilter(StrictModel):
    """Which submissions: the filters the list and the CSV export share, in the order both declare them."""

    template_key: str | None = Field(default=None, max_length=60)
    version: PositiveInt32 | None = None
    tender_id: UUID | None = None
    card_id: UUID | None = None


class SubmissionQuery(SubmissionFilter, PageQuery):  # page and page_size first (bases' fields in reverse MRO)
    submitted_by: UUID | None = None


class ExportQuery(SubmissionFilter):
    template_key: str = Field(min_length=2, max_length=60)  # an export is of one form (keeps its place)


class SubmissionOut(Schema):
    id: UUID
    template_id: UUID
    template_key: str
    template_version: int
    tender_id: UUID | None
    card_id: UUID | None
    data: dict[str, Any]
    submitted_by: UUID | None
    created_at: datetime | None


class SubmissionPage(Schema):
    items: list[SubmissionOut]
    page: Page
