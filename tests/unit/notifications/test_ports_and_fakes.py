"""Ports and in-memory fakes: domain code runs against them without sockets (issue 8, ports and fakes)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from typing import Any

import pytest

from licita.core.events import Message
from licita.platform import push
from licita.platform.fakes import FakeHttp, FakeResponse, InMemoryMail, InMemoryPublisher, InMemoryPush
from licita.platform.ports import HttpClient, MailSender, Publisher, PushPort


def test_fakes_satisfy_their_ports() -> None:
    assert isinstance(InMemoryPublisher(), Publisher)
    assert isinstance(InMemoryMail(), MailSender)
    assert isinstance(InMemoryPush(), PushPort)
    assert isinstance(FakeHttp(), HttpClient)
    from licita.platform import queues

    assert isinstance(queues, Publisher)  # the real queue module is the adapter


def test_publisher_fake_keeps_the_event_shape() -> None:
    fake = InMemoryPublisher()
    event_id = fake.publish("tender.analyzed", "c1", {"tender_id": "t1"}, user_id="u1")
    [event] = fake.of_type("tender.analyzed")
    assert event["id"] == event_id and event["company_id"] == "c1" and event["user_id"] == "u1"
    assert event["payload"] == {"tender_id": "t1"}


def test_realtime_fan_out_goes_through_the_push_port(monkeypatch: pytest.MonkeyPatch) -> None:
    from licita.realtime import service as realtime

    forgotten: list[tuple[str, tuple[str, ...]]] = []
    monkeypatch.setattr(realtime, "forget", lambda cid, topics=(): forgotten.append((cid, tuple(topics))))
    fake = InMemoryPush(gone={"c3"})
    frame = realtime.encode({"type": "event", "n": 1})
    with push.use(fake):
        result = realtime.post_many([("c1", frame), ("c2", frame), ("c3", frame), ("c4", frame)],
                                    {"c3": ["user:u3"]})
    assert {k: result[k] for k in ("sent", "gone", "failed")} == {"sent": 3, "gone": 1, "failed": 0}
    assert fake.frames("c1") == [{"type": "event", "n": 1}] and fake.frames("c3") == []
    assert forgotten == [("c3", ("user:u3",))]  # a gone socket leaves the topics it was found in


def test_push_override_is_scoped() -> None:
    fake = InMemoryPush()
    with push.use(fake):
        assert push.get_push() is fake
    assert not push._override


@dataclass
class Person:
    user_id: str
    email: str
    first_name: str


def test_mailer_composes_for_any_addressee_and_sends_through_the_mail_port() -> None:
    from licita.notifications import mailer

    row: dict[str, Any] = mailer.compose("default", Message("Prazo amanhã", "A sessão é amanhã.", "/tenders/1"),
                                         Person("u1", "ana@example.com.br", "Ana"), "m1", "c1", {})
    assert row["to"] == "ana@example.com.br" and "Prazo amanhã" in row["subject"]
    mail = InMemoryMail(refuse={"bad@example.com.br"})
    mail.send_message(mailer.build_message(row))
    [sent] = mail.to("ana@example.com.br")
    assert sent["Subject"] == row["subject"] and "Ana" in sent.get_body(("plain",)).get_content()
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        mail.send_message(mailer.build_message({**row, "to": "bad@example.com.br"}))


def test_fake_http_answers_routes_and_records_requests() -> None:
    http = FakeHttp(routes={("GET", "https://api.example/x"): FakeResponse(200, b'{"ok": true}')})
    assert http.request("GET", "https://api.example/x").json() == {"ok": True}
    assert http.request("POST", "https://api.example/y", content=b"{}").status_code == 404
    assert http.requests == [("GET", "https://api.example/x", None), ("POST", "https://api.example/y", b"{}")]
