"""ICS feeds at secret, revocable URLs (``/ics/{token}.ics``), built with ``icalendar``.

Only the token's SHA-256 is stored; whoever holds the URL reads the feed (that is how calendar apps
subscribe), so it can be revoked and replaced at any time. Times are written in America/Sao_Paulo with its
VTIMEZONE, recurring events keep their RRULE.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from licita.audit.service import Actor, record
from licita.boards.service import company_of, parse_id
from licita.calendars import rules
from licita.calendars.models import CalendarEvent, CalendarFeed
from licita.calendars.schemas import FeedCreate, FeedCreated, FeedList, FeedOut
from licita.core.errors import NotFound
from licita.core.security.principal import Principal
from licita.platform.db.engine import system_transaction, tenant_transaction

PRODID = "-//Licita//Agenda de licitações//PT-BR"


def _out(f: CalendarFeed) -> FeedOut:
    return FeedOut(id=f.id, scope=f.scope, created_at=f.created_at, revoked_at=f.revoked_at,
                   last_used_at=f.last_used_at)


def create_feed(principal: Principal, body: FeedCreate, base_url: str, actor: Actor) -> FeedCreated:
    company_id = company_of(principal)
    token, digest = rules.new_feed_token()
    with tenant_transaction(company_id) as db:
        feed = CalendarFeed(id=uuid.uuid4(), company_id=company_id, user_id=uuid.UUID(principal.user_id),
                            scope=body.scope, token_hash=digest)
        db.add(feed)
        record(db, actor, "calendar_feed.created", "calendar_feed", feed.id, company_id=company_id,
               after={"scope": body.scope})
        db.flush()
        db.refresh(feed)
        return FeedCreated(**_out(feed).model_dump(), url=f"{base_url.rstrip('/')}/ics/{token}.ics")


def list_feeds(principal: Principal) -> FeedList:
    company_id = company_of(principal)
    with tenant_transaction(company_id) as db:
        rows = db.scalars(select(CalendarFeed).where(CalendarFeed.company_id == company_id,
                                                     CalendarFeed.user_id == uuid.UUID(principal.user_id))
                          .order_by(CalendarFeed.created_at))
        return FeedList(items=[_out(f) for f in rows])


def revoke_feed(principal: Principal, feed_id: str, actor: Actor) -> FeedOut:
    company_id = company_of(principal)
    with tenant_transaction(company_id) as db:
        feed = db.scalar(select(CalendarFeed).where(CalendarFeed.id == parse_id(feed_id, "Feed", "feed_not_found"),
                                                    CalendarFeed.company_id == company_id,
                                                    CalendarFeed.user_id == uuid.UUID(principal.user_id)))
        if feed is None:
            raise NotFound("Feed não encontrado.", code="feed_not_found")
        feed.revoked_at = feed.revoked_at or datetime.now(UTC)
        record(db, actor, "calendar_feed.revoked", "calendar_feed", feed.id, company_id=company_id)
        db.flush()
        return _out(feed)


def render_feed(token: str) -> bytes:
    """The ICS document for a live token, or NotFound (unknown, revoked, or its owner no longer active)."""
    from licita.accounts.models import Status, User
    from licita.calendars.service import visible_events

    token = token.removesuffix(".ics")
    if not 20 <= len(token) <= 100:
        raise NotFound("Feed não encontrado.", code="feed_not_found")
    digest = rules.token_hash(token)
    with system_transaction() as db:  # the token is the only credential: find its company first
        feed = db.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == digest,
                                                    CalendarFeed.revoked_at.is_(None)))
        active = feed is not None and db.scalar(select(User.status).where(User.id == feed.user_id)) == Status.ACTIVE
        if feed is None or not active:
            raise NotFound("Feed não encontrado.", code="feed_not_found")
        feed.last_used_at = datetime.now(UTC)
        company_id, user_id, scope = feed.company_id, feed.user_id, feed.scope
    with tenant_transaction(company_id) as db:
        events = visible_events(db, company_id, user_id, company_only=scope == "company")
    return build_ics(events, "Licita — empresa" if scope == "company" else "Licita — minha agenda")


def build_ics(events: list[CalendarEvent], name: str) -> bytes:
    from icalendar import Alarm, Calendar, Event, vRecur

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "America/Sao_Paulo")
    tz = rules.zone()
    stamp = datetime.now(UTC)
    for e in events:
        item = Event()
        item.add("uid", f"{e.id}@licita")
        item.add("dtstamp", stamp)
        item.add("summary", e.title)
        item.add("dtstart", e.starts_at.astimezone(tz))
        item.add("dtend", e.ends_at.astimezone(tz))
        if e.description:
            item.add("description", e.description)
        if e.location:
            item.add("location", e.location)
        if e.rrule:
            item.add("rrule", vRecur.from_ical(e.rrule))
        item.add("sequence", e.version)
        item.add("categories", ["Licita", e.source])
        for minutes in e.reminders or []:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", e.title)
            alarm.add("trigger", _minutes(minutes))
            item.add_component(alarm)
        cal.add_component(item)
    cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    return data


def _minutes(value: int) -> Any:
    from datetime import timedelta

    return -timedelta(minutes=value)
