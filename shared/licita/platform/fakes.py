"""In-memory fakes of the ports in :mod:`licita.platform.ports`, for fast unit tests of domain services.

The integration and e2e tiers keep using the real embedded services; these are for tests that should not
need a socket. Each fake records what it was asked and can be told to fail the way the real thing fails.
"""

from __future__ import annotations

import json
import smtplib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from licita.platform.ports import DeleteOutcome, PostOutcome
from licita.platform.queues import build_event


@dataclass
class InMemoryPublisher:
    """Collects events as :func:`licita.platform.queues.publish` would queue them."""

    events: list[dict[str, Any]] = field(default_factory=list)

    def publish(self, event_type: str, company_id: str, payload: dict[str, Any], *,
                user_id: str | None = None) -> str:
        event = build_event(event_type, company_id, payload, user_id=user_id)
        self.events.append(json.loads(json.dumps(event, default=str)))  # what a consumer would read back
        return str(event["id"])

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == event_type]


@dataclass
class InMemoryMail:
    """An SMTP connection that keeps messages; ``refuse`` addresses fail like a refused recipient and
    ``down`` makes every send fail like a dropped connection."""

    sent: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    down: bool = False

    def send_message(self, msg: EmailMessage) -> dict[str, Any]:
        if self.down:
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")
        to = str(msg["To"])
        if any(address in to for address in self.refuse):
            raise smtplib.SMTPRecipientsRefused({to: (550, b"mailbox unavailable")})
        self.sent.append(msg)
        return {}

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.sent if address in str(m["To"])]


@dataclass
class InMemoryPush:
    """API Gateway's ``@connections``: frames per connection; ids in ``gone`` answer 410; deletes close."""

    posted: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    deleted: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, connection_id: str, data: bytes) -> PostOutcome:
        with self.lock:
            if connection_id in self.gone:
                return "gone"
            self.posted.setdefault(connection_id, []).append(json.loads(data))
        return "sent"

    def delete(self, connection_id: str) -> DeleteOutcome:
        with self.lock:
            if connection_id in self.gone:
                return "gone"
            self.deleted.append(connection_id)
            self.gone.add(connection_id)
        return "deleted"

    def frames(self, connection_id: str, type_: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            items = list(self.posted.get(connection_id, []))
        return [f for f in items if type_ is None or f.get("type") == type_]


@dataclass
class FakeResponse:
    status_code: int = 200
    content: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.content)


Route = FakeResponse | Callable[[str, str, bytes | None], FakeResponse]


@dataclass
class FakeHttp:
    """An outside HTTP API: ``routes[(METHOD, url)]`` answers (a response, or a function of the request);
    anything else is a 404. Every request is recorded."""

    routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    requests: list[tuple[str, str, bytes | None]] = field(default_factory=list)

    def request(self, method: str, url: str, *, content: bytes | None = None,
                headers: Mapping[str, str] | None = None, timeout: float | None = None) -> FakeResponse:
        self.requests.append((method.upper(), url, content))
        route = self.routes.get((method.upper(), url))
        if route is None:
            return FakeResponse(404, b'{"message": "not found"}')
        return route(method.upper(), url, content) if callable(route) else route
