"""Calendar API contract."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, model_validator

from licita.boards.schemas import Color, Name, Text
from licita.core.schemas import NotNull, Schema, StrictModel


class CalendarCreate(StrictModel):
    name: Name
    kind: Literal["personal", "company"] = "personal"
    color: Color | None = None


class CalendarOut(Schema):
    id: UUID
    kind: str
    owner_id: UUID | None
    name: str
    color: str | None
    is_default: bool


class CalendarList(Schema):
    items: list[CalendarOut]


class EventCreate(StrictModel):
    title: Annotated[Text, Field(min_length=1, max_length=300)]
    description: Annotated[Text, Field(max_length=5000)] | None = None
    location: Annotated[Text, Field(max_length=300)] | None = None
    starts_at: datetime
    ends_at: datetime
    all_day: bool = False
    rrule: str | None = Field(default=None, max_length=500, description="RFC 5545 RRULE, e.g. FREQ=WEEKLY;COUNT=4")
    reminders: list[int] = Field(default_factory=list, max_length=5, description="Minutes before the start")
    attendee_ids: list[UUID] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _times(self) -> EventCreate:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("informe datas com fuso horário (ex.: 2026-03-02T09:00:00-03:00)")
        if self.ends_at <= self.starts_at:
            raise ValueError("o fim deve ser depois do início")
        if any(not 0 <= m <= 40_320 for m in self.reminders):
            raise ValueError("lembretes entre 0 e 40320 minutos (28 dias)")
        return self


class EventUpdate(StrictModel):
    version: int = Field(ge=1)
    title: Annotated[Annotated[Text, Field(min_length=1, max_length=300)] | None, NotNull] = None
    description: Annotated[Text, Field(max_length=5000)] | None = None
    location: Annotated[Text, Field(max_length=300)] | None = None
    starts_at: Annotated[datetime | None, NotNull] = None  # omit: keep; null was a 500
    ends_at: Annotated[datetime | None, NotNull] = None
    rrule: str | None = Field(default=None, max_length=500)
    reminders: Annotated[list[int] | None, NotNull] = Field(default=None, max_length=5)


class RespondBody(StrictModel):
    status: Literal["accepted", "declined", "tentative"]


class RangeQuery(StrictModel):
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    calendar_id: UUID | None = None

    @model_validator(mode="after")
    def _range(self) -> RangeQuery:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("informe 'from' e 'to' com fuso horário")
        if not self.start < self.end or (self.end - self.start).days > 400:
            raise ValueError("intervalo inválido: 'from' antes de 'to', no máximo 400 dias")
        return self


class AttendeeOut(Schema):
    user_id: UUID
    status: str


class EventOut(Schema):
    id: UUID
    calendar_id: UUID
    title: str
    description: str | None
    location: str | None
    starts_at: datetime
    ends_at: datetime
    all_day: bool
    rrule: str | None
    reminders: list[int]
    source: str
    tender_id: UUID | None
    version: int
    attendees: list[AttendeeOut] = Field(default_factory=list)


class Occurrence(Schema):
    event_id: UUID
    calendar_id: UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    source: str
    tender_id: UUID | None
    recurring: bool


class OccurrenceList(Schema):
    items: list[Occurrence]


class FeedCreate(StrictModel):
    scope: Literal["user", "company"] = "user"


class FeedOut(Schema):
    id: UUID
    scope: str
    created_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class FeedCreated(FeedOut):
    url: str = Field(description="Secret subscription URL (shown once): anyone holding it reads the feed")


class FeedList(Schema):
    items: list[FeedOut]
