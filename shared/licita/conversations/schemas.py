"""Conversations API contract (REST and the WebSocket ``message.*`` actions share the request models)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, model_validator

from licita.boards.schemas import AttachmentCreate, DownloadOut, Text
from licita.core.filetypes import AttachmentContentType
from licita.core.schemas import Paged, PageQuery, Schema, StrictModel

__all__ = ["AttachmentCreate", "DownloadOut"]

Body = Annotated[Text, Field(min_length=1, max_length=4000)]


class ConversationCreate(StrictModel):
    kind: Literal["tender", "card", "direct"]
    tender_id: UUID | None = None
    card_id: UUID | None = None
    user_ids: list[UUID] = Field(default_factory=list, max_length=50,
                                 description="Direct threads: the other people (one = a private pair)")
    title: Annotated[Text, Field(min_length=1, max_length=200)] | None = None

    @model_validator(mode="after")
    def _subject(self) -> ConversationCreate:
        need = {"tender": self.tender_id, "card": self.card_id, "direct": self.user_ids or None}[self.kind]
        if need is None:
            field = {"tender": "tender_id", "card": "card_id", "direct": "user_ids"}[self.kind]
            raise ValueError(f"'{field}' é obrigatório para conversas do tipo {self.kind}")
        return self


class ConversationQuery(PageQuery):
    kind: Literal["tender", "card", "direct"] | None = None
    tender_id: UUID | None = None
    card_id: UUID | None = None


class AttachmentRef(StrictModel):
    key: str = Field(min_length=10, max_length=400)
    filename: Annotated[Text, Field(min_length=1, max_length=200)]
    content_type: AttachmentContentType
    size: int = Field(ge=1, le=25 * 1024 * 1024)


class MessageCreate(StrictModel):
    body: Body
    client_id: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$",
                                  description="Sender's idempotency key: a retried send returns the same message")
    attachments: list[AttachmentRef] = Field(default_factory=list, max_length=10)


class SocketSend(MessageCreate):
    """``{"action": "message.send", "conversation_id": ..., "body": ...}`` over the WebSocket."""

    action: Literal["message.send"]
    conversation_id: UUID


class SocketRead(StrictModel):
    action: Literal["message.read"]
    conversation_id: UUID
    seq: int = Field(ge=0)


class MessageEdit(StrictModel):
    body: Body


class ReadMark(StrictModel):
    seq: int = Field(ge=0, description="The last message seen (its seq)")


class MessageQuery(StrictModel):
    before_seq: int | None = Field(default=None, ge=1)
    limit: int = Field(50, ge=1, le=200)


class SearchQuery(PageQuery):
    q: Annotated[Text, Field(min_length=2, max_length=200)]


class ConversationOut(Schema):
    id: UUID
    kind: str
    tender_id: UUID | None
    card_id: UUID | None
    title: str | None
    participants: list[UUID]
    last_seq: int
    last_message_at: datetime | None
    unread: int
    created_at: datetime | None


class ConversationPage(Paged[ConversationOut]): ...


class MessageOut(Schema):
    id: UUID
    conversation_id: UUID
    seq: int
    author_id: UUID | None
    body: str | None
    mentions: list[str]
    attachments: list[dict[str, Any]]
    client_id: str | None
    created_at: datetime | None
    edited_at: datetime | None
    deleted: bool


class MessageList(Schema):
    items: list[MessageOut]
    has_more: bool


class MessagePage(Paged[MessageOut]): ...


class Receipt(Schema):
    user_id: UUID
    last_read_seq: int
    last_read_at: datetime | None


class ReceiptList(Schema):
    items: list[Receipt]


class AttachmentUploadOut(Schema):
    key: str
    upload: dict[str, Any]
