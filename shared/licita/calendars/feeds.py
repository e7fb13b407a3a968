"""ICS feeds at secret, revocable URLs (``/ics/{token}.ics``), in icalendar's format (its VTIMEZONE, checked
against icalendar by the tests).

Only the token's SHA-256 is stored; whoever holds the URL reads the feed (that is how calendar apps
subscribe), so it can be revoked and replaced at any time. Times are written in America/Sao_Paulo with its
VTIMEZONE, recurring events keep their RRULE.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Text, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from licita.accounts.models import Status, User
from licita.audit.service import Actor, record
from licita.boards.service import company_of, parse_id
from licita.calendars import rules
from licita.calendars.models import Calendar, CalendarEvent, CalendarFeed
from licita.calendars.schemas import FeedCreate, FeedCreated, FeedList, FeedOut
from licita.calendars.service import visible_where
from licita.core.errors import NotFound
from licita.core.security.principal import Principal
from licita.core.security.tokens import secret_hash
from licita.platform.clients import get_redis
from licita.platform.db.engine import system_transaction, tenant_transaction
from licita.platform.db.lookup import company_transaction

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
    with company_transaction(principal) as (db, company_id):
        rows = db.scalars(select(CalendarFeed).where(CalendarFeed.company_id == company_id,
                                                     CalendarFeed.user_id == uuid.UUID(principal.user_id))
                          .order_by(CalendarFeed.created_at))
        return FeedList(items=[_out(f) for f in rows])


def revoke_feed(principal: Principal, feed_id: str, actor: Actor) -> FeedOut:
    with company_transaction(principal) as (db, company_id):
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
    digest = secret_hash(token)
    with system_transaction() as db:  # the token is the only credential: find its company first
        found = db.execute(select(CalendarFeed.id, CalendarFeed.company_id, CalendarFeed.user_id, CalendarFeed.scope,
                                  CalendarFeed.last_used_at)
                           .join(User, User.id == CalendarFeed.user_id)
                           .where(CalendarFeed.token_hash == digest, CalendarFeed.revoked_at.is_(None),
                                  User.status == Status.ACTIVE)).first()
        if found is None:
            raise NotFound("Feed não encontrado.", code="feed_not_found")
        feed_id, company_id, user_id, scope, last_used = found
        now = datetime.now(UTC)
        if last_used is None or now - last_used > USE_RESOLUTION:  # calendar apps poll: no write on every poll
            db.execute(update(CalendarFeed).where(CalendarFeed.id == feed_id).values(last_used_at=now))
    name = "Licita — empresa" if scope == "company" else "Licita — minha agenda"
    where = visible_where(company_id, user_id, company_only=scope == "company")
    with tenant_transaction(company_id) as db:
        key = f"ics:{fingerprint(db, where, name)}"
        cached = _cache_get(key)
        if cached is not None:
            return cached
        rows = feed_rows(db, where)
    data = build_ics(rows, name)
    _cache_set(key, data)
    return data


# ------------------------------------------------------------------------------ what the feed reads
CACHE_SECONDS = 3600
USE_RESOLUTION = timedelta(minutes=5)  # last_used_at is kept to this precision (a read-only poll commits no WAL)
RENDER_VERSION = "2"  # part of the cache key: a change to what build_ics writes must not serve old documents
TZID = "America/Sao_Paulo"


class FeedRow(NamedTuple):
    """One event as the feed writes it; start/end are already São Paulo wall time (``YYYYMMDDTHHMMSS``)."""

    id: Any
    title: str
    description: str | None
    location: str | None
    start: str
    end: str
    all_day: bool
    rrule: str | None
    version: int
    source: str
    reminders: list[Any]
    exdates: list[Any]


def _wall_time(column: Any) -> Any:
    """PostgreSQL converts and formats (``timestamptz AT TIME ZONE``, same IANA zone): no per-event zone work
    or datetime objects in Python."""
    return func.to_char(func.timezone(TZID, column), 'YYYYMMDD"T"HH24MISS')


_COLUMNS = (CalendarEvent.id, CalendarEvent.title, CalendarEvent.description, CalendarEvent.location,
            _wall_time(CalendarEvent.starts_at), _wall_time(CalendarEvent.ends_at), CalendarEvent.all_day,
            CalendarEvent.rrule, CalendarEvent.version, CalendarEvent.source,
            # JSONB as text: psycopg's JSON loader cost ~20 µs a value (40 ms for 1,000 events), json.loads ~1 µs
            func.cast(CalendarEvent.reminders, Text), func.cast(CalendarEvent.exdates, Text))
_ORDER = (CalendarEvent.starts_at, CalendarEvent.id)


def _visible(stmt: Any, where: list[Any]) -> Any:
    return stmt.select_from(CalendarEvent).join(Calendar, Calendar.id == CalendarEvent.calendar_id).where(*where)


def feed_rows(db: Session, where: list[Any]) -> list[FeedRow]:
    """The feed's columns only (no ORM objects, no JSON the feed does not show), in start order; on the
    session's connection (plain rows, fetched in one call), each distinct JSON text parsed once (most events
    share their reminders); the lists are shared between rows, read-only."""
    result = db.connection().execute(_visible(select(*_COLUMNS), where).order_by(*_ORDER)).all()
    parsed: dict[str | None, list[Any]] = {}

    def as_list(raw: str | None) -> list[Any]:
        if raw not in parsed:
            value = json.loads(raw) if raw and raw != "[]" else []
            parsed[raw] = value if isinstance(value, list) else []
        return parsed[raw]

    return [FeedRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], as_list(r[10]), as_list(r[11]))
            for r in result]


def fingerprint(db: Session, where: list[Any], name: str) -> str:
    """Everything the feed shows, hashed by PostgreSQL (each row's text form, NULL distinct from empty): any
    change to any event gives another key, so a cache hit needs no invalidation and reads no rows."""
    row_text = func.cast(func.row(*_COLUMNS), Text)
    digest = db.scalar(_visible(select(func.md5(func.string_agg(row_text, aggregate_order_by(
        literal_column("' '"), *_ORDER)))), where))
    return hashlib.sha256(f"{RENDER_VERSION}|{name}|{digest or ''}".encode()).hexdigest()


def rows_of(events: Sequence[Any]) -> list[FeedRow]:
    """:class:`FeedRow` from event objects (what :func:`feed_rows` gets from PostgreSQL), in Python."""
    tz = rules.zone()
    return [FeedRow(e.id, e.title, e.description, e.location, e.starts_at.astimezone(tz).strftime("%Y%m%dT%H%M%S"),
                    e.ends_at.astimezone(tz).strftime("%Y%m%dT%H%M%S"), bool(getattr(e, "all_day", False)), e.rrule,
                    e.version, e.source, list(e.reminders or []), list(getattr(e, "exdates", None) or []))
            for e in events]


def _cache_get(key: str) -> bytes | None:
    """The rendered feed when the same events were rendered within the hour (calendar apps poll the same URL
    over and over); Redis being unavailable only costs the rendering."""
    try:
        hit = get_redis().get(key)
    except Exception:
        logging.getLogger("licita.calendars").warning("ICS cache read failed", exc_info=True)
        return None
    return hit if isinstance(hit, bytes) else None


def _cache_set(key: str, data: bytes) -> None:
    try:
        get_redis().set(key, data, ex=CACHE_SECONDS)
    except Exception:
        logging.getLogger("licita.calendars").warning("ICS cache write failed", exc_info=True)


# ------------------------------------------------------------------------------ the document
def build_ics(rows: Sequence[FeedRow], name: str) -> bytes:
    """The feed: VEVENT lines written directly (icalendar's per-property objects cost ~10 ms per event), the
    VCALENDAR header and America/Sao_Paulo's VTIMEZONE from icalendar, built once per process. Lines that
    are short ASCII by construction (times, UID, SEQUENCE, TRIGGER) skip the folding check."""
    stamp = f"DTSTAMP:{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}\r\n"
    out = [_header(name)]
    append = out.append
    for r in rows:
        title = escape_text(r.title)
        summary = fold("SUMMARY:" + title)
        if r.all_day:
            first, last = _all_day(r.start, r.end)
            times = f"DTSTART;VALUE=DATE:{first}\r\nDTEND;VALUE=DATE:{last}\r\n"
        else:
            times = f"DTSTART;TZID={TZID}:{r.start}\r\nDTEND;TZID={TZID}:{r.end}\r\n"
        append(f"BEGIN:VEVENT\r\n{summary}{times}{stamp}UID:{r.id}@licita\r\nSEQUENCE:{int(r.version)}\r\n")
        if r.rrule:
            append(fold(f"RRULE:{_rrule(r.rrule)}"))
            for skipped in r.exdates or ():
                exdate = _exdate(skipped)
                if exdate:
                    append(exdate)
        append(_categories(r.source))
        if r.description:
            append(fold("DESCRIPTION:" + escape_text(r.description)))
        if r.location:
            append(fold("LOCATION:" + escape_text(r.location)))
        if r.reminders:
            alarm = "BEGIN:VALARM\r\nACTION:DISPLAY\r\n" + fold("DESCRIPTION:" + title)
            for minutes in r.reminders:
                append(f"{alarm}TRIGGER:{_before(int(minutes))}\r\nEND:VALARM\r\n")
        append("END:VEVENT\r\n")
    append("END:VCALENDAR\r\n")
    return "".join(out).encode()


def _all_day(start: str, end: str) -> tuple[str, str]:
    """VALUE=DATE bounds of an all-day event: its local start date, and the day after its last day (DTEND is
    exclusive), at least one day."""
    first = date(int(start[:4]), int(start[4:6]), int(start[6:8]))
    last = date(int(end[:4]), int(end[4:6]), int(end[6:8]))
    return first.strftime("%Y%m%d"), (last if last > first else first + timedelta(days=1)).strftime("%Y%m%d")


def _exdate(raw: Any) -> str:
    """A skipped occurrence (stored as an ISO datetime) as São Paulo wall time; unreadable values are skipped."""
    try:
        when = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    except ValueError:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=rules.zone())
    return f"EXDATE;TZID={TZID}:{when.astimezone(rules.zone()).strftime('%Y%m%dT%H%M%S')}\r\n"


@cache
def _categories(source: str) -> str:
    return fold("CATEGORIES:Licita," + escape_text(source))


def escape_text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT: backslash, semicolon, comma escaped; any line break becomes ``\\n``. Chained
    ``str.replace`` (each a C scan that returns the string itself when nothing matches): most titles have
    nothing to escape, and ``str.translate`` with a mapping costs a Python-level lookup per character."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\n")
            .replace("\r", "\n").replace("\n", "\\n"))


def _text(prop: str, value: str) -> str:
    return f"{prop}:{escape_text(value)}"


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


VTIMEZONE_FILE = Path(__file__).with_name("vtimezone_america_sao_paulo.ics")


def generate_vtimezone() -> str:
    """America/Sao_Paulo's VTIMEZONE as icalendar builds it (1970-2038, from the installed tz database).

    Kept in :data:`VTIMEZONE_FILE` so a render never imports icalendar (~250 ms on a loaded machine, the bulk
    of a cold first render); a unit test regenerates it and fails if the tz data moved on. Refresh with
    ``python -c "from licita.calendars.feeds import write_vtimezone; write_vtimezone()"``."""
    from icalendar import Calendar, Event  # noqa: PLC0415  (heavy: icalendar, only to (re)generate the file)

    probe = Calendar()
    event = Event()
    event.add("dtstart", datetime(2025, 1, 1, tzinfo=rules.zone()))
    probe.add_component(event)
    probe.add_missing_timezones()
    return "".join(c.to_ical().decode() for c in probe.walk("VTIMEZONE"))


def write_vtimezone() -> None:
    VTIMEZONE_FILE.write_bytes(generate_vtimezone().encode())


@cache
def _vtimezone() -> str:
    """The stored VTIMEZONE with CRLF line ends whatever a checkout did to them."""
    return VTIMEZONE_FILE.read_bytes().decode().replace("\r\n", "\n").replace("\n", "\r\n")


def _header(name: str) -> str:
    """VCALENDAR properties and the VTIMEZONE (icalendar's, see :func:`generate_vtimezone`)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             _text("X-WR-CALNAME", name), f"X-WR-TIMEZONE:{TZID}"]
    return "".join(fold(line) for line in lines) + _vtimezone()
