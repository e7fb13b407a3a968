"""The direct ICS writer against the icalendar-built feed it replaced: same calendar once parsed, RFC 5545
escaping and 75-octet folding, São Paulo local times with TZID, RRULE passed through."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from icalendar import Alarm, Calendar, Event, vRecur

from licita.calendars import rules
from licita.calendars.feeds import PRODID, _vtimezone, build_ics, escape_text, fold, generate_vtimezone, rows_of


def reference_ics(events: list[Any], name: str) -> bytes:
    """The previous builder, verbatim: every property through icalendar."""
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
            alarm.add("trigger", -timedelta(minutes=minutes))
            item.add_component(alarm)
        cal.add_component(item)
    cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    return data


def ev(**kw: Any) -> Any:
    base: dict[str, Any] = {
        "id": uuid.uuid4(), "title": "Sessão pública", "description": None, "location": None,
        "starts_at": datetime(2025, 12, 15, 12, 0, tzinfo=UTC), "ends_at": datetime(2025, 12, 15, 13, 0, tzinfo=UTC),
        "rrule": None, "version": 1, "source": "manual", "reminders": []}
    return SimpleNamespace(**(base | kw))


EVENTS = [
    ev(),
    ev(title='Pregão; "PE" 35/2018, TRT\\18 — ' + "é" * 60, version=4, source="tenders",
       description="Linha 1\nLinha 2\r\nLinha 3; com, vírgula e barra \\ " + "texto longo " * 40,
       location="Sala 3, Brasília; 2º andar", reminders=[60, 1440, 90, 1500]),
    ev(title="Reunião semanal", rrule="FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5", reminders=[15],
       starts_at=datetime(2026, 3, 2, 13, 30, tzinfo=UTC), ends_at=datetime(2026, 3, 2, 14, 0, tzinfo=UTC)),
    ev(title="Antes de 2019 (horário de verão)", starts_at=datetime(2018, 1, 10, 14, 0, tzinfo=UTC),
       ends_at=datetime(2018, 1, 10, 15, 0, tzinfo=UTC), source="quotes"),
    ev(title="Emoji 📅 " * 12, description="🧾" * 50),
]


def components(data: bytes) -> list[dict[str, Any]]:
    cal = Calendar.from_ical(data)
    out = []
    for item in cal.walk("VEVENT"):
        out.append({
            "uid": str(item["uid"]), "summary": str(item["summary"]), "dtstart": item.decoded("dtstart"),
            "dtend": item.decoded("dtend"), "tzid": item["dtstart"].params.get("TZID"),
            "description": str(item.get("description", "")), "location": str(item.get("location", "")),
            "rrule": dict(item["rrule"]) if "rrule" in item else None, "sequence": int(item["sequence"]),
            "categories": [str(c) for c in item["categories"].cats],
            "alarms": [(str(a["action"]), str(a["description"]), a.decoded("trigger")) for a in item.walk("VALARM")],
        })
    return out


def test_same_calendar_as_the_icalendar_builder() -> None:
    name = "Licita — empresa"
    new, old = build_ics(rows_of(EVENTS), name), reference_ics(EVENTS, name)
    assert components(new) == components(old)
    parsed_new, parsed_old = Calendar.from_ical(new), Calendar.from_ical(old)
    for prop in ("prodid", "version", "calscale", "x-wr-calname", "x-wr-timezone"):
        assert str(parsed_new[prop]) == str(parsed_old[prop])
    assert [c.to_ical() for c in parsed_new.walk("VTIMEZONE")] == [c.to_ical() for c in parsed_old.walk("VTIMEZONE")]
    # local wall-clock times in São Paulo, e.g. 12:00Z is 09:00 there
    assert b"DTSTART;TZID=America/Sao_Paulo:20251215T090000\r\n" in new
    assert b"RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5\r\n" in new  # passed through as stored


def test_every_line_is_crlf_terminated_and_at_most_75_octets() -> None:
    data = build_ics(rows_of(EVENTS), "x")
    assert data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    for line in lines:
        line.decode()  # no UTF-8 sequence was cut by a fold


@pytest.mark.parametrize(("raw", "escaped"), [
    ("a;b,c\\d", "a\\;b\\,c\\\\d"), ("l1\nl2\r\nl3\rl4", "l1\\nl2\\nl3\\nl4"), ("ação", "ação")])
def test_text_escaping(raw: str, escaped: str) -> None:
    assert escape_text(raw) == escaped


def test_fold_keeps_multibyte_characters_whole() -> None:
    line = "SUMMARY:" + "é" * 100
    folded = fold(line)
    assert folded.endswith("\r\n")
    assert "".join(part.removeprefix(" ") for part in folded[:-2].split("\r\n")) == line
    assert all(len(part.encode()) <= 75 for part in folded[:-2].split("\r\n"))


def test_all_day_events_are_dates_and_skipped_occurrences_are_exdates() -> None:
    """An all-day event is a VALUE=DATE span (its end date is the exclusive DTEND, as the Google sync sends it;
    at least one day); a recurring event's skipped occurrences (stored as ISO datetimes) are EXDATEs at São
    Paulo wall time."""
    rows = rows_of([
        ev(title="Feriado", all_day=True, starts_at=datetime(2026, 4, 21, 3, 0, tzinfo=UTC),
           ends_at=datetime(2026, 4, 21, 3, 0, tzinfo=UTC)),
        ev(title="Semana de prazos", all_day=True, starts_at=datetime(2026, 5, 4, 3, 0, tzinfo=UTC),
           ends_at=datetime(2026, 5, 9, 3, 0, tzinfo=UTC)),
        ev(title="Daily", rrule="FREQ=DAILY;COUNT=5", starts_at=datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
           ends_at=datetime(2026, 3, 2, 12, 30, tzinfo=UTC),
           exdates=["2026-03-03T09:00:00-03:00", "2026-03-05T12:00:00+00:00", "not a date"]),
    ])
    cal = Calendar.from_ical(build_ics(rows, "x"))
    holiday, week, daily = cal.walk("VEVENT")
    assert (holiday.decoded("dtstart"), holiday.decoded("dtend")) == (date(2026, 4, 21), date(2026, 4, 22))
    assert (week.decoded("dtstart"), week.decoded("dtend")) == (date(2026, 5, 4), date(2026, 5, 9))  # as to Google
    skipped = [d.dt.strftime("%Y-%m-%d %H:%M") for x in daily.get("exdate") for d in x.dts]
    assert skipped == ["2026-03-03 09:00", "2026-03-05 09:00"]
    assert str(daily["exdate"][0].dts[0].dt.tzinfo) == "America/Sao_Paulo"


def test_the_stored_vtimezone_is_what_icalendar_builds_now() -> None:
    """The feed ships icalendar's VTIMEZONE as a file (no icalendar import on a render); if the tz data changed
    (Brazil bringing summer time back), this fails: regenerate with feeds.write_vtimezone()."""
    assert _vtimezone() == generate_vtimezone()
    assert _vtimezone().startswith("BEGIN:VTIMEZONE\r\nTZID:America/Sao_Paulo\r\n")
