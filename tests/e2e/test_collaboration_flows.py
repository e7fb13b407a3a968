"""Collaboration end to end through the local runtime, as the SPA runs it: several people logged in over HTTP,
each with a real WebSocket (``websockets``) open at once. A card moved by one appears on the others' sockets;
a chat message reaches every participant and nobody else (same company or not); an ICS feed fetched over HTTP
parses with ``icalendar`` and shows the tender's deadlines at São Paulo wall time; topics of another company
are refused on the real socket and leak nothing."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import bcrypt
import httpx
import psycopg
import pytest
from runtime_support import RuntimeHandle
from websockets.sync.client import ClientConnection, connect

pytestmark = pytest.mark.e2e

PASSWORD = "senha-e2e-colab-123"
SP = ZoneInfo("America/Sao_Paulo")
QUIET = 1.5  # how long a socket must stay silent to count as "received nothing"


def pg(runtime: RuntimeHandle) -> psycopg.Connection[Any]:
    return psycopg.connect(runtime.endpoints.database_url.replace("postgresql+psycopg://", "postgresql://", 1))


class Person:
    """One logged-in user: HTTP calls with their bearer token, and sockets opened as them."""

    def __init__(self, runtime: RuntimeHandle, user_id: str, company_id: str, email: str) -> None:
        self.runtime, self.id, self.company_id, self.email = runtime, user_id, company_id, email
        resp = httpx.post(f"{runtime.rest_url}/auth/login", json={"email": email, "password": PASSWORD}, timeout=15)
        assert resp.status_code == 200, resp.text
        self.token = str(resp.json()["access_token"])
        self.http = httpx.Client(base_url=runtime.rest_url, timeout=15,
                                 headers={"Authorization": f"Bearer {self.token}"})

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> tuple[int, Any]:
        resp = self.http.request(method, path, json=body, params=params or None)
        return resp.status_code, (resp.json() if resp.content else None)

    def socket(self) -> Socket:
        return Socket(self.runtime, self.token)


def company(runtime: RuntimeHandle, *roles: str, name: str = "E2E Colaboração Ltda") -> list[Person]:
    """A fresh company with one user per role, all logged in."""
    company_id = str(uuid.uuid4())
    pw = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
    users = []
    with pg(runtime) as conn:
        conn.execute("INSERT INTO companies (id, legal_name, cnpj, max_concurrent_sessions, max_users) "
                     "VALUES (%s, %s, %s, 100, 100)", (company_id, name, str(uuid.uuid4().int)[:14]))
        for n, role in enumerate(roles):
            uid, email = str(uuid.uuid4()), f"e2e-colab-{uuid.uuid4().hex[:8]}@teste.com.br"
            conn.execute("INSERT INTO users (id, company_id, email, password_hash, first_name, role) "
                         "VALUES (%s, %s, %s, %s, %s, %s)", (uid, company_id, email, pw, f"Pessoa{n}", role))
            users.append((uid, email))
    return [Person(runtime, uid, company_id, email) for uid, email in users]


class Socket:
    """A real WebSocket; a reader thread keeps every frame so a test can wait for one or prove silence."""

    def __init__(self, runtime: RuntimeHandle, token: str) -> None:
        self.stack = ExitStack()
        self.ws: ClientConnection = self.stack.enter_context(connect(f"{runtime.ws_url}/?token={token}",
                                                                     open_timeout=15))
        self.frames: list[dict[str, Any]] = []
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        try:
            while True:
                raw = self.ws.recv()
                with self.cond:
                    self.frames.append(json.loads(raw))
                    self.cond.notify_all()
        except Exception:
            pass

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 15) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for frame in self.frames:
                    if predicate(frame):
                        self.frames.remove(frame)
                        return frame
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no matching frame in {timeout}s; got {self.frames}")
                self.cond.wait(left)

    def ask(self, frame: dict[str, Any], reply_type: str | tuple[str, ...]) -> dict[str, Any]:
        wanted = (reply_type,) if isinstance(reply_type, str) else reply_type
        self.ws.send(json.dumps(frame))
        return self.wait_for(lambda f: f.get("type") in wanted)

    def subscribe(self, *topics: str) -> dict[str, Any]:
        return self.ask({"action": "subscribe", "topics": list(topics)}, ("subscribed", "error"))

    def matching(self, predicate: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        with self.cond:
            return [f for f in self.frames if predicate(f)]

    def close(self) -> None:
        self.stack.close()


@pytest.fixture
def sockets() -> Iterator[list[Socket]]:
    opened: list[Socket] = []
    yield opened
    for s in opened:
        s.close()


def open_socket(sockets: list[Socket], person: Person) -> Socket:
    s = person.socket()
    sockets.append(s)
    return s


# ------------------------------------------------------------------------------ kanban
def test_a_card_move_reaches_every_subscriber_and_no_other_company(runtime: RuntimeHandle,
                                                                   sockets: list[Socket]) -> None:
    admin, ana, bruno, viewer = company(runtime, "ADMIN_EMPRESA", "USER", "USER", "VIEWER")
    (outsider,) = company(runtime, "ADMIN_EMPRESA", name="Outra Empresa Ltda")
    status, board = admin.call("POST", "/boards", {"name": "Funil e2e"})
    assert status == 201, board
    lists = [x["id"] for x in board["lists"]]
    status, card = ana.call("POST", f"/boards/{board['id']}/cards", {"list_id": lists[0], "title": "PE 12/2026"})
    assert status == 201, card

    watchers = [open_socket(sockets, p) for p in (admin, bruno, viewer)]
    for s in watchers:
        assert s.subscribe(f"board:{board['id']}")["type"] == "subscribed"
    mover = open_socket(sockets, ana)
    assert mover.subscribe(f"board:{board['id']}")["type"] == "subscribed"
    foreign = open_socket(sockets, outsider)
    refused = foreign.subscribe(f"board:{board['id']}")
    assert refused["type"] == "error" and refused["error"]["code"] == "topic_forbidden"

    status, moved = ana.call("POST", f"/cards/{card['id']}/move", {"version": card["version"], "list_id": lists[2]})
    assert status == 200 and moved["list_id"] == lists[2]
    for s in [*watchers, mover]:  # the mover's other tabs see it too
        frame = s.wait_for(lambda f: f.get("type") == "board.event" and f.get("event") == "card.moved")
        assert frame["board_id"] == board["id"] and frame["actor_id"] == ana.id
        assert frame["data"]["id"] == card["id"] and frame["data"]["list_id"] == lists[2]
        assert frame["data"]["from_list_id"] == lists[0] and frame["data"]["version"] == moved["version"]

    # a stale move (someone else's version) is a 409 and pushes nothing
    status, err = bruno.call("POST", f"/cards/{card['id']}/move", {"version": card["version"], "list_id": lists[1]})
    assert status == 409 and err["error"]["code"] == "version_conflict"
    time.sleep(QUIET)
    assert not watchers[0].matching(lambda f: f.get("type") == "board.event")
    assert not foreign.matching(lambda f: f.get("type") == "board.event")

    # a viewer unsubscribing stops hearing the board; the others keep hearing it
    assert watchers[2].ask({"action": "unsubscribe", "topics": [f"board:{board['id']}"]}, "unsubscribed")
    status, _ = bruno.call("PATCH", f"/cards/{card['id']}", {"version": moved["version"], "title": "PE 12/2026 (SRP)"})
    assert status == 200
    assert watchers[0].wait_for(lambda f: f.get("event") == "card.updated")["data"]["title"] == "PE 12/2026 (SRP)"
    time.sleep(QUIET)
    assert not watchers[2].matching(lambda f: f.get("event") == "card.updated")

    # the other company: its REST calls on the board are 404s, and its socket heard nothing at all
    assert outsider.call("GET", f"/boards/{board['id']}")[0] == 404
    assert outsider.call("POST", f"/cards/{card['id']}/move", {"version": 3, "list_id": lists[1]})[0] == 404
    assert not foreign.matching(lambda f: f.get("type") == "board.event")

    # an attachment downloads under the name it was uploaded with
    status, up = ana.call("POST", f"/cards/{card['id']}/attachments",
                          {"filename": "proposta final.pdf", "content_type": "application/pdf", "size": 10})
    assert status == 201
    status, link = viewer.call("GET", f"/cards/{card['id']}/attachments/{up['id']}")
    disposition = parse_qs(urlparse(link["url"]).query)["response-content-disposition"][0]
    assert status == 200 and "filename*=UTF-8''proposta%20final.pdf" in disposition


# ------------------------------------------------------------------------------ conversations
def test_a_chat_message_reaches_the_participants_and_nobody_else(runtime: RuntimeHandle,
                                                                 sockets: list[Socket]) -> None:
    ana, bruno, carla, davi = company(runtime, "MANAGER", "USER", "USER", "USER")
    (outsider,) = company(runtime, "ADMIN_EMPRESA", name="Concorrente Ltda")
    status, conv = ana.call("POST", "/conversations", {"kind": "direct", "user_ids": [bruno.id, carla.id],
                                                       "title": "Estratégia do pregão"})
    assert status in (200, 201), conv
    assert set(conv["participants"]) == {ana.id, bruno.id, carla.id}

    s_ana, s_bruno, s_carla = (open_socket(sockets, p) for p in (ana, bruno, carla))
    s_bruno_tab2 = open_socket(sockets, bruno)
    s_davi, s_out = open_socket(sockets, davi), open_socket(sockets, outsider)
    # a non-participant of the same company and another company cannot join the thread's topic
    for s in (s_davi, s_out):
        refused = s.subscribe(f"conversation:{conv['id']}")
        assert refused["type"] == "error" and refused["error"]["code"] == "topic_forbidden"
    # and another company cannot send into it through the socket action either
    err = s_out.ask({"action": "message.send", "conversation_id": conv["id"], "body": "oi"}, ("error",))
    assert err["error"]["code"] == "conversation_not_found"

    # sent over the WebSocket ($default action message.send): the sender gets the ack, everyone in it the frame
    client_id = uuid.uuid4().hex
    ack = s_ana.ask({"action": "message.send", "conversation_id": conv["id"], "body": "Vamos de lance mínimo?",
                     "client_id": client_id}, ("message.sent", "error"))
    assert ack["type"] == "message.sent" and ack["client_id"] == client_id
    for s in (s_ana, s_bruno, s_bruno_tab2, s_carla):
        frame = s.wait_for(lambda f: f.get("type") == "message")
        assert frame["conversation_id"] == conv["id"] and frame["message"]["body"] == "Vamos de lance mínimo?"
        assert frame["message"]["author_id"] == ana.id and frame["message"]["seq"] == ack["message"]["seq"]

    # sent over REST by another participant: same fan-out
    status, msg = carla.call("POST", f"/conversations/{conv['id']}/messages", {"body": "Concordo."})
    assert status == 201
    for s in (s_ana, s_bruno, s_carla):
        assert s.wait_for(lambda f: f.get("type") == "message")["message"]["id"] == msg["id"]

    time.sleep(QUIET)
    for s in (s_davi, s_out):
        assert not s.matching(lambda f: f.get("type") == "message"), s.frames
    # stored for the rest: unread counts and history over REST, privacy on REST too
    status, page = bruno.call("GET", "/conversations")
    assert status == 200 and next(c for c in page["items"] if c["id"] == conv["id"])["unread"] == 2
    history = bruno.call("GET", f"/conversations/{conv['id']}/messages")[1]["items"]
    assert [m["body"] for m in sorted(history, key=lambda m: m["seq"])] == ["Vamos de lance mínimo?", "Concordo."]
    assert davi.call("GET", f"/conversations/{conv['id']}/messages")[0] == 404
    assert outsider.call("GET", f"/conversations/{conv['id']}")[0] == 404
    # read receipt over the socket
    receipt = s_bruno.ask({"action": "message.read", "conversation_id": conv["id"], "seq": msg["seq"]},
                          ("message.read", "error"))
    assert receipt["type"] == "message.read" and receipt["receipt"]["last_read_seq"] == msg["seq"]


def test_foreign_topics_are_refused_on_the_real_socket(runtime: RuntimeHandle, sockets: list[Socket]) -> None:
    (admin,) = company(runtime, "ADMIN_EMPRESA")
    (other,) = company(runtime, "ADMIN_EMPRESA", name="Terceira Ltda")
    _, board = admin.call("POST", "/boards", {"name": "Quadro privado"})
    s = open_socket(sockets, other)
    for topic in (f"board:{board['id']}", f"company:{admin.company_id}", f"user:{admin.id}",
                  f"conversation:{uuid.uuid4()}", "board:not-a-uuid", f"{admin.company_id}:board:{board['id']}"):
        reply = s.subscribe(topic)
        assert reply["type"] == "error" and reply["error"]["code"] == "topic_forbidden", (topic, reply)
    # a topic of its own company with the same shape is fine (the refusal above is about ownership)
    _, own = other.call("POST", "/boards", {"name": "Meu quadro"})
    assert s.subscribe(f"board:{own['id']}")["type"] == "subscribed"
    # the owner's card move reaches nobody on the other company's socket
    _, card = admin.call("POST", f"/boards/{board['id']}/cards", {"list_id": board["lists"][0]["id"], "title": "x"})
    admin.call("POST", f"/cards/{card['id']}/move", {"version": 1, "list_id": board["lists"][1]["id"]})
    time.sleep(QUIET)
    assert not s.matching(lambda f: f.get("type") == "board.event")


# ------------------------------------------------------------------------------ ICS feed
def _tender_with_deadlines(runtime: RuntimeHandle, company_id: str, deadlines: dict[str, datetime]) -> str:
    tender_id = str(uuid.uuid4())
    with pg(runtime) as conn:
        conn.execute("INSERT INTO tenders (id, company_id, status, title, review_reasons, fields, corrections, risk, "
                     "details) VALUES (%s, %s, 'READY', 'Pregão Eletrônico 90012/2026', '[]', '{}', '{}', '{}', '{}')",
                     (tender_id, company_id))
        for kind, due in deadlines.items():
            conn.execute("INSERT INTO deadlines (id, company_id, tender_id, kind, due_at, source, notified) "
                         "VALUES (%s, %s, %s, %s, %s, 'extracted', '{}')",
                         (str(uuid.uuid4()), company_id, tender_id, kind, due))
    return tender_id


def _publish(runtime: RuntimeHandle, event_type: str, company_id: str, payload: dict[str, Any]) -> None:
    body = {"id": uuid.uuid4().hex, "type": event_type, "company_id": company_id, "user_id": None,
            "occurred_at": datetime.now(UTC).isoformat(), "payload": payload}
    runtime.client("sqs").send_message(QueueUrl=runtime.queues["NotificationsQueue"], MessageBody=json.dumps(body),
                                       MessageAttributes={"type": {"DataType": "String", "StringValue": event_type}})


def _events(ics: bytes) -> dict[str, Any]:
    from icalendar import Calendar

    cal = Calendar.from_ical(ics)
    return {str(e.get("summary")): e for e in cal.walk("VEVENT")}


def _wait_feed(url: str, predicate: Callable[[dict[str, Any]], bool], timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    events: dict[str, Any] = {}
    while time.monotonic() < deadline:
        resp = httpx.get(url, timeout=15)
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/calendar")
        events = _events(resp.content)
        if predicate(events):
            return events
        time.sleep(0.3)
    raise AssertionError(f"feed never matched; had {sorted(events)}")


def test_ics_feed_over_http_shows_the_tenders_deadlines_at_sao_paulo_time(runtime: RuntimeHandle) -> None:
    from icalendar import Calendar

    member, _viewer = company(runtime, "USER", "VIEWER")
    (other,) = company(runtime, "ADMIN_EMPRESA", name="Quarta Ltda")
    session = datetime(2026, 3, 10, 12, 30, tzinfo=UTC)  # 09:30 in São Paulo (UTC−3, no DST since 2019)
    proposal = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # 08:00
    impugnacao = datetime(2026, 3, 5, 2, 59, tzinfo=UTC)  # 23:59 on the 4th, local date differs from UTC
    tender_id = _tender_with_deadlines(runtime, member.company_id, {
        "session": session, "proposal": proposal, "impugnacao": impugnacao})
    _tender_with_deadlines(runtime, other.company_id, {"session": session})  # must never show up in ours

    status, feed = member.call("POST", "/calendars/feeds", {"scope": "company"})
    assert status == 201 and feed["url"].endswith(".ics")
    url = f"{runtime.rest_url}/ics/{feed['url'].rsplit('/ics/', 1)[1]}"  # the host as the runtime serves it
    resp = httpx.get(url, timeout=15)
    assert resp.status_code == 200
    Calendar.from_ical(resp.content)  # parses even while empty
    _publish(runtime, "tender.analyzed", member.company_id, {"tender_id": tender_id, "title": "PE 90012/2026"})
    _publish(runtime, "tender.analyzed", other.company_id, {"tender_id": str(uuid.uuid4())})

    events = _wait_feed(url, lambda ev: len(ev) >= 3)
    assert len(events) == 3, sorted(events)
    by_prefix = {name.split(":", 1)[0]: e for name, e in events.items()}
    assert set(by_prefix) == {"Sessão pública", "Envio de propostas", "Impugnação"}
    starts = {name: e.decoded("dtstart") for name, e in events.items()}
    local = sorted((s.strftime("%d/%m %H:%M"), s.utcoffset().total_seconds() / 3600) for s in starts.values())
    assert local == [("04/03 23:59", -3.0), ("10/03 08:00", -3.0), ("10/03 09:30", -3.0)]
    for e in events.values():
        dtstart = e.get("dtstart")
        assert dtstart.params.get("TZID") == "America/Sao_Paulo"  # written as local time with its zone
        assert str(tender_id) in str(e.get("description"))
    session_event = next(e for n, e in events.items() if e.decoded("dtstart") == session)
    assert (session_event.decoded("dtend") - session_event.decoded("dtstart")).total_seconds() == 2 * 3600
    cal = Calendar.from_ical(httpx.get(url, timeout=15).content)
    assert [str(tz.get("tzid")) for tz in cal.walk("VTIMEZONE")] == ["America/Sao_Paulo"]

    # the source changes (session postponed) → the feed follows; the tender is deleted → its events vanish
    with pg(runtime) as conn:
        conn.execute("UPDATE deadlines SET due_at = %s WHERE tender_id = %s AND kind = 'session'",
                     (datetime(2026, 3, 12, 17, 0, tzinfo=UTC), tender_id))
    _publish(runtime, "tender.field_corrected", member.company_id, {"tender_id": tender_id})
    events = _wait_feed(url, lambda ev: any(e.decoded("dtstart").astimezone(SP).strftime("%d/%m %H:%M") ==
                                            "12/03 14:00" for e in ev.values()))
    _publish(runtime, "tender.deleted", member.company_id, {"tender_id": tender_id})
    _wait_feed(url, lambda ev: not ev)

    # revoked: the URL stops working at once; a made-up token is a 404 too
    assert member.call("DELETE", f"/calendars/feeds/{feed['id']}")[0] == 200
    assert httpx.get(url, timeout=15).status_code == 404
    assert httpx.get(f"{runtime.rest_url}/ics/{'x' * 43}.ics", timeout=15).status_code == 404
    assert other.call("DELETE", f"/calendars/feeds/{feed['id']}")[0] == 404
