"""Helpers of collaboration tests, importable by name (a conftest module is not)."""

from __future__ import annotations

import json
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from apigw import call, load_function
from apigw import login as auth_login
from factories import make_company, make_user
from notify_helpers import NotifyEnv  # the notify_env fixture is in tests/integration/conftest.py


@dataclass
class Person:
    user: Any
    token: str
    session_id: str

    @property
    def id(self) -> str:
        return str(self.user.id)

    def call(self, function: str, method: str, path: str, payload: Any = None, **kw: Any) -> tuple[int, Any]:
        return call(function, method, path, payload, token=self.token, **kw)


@dataclass
class Team:
    company_id: str
    admin: Person
    member: Person
    viewer: Person
    extra: list[Person] = field(default_factory=list)

    def add(self, role: str = "USER") -> Person:
        person = login(make_user(self.company, role))
        self.extra.append(person)
        return person

    company: Any = None


def login(user: Any) -> Person:
    body = auth_login(user.email)
    return Person(user, body["access_token"], body["session_id"])


def ready_tender(team: Team, title: str = "Pregão") -> str:
    """A READY tender of the team's company, inserted directly (no upload or analysis needed)."""
    from licita.platform.db.engine import system_transaction
    from licita.tenders.models import Tender

    tid = uuid.uuid4()
    with system_transaction() as db:
        db.add(Tender(id=tid, company_id=uuid.UUID(team.company_id), status="READY", title=title, fields={},
                      corrections={}, risk={}, details={}, review_reasons=[]))
    return str(tid)


def new_team() -> Team:
    company = make_company()
    return Team(str(company.id), login(make_user(company, "ADMIN_EMPRESA")), login(make_user(company, "USER")),
                login(make_user(company, "VIEWER")), company=company)


class Socket:
    """One WebSocket connection as API Gateway would drive the ws function; frames come from the stand-in
    management API (what the client would have received)."""

    def __init__(self, env: NotifyEnv, person: Person) -> None:
        self.env, self.person = env, person
        self.id = f"c{uuid.uuid4().hex[:12]}="
        reply = self._invoke("$connect", token=person.token)
        assert reply["statusCode"] == 200, reply

    def _invoke(self, route: str, *, token: str | None = None, body: str | None = None) -> dict[str, Any]:
        event: dict[str, Any] = {
            "requestContext": {"routeKey": route, "connectionId": self.id, "eventType": "MESSAGE",
                               "identity": {"sourceIp": "127.0.0.1"}},
            "queryStringParameters": {"token": token} if token else None, "body": body, "isBase64Encoded": False}
        result: dict[str, Any] = load_function("ws").handler(event, None)
        return result

    def send(self, frame: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        reply = self._invoke("$default", body=json.dumps(frame))
        return reply["statusCode"], json.loads(reply["body"])

    def subscribe(self, *topics: str) -> tuple[int, dict[str, Any]]:
        return self.send({"action": "subscribe", "topics": list(topics)})

    def frames(self, type_: str | None = None) -> list[dict[str, Any]]:
        return self.env.connections.frames(self.id, type_)

    def close(self) -> None:
        self._invoke("$disconnect")


def deliver_all(env: NotifyEnv) -> list[dict[str, Any]]:
    """Run what the publisher queued through the real notify pipeline; returns the events."""
    from licita.notifications.service import deliver

    events = [json.loads(r["body"]) for r in env.pump()]
    for event in events:
        deliver(event)
    return events
