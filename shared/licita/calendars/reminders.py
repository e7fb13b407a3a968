"""Event reminders through the notify pipeline: a scheduled run finds reminders that fell due since the last
run and publishes ``calendar.reminder`` once per (event, occurrence, offset) — ``reminded`` remembers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from licita.calendars import rules
from licita.calendars.models import Attendee, Calendar, CalendarEvent
from licita.platform.db.engine import system_transaction
from licita.platform.queues import publish

HORIZON = timedelta(days=29)  # longest reminder offset (28 days) plus a margin


def run(now: datetime | None = None) -> dict[str, int]:
    moment = now or datetime.now(UTC)
    sent = 0
    with system_transaction() as db:
        events = db.execute(select(CalendarEvent, Calendar.kind, Calendar.owner_id)
                            .join(Calendar, Calendar.id == CalendarEvent.calendar_id)
                            .where(CalendarEvent.reminders != [],
                                   or_(CalendarEvent.rrule.is_not(None),
                                       CalendarEvent.starts_at.between(moment - timedelta(hours=1),
                                                                       moment + HORIZON)))).all()
        for event, kind, owner in events:
            for start, _ in rules.occurrences(event.starts_at, event.ends_at, event.rrule, event.exdates,
                                              moment - timedelta(hours=1), moment + HORIZON, limit=50):
                for minutes in rules.reminders_due(start, list(event.reminders), moment):
                    key = f"{start.astimezone(UTC).isoformat()}|{minutes}"
                    if key in (event.reminded or {}):
                        continue
                    publish("calendar.reminder", str(event.company_id),
                            _payload(db, event, kind, owner, start, minutes, key))
                    event.reminded = {**(event.reminded or {}), key: moment.isoformat()}
                    sent += 1
    return {"events": len(events), "reminders": sent}


def _payload(db: Any, event: CalendarEvent, kind: str, owner: uuid.UUID | None, start: datetime, minutes: int,
             key: str) -> dict[str, Any]:
    payload: dict[str, Any] = {"event_id": str(event.id), "title": event.title, "starts_at": start.isoformat(),
                               "minutes": minutes, "tender_id": event.tender_id and str(event.tender_id),
                               "dedup_key": f"cal-reminder:{event.id}:{key}"}
    if kind != "company":  # a personal event: its owner and the people who did not decline
        people = {str(owner)} if owner else set()
        people |= {str(a.user_id) for a in db.scalars(select(Attendee).where(Attendee.event_id == event.id,
                                                                            Attendee.status != "declined"))}
        payload["recipient_ids"] = sorted(people)
    return payload
