"""Calendars and events of one company: company calendars (everyone with ``calendar:read``), personal ones
(their owner), events with attendees who answer, recurrence expanded on read, automatic events read-only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from licita.accounts.models import User
from licita.audit.service import Actor, record
from licita.boards.rules import check_version
from licita.boards.service import company_of, parse_id
from licita.calendars import rules
from licita.calendars.models import Attendee, Calendar, CalendarEvent
from licita.calendars.schemas import (
    AttendeeOut,
    CalendarCreate,
    CalendarList,
    CalendarOut,
    EventCreate,
    EventOut,
    EventUpdate,
    Occurrence,
    OccurrenceList,
    RangeQuery,
)
from licita.calendars.sources import default_calendar
from licita.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from licita.core.security.principal import Principal
from licita.platform.db.engine import tenant_transaction
from licita.platform.db.lookup import company_transaction
from licita.platform.queues import publish_quietly


def _visible_calendars(principal: Principal) -> Any:
    return or_(Calendar.kind == "company", Calendar.owner_id == uuid.UUID(principal.user_id))


def _calendar_out(c: Calendar) -> CalendarOut:
    return CalendarOut(id=c.id, kind=c.kind, owner_id=c.owner_id, name=c.name, color=c.color, is_default=c.is_default)


def event_out(e: CalendarEvent, attendees: list[Attendee] | None = None) -> EventOut:
    return EventOut(id=e.id, calendar_id=e.calendar_id, title=e.title, description=e.description,
                    location=e.location, starts_at=e.starts_at, ends_at=e.ends_at, all_day=e.all_day, rrule=e.rrule,
                    reminders=list(e.reminders or []), source=e.source, tender_id=e.tender_id, version=e.version,
                    attendees=[AttendeeOut(user_id=a.user_id, status=a.status) for a in attendees or []])


def list_calendars(principal: Principal) -> CalendarList:
    with company_transaction(principal) as (db, company_id):
        default_calendar(db, company_id)
        rows = db.scalars(select(Calendar).where(Calendar.company_id == company_id, _visible_calendars(principal))
                          .order_by(Calendar.kind, Calendar.created_at))
        return CalendarList(items=[_calendar_out(c) for c in rows])


def create_calendar(principal: Principal, body: CalendarCreate, actor: Actor) -> CalendarOut:
    company_id = company_of(principal)
    if body.kind == "company" and not principal.outranks_or_equals("MANAGER"):
        raise Forbidden("Só gestores criam agendas da empresa.", code="company_calendar_forbidden")
    with tenant_transaction(company_id) as db:
        cal = Calendar(id=uuid.uuid4(), company_id=company_id, kind=body.kind, name=body.name, color=body.color,
                       owner_id=uuid.UUID(principal.user_id) if body.kind == "personal" else None, is_default=False)
        db.add(cal)
        record(db, actor, "calendar.created", "calendar", cal.id, company_id=company_id,
               after={"name": cal.name, "kind": cal.kind})
        db.flush()
        return _calendar_out(cal)


def _calendar(db: Session, principal: Principal, calendar_id: Any) -> Calendar:
    cal = db.scalar(select(Calendar).where(Calendar.id == parse_id(calendar_id, "Agenda", "calendar_not_found"),
                                           Calendar.company_id == company_of(principal), _visible_calendars(principal)))
    if cal is None:
        raise NotFound("Agenda não encontrada.", code="calendar_not_found")
    return cal


def _event(db: Session, principal: Principal, event_id: Any, *, lock: bool = False) -> CalendarEvent:
    me = uuid.UUID(principal.user_id)
    invited = select(Attendee.event_id).where(Attendee.user_id == me)
    stmt = (select(CalendarEvent).join(Calendar, Calendar.id == CalendarEvent.calendar_id)
            .where(CalendarEvent.id == parse_id(event_id, "Evento", "event_not_found"),
                   CalendarEvent.company_id == company_of(principal),
                   or_(_visible_calendars(principal), CalendarEvent.id.in_(invited))))
    event = db.scalar(stmt.with_for_update(of=CalendarEvent) if lock else stmt)
    if event is None:
        raise NotFound("Evento não encontrado.", code="event_not_found")
    return event


def _attendees(db: Session, event: CalendarEvent) -> list[Attendee]:
    return list(db.scalars(select(Attendee).where(Attendee.event_id == event.id).order_by(Attendee.user_id)))


def _rrule(value: str | None, start: datetime) -> str | None:
    if value is None:
        return None
    try:
        return rules.check_rrule(value, start)
    except ValueError as exc:
        raise ValidationFailed("Recorrência inválida.", code="invalid_rrule",
                               details=[{"field": "rrule", "message": str(exc)}]) from None


def create_event(principal: Principal, calendar_id: str, body: EventCreate, actor: Actor) -> EventOut:
    with company_transaction(principal) as (db, company_id):
        cal = _calendar(db, principal, calendar_id)
        people = list(dict.fromkeys(body.attendee_ids))
        found = set(db.scalars(select(User.id).where(User.company_id == company_id, User.id.in_(people))))
        if len(found) != len(people):
            raise ValidationFailed("Convidado desconhecido.", code="unknown_attendee",
                                   details=[{"field": "attendee_ids", "message": f"usuário {p} não encontrado"}
                                            for p in people if p not in found])
        event = CalendarEvent(id=uuid.uuid4(), company_id=company_id, calendar_id=cal.id, title=body.title,
                              description=body.description, location=body.location, starts_at=body.starts_at,
                              ends_at=body.ends_at, all_day=body.all_day, rrule=_rrule(body.rrule, body.starts_at),
                              exdates=[], reminders=sorted(set(body.reminders)), reminded={}, source="manual",
                              version=1, created_by=uuid.UUID(principal.user_id))
        db.add(event)
        db.flush()
        attendees = [Attendee(event_id=event.id, user_id=p, company_id=company_id, status="needs_action")
                     for p in people]
        db.add_all(attendees)
        record(db, actor, "calendar_event.created", "calendar_event", event.id, company_id=company_id,
               after={"title": event.title, "starts_at": event.starts_at.isoformat(), "attendees": len(people)})
        db.flush()
        out = event_out(event, attendees)
    if people:
        for p in people:
            if str(p) != principal.user_id:
                publish_quietly("calendar.invited", str(company_id), {
                    "event_id": str(out.id), "title": out.title, "starts_at": out.starts_at.isoformat(),
                    "target_user_id": str(p)}, user_id=principal.user_id)
    return out


def get_event(principal: Principal, event_id: str) -> EventOut:
    with tenant_transaction(company_of(principal)) as db:
        event = _event(db, principal, event_id)
        return event_out(event, _attendees(db, event))


def _writable(event: CalendarEvent) -> None:
    if event.source != "manual":
        raise Conflict("Eventos automáticos acompanham a origem (licitação, cotação…) e não são editados aqui.",
                       code="auto_event_readonly", details={"source": event.source})


def update_event(principal: Principal, event_id: str, body: EventUpdate, actor: Actor) -> EventOut:
    with company_transaction(principal) as (db, company_id):
        event = _event(db, principal, event_id, lock=True)
        _writable(event)
        check_version(event.version, body.version, "evento")
        changes = body.model_dump(exclude_unset=True, exclude={"version"})
        start, end = changes.get("starts_at", event.starts_at), changes.get("ends_at", event.ends_at)
        if start.tzinfo is None or end.tzinfo is None or end <= start:
            raise ValidationFailed("Datas inválidas.", code="invalid_times",
                                   details=[{"field": "ends_at", "message": "o fim deve ser depois do início"}])
        if "rrule" in changes:
            changes["rrule"] = _rrule(changes["rrule"], start)
        for key, value in changes.items():
            setattr(event, key, value)
        event.version += 1
        record(db, actor, "calendar_event.updated", "calendar_event", event.id, company_id=company_id,
               after={k: str(v) for k, v in changes.items()})
        db.flush()
        return event_out(event, _attendees(db, event))


def delete_event(principal: Principal, event_id: str, actor: Actor) -> None:
    with company_transaction(principal) as (db, company_id):
        event = _event(db, principal, event_id, lock=True)
        _writable(event)
        record(db, actor, "calendar_event.deleted", "calendar_event", event.id, company_id=company_id,
               before={"title": event.title, "starts_at": event.starts_at.isoformat()})
        db.delete(event)


def respond(principal: Principal, event_id: str, status: str, actor: Actor) -> EventOut:
    with company_transaction(principal) as (db, company_id):
        event = _event(db, principal, event_id)
        row = db.get(Attendee, (event.id, uuid.UUID(principal.user_id)))
        if row is None:
            raise NotFound("Você não foi convidado para este evento.", code="not_invited")
        row.status, row.responded_at = status, datetime.now(UTC)
        record(db, actor, "calendar_event.responded", "calendar_event", event.id, company_id=company_id,
               after={"status": status})
        db.flush()
        return event_out(event, _attendees(db, event))


def visible_where(company_id: uuid.UUID, user_id: uuid.UUID | None, *, company_only: bool = False,
                  calendar_id: uuid.UUID | None = None) -> list[Any]:
    """Conditions on ``CalendarEvent`` joined to its ``Calendar``: the events a person sees (company calendars,
    their own, invitations), or a company's calendars only. The ICS feed selects columns with the same rule."""
    where: list[Any] = [CalendarEvent.company_id == company_id]
    if company_only or user_id is None:
        where.append(Calendar.kind == "company")
    else:
        invited = select(Attendee.event_id).where(Attendee.user_id == user_id, Attendee.status != "declined")
        where.append(or_(Calendar.kind == "company", Calendar.owner_id == user_id, CalendarEvent.id.in_(invited)))
    if calendar_id is not None:
        where.append(CalendarEvent.calendar_id == calendar_id)
    return where


