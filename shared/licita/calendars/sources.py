"""Automatic calendar events from other areas ("sources"): tenders now; quotes and certidões plug in the same way.

A source names the domain events that may change it, how to find the reference (a tender id, a quote id…)
in their payload, and how to compute the events it wants for that reference. :func:`sync` makes the
company calendar match: upsert what is wanted (by ``source`` + ``source_ref``), delete the rest. Deleting
the referenced row is covered by the source's reaction (or, for tenders, by the foreign key cascade).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from licita.calendars.models import Calendar, CalendarEvent
from licita.notifications.service import react
from licita.platform.db.engine import tenant_transaction
from licita.tenders.events import DEADLINE_LABELS
from licita.tenders.fields import SCHEDULE_FIELDS
from licita.tenders.models import Deadline, Tender


@dataclass(frozen=True)
class AutoEvent:
    key: str  # unique within the reference (e.g. the deadline kind)
    title: str
    starts_at: datetime
    duration: timedelta = timedelta(minutes=30)
    description: str | None = None
    tender_id: uuid.UUID | None = None
    reminders: tuple[int, ...] = (1440, 120)


Collect = Callable[[Session, uuid.UUID, str], list[AutoEvent]]  # (db, company, ref) -> wanted events


@dataclass(frozen=True)
class Source:
    name: str
    events: tuple[str, ...]
    ref_of: Callable[[Mapping[str, Any]], str | None]  # event payload -> reference
    collect: Collect
    label: str = ""
    removes: tuple[str, ...] = field(default=())  # event types meaning "the reference is gone"
    # (event type, payload) -> may this event change the source's events? A sync is a transaction and three
    # queries per event; an event that says it cannot matter (a correction of an unrelated field) skips it.
    relevant: Callable[[str, Mapping[str, Any]], bool] = field(default=lambda _type, _payload: True)


_SOURCES: dict[str, Source] = {}


def register_source(source: Source) -> None:
    """Declare a source and react to its domain events through the notify pipeline's reactions hook."""
    _SOURCES[source.name] = source

    def _on_event(event: Mapping[str, Any]) -> None:
        payload, event_type = event.get("payload") or {}, str(event["type"])
        ref = source.ref_of(payload)
        if ref and (event_type in source.removes or source.relevant(event_type, payload)):
            sync(str(event["company_id"]), source.name, ref, gone=event_type in source.removes)

    _on_event.__qualname__ = f"calendar_source_{source.name}"
    react(*source.events, *source.removes)(_on_event)


def sources() -> dict[str, Source]:
    return dict(_SOURCES)


def default_calendar(db: Session, company_id: uuid.UUID) -> Any:
    """The company calendar automatic events go to (created on first need)."""
    cal = db.scalar(select(Calendar).where(Calendar.company_id == company_id, Calendar.kind == "company",
                                           Calendar.is_default.is_(True)))
    if cal is None:
        cal = Calendar(id=uuid.uuid4(), company_id=company_id, kind="company", name="Agenda da empresa",
                       is_default=True, color="#1f6feb")
        db.add(cal)
        db.flush()
    return cal


def sync(company_id: str | uuid.UUID, source_name: str, ref: str, *, gone: bool = False) -> dict[str, int]:
    """Make the calendar match what the source wants for ``ref`` (idempotent)."""
    source = _SOURCES[source_name]
    cid = uuid.UUID(str(company_id))
    counts = {"upserted": 0, "deleted": 0}
    with tenant_transaction(cid) as db:
        wanted = [] if gone else source.collect(db, cid, ref)
        keys = {f"{ref}:{w.key}": w for w in wanted}
        existing = {e.source_ref: e for e in db.scalars(select(CalendarEvent).where(
            CalendarEvent.company_id == cid, CalendarEvent.source == source_name,
            CalendarEvent.source_ref.like(f"{ref}:%")))}
        stale = [e.id for k, e in existing.items() if k not in keys]
        if stale:
            counts["deleted"] = len(stale)
            db.execute(delete(CalendarEvent).where(CalendarEvent.id.in_(stale)))
        calendar = default_calendar(db, cid) if keys else None
        for source_ref, w in keys.items():
            row = existing.get(source_ref)
            values = {"title": w.title[:300], "description": w.description, "starts_at": w.starts_at,
                      "ends_at": w.starts_at + w.duration, "tender_id": w.tender_id, "reminders": list(w.reminders)}
            if row is None:
                assert calendar is not None
                db.add(CalendarEvent(id=uuid.uuid4(), company_id=cid, calendar_id=calendar.id, source=source_name,
                                     source_ref=source_ref, all_day=False, exdates=[], reminded={}, version=1,
                                     **values))
                counts["upserted"] += 1
            elif any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                row.version += 1
                counts["upserted"] += 1
    return counts


# ------------------------------------------------------------------------------ the tenders source
def _tender_events(db: Session, company_id: uuid.UUID, ref: str) -> list[AutoEvent]:
    try:
        tender_id = uuid.UUID(ref)
    except ValueError:
        return []
    tender = db.scalar(select(Tender).where(Tender.id == tender_id, Tender.company_id == company_id))
    if tender is None:
        return []
    name = tender.title or tender.number or "Licitação"
    out: dict[str, AutoEvent] = {}
    for d in db.scalars(select(Deadline).where(Deadline.tender_id == tender_id, Deadline.company_id == company_id)
                        .order_by(Deadline.due_at)):
        if d.kind not in ("session", "proposal", "impugnacao", "esclarecimento") or d.kind in out:
            continue
        label = DEADLINE_LABELS.get(d.kind, "Prazo")
        basis = f" ({d.basis})" if d.basis else ""
        out[d.kind] = AutoEvent(key=d.kind, title=f"{label}: {name}", starts_at=d.due_at, tender_id=tender_id,
                                duration=timedelta(hours=2) if d.kind == "session" else timedelta(minutes=30),
                                description=f"{label} de “{name}”{basis}. /tenders/{tender_id}")
    return list(out.values())


def _tender_change_matters(event_type: str, payload: Mapping[str, Any]) -> bool:
    """A correction names its field: only the title's and the deadlines' fields reach the calendar (an event
    without a field, from an older publisher, syncs)."""
    corrected = payload.get("field") if event_type == "tender.field_corrected" else None
    return corrected is None or corrected in SCHEDULE_FIELDS


register_source(Source(
    name="tenders", label="Prazos de licitações",
    events=("tender.analyzed", "tender.needs_review", "tender.field_corrected"),
    ref_of=lambda p: str(p["tender_id"]) if p.get("tender_id") else None, collect=_tender_events,
    removes=("tender.deleted",), relevant=_tender_change_matters,
))
