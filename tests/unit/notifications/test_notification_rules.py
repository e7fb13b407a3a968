"""Recipient rules, preferences and wording: pure functions, no services."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from licita.core.errors import AppError, ValidationFailed
from licita.notifications.preferences import channels_for, effective_preferences
from licita.notifications.service import (
    Recipient,
    dedup_key,
    describe,
    format_when,
    kinds,
    named_recipients,
    notification_id,
    recipients_for,
    validate_event,
)
from licita.realtime.service import allowed_topic
from licita.tenders.reminders import THRESHOLDS, patch_for

ADMIN = Recipient("u-admin", "admin@x.com", "Ana", "ADMIN_EMPRESA")
MANAGER = Recipient("u-manager", "man@x.com", "Bia", "MANAGER")
USER = Recipient("u-user", "user@x.com", "Caio", "USER")
VIEWER = Recipient("u-viewer", "view@x.com", "Dani", "VIEWER")
VIEWER_PLUS = Recipient("u-viewer2", "v2@x.com", "Eva", "VIEWER", frozenset({"users:write"}))
EVERYONE = [ADMIN, MANAGER, USER, VIEWER, VIEWER_PLUS]


def ev(kind: str, payload: dict[str, Any] | None = None, user_id: str | None = None) -> dict[str, Any]:
    return {"id": "e1", "type": kind, "company_id": "c1", "user_id": user_id, "payload": payload or {}}


def ids(users: list[Recipient]) -> set[str]:
    return {u.user_id for u in users}


def test_tender_events_go_to_everyone_with_tenders_read() -> None:
    for kind in ("tender.analyzed", "tender.needs_review", "tender.failed", "deadline.approaching"):
        assert ids(recipients_for(ev(kind, user_id="u-user"), EVERYONE)) == ids(EVERYONE)


def test_a_correction_skips_its_author() -> None:
    assert ids(recipients_for(ev("tender.field_corrected", user_id="u-user"), EVERYONE)) == ids(EVERYONE) - {"u-user"}


def test_invitations_go_to_admins_but_not_the_inviter() -> None:
    assert ids(recipients_for(ev("user.invited", user_id="u-admin"), EVERYONE)) == {"u-viewer2"}
    assert ids(recipients_for(ev("user.invited", user_id="someone"), EVERYONE)) == {"u-admin", "u-viewer2"}


def test_targeted_kinds_reach_only_their_target() -> None:
    assert ids(recipients_for(ev("session.revoked", {"target_user_id": "u-viewer"}), EVERYONE)) == {"u-viewer"}
    assert ids(recipients_for(ev("session.revoked", user_id="u-user"), EVERYONE)) == {"u-user"}
    assert recipients_for(ev("session.revoked", {"target_user_id": "not-in-company"}), EVERYONE) == []
    # unknown kinds never broadcast: only a named target hears them
    assert ids(recipients_for(ev("something.new", user_id="u-manager"), EVERYONE)) == {"u-manager"}
    assert recipients_for(ev("something.new"), EVERYONE) == []


def test_explicit_recipient_list_narrows_but_never_widens() -> None:
    event = ev("quote.received", {"recipient_ids": ["u-manager", "u-viewer", "outsider"]})
    assert ids(recipients_for(event, EVERYONE)) == {"u-manager", "u-viewer"}  # viewers may read quotes
    event = ev("card.moved", {"recipient_ids": ["u-user"]}, user_id="u-user")
    assert recipients_for(event, EVERYONE) == []


@pytest.mark.parametrize("event", [
    ev("tender.analyzed", user_id="u-user"),
    ev("tender.field_corrected", user_id="u-user"),
    ev("user.invited", user_id="u-admin"),
    ev("session.revoked", {"target_user_id": "u-viewer"}),
    ev("session.revoked", user_id="u-user"),
    ev("session.revoked", {"target_user_id": "u-viewer", "recipient_ids": ["u-user"]}),
    ev("something.new", user_id="u-manager"),
    ev("something.new"),
    ev("quote.received", {"recipient_ids": ["u-manager", "u-viewer", "outsider"]}),
    ev("card.moved", {"recipient_ids": ["u-user", "u-admin"]}, user_id="u-user"),
])
def test_named_recipients_bound_who_can_hear_an_event(event: dict[str, Any]) -> None:
    """The preferences of a batch are read before its recipients are known: by the ids the event names, by
    company when it names none. Whoever ``recipients_for`` picks must be among those ids."""
    named = named_recipients(event)
    chosen = ids(recipients_for(event, EVERYONE))
    if named is None:
        assert not (event["payload"].get("recipient_ids") or kinds().get(event["type"]) is None
                    or kinds()[event["type"]].audience == "target")
    else:
        assert chosen <= named


def test_named_recipients_of_company_and_targeted_events() -> None:
    assert named_recipients(ev("tender.analyzed", user_id="u-user")) is None
    assert named_recipients(ev("session.revoked", {"target_user_id": "u-viewer"}, user_id="u-admin")) == {"u-viewer"}
    assert named_recipients(ev("quote.received", {"recipient_ids": ["a", "b"]})) == {"a", "b"}
    assert named_recipients(ev("session.revoked", {"target_user_id": "a", "recipient_ids": ["b"]})) == set()


def test_preferences_default_and_override() -> None:
    prefs = effective_preferences(None)
    assert set(prefs) == set(kinds())
    assert prefs["tender.analyzed"] == {"in_app": True, "email": True}
    assert prefs["tender.field_corrected"] == {"in_app": True, "email": False}
    stored = {"overrides": [{"kind": "tender.analyzed", "email": False}, {"kind": "gone.kind", "email": True},
                            {"kind": "card.moved", "email": "yes"}]}
    prefs = effective_preferences(stored)
    assert prefs["tender.analyzed"] == {"in_app": True, "email": False}
    assert prefs["card.moved"]["email"] is False  # a non-boolean is ignored
    assert "gone.kind" not in prefs


def test_channels_respect_company_switch_and_missing_address() -> None:
    assert channels_for("tender.analyzed", None) == (True, True)
    assert channels_for("tender.analyzed", None, company_email_enabled=False) == (True, False)
    assert channels_for("tender.analyzed", None, has_email=False) == (True, False)
    assert channels_for("tender.analyzed", {"overrides": [{"kind": "tender.analyzed", "in_app": False}]}) == \
        (False, True)
    assert channels_for("brand.new", None) == (True, False)


def test_wording_is_portuguese_with_brasilia_time() -> None:
    msg = describe(ev("tender.analyzed", {"tender_id": "t1", "title": "PE 35/2018", "filename": "edital.pdf",
                                          "session_at": "2025-12-15T12:00:00Z"}))
    assert msg.title == "Edital analisado: PE 35/2018"
    assert msg.body == ("A leitura de “edital.pdf” terminou. "
                        "Sessão pública em 15/12/2025 às 09:00 (horário de Brasília).")
    assert msg.link == "/tenders/t1"
    msg = describe(ev("deadline.approaching", {"title": "PE 1", "deadline_kind": "impugnacao", "threshold": "72h",
                                               "due_at": "2025-03-01T02:30:00+00:00"}))
    assert msg.title == "Impugnação em 72 h: PE 1"
    assert "28/02/2025 às 23:30" in msg.body
    assert describe(ev("tender.failed", {"failure_reason": "arquivo corrompido"})).body.startswith(
        "Motivo: arquivo corrompido.")
    assert "senha alterada" in describe(ev("session.revoked", {"reason": "password_changed"})).body
    assert describe(ev("x.y", {"message": "Olá"})).body == "Olá"


def test_format_when() -> None:
    assert format_when(datetime(2025, 1, 1, 3, 0, tzinfo=UTC)) == "01/01/2025 às 00:00"
    assert format_when(datetime(2025, 1, 1, 3, 0)) == "01/01/2025 às 00:00"  # naive = UTC
    assert format_when(None) == "" and format_when("amanhã") == "amanhã"


def test_ids_are_deterministic_per_event_and_user() -> None:
    assert notification_id("e1", "u1") == notification_id("e1", "u1")
    assert len({notification_id("e1", "u1"), notification_id("e1", "u2"), notification_id("e2", "u1")}) == 3
    assert dedup_key(ev("deadline.approaching", {"dedup_key": "deadline:d1:24h"})) == "deadline:d1:24h"
    assert dedup_key(ev("tender.analyzed")) == "e1"


@pytest.mark.parametrize("bad", [
    None, [], {"type": "x"}, {"company_id": "c"}, {"type": 1, "company_id": "c", "id": "1"},
    {"type": "x", "company_id": "c"}, {"type": "x", "company_id": "c", "id": "1", "payload": [1]}])
def test_malformed_events_are_rejected(bad: Any) -> None:
    with pytest.raises(ValidationFailed):
        validate_event(bad)


def test_topics_a_client_may_join() -> None:
    info = {"user_id": "u1", "company_id": "c1", "session_id": "s1"}
    assert allowed_topic(info, "user:u1") == "user:u1"
    assert allowed_topic(info, "company:c1") == "company:c1"
    assert allowed_topic(info, "tender:abc") == "c1:tender:abc"  # scoped to the own company
    # board:{id} is admitted by the boards area's own authorizer (licita/boards/sockets.py), tested there
    for bad in ("user:u2", "company:c2", "session:s1", "tender:", "tender:a b", "tender:" + "x" * 65, "c2:tender:a"):
        with pytest.raises(AppError) as err:
            allowed_topic(info, bad)
        assert err.value.status == 403


def test_reminder_claims_supersede_larger_thresholds() -> None:
    at = datetime(2025, 1, 1, tzinfo=UTC)
    assert [k for k, _ in THRESHOLDS] == ["2h", "24h", "72h"]
    assert patch_for("72h", at) == {"72h": at.isoformat()}
    assert patch_for("24h", at) == {"24h": at.isoformat(), "72h": "superseded:24h"}
    assert patch_for("2h", at) == {"2h": at.isoformat(), "24h": "superseded:2h", "72h": "superseded:2h"}
