"""The notification pipeline on real services: publisher → SQS (moto) → notify handler → Redis registry +
@connections pushes, MongoDB inbox, SMTP (a real aiosmtpd server)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from apigw import load_function
from factories import make_user
from notify_helpers import NotifyEnv, Tenant, connect, event


def inbox_of(user: Any) -> list[dict[str, Any]]:
    from licita.platform.clients import get_mongo

    return list(get_mongo()["notifications"].find({"user_id": str(user.id)}))


def outbox_of(user: Any) -> list[dict[str, Any]]:
    from licita.platform.clients import get_mongo

    return list(get_mongo()["mail_outbox"].find({"user_id": str(user.id)}))


def analyzed(t: Tenant, **extra: Any) -> dict[str, Any]:
    return event("tender.analyzed", t.company_id, {
        "tender_id": str(uuid.uuid4()), "title": "Pregão Eletrônico 35/2018 — TRT18", "filename": "edital.pdf",
        "status": "READY", "session_at": "2025-12-15T12:00:00+00:00", **extra}, user_id=str(t.member.id))


def test_published_event_reaches_socket_inbox_and_email(notify_env: NotifyEnv, tenant: Tenant) -> None:
    from licita.platform.queues import publish

    admin_conn, member_conn = connect(tenant.admin), connect(tenant.member)
    event_id = publish("tender.analyzed", tenant.company_id, {
        "tender_id": str(uuid.uuid4()), "title": "Pregão 35/2018", "filename": "edital.pdf",
        "session_at": "2025-12-15T12:00:00+00:00"}, user_id=str(tenant.member.id))
    records = notify_env.pump()
    assert [json.loads(r["body"])["id"] for r in records] == [event_id]

    result = load_function("notify").handler({"Records": records}, None)
    assert result == {"batchItemFailures": []}

    for user, conn in ((tenant.admin, admin_conn), (tenant.member, member_conn)):
        (frame,) = notify_env.connections.frames(conn, "notification")
        (row,) = inbox_of(user)
        assert frame["id"] == row["_id"] and frame["kind"] == "tender.analyzed" and frame["event_id"] == event_id
        assert frame["title"] == "Edital analisado: Pregão 35/2018"
        assert "15/12/2025 às 09:00" in frame["body"]  # Brasília time
        assert row["read"] is False
    # the viewer has tenders:read too: inbox and e-mail, no socket (not connected)
    assert len(inbox_of(tenant.viewer)) == 1
    for user in (tenant.admin, tenant.member, tenant.viewer):
        (mail,) = notify_env.mails_to(user.email)
        assert mail["subject"] == "[Licita] Edital analisado: Pregão 35/2018"
        assert "Olá, Teste!" in mail["text"] and mail["html"] and "<h2" in mail["html"]
        assert "Licita" in mail["from"]
    assert all(m["status"] == "sent" for m in outbox_of(tenant.admin))


def test_redelivery_is_idempotent(notify_env: NotifyEnv, tenant: Tenant) -> None:
    conn = connect(tenant.admin)
    ev = analyzed(tenant)
    record = {"messageId": "m1", "body": json.dumps(ev), "attributes": {"ApproximateReceiveCount": "1"}}
    notify = load_function("notify")
    # the same message twice in one batch, then again in a later batch (SQS at-least-once)
    assert notify.handler({"Records": [record, {**record, "messageId": "m2"}]}, None) == {"batchItemFailures": []}
    assert notify.handler({"Records": [{**record, "messageId": "m3"}]}, None) == {"batchItemFailures": []}
    assert len(inbox_of(tenant.admin)) == 1
    assert len(notify_env.mails_to(tenant.admin.email)) == 1
    assert len(notify_env.connections.frames(conn, "notification")) == 1


def test_redelivery_after_a_partial_run_completes_without_duplicates(notify_env: NotifyEnv, tenant: Tenant) -> None:
    """The inbox step died after the push: the retry writes what is missing, never a second row or e-mail."""
    from licita.notifications.service import deliver, notification_id
    from licita.platform.clients import get_mongo, get_redis

    conn = connect(tenant.member)
    ev = analyzed(tenant)
    deliver(ev)
    # simulate the crash: forget 'done', lose one inbox row (as if its write never happened)
    get_redis().delete(f"notify:done:{ev['id']}")
    get_mongo()["notifications"].delete_one({"_id": notification_id(ev["id"], str(tenant.viewer.id))})
    counts = deliver(ev)
    assert counts["inbox"] == 1 and counts["pushed"] == 0 and counts["emails_queued"] == 0
    assert len(inbox_of(tenant.viewer)) == 1 and len(inbox_of(tenant.member)) == 1
    assert len(notify_env.connections.frames(conn, "notification")) == 1
    assert len(notify_env.mails_to(tenant.viewer.email)) == 1


def test_recipients_follow_role_and_company(notify_env: NotifyEnv, tenant: Tenant) -> None:
    from factories import make_company
    from licita.notifications.service import deliver

    outsider_company = make_company()
    outsider = make_user(outsider_company, role="ADMIN_EMPRESA")
    outsider_conn = connect(outsider)
    inactive = make_user(tenant.company, role="USER", status="INACTIVE")

    # user.invited → admins only, never the admin who invited
    second_admin = make_user(tenant.company, role="ADMIN_EMPRESA")
    deliver(event("user.invited", tenant.company_id, {"email": "novo@empresa.com.br", "role": "USER"},
                  user_id=str(tenant.admin.id)))
    assert [r["kind"] for r in inbox_of(second_admin)] == ["user.invited"]
    assert inbox_of(tenant.admin) == [] and inbox_of(tenant.member) == [] and inbox_of(tenant.viewer) == []

    # a correction → everyone with tenders:read except its author; in-app only by default (no e-mail)
    deliver(event("tender.field_corrected", tenant.company_id, {"tender_id": str(uuid.uuid4()), "field": "uasg",
                                                                "title": "PE 1/2025"}, user_id=str(tenant.member.id)))
    assert inbox_of(tenant.member) == []
    assert [r["kind"] for r in inbox_of(tenant.viewer)] == ["tender.field_corrected"]
    assert notify_env.mails_to(tenant.viewer.email) == []

    # session.revoked → only its owner
    deliver(event("session.revoked", tenant.company_id, {"reason": "revoked", "target_user_id": str(tenant.viewer.id)},
                  user_id=str(tenant.viewer.id)))
    assert [r["kind"] for r in inbox_of(tenant.viewer)] == ["tender.field_corrected", "session.revoked"]
    assert [m["subject"] for m in notify_env.mails_to(tenant.viewer.email)] == \
        ["[Licita] Uma sessão sua foi encerrada"]

    assert inbox_of(outsider) == [] and inbox_of(inactive) == []
    assert notify_env.connections.frames(outsider_conn) == []


def test_preferences_choose_channels(notify_env: NotifyEnv, tenant: Tenant) -> None:
    from licita.notifications import inbox
    from licita.notifications.schemas import PreferencesUpdate
    from licita.notifications.service import deliver
    from notify_helpers import principal_of

    inbox.update_preferences(principal_of(tenant.admin), PreferencesUpdate.model_validate(
        {"kinds": {"tender.analyzed": {"email": False}}}))
    inbox.update_preferences(principal_of(tenant.member), PreferencesUpdate.model_validate(
        {"kinds": {"tender.analyzed": {"in_app": False}}}))
    admin_conn, member_conn = connect(tenant.admin), connect(tenant.member)
    deliver(analyzed(tenant))
    assert len(inbox_of(tenant.admin)) == 1 and notify_env.mails_to(tenant.admin.email) == []
    assert len(notify_env.connections.frames(admin_conn, "notification")) == 1
    assert inbox_of(tenant.member) == [] and notify_env.connections.frames(member_conn) == []
    assert len(notify_env.mails_to(tenant.member.email)) == 1


def test_company_email_switch_off_means_no_email(notify_env: NotifyEnv, tenant: Tenant) -> None:
    from licita.accounts.dynamic_settings import put_setting
    from licita.notifications.service import deliver

    put_setting(tenant.company_id, "notifications", {"email_enabled": False}, None, str(tenant.admin.id))
    deliver(analyzed(tenant))
    assert len(inbox_of(tenant.admin)) == 1 and notify_env.mails_to(tenant.admin.email) == []


def test_gone_connection_is_cleaned_on_next_push(notify_env: NotifyEnv, tenant: Tenant) -> None:
    from licita.notifications.service import deliver
    from licita.realtime import service as realtime

    alive, dead = connect(tenant.admin), connect(tenant.admin)
    notify_env.connections.gone.add(dead)
    counts = deliver(analyzed(tenant))
    assert counts["gone"] == 1 and counts["pushed"] >= 1
    assert realtime.connection(dead) is None
    assert dead not in realtime.connections_for([realtime.user_topic(str(tenant.admin.id))])
    assert alive in realtime.connections_for([realtime.user_topic(str(tenant.admin.id))])


def test_tender_subscribers_get_the_event_once(notify_env: NotifyEnv, tenant: Tenant) -> None:
    """A user's socket subscribed to the tender gets the notification once, not the topic copy as well."""
    from licita.notifications.service import deliver
    from licita.realtime import service as realtime

    tender_id = str(uuid.uuid4())
    conn = connect(tenant.admin)
    realtime.handle_message(conn, json.dumps({"action": "subscribe", "topics": [f"tender:{tender_id}"]}))
    deliver(analyzed(tenant, tender_id=tender_id))
    frames = notify_env.connections.frames(conn)
    assert [f["type"] for f in frames] == ["notification"]


