"""Digits that ``str.isdigit`` accepts and ``int()`` refuses ("¹", "②"): the 54k-case fuzz found one such
500 (a conversation attachment index); every place that checked ``isdigit`` before ``int`` is covered here."""

from __future__ import annotations

import uuid

import pytest
from collaboration_support import Team

from licita.core.brazil import is_ascii_digits
from licita.quotes.page import parse_form
from licita.tenders.analysis.deadlines import clean_int


@pytest.mark.parametrize(("text", "expected"), [("123", True), ("0", True), ("¹", False), ("②", False),
                                                 ("١٢", False), ("", False), ("1 2", False), ("-1", False)])
def test_is_ascii_digits(text: str, expected: bool) -> None:
    assert is_ascii_digits(text) is expected


def test_attachment_index_in_superscript_is_a_404(team: Team) -> None:
    status, created = team.member.call("conversations", "POST", "/conversations",
                                       {"kind": "direct", "user_ids": [team.admin.id]})
    assert status in (200, 201), created
    path = f"/conversations/{created['id']}/messages/{uuid.uuid4()}/attachments/¹"
    status, body = team.member.call("conversations", "GET", path)
    assert status == 404 and body["error"]["code"] == "attachment_not_found", body


def test_portal_form_refuses_superscript_days_with_a_message() -> None:
    item = uuid.uuid4()
    answers, _, errors = parse_form(f"preco-{item}=10,00&entrega-{item}=%C2%B9".encode(), [item])
    assert answers is None and "entrega" in errors[str(item)]


def test_analysis_deadline_days_ignore_superscripts() -> None:
    assert clean_int("¹") is None and clean_int(" 15 ") == 15
