"""Kanban API contract. ``Text`` (no NUL bytes, trimmed) is reused by the other collaboration areas."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, Field

from licita.core.filetypes import AttachmentContentType
from licita.core.schemas import NotNull, Paged, PageQuery, Schema, StrictModel


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("o texto não pode conter o caractere NUL")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
Name = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(_no_nul)]
TemplateName = Literal["bid_pipeline", "simple", "blank"]
Color = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


class Label(StrictModel):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    name: Name
    color: Color = "#888888"


class ChecklistItem(StrictModel):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    text: Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_no_nul)]
    done: bool = False


class Checklist(StrictModel):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    title: Name
    items: list[ChecklistItem] = Field(default_factory=list, max_length=100)


# ------------------------------------------------------------------------------ requests
class BoardCreate(StrictModel):
    name: Name
    description: Annotated[str, Field(max_length=2000), AfterValidator(_no_nul)] | None = None
    template: TemplateName = "bid_pipeline"
    auto_tenders: bool = Field(False, description="Create a card here for each tender that becomes READY")


class BoardUpdate(StrictModel):
    version: int = Field(ge=1)
    name: Annotated[Name | None, NotNull] = None  # NOT NULL columns: omit to keep, null is a 422
    description: Annotated[str, Field(max_length=2000), AfterValidator(_no_nul)] | None = None
    auto_tenders: Annotated[bool | None, NotNull] = None
    auto_list_id: UUID | None = None
    labels: Annotated[list[Label] | None, NotNull] = Field(default=None, max_length=50)


class BoardListQuery(PageQuery):
    q: Annotated[str, Field(max_length=120), AfterValidator(_no_nul)] | None = None
    archived: bool = False


class Position(StrictModel):
    """Drop right after ``after_id`` or right before ``before_id``; neither means the end."""

    after_id: UUID | None = None
    before_id: UUID | None = None


class ListCreate(StrictModel):
    name: Name
    position: Position | None = None


class ListUpdate(StrictModel):
    version: int = Field(ge=1)
    name: Name | None = None
    position: Position | None = None


class CardCreate(StrictModel):
    list_id: UUID
    title: Annotated[str, Field(min_length=1, max_length=300), AfterValidator(_no_nul)]
    description: Annotated[str, Field(max_length=20_000), AfterValidator(_no_nul)] | None = None
    due_at: datetime | None = None
    tender_id: UUID | None = None
    labels: list[str] = Field(default_factory=list, max_length=20)
    position: Position | None = None


class CardUpdate(StrictModel):
    version: int = Field(ge=1)
    title: Annotated[str, Field(min_length=1, max_length=300), AfterValidator(_no_nul)] | None = None
    description: Annotated[str, Field(max_length=20_000), AfterValidator(_no_nul)] | None = None
    due_at: datetime | None = None
    clear_due_at: bool = False
    labels: list[str] | None = Field(default=None, max_length=20)
    checklists: list[Checklist] | None = Field(default=None, max_length=20)


class CardMove(StrictModel):
    version: int = Field(ge=1)
    list_id: UUID
    after_id: UUID | None = None
    before_id: UUID | None = None


class MemberSet(StrictModel):
    user_id: UUID
    role: Literal["assignee", "member"] = "member"


class CommentCreate(StrictModel):
    body: Annotated[str, Field(min_length=1, max_length=10_000), AfterValidator(_no_nul)]


class AttachmentCreate(StrictModel):
    filename: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_no_nul)]
    content_type: AttachmentContentType
    size: int = Field(ge=1, le=25 * 1024 * 1024)


class Versioned(StrictModel):
    version: int = Field(ge=1)


# ------------------------------------------------------------------------------ responses
class ListOut(Schema):
    id: UUID
    board_id: UUID
    name: str
    key: str | None
    rank: str
    version: int
    archived_at: datetime | None


class MemberOut(Schema):
    user_id: UUID
    role: str


class CardOut(Schema):
    id: UUID
    board_id: UUID
    list_id: UUID
    tender_id: UUID | None
    title: str
    description: str | None
    rank: str
    due_at: datetime | None
    labels: list[str]
    checklists: list[dict[str, Any]]
    members: list[MemberOut] = Field(default_factory=list)
    version: int
    archived_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None


class BoardOut(Schema):
    id: UUID
    name: str
    description: str | None
    template: str
    auto_tenders: bool
    auto_list_id: UUID | None
    labels: list[dict[str, Any]]
    version: int
    archived_at: datetime | None
    created_at: datetime | None


class BoardDetail(BoardOut):
    lists: list[ListOut]
    cards: list[CardOut]


class BoardPage(Paged[BoardOut]): ...


class CommentOut(Schema):
    id: UUID
    card_id: UUID
    author_id: UUID | None
    body: str
    mentions: list[str]
    created_at: datetime | None


class AttachmentOut(Schema):
    id: UUID
    card_id: UUID
    filename: str
    content_type: str
    size: int
    uploaded_by: UUID | None
    created_at: datetime | None


class AttachmentUpload(AttachmentOut):
    upload: dict[str, Any] = Field(description="Presigned POST: url + fields, the 'file' part last")


class DownloadOut(Schema):
    url: str
    expires_in: int


class CardDetail(CardOut):
    comments: list[CommentOut]
    attachments: list[AttachmentOut]


class ActivityOut(Schema):
    items: list[dict[str, Any]]