def visible_events(db: Session, company_id: uuid.UUID, user_id: uuid.UUID | None, *, company_only: bool = False,
                   calendar_id: uuid.UUID | None = None) -> list[CalendarEvent]:
    """Events a person sees (company calendars, their own, invitations), or a company's calendars only."""
    stmt = select(CalendarEvent).join(Calendar, Calendar.id == CalendarEvent.calendar_id).where(
        *visible_where(company_id, user_id, company_only=company_only, calendar_id=calendar_id))
    return list(db.scalars(stmt.order_by(CalendarEvent.starts_at, CalendarEvent.id)))


def occurrences(principal: Principal, query: RangeQuery) -> OccurrenceList:
    """Every occurrence in [from, to): recurring events expanded (RFC 5545), in start order."""
    with company_transaction(principal) as (db, company_id):
        if query.calendar_id is not None:
            _calendar(db, principal, query.calendar_id)
        events = visible_events(db, company_id, uuid.UUID(principal.user_id), calendar_id=query.calendar_id)
    items = [Occurrence(event_id=e.id, calendar_id=e.calendar_id, title=e.title, starts_at=s, ends_at=t,
                        source=e.source, tender_id=e.tender_id, recurring=bool(e.rrule))
             for e in events
             for s, t in rules.occurrences(e.starts_at, e.ends_at, e.rrule, e.exdates, query.start, query.end)]
    items.sort(key=lambda o: (o.starts_at, str(o.event_id)))
    return OccurrenceList(items=items[: rules.MAX_OCCURRENCES])