def test_smtp_down_never_blocks_the_push_and_mail_is_retried(notify_env: NotifyEnv, tenant: Tenant,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from factories import make_company
    from licita.core.config import reset_settings
    from licita.notifications.service import deliver
    from licita.platform.clients import get_mongo
    from notify_helpers import free_port as _free_port

    company = make_company()
    user = make_user(company, role="USER")
    conn = connect(user)
    monkeypatch.setenv("SMTP_PORT", str(_free_port()))  # nothing listens there: connection refused
    reset_settings()
    counts = deliver(event("tender.failed", str(company.id), {"tender_id": str(uuid.uuid4()), "filename": "x.pdf",
                                                              "failure_reason": "PDF protegido por senha"}))
    assert counts["pushed"] == 1 and counts["inbox"] == 1 and counts["emails_sent"] == 0
    assert len(notify_env.connections.frames(conn, "notification")) == 1
    (row,) = outbox_of(user)
    assert row["status"] == "pending"

    monkeypatch.setenv("SMTP_PORT", str(notify_env.smtp_port))  # the server is back
    reset_settings()
    get_mongo()["mail_outbox"].update_many({"user_id": str(user.id)},
                                           {"$set": {"next_attempt_at": datetime.now(UTC) - timedelta(seconds=1)}})
    result = load_function("maintenance").handler({"task": "retry_mail"}, None)
    assert result["sent"] >= 1
    (mail,) = notify_env.mails_to(user.email)
    assert mail["subject"] == "[Licita] Não foi possível ler o edital: x.pdf"
    assert "PDF protegido por senha" in mail["text"]
    assert outbox_of(user)[0]["status"] == "sent"
    # and never twice
    load_function("maintenance").handler({"task": "retry_mail"}, None)
    assert len(notify_env.mails_to(user.email)) == 1


def test_bad_record_fails_alone(notify_env: NotifyEnv, tenant: Tenant) -> None:
    good = analyzed(tenant)
    records = [
        {"messageId": "bad-json", "body": "{not json", "attributes": {}},
        {"messageId": "no-type", "body": json.dumps({"id": "x", "company_id": tenant.company_id}), "attributes": {}},
        {"messageId": "good", "body": json.dumps(good), "attributes": {}},
    ]
    result = load_function("notify").handler({"Records": records}, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "bad-json"}, {"itemIdentifier": "no-type"}]}
    assert len(inbox_of(tenant.admin)) == 1


def test_suspended_company_hears_nothing(notify_env: NotifyEnv) -> None:
    from factories import make_company
    from licita.notifications.service import deliver

    company = make_company(status="SUSPENDED")
    user = make_user(company, role="ADMIN_EMPRESA")
    assert deliver(event("tender.analyzed", str(company.id), {"tender_id": str(uuid.uuid4())}))["recipients"] == 0
    assert inbox_of(user) == []
