"""Calendars over the real Chalice app: events, attendees, recurrence, automatic tender deadlines that follow
their source (and vanish with it), reminders through the notify pipeline, ICS feeds (parsed with icalendar,
local times checked), revocation, and tenant isolation on every route."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from collaboration_support import Team, deliver_all
from sqlalchemy import select

from licita.platform.db.engine import system_transaction

BRT = "-03:00"


def seed_tender(team: Team, deadlines: dict[str, datetime]) -> str:
    from licita.tenders.models import Deadline, Tender

    tid = uuid.uuid4()
    with system_transaction() as db:
        db.add(Tender(id=tid, company_id=uuid.UUID(team.company_id), status="READY", title="Pregão 7/2026",
                      fields={}, corrections={}, risk={}, details={}, review_reasons=[]))
        db.flush()
        db.add_all([Deadline(company_id=uuid.UUID(team.company_id), tender_id=tid, kind=k, due_at=v)
                    for k, v in deadlines.items()])
    return str(tid)


def analyzed(team: Team, tender_id: str, kind: str = "tender.analyzed") -> None:
    from licita.notifications.service import deliver
    from licita.platform.queues import build_event

    deliver(build_event(kind, team.company_id, {"tender_id": tender_id, "title": "Pregão 7/2026"}))


def company_calendar(team: Team) -> str:
    _, cals = team.member.call("calendars", "GET", "/calendars")
    return str(next(c["id"] for c in cals["items"] if c["kind"] == "company"))


def occurrences(person: Any, start: str, end: str) -> list[dict[str, Any]]:
    status, out = person.call("calendars", "GET", "/calendars/occurrences", query={"from": start, "to": end})
    assert status == 200, out
    items: list[dict[str, Any]] = out["items"]
    return items


def test_events_attendees_recurrence_and_versions(team: Team, notify_env: Any) -> None:
    cal = company_calendar(team)
    status, personal = team.member.call("calendars", "POST", "/calendars", {"name": "Minha"})
    assert status == 201 and personal["kind"] == "personal"
    assert team.member.call("calendars", "POST", "/calendars", {"name": "Empresa", "kind": "company"})[0] == 403
    status, ev = team.member.call("calendars", "POST", f"/calendars/{personal['id']}/events", {
        "title": "Visita técnica", "starts_at": f"2026-03-02T09:00:00{BRT}", "ends_at": f"2026-03-02T10:00:00{BRT}",
        "rrule": "FREQ=WEEKLY;COUNT=3", "attendee_ids": [team.admin.id], "reminders": [60]})
    assert status == 201 and ev["attendees"] == [{"user_id": team.admin.id, "status": "needs_action"}]
    starts = [o["starts_at"] for o in occurrences(team.admin, f"2026-03-01T00:00:00{BRT}", f"2026-04-01T00:00:00{BRT}")]
    assert starts == ["2026-03-02T09:00:00-03:00", "2026-03-09T09:00:00-03:00", "2026-03-16T09:00:00-03:00"]
    # the viewer neither owns the personal calendar nor is invited
    assert occurrences(team.viewer, f"2026-03-01T00:00:00{BRT}", f"2026-04-01T00:00:00{BRT}") == []
    assert team.viewer.call("calendars", "GET", f"/calendar-events/{ev['id']}")[0] == 404
    status, answered = team.admin.call("calendars", "POST", f"/calendar-events/{ev['id']}/respond",
                                       {"status": "accepted"})
    assert status == 200 and answered["attendees"][0]["status"] == "accepted"
    assert team.member.call("calendars", "POST", f"/calendar-events/{ev['id']}/respond",
                            {"status": "declined"})[0] == 404  # not invited
    events = deliver_all(notify_env)
    assert [e["payload"]["target_user_id"] for e in events if e["type"] == "calendar.invited"] == [team.admin.id]

    status, edited = team.member.call("calendars", "PATCH", f"/calendar-events/{ev['id']}",
                                      {"version": 1, "title": "Visita técnica (confirmada)"})
    assert status == 200 and edited["version"] == 2
    stale = team.member.call("calendars", "PATCH", f"/calendar-events/{ev['id']}", {"version": 1, "title": "x"})
    assert stale[0] == 409
    for bad in ({"rrule": "FREQ=MINUTELY"}, {"rrule": "FREQ=NUNCA"}, {"ends_at": f"2026-03-02T08:00:00{BRT}"},
                {"starts_at": "2026-03-02T09:00:00"}, {"title": "a\x00"}):
        body = {"title": "x", "starts_at": f"2026-03-02T09:00:00{BRT}", "ends_at": f"2026-03-02T10:00:00{BRT}", **bad}
        assert team.member.call("calendars", "POST", f"/calendars/{cal}/events", body)[0] == 422, bad
    assert team.viewer.call("calendars", "POST", f"/calendars/{cal}/events", {})[0] == 403
    assert team.member.call("calendars", "DELETE", f"/calendar-events/{ev['id']}")[0] == 204
    assert team.admin.call("calendars", "GET", f"/calendar-events/{ev['id']}")[0] == 404


def test_tender_deadlines_become_events_follow_changes_and_vanish(team: Team) -> None:
    session = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)  # 09:00 in Brasília
    tid = seed_tender(team, {"session": session, "impugnacao": session - timedelta(days=3),
                             "esclarecimento": session - timedelta(days=3), "proposal": session})
    analyzed(team, tid)
    items = occurrences(team.viewer, f"2026-06-01T00:00:00{BRT}", f"2026-06-30T00:00:00{BRT}")
    assert sorted(i["title"].split(":")[0] for i in items) == ["Envio de propostas", "Impugnação",
                                                               "Pedido de esclarecimento", "Sessão pública"]
    sess = next(i for i in items if i["title"].startswith("Sessão"))
    assert sess["starts_at"] == "2026-06-10T09:00:00-03:00" and sess["source"] == "tenders" and sess["tender_id"] == tid
    assert team.admin.call("calendars", "PATCH", f"/calendar-events/{sess['event_id']}",
                           {"version": 1, "title": "x"})[1]["error"]["code"] == "auto_event_readonly"
    # the session moves (a correction): the event follows; a deadline removed disappears
    from licita.tenders.models import Deadline

    with system_transaction() as db:
        db.query(Deadline).filter(Deadline.tender_id == uuid.UUID(tid), Deadline.kind == "session").update(
            {"due_at": session + timedelta(days=1)})
        db.query(Deadline).filter(Deadline.tender_id == uuid.UUID(tid), Deadline.kind == "proposal").delete()
    analyzed(team, tid, "tender.field_corrected")
    items = occurrences(team.viewer, f"2026-06-01T00:00:00{BRT}", f"2026-06-30T00:00:00{BRT}")
    assert len(items) == 3
    assert next(i for i in items if i["title"].startswith("Sessão"))["starts_at"] == "2026-06-11T09:00:00-03:00"
    analyzed(team, tid)  # idempotent
    assert len(occurrences(team.viewer, f"2026-06-01T00:00:00{BRT}", f"2026-06-30T00:00:00{BRT}")) == 3
    # the tender is deleted: its events go with it
    from licita.tenders.models import Tender

    with system_transaction() as db:
        db.query(Deadline).filter(Deadline.tender_id == uuid.UUID(tid)).delete()
        db.query(Tender).filter(Tender.id == uuid.UUID(tid)).delete()
    assert occurrences(team.viewer, f"2026-06-01T00:00:00{BRT}", f"2026-06-30T00:00:00{BRT}") == []


def test_a_correction_syncs_the_calendar_only_when_its_field_can_change_it(team: Team) -> None:
    from licita.notifications.service import deliver
    from licita.platform.queues import build_event
    from licita.tenders.models import Deadline

    session = datetime(2026, 7, 14, 13, 0, tzinfo=UTC)
    tid = seed_tender(team, {"session": session})
    analyzed(team, tid)
    window = (f"2026-07-01T00:00:00{BRT}", f"2026-07-31T00:00:00{BRT}")

    def session_start() -> str:
        (item,) = [i for i in occurrences(team.viewer, *window) if i["title"].startswith("Sessão")]
        return str(item["starts_at"])

    assert session_start() == "2026-07-14T10:00:00-03:00"
    with system_transaction() as db:  # the deadline row moves, as a session correction would move it
        db.query(Deadline).filter(Deadline.tender_id == uuid.UUID(tid), Deadline.kind == "session").update(
            {"due_at": session + timedelta(days=2)})

    def corrected(field: str) -> None:
        deliver(build_event("tender.field_corrected", team.company_id, {"tender_id": tid, "field": field}))

    corrected("object")  # the object is not in any calendar event: no sync
    assert session_start() == "2026-07-14T10:00:00-03:00"
    corrected("session_datetime")
    assert session_start() == "2026-07-16T10:00:00-03:00"


def test_reminders_go_through_the_notify_pipeline_once(team: Team, notify_env: Any) -> None:
    from licita.calendars import reminders

    cal = company_calendar(team)
    start = datetime.now(UTC) + timedelta(minutes=30)
    status, ev = team.member.call("calendars", "POST", f"/calendars/{cal}/events", {
        "title": "Sessão de lances", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "reminders": [35, 1440]})
    assert status == 201
    deliver_all(notify_env)
    assert reminders.run()["reminders"] == 1
    assert reminders.run()["reminders"] == 0  # remembered
    events = deliver_all(notify_env)
    assert [e["type"] for e in events] == ["calendar.reminder"]
    from licita.platform.clients import get_mongo

    got = get_mongo()["notifications"].find_one({"user_id": team.viewer.id, "kind": "calendar.reminder",
                                                 "data.event_id": ev["id"]})
    assert got is not None and got["title"].startswith("Lembrete: Sessão de lances")


def test_ics_feed_rows_from_postgresql_match_python_and_the_fingerprint_follows_every_change(team: Team) -> None:
    """The feed reads São Paulo wall times formatted by PostgreSQL: the same as Python's zoneinfo for every event
    (incl. pre-2019 summer time and the DST switch nights); the content fingerprint changes with any shown field
    (title, time, a NULL description becoming empty text, reminders, a deleted event) and with nothing else."""
    from licita.calendars import feeds
    from licita.calendars.models import CalendarEvent
    from licita.calendars.service import visible_where
    from licita.platform.db.engine import tenant_transaction

    cid, cal = uuid.UUID(team.company_id), uuid.UUID(company_calendar(team))
    instants = [datetime(2018, 2, 17, 2, 30, tzinfo=UTC), datetime(2018, 11, 4, 2, 59, tzinfo=UTC),
                datetime(2018, 11, 4, 3, 0, tzinfo=UTC), datetime(2026, 7, 1, 17, 30, tzinfo=UTC),
                datetime(2037, 12, 31, 23, 59, tzinfo=UTC)]
    with tenant_transaction(cid) as db:
        db.add_all([CalendarEvent(id=uuid.uuid4(), company_id=cid, calendar_id=cal, title=f"E{i}; x", description=None,
                                  starts_at=t, ends_at=t + timedelta(minutes=45), all_day=False, exdates=[],
                                  reminders=[30], reminded={}, source="manual", version=1)
                    for i, t in enumerate(instants)])
    where = visible_where(cid, None, company_only=True)

    def state() -> tuple[list[feeds.FeedRow], list[feeds.FeedRow], str]:
        with tenant_transaction(cid) as db:
            events = list(db.scalars(select(CalendarEvent).where(*where[:1]).order_by(CalendarEvent.starts_at,
                                                                                      CalendarEvent.id)))
            return feeds.feed_rows(db, where), feeds.rows_of(events), feeds.fingerprint(db, where, "n")

    rows, python_rows, first = state()
    assert [r.start for r in rows] == ["20180217T003000", "20181103T235900", "20181104T010000", "20260701T143000",
                                       "20371231T205900"]
    assert rows == python_rows
    assert state()[2] == first  # nothing changed: same key (a cache hit)
    seen = {first}
    for change in ({"title": "E0; y"}, {"description": ""}, {"reminders": [30, 60]},
                   {"starts_at": instants[0] + timedelta(minutes=1)}, None):
        with tenant_transaction(cid) as db:
            row = db.scalar(select(CalendarEvent).where(CalendarEvent.company_id == cid)
                            .order_by(CalendarEvent.starts_at).limit(1))
            assert row is not None
            if change is None:
                db.delete(row)
            else:
                for key, value in change.items():
                    setattr(row, key, value)
        key = state()[2]
        assert key not in seen, change
        seen.add(key)


def test_ics_feed_parses_with_local_times_and_revokes(team: Team, other: Team) -> None:
    from icalendar import Calendar

    session = datetime(2026, 7, 1, 17, 30, tzinfo=UTC)  # 14:30 in Brasília
    tid = seed_tender(team, {"session": session, "impugnacao": datetime(2026, 6, 26, 2, 59, tzinfo=UTC)})
    analyzed(team, tid)
    status, feed = team.member.call("calendars", "POST", "/calendars/feeds", {"scope": "company"})
    assert status == 201 and feed["url"].endswith(".ics") and "/ics/" in feed["url"]
    path = "/ics/" + feed["url"].rsplit("/ics/", 1)[1]
    from apigw import load_function

    def fetch(p: str) -> dict[str, Any]:
        from apigw import _match, event

        app = load_function("calendars").app
        resource, params = _match(app, "GET", p)
        result: dict[str, Any] = app(event("GET", p, None, {}, resource=resource, path_params=params), None)
        return result

    response = fetch(path)
    assert response["statusCode"] == 200 and response["headers"]["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response["body"])
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/Sao_Paulo"]
    starts = {str(e["SUMMARY"]).split(":")[0]: e.decoded("DTSTART") for e in cal.walk("VEVENT")}
    assert starts["Sessão pública"].strftime("%Y-%m-%d %H:%M") == "2026-07-01 14:30"
    assert str(starts["Sessão pública"].tzinfo) == "America/Sao_Paulo"
    assert starts["Impugnação"].strftime("%Y-%m-%d %H:%M") == "2026-06-25 23:59"
    assert "Sessão pública" in response["body"] and "TZID=America/Sao_Paulo" in response["body"]
    # another company's feed shows nothing of this one
    _, foreign = other.admin.call("calendars", "POST", "/calendars/feeds", {"scope": "company"})
    body = fetch("/ics/" + foreign["url"].rsplit("/ics/", 1)[1])["body"]
    assert "Pregão 7/2026" not in body and Calendar.from_ical(body).walk("VEVENT") == []
    # revoked: the URL stops working; unknown tokens are 404 too
    assert other.admin.call("calendars", "DELETE", f"/calendars/feeds/{feed['id']}")[0] == 404
    status, revoked = team.member.call("calendars", "DELETE", f"/calendars/feeds/{feed['id']}")
    assert status == 200 and revoked["revoked_at"]
    assert fetch(path)["statusCode"] == 404
    assert fetch("/ics/" + "x" * 43 + ".ics")["statusCode"] == 404
    assert fetch("/ics/short")["statusCode"] == 404
    _, listed = team.member.call("calendars", "GET", "/calendars/feeds")
    assert [f["id"] for f in listed["items"]] == [feed["id"]] and "url" not in listed["items"][0]
    assert listed["items"][0]["last_used_at"]  # the fetches above were recorded (to 5 minutes)


ROUTES = [
    ("GET", "/calendar-events/{event}", None), ("PATCH", "/calendar-events/{event}", {"version": 1, "title": "x"}),
    ("DELETE", "/calendar-events/{event}", None), ("POST", "/calendar-events/{event}/respond", {"status": "accepted"}),
    ("POST", "/calendars/{calendar}/events", {"title": "x", "starts_at": "2026-01-01T10:00:00-03:00",
                                               "ends_at": "2026-01-01T11:00:00-03:00"}),
    ("DELETE", "/calendars/feeds/{feed}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_other_company_sees_nothing(team: Team, other: Team, method: str, path: str, body: Any) -> None:
    cal = company_calendar(team)
    _, ev = team.admin.call("calendars", "POST", f"/calendars/{cal}/events", {
        "title": "Reunião interna", "starts_at": "2026-01-01T10:00:00-03:00", "ends_at": "2026-01-01T11:00:00-03:00",
        "attendee_ids": [team.member.id]})
    _, feed = team.admin.call("calendars", "POST", "/calendars/feeds", {})
    p = path.replace("{event}", ev["id"]).replace("{calendar}", cal).replace("{feed}", feed["id"])
    assert other.admin.call("calendars", method, p, body)[0] == 404
    got = occurrences(other.admin, "2025-12-01T00:00:00-03:00", "2026-02-01T00:00:00-03:00")
    assert got == []
    _, cals = other.admin.call("calendars", "GET", "/calendars")
    assert cal not in [c["id"] for c in cals["items"]]
    assert team.admin.call("calendars", "GET", f"/calendar-events/{ev['id']}")[1]["title"] == "Reunião interna"
