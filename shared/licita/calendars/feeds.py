"""ICS feeds at secret, revocable URLs (``/ics/{token}.ics``), built with ``icalendar``.

Only the token's SHA-256 is stored; whoever holds the URL reads the feed (that is how calendar apps
subscribe), so it can be revoked and replaced at any time. Times are written in America/Sao_Paulo with its
VTIMEZONE, recurring events keep their RRULE.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from licita.accounts.models import Status, User
from licita.audit.service import Actor, record
from licita.boards.service import company_of, parse_id
from licita.calendars import rules
from licita.calendars.models import CalendarEvent, CalendarFeed
from licita.calendars.schemas import FeedCreate, FeedCreated, FeedList, FeedOut
from licita.calendars.service import visible_events
from licita.core.errors import NotFound
from licita.core.security.principal import Principal
from licita.platform.clients import get_redis
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
    return cached_ics(events, "Licita — empresa" if scope == "company" else "Licita — minha agenda")


CACHE_SECONDS = 3600


def fingerprint(events: list[CalendarEvent], name: str) -> str:
    """Everything the feed shows, hashed: any change to any event gives another key (no invalidation)."""
    h = hashlib.sha256(name.encode())
    for e in events:
        h.update(repr((str(e.id), e.title, e.description, e.location, e.starts_at.isoformat(),
                       e.ends_at.isoformat(), e.rrule, e.version, e.source, list(e.reminders or []))).encode())
    return h.hexdigest()


def cached_ics(events: list[CalendarEvent], name: str) -> bytes:
    """The rendered feed from Redis when the same events were rendered within the hour (calendar apps poll
    the same URL over and over); Redis being unavailable only costs the rendering."""

    key = f"ics:{fingerprint(events, name)}"
    try:
        hit = get_redis().get(key)
    except Exception:
        logging.getLogger("licita.calendars").warning("ICS cache read failed", exc_info=True)
        hit = None
    if isinstance(hit, bytes):
        return hit
    data = build_ics(events, name)
    try:
        get_redis().set(key, data, ex=CACHE_SECONDS)
    except Exception:
        logging.getLogger("licita.calendars").warning("ICS cache write failed", exc_info=True)
    return data


def build_ics(events: list[CalendarEvent], name: str) -> bytes:
    """The feed: VEVENT lines written directly (icalendar's per-property objects cost ~10 ms per event), the
    VCALENDAR header and America/Sao_Paulo's VTIMEZONE from icalendar, built once per process."""
    tz = rules.zone()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = [_header(name)]
    for e in events:
        lines = [_text("SUMMARY", e.title),
                 f"DTSTART;TZID={TZID}:{e.starts_at.astimezone(tz).strftime('%Y%m%dT%H%M%S')}",
                 f"DTEND;TZID={TZID}:{e.ends_at.astimezone(tz).strftime('%Y%m%dT%H%M%S')}",
                 f"DTSTAMP:{stamp}", _text("UID", f"{e.id}@licita", escape=False), f"SEQUENCE:{int(e.version)}"]
        if e.rrule:
            lines.append(f"RRULE:{_rrule(e.rrule)}")
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in ("Licita", e.source)))
        if e.description:
            lines.append(_text("DESCRIPTION", e.description))
        if e.location:
            lines.append(_text("LOCATION", e.location))
        alarm_text = _text("DESCRIPTION", e.title) if e.reminders else ""
        for minutes in e.reminders or []:
            lines += ["BEGIN:VALARM", "ACTION:DISPLAY", alarm_text, f"TRIGGER:{_before(int(minutes))}", "END:VALARM"]
        out.append("BEGIN:VEVENT\r\n" + "".join(fold(line) for line in lines) + "END:VEVENT\r\n")
    out.append("END:VCALENDAR\r\n")
    return "".join(out).encode()


TZID = "America/Sao_Paulo"
_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"})


def escape_text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT: backslash, semicolon, comma escaped; any line break becomes ``\\n``."""
    return value.replace("\r\n", "\n").replace("\r", "\n").translate(_ESCAPES)


def _text(prop: str, value: str, *, escape: bool = True) -> str:
    return f"{prop}:{escape_text(value) if escape else value}"


def fold(line: str) -> str:
    """One content line, CRLF-terminated, folded at 75 octets (RFC 5545 §3.1) without splitting a UTF-8
    sequence; continuation lines start with a space."""
    if len(line) <= 75 and line.isascii():
        return line + "\r\n"
    data = line.encode()
    if len(data) <= 75:
        return line + "\r\n"
    parts: list[bytes] = []
    start, limit = 0, 75
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # never cut inside a multi-byte character
            end -= 1
        parts.append(data[start:end])
        start, limit = end, 74
    parts.append(data[start:])
    return "\r\n ".join(p.decode() for p in parts) + "\r\n"


def _rrule(value: str) -> str:
    """The stored RRULE (validated on write by ``rules.check_rrule``), passed through; line breaks dropped."""
    return "".join(value.split()).removeprefix("RRULE:")


def _before(minutes: int) -> str:
    """A negative DURATION (RFC 5545 §3.3.6) ``minutes`` before the start."""
    days, rest = divmod(abs(minutes), 1440)
    hours, mins = divmod(rest, 60)
    sign = "-" if minutes >= 0 else ""
    time_part = (f"{hours}H" if hours else "") + (f"{mins}M" if mins else "")
    if not days and not time_part:
        return "PT0S"
    return f"{sign}P{f'{days}D' if days else ''}{f'T{time_part}' if time_part else ''}"


_vtimezone: str | None = None


def _header(name: str) -> str:
    """VCALENDAR properties and the VTIMEZONE (from icalendar, built once: its 1970-2038 range is fixed)."""
    global _vtimezone
    if _vtimezone is None:
        from icalendar import Calendar, Event  # noqa: PLC0415  (heavy: icalendar, only when a feed is rendered)

        probe = Calendar()
        event = Event()
        event.add("dtstart", datetime(2025, 1, 1, tzinfo=rules.zone()))
        probe.add_component(event)
        probe.add_missing_timezones()
        _vtimezone = "".join(c.to_ical().decode() for c in probe.walk("VTIMEZONE"))
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             _text("X-WR-CALNAME", name), f"X-WR-TIMEZONE:{TZID}"]
    return "".join(fold(line) for line in lines) + _vtimezone
