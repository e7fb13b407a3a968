"""The local SMTP sink speaks real SMTP (smtplib), stores, lists and renders what it receives."""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage
from pathlib import Path

from licita_local import mail


def test_sink_receives_stores_and_serves(tmp_path: Path) -> None:
    sink = mail.MailSink(tmp_path)
    host, port = sink.start()
    try:
        assert port > 0
        msg = EmailMessage()
        msg["Subject"], msg["From"], msg["To"] = "Edital analisado", "Licita <nao-responda@licita.local>", "a@b.com"
        msg.set_content("Olá, corpo em texto")
        msg.add_alternative("<p>Olá, <b>HTML</b></p>", subtype="html")
        with smtplib.SMTP(host, port, timeout=5) as client:
            client.login("qualquer", "senha")  # any AUTH is accepted, like a dev mail catcher
            client.send_message(msg)
        (listed,) = mail.list_messages()
        assert listed["subject"] == "Edital analisado" and listed["rcpt_tos"] == ["a@b.com"]
        assert "raw" not in listed
        full = mail.get_message(listed["id"])
        assert full["text"].strip() == "Olá, corpo em texto" and "<b>HTML</b>" in full["html"]
        assert "Edital analisado" in mail.render_index_html().decode()
        assert mail.route("GET", f"/_local/mail/{listed['id']}.json")[0] == 200
        status, ctype, body = mail.route("GET", f"/_local/mail/{listed['id']}.html")
        assert status == 200 and b"<b>HTML</b>" in body and ctype.startswith("text/html")
        assert json.loads(mail.route("GET", "/_local/mail/messages")[2])["items"][0]["id"] == listed["id"]
        assert mail.route("GET", "/_local/mail/nope.json")[0] == 404
        assert mail.route("GET", "/elsewhere") is None
        assert (tmp_path / "mail" / "mailbox.mbox").read_bytes().startswith(b"From ")
    finally:
        sink.stop()
    # persisted: a new sink on the same data dir still lists the mail
    again = mail.MailSink(tmp_path)
    again.start()
    try:
        assert len(mail.list_messages()) == 1
        assert mail.route("DELETE", "/_local/mail")[0] == 200 and mail.list_messages() == []
    finally:
        again.stop()
    assert mail.list_messages() == []
