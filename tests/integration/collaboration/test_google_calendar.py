"""Google Calendar sync against infra/licita_local/google_fake.py (a real HTTP server speaking the OAuth token
endpoint and Calendar API v3): connect with a state bound to the person, tokens encrypted and refreshed,
incremental pushes (insert/patch/delete), pulls with syncToken and paging, 410 → full resync without
duplicates, deletes both ways as far as the design allows, revoked grants, schedule, tenant isolation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from collaboration_support import Person, Team
from test_calendars import analyzed, company_calendar, seed_tender

from licita_local.google_fake import FakeGoogle

REDIRECT = "http://spa.test/agenda/google"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGoogle]:
    from licita.core.config import reset_settings

    server = FakeGoogle().start()
    for key, value in {"GOOGLE_CALENDAR_ENABLED": "true", "GOOGLE_OAUTH_CLIENT_ID": server.client_id,
                       "GOOGLE_OAUTH_CLIENT_SECRET": server.client_secret,
                       "GOOGLE_OAUTH_TOKEN_URL": f"{server.url}/token", "GOOGLE_CALENDAR_API_URL": server.url,
                       "GOOGLE_OAUTH_REDIRECT_URL": REDIRECT}.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    yield server
    server.stop()
    monkeypatch.undo()
    reset_settings()


def connect(person: Person, fake: FakeGoogle) -> dict[str, Any]:
    status, out = person.call("calendars", "GET", "/calendars/google/connect")
    assert status == 200, out
    query = parse_qs(urlparse(out["url"]).query)
    assert query["redirect_uri"] == [REDIRECT] and query["state"] == [out["state"]]
    assert query["access_type"] == ["offline"] and "calendar.events" in query["scope"][0]
    status, linked = person.call("calendars", "POST", "/calendars/google/callback",
                                 {"code": fake.issue_code(REDIRECT), "state": out["state"]})
    assert status == 200, linked
    result: dict[str, Any] = linked
    return result


def sync(person: Person) -> dict[str, Any]:
    status, out = person.call("calendars", "POST", "/calendars/google/sync")
    assert status == 200, out
    result: dict[str, Any] = out
    return result


def new_event(person: Person, calendar_id: str, title: str, **extra: Any) -> dict[str, Any]:
    status, ev = person.call("calendars", "POST", f"/calendars/{calendar_id}/events", {
        "title": title, "starts_at": "2027-03-10T09:30:00-03:00", "ends_at": "2027-03-10T10:30:00-03:00", **extra})
    assert status == 201, ev
    result: dict[str, Any] = ev
    return result


def gid(event: dict[str, Any]) -> str:
    return uuid.UUID(event["id"]).hex


def test_disabled_by_default(team: Team) -> None:
    status, out = team.member.call("calendars", "GET", "/calendars/google/status")
    assert status == 200 and out["enabled"] is False and out["connected"] is False
    status, err = team.member.call("calendars", "GET", "/calendars/google/connect")
    assert status == 404 and err["error"]["code"] == "google_calendar_disabled"
    assert team.member.call("calendars", "POST", "/calendars/google/sync")[0] == 404


def test_sync_both_ways(team: Team, fake: FakeGoogle) -> None:
    from licita.calendars.models import GoogleSync
    from licita.platform.db.engine import system_transaction

    member = team.member
    _, personal = member.call("calendars", "POST", "/calendars", {"kind": "personal", "name": "Minha agenda"})
    mine = new_event(member, personal["id"], "Revisar planilha", rrule="FREQ=WEEKLY;COUNT=4", reminders=[30])
    company = new_event(team.admin, company_calendar(team), "Reunião de equipe")
    tender = seed_tender(team, {"session": datetime(2027, 3, 12, 13, 0, tzinfo=UTC)})
    analyzed(team, tender)

    linked = connect(member, fake)
    assert linked["connected"] and linked["linked_events"] == 3 and linked["last_error"] is None
    assert "token" not in str(linked).lower()
    google = fake.events()
    assert len(google) == 3
    pushed = google[gid(mine)]
    assert pushed["start"] == {"dateTime": "2027-03-10T09:30:00-03:00", "timeZone": "America/Sao_Paulo"}
    assert pushed["recurrence"] == ["RRULE:FREQ=WEEKLY;COUNT=4"]
    assert pushed["reminders"]["overrides"] == [{"method": "popup", "minutes": 30}]
    session = next(e for e in google.values() if e["extendedProperties"]["private"]["licitaSource"] == "tenders")
    assert session["start"]["dateTime"] == "2027-03-12T10:00:00-03:00"
    with system_transaction() as db:
        stored = db.get(GoogleSync, uuid.UUID(member.id))
        assert stored is not None and "1//" not in stored.credentials and "ya29." not in stored.credentials

    # nothing changed: the second sync writes nothing
    again = sync(member)
    assert (again["inserted"], again["updated"], again["deleted_in_google"]) == (0, 0, 0)

    # Licita → Google: an edit is a patch, a delete is a delete
    status, _ = member.call("calendars", "PATCH", f"/calendar-events/{mine['id']}",
                                 {"version": mine["version"], "title": "Revisar planilha final"})
    assert status == 200
    extra = new_event(member, personal["id"], "Ligar para fornecedor")
    out = sync(member)
    assert out["updated"] == 1 and out["inserted"] == 1
    assert fake.events()[gid(mine)]["summary"] == "Revisar planilha final"
    assert member.call("calendars", "DELETE", f"/calendar-events/{extra['id']}")[0] == 204
    assert sync(member)["deleted_in_google"] == 1
    assert fake.events(include_cancelled=True)[gid(extra)]["status"] == "cancelled"

    # edited in Google: Licita is the source of truth, its version goes back
    fake.edit("primary", gid(mine), {"summary": "mudado no Google"})
    assert sync(member)["updated"] == 1 and fake.events()[gid(mine)]["summary"] == "Revisar planilha final"

    # the person's own Google events are never touched nor imported
    own = fake.create("primary", {"summary": "Dentista", "start": {"dateTime": "2027-03-11T08:00:00-03:00"},
                                  "end": {"dateTime": "2027-03-11T09:00:00-03:00"}})
    sync(member)
    assert fake.events()[own["id"]]["summary"] == "Dentista"

    # Google → Licita deletes: the person's own manual event goes; a company event stays, hidden for them only
    fake.delete("primary", gid(mine))
    fake.delete("primary", gid(company))
    out = sync(member)
    assert out["deleted_here"] == 1 and out["hidden"] == 1
    assert member.call("calendars", "GET", f"/calendar-events/{mine['id']}")[0] == 404
    assert team.admin.call("calendars", "GET", f"/calendar-events/{company['id']}")[0] == 200
    from licita.audit.models import AuditLog

    with system_transaction() as db:
        trail = db.query(AuditLog).filter(AuditLog.entity_id == mine["id"],
                                          AuditLog.action == "calendar_event.deleted").all()
        assert len(trail) == 1 and str(trail[0].user_id) == member.id
    out = sync(member)
    assert out["inserted"] == 0 and fake.events(include_cancelled=True)[gid(company)]["status"] == "cancelled"

    # 410: the sync token expired → full resync, no duplicates
    fake.expire_sync_tokens()
    out = sync(member)
    assert out["full_resync"] is True and out["inserted"] == 0 and out["updated"] == 0
    assert len([e for e in fake.events().values() if "extendedProperties" in e]) == 1  # the tender session only

    # an expired access token is refreshed (and stored); a revoked grant asks to reconnect
    fake.expire_access_tokens()
    before = fake.requests.count(("POST", "/token"))
    sync(member)
    assert fake.requests.count(("POST", "/token")) == before + 1
    sync(member)
    assert fake.requests.count(("POST", "/token")) == before + 1  # the refreshed token was kept
    fake.revoke_refresh_tokens()
    fake.expire_access_tokens()
    status, err = member.call("calendars", "POST", "/calendars/google/sync")
    assert status == 409 and err["error"]["code"] == "google_reconnect_required"
    status, out = member.call("calendars", "GET", "/calendars/google/status")
    assert out["needs_reconnect"] is True and "conecte novamente" in out["last_error"]

    # reconnect to the same calendar, then disconnect removing what Licita put there
    connect(member, fake)
    status, out = member.call("calendars", "POST", "/calendars/google/disconnect", {"remove_events": True})
    assert status == 200 and out["connected"] is False
    assert not [e for e in fake.events().values() if "extendedProperties" in e]
    assert fake.events()[own["id"]]["summary"] == "Dentista"
    assert member.call("calendars", "POST", "/calendars/google/disconnect", {})[0] == 404


def test_paging_and_schedule(team: Team, fake: FakeGoogle, monkeypatch: pytest.MonkeyPatch) -> None:
    from licita.calendars import google, google_sync

    monkeypatch.setattr(google, "PAGE_SIZE", 3)
    cal = company_calendar(team)
    events = [new_event(team.admin, cal, f"Evento {n}") for n in range(7)]
    connect(team.member, fake)
    connect(team.viewer, fake)  # same fake calendar "primary": 409 on insert turns into a patch
    assert len(fake.events()) == 7
    fake.expire_sync_tokens()
    team.admin.call("calendars", "PATCH", f"/calendar-events/{events[0]['id']}", {"version": 1, "title": "Novo"})
    totals = google_sync.run_scheduled()
    assert totals["people"] == 2 and totals.get("failed", 0) == 0 and totals["pulled"] >= 14
    assert fake.events()[gid(events[0])]["summary"] == "Novo"
    lists = [p for m, p in fake.requests if m == "GET"]
    assert len(lists) >= 3 * 3  # 7 events in pages of 3, per person


def test_state_is_bound_to_the_person_and_input_is_validated(team: Team, other: Team, fake: FakeGoogle) -> None:
    _, started = team.member.call("calendars", "GET", "/calendars/google/connect")
    code = fake.issue_code(REDIRECT)
    for who in (other.admin, team.admin):  # another company, or a colleague, cannot use this person's state
        status, err = who.call("calendars", "POST", "/calendars/google/callback",
                               {"code": code, "state": started["state"]})
        assert status == 422 and err["error"]["code"] == "google_state_invalid"
    _, again = team.member.call("calendars", "GET", "/calendars/google/connect")
    status, err = team.member.call("calendars", "POST", "/calendars/google/callback",
                                   {"code": "4/wrong", "state": again["state"]})
    assert status == 422 and err["error"]["code"] == "google_code_invalid"
    for body in ({"code": "a\x00b", "state": "x" * 20}, {"code": "abc"}, {"code": None, "state": "x" * 20},
                 {"code": "abc", "state": "x" * 20, "calendar_id": "a/b"}, {"code": "a", "state": "x" * 20, "z": 1}):
        status, err = team.member.call("calendars", "POST", "/calendars/google/callback", body)
        assert status == 422, (body, err)
    connect(team.member, fake)
    for method, path, body in (("POST", "/calendars/google/sync", None),
                               ("POST", "/calendars/google/disconnect", {})):
        status, err = other.admin.call("calendars", method, path, body)
        assert status == 404 and err["error"]["code"] == "google_not_connected"
    status, out = other.admin.call("calendars", "GET", "/calendars/google/status")
    assert status == 200 and out["connected"] is False
    # the other company's events never reach this person's Google
    new_event(other.admin, company_calendar(other), "Segredo da concorrente")
    sync(team.member)
    assert "Segredo da concorrente" not in [e.get("summary") for e in fake.events().values()]
