"""E-mail templates: Portuguese, text + HTML, values escaped in HTML, every kind renders."""

from __future__ import annotations

import re

from licita.notifications import mailer
from licita.notifications.service import Recipient, describe, kinds


def test_every_kind_renders_text_and_html() -> None:
    for kind in kinds():
        subject, text, html = mailer.render(kind, {"first_name": "Ana", "title": "Título", "body": "Corpo",
                                                   "link": "https://app/x"})
        assert subject == "[Licita] Título"
        assert text.startswith("Olá, Ana!") and "Corpo" in text and "$" not in text
        assert "<html" in html and 'lang="pt-BR"' in html and "Corpo" in html
        own = kinds()[kind].templates
        page = own / f"{kind}.html" if own else None
        buttonless = page is not None and page.is_file() and not re.search(r"\$\{?link", page.read_text())
        assert ("https://app/x" in html) == (not buttonless)  # security notices (session.revoked) carry no link
        assert "Preferências" in text and "Preferências" in html


def test_html_escapes_values_and_text_keeps_them() -> None:
    _subject, text, html = mailer.render("tender.analyzed", {"first_name": "<b>Zé</b>", "title": "A & B",
                                                             "body": "<script>x</script>", "link": ""})
    assert "&lt;script&gt;" in html and "<script>" not in html and "&lt;b&gt;Zé" in html
    assert "<script>x</script>" in text
    assert "Abrir no Licita" not in html and "Abrir no Licita" not in text  # no link, no button


def test_kind_specific_templates() -> None:
    assert "Lembrete de prazo" in mailer.render("deadline.approaching", {"title": "t", "body": "b"})[1]
    assert "Aviso de segurança" in mailer.render("session.revoked", {"title": "t", "body": "b"})[2]
    assert "foi lido e estruturado" in mailer.render("tender.analyzed", {"title": "t", "body": "b"})[1]


def test_compose_builds_a_multipart_message(monkeypatch: object) -> None:
    user = Recipient("u1", "ana@empresa.com.br", "Ana", "USER")
    event = {"id": "e1", "type": "tender.analyzed", "company_id": "c1",
             "payload": {"tender_id": "t1", "title": "PE 35/2018", "filename": "edital.pdf"}}
    row = mailer.compose("tender.analyzed", describe(event), user, "n1", "c1", event["payload"])
    assert row["_id"] == "n1" and row["status"] == "pending" and row["to"] == "ana@empresa.com.br"
    msg = mailer.build_message(row)
    assert msg["Subject"] == "[Licita] Edital analisado: PE 35/2018"
    assert msg["To"] == "Ana <ana@empresa.com.br>" and "Licita" in msg["From"]
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert "/tenders/t1" in row["text"]
