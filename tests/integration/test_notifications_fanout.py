"""Ordering guarantees of the notify pipeline's push (real Redis, Mongo-wire, moto and a management API on a
socket): the first frames go out before the rest of the audience is looked up and before the inbox write, the
rest follows without duplicates, and an inbox write that fails after the frames went out leaves the record for
SQS to redeliver (then to the DLQ), without a second frame."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from apigw import load_function
from notify_helpers import NotifyEnv, Tenant, connect, event, principal_of


def inbox_count(user: Any) -> int:
    from licita.platform.clients import get_mongo

    return int(get_mongo()["notifications"].count_documents({"user_id": str(user.id)}))


def corrected(t: Tenant) -> dict[str, Any]:
    """A field correction by the member: the admin and the viewer hear it (in-app only, no e-mail)."""
    return event("tender.field_corrected", t.company_id, {"tender_id": str(uuid.uuid4()), "field": "object"},
                 user_id=str(t.member.id))


def record(ev: dict[str, Any], message_id: str = "m1") -> dict[str, Any]:
    return {"messageId": message_id, "body": json.dumps(ev), "attributes": {"ApproximateReceiveCount": "1"}}


def fail_inbox_writes(monkeypatch: pytest.MonkeyPatch, log: list[str] | None = None) -> None:
    """``insert_many`` on the inbox collection raises as a dropped MongoDB connection would (other collections
    write as usual); with ``log``, a successful write is recorded there instead."""
    from pymongo.collection import Collection
    from pymongo.errors import AutoReconnect

    original = Collection.insert_many

    def insert_many(self: Any, documents: Any, *args: Any, **kwargs: Any) -> Any:
        if self.name == "notifications":
            if log is None:
                raise AutoReconnect("connection closed")
            log.append("inbox")
        return original(self, documents, *args, **kwargs)

    monkeypatch.setattr(Collection, "insert_many", insert_many)


def test_an_inbox_failure_after_the_frames_went_out_is_retried_without_a_second_frame(
        notify_env: NotifyEnv, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    from licita.platform.clients import get_redis

    admin_conn, viewer_conn = connect(tenant.admin), connect(tenant.viewer)
    ev = corrected(tenant)
    notify = load_function("notify")
    with monkeypatch.context() as m:
        fail_inbox_writes(m)
        assert notify.handler({"Records": [record(ev)]}, None) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    # the frames went out before the write failed; nothing is finished, so SQS redelivers (and finally DLQs) it
    assert [f["event_id"] for f in notify_env.connections.frames(admin_conn, "notification")] == [ev["id"]]
    assert len(notify_env.connections.frames(viewer_conn, "notification")) == 1
    assert inbox_count(tenant.admin) == 0 and inbox_count(tenant.viewer) == 0
    assert get_redis().exists(f"notify:pushed:{ev['id']}") and not get_redis().exists(f"notify:done:{ev['id']}")
    # Mongo is back: the redelivery writes the rows, and the sockets do not hear the event twice
    assert notify.handler({"Records": [record(ev, "m1")]}, None) == {"batchItemFailures": []}
    assert inbox_count(tenant.admin) == 1 and inbox_count(tenant.viewer) == 1
    assert len(notify_env.connections.frames(admin_conn, "notification")) == 1
    assert len(notify_env.connections.frames(viewer_conn, "notification")) == 1
    assert notify.handler({"Records": [record(ev, "m2")]}, None) == {"batchItemFailures": []}
    assert inbox_count(tenant.admin) == 1


def test_the_head_goes_out_before_the_rest_is_looked_up_and_the_inbox_follows_the_push(
        notify_env: NotifyEnv, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    from licita.notifications import service
    from licita.realtime import service as realtime

    # 3 sockets each for the admin and the viewer; the head is 2 frames from the first recipient's sockets, an
    # invocation posts 3 frames itself, the rest goes through the queue
    monkeypatch.setattr(service, "HEAD_TOPICS", 1)
    monkeypatch.setattr(service, "HEAD_FRAMES", 2)
    monkeypatch.setattr(realtime, "CHUNK_SIZE", 3)
    sockets = {str(tenant.admin.id): sorted(connect(tenant.admin) for _ in range(3)),
               str(tenant.viewer.id): sorted(connect(tenant.viewer) for _ in range(3))}
    log: list[str] = []
    lookup, enqueue, post = realtime.connections_by_topic, realtime._enqueue_chunks, notify_env.connections.post

    def logged_lookup(topics: Any) -> Any:
        log.append("lookup")
        return lookup(topics)

    def logged_enqueue(messages: Any, found_in: Any) -> None:
        enqueue(messages, found_in)
        log.append(f"queued {len(messages)}")

    def logged_post(connection_id: str, data: bytes) -> Any:
        log.append(f"post {connection_id}")
        return post(connection_id, data)

    monkeypatch.setattr(realtime, "connections_by_topic", logged_lookup)
    monkeypatch.setattr(realtime, "_enqueue_chunks", logged_enqueue)
    monkeypatch.setattr(notify_env.connections, "post", logged_post)
    fail_inbox_writes(monkeypatch, log)

    ev = corrected(tenant)
    (counts,) = service.deliver_many([ev])
    assert isinstance(counts, dict) and counts["pushed"] == 6 and counts["inbox"] == 2
    first_user = service.named_recipients(ev)  # None: company-wide; the head is the first recipient's sockets
    assert first_user is None
    head_owner = next(uid for uid in sockets if f"post {sockets[uid][0]}" == log[0])
    assert log[:2] == [f"post {c}" for c in sockets[head_owner][:2]]  # before the rest is even looked up
    assert log[2] == "lookup"
    # the rest: one frame posted here (one chunk's worth in all), three queued, then the inbox write
    rest = log[3:]
    assert sorted(rest) == sorted([f"post {sockets[head_owner][2]}", "queued 3", "inbox"]) and rest[-1] == "inbox"
    # the queued chunk reaches the other three sockets: each socket heard the event exactly once
    records = notify_env.pump()
    assert [json.loads(r["body"])["type"] for r in records] == ["push.chunk"]
    assert load_function("notify").handler({"Records": records}, None) == {"batchItemFailures": []}
    for conns in sockets.values():
        for conn in conns:
            assert [f["event_id"] for f in notify_env.connections.frames(conn, "notification")] == [ev["id"]]


def test_preferences_of_named_and_company_wide_events_in_one_batch(notify_env: NotifyEnv, tenant: Tenant) -> None:
    """Preferences are read beside the recipients, by id for an event that names its recipient and by company
    for one any user may hear: both kinds in one batch still honour each user's choice."""
    from licita.notifications import inbox
    from licita.notifications.schemas import PreferencesUpdate
    from licita.notifications.service import deliver_many
    from licita.platform.clients import get_mongo

    inbox.update_preferences(principal_of(tenant.member), PreferencesUpdate.model_validate(
        {"kinds": {"card.assigned": {"in_app": False}}}))
    inbox.update_preferences(principal_of(tenant.admin), PreferencesUpdate.model_validate(
        {"kinds": {"tender.field_corrected": {"in_app": False}}}))
    assigned_member = event("card.assigned", tenant.company_id, {
        "target_user_id": str(tenant.member.id), "card_id": str(uuid.uuid4()), "title": "Proposta"},
        user_id=str(tenant.admin.id))
    assigned_viewer = event("card.assigned", tenant.company_id, {
        "target_user_id": str(tenant.viewer.id), "card_id": str(uuid.uuid4()), "title": "Recurso"},
        user_id=str(tenant.admin.id))
    fix = corrected(tenant)
    outcomes = deliver_many([assigned_member, assigned_viewer, fix])
    assert all(isinstance(o, dict) for o in outcomes), outcomes

    def kinds_of(user: Any) -> list[str]:
        return sorted(d["kind"] for d in get_mongo()["notifications"].find({"user_id": str(user.id)}))

    assert kinds_of(tenant.member) == []  # its own correction is not news; it switched assignments off
    assert kinds_of(tenant.admin) == []  # switched corrections off
    assert kinds_of(tenant.viewer) == ["card.assigned", "tender.field_corrected"]
