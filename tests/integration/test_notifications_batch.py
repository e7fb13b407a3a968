"""A notify batch delivered together (deliver_many) and big fan-outs split into ``push.chunk`` messages that
go through the notifications queue (moto) and are posted by later notify invocations."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from apigw import load_function
from notify_helpers import NotifyEnv, Tenant, connect, event


def inbox_count(user: Any) -> int:
    from licita.platform.clients import get_mongo

    return int(get_mongo()["notifications"].count_documents({"user_id": str(user.id)}))


def test_a_batch_of_events_is_delivered_together_and_failures_stay_alone(notify_env: NotifyEnv,
                                                                         tenant: Tenant) -> None:
    conn = connect(tenant.admin)
    events = [event("tender.field_corrected", tenant.company_id, {"tender_id": str(uuid.uuid4()), "field": "uasg"},
                    user_id=str(tenant.member.id)) for _ in range(7)]
    records = [{"messageId": f"m{i}", "body": json.dumps(e), "attributes": {}} for i, e in enumerate(events)]
    records.append({"messageId": "broken", "body": json.dumps({"type": "tender.field_corrected"}), "attributes": {}})
    result = load_function("notify").handler({"Records": records}, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "broken"}]}
    frames = notify_env.connections.frames(conn, "notification")
    assert sorted(f["event_id"] for f in frames) == sorted(e["id"] for e in events)
    assert inbox_count(tenant.admin) == 7 and inbox_count(tenant.viewer) == 7
    assert inbox_count(tenant.member) == 0  # the actor does not hear its own correction
    # the whole batch again (SQS redelivery): nothing new anywhere
    assert load_function("notify").handler({"Records": records[:-1]}, None) == {"batchItemFailures": []}
    assert len(notify_env.connections.frames(conn, "notification")) == 7 and inbox_count(tenant.admin) == 7


def test_a_reaction_failure_fails_only_its_event(notify_env: NotifyEnv, tenant: Tenant,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from licita.notifications import service

    boom = event("tender.field_corrected", tenant.company_id, {"tender_id": str(uuid.uuid4()), "boom": True})
    fine = event("tender.field_corrected", tenant.company_id, {"tender_id": str(uuid.uuid4())})

    def reaction(ev: Any) -> None:
        if (ev.get("payload") or {}).get("boom"):
            raise RuntimeError("reaction down")

    monkeypatch.setitem(service._REACTIONS, "tender.field_corrected", {"test.reaction": reaction})
    outcomes = service.deliver_many([boom, fine])
    assert isinstance(outcomes[0], RuntimeError) and isinstance(outcomes[1], dict)
    assert outcomes[1]["reactions"] == 1
    # the failed one retries: its inbox rows exist already, the retry finishes it
    monkeypatch.setitem(service._REACTIONS, "tender.field_corrected", {})
    again = service.deliver_many([boom])[0]
    assert isinstance(again, dict) and again["inbox"] == 0 and again["pushed"] == 0
    assert service.deliver_many([boom]) == [{"duplicate": 1}]


def test_a_big_fan_out_is_chunked_through_the_queue(notify_env: NotifyEnv, tenant: Tenant,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from licita.realtime import service as realtime

    monkeypatch.setattr(realtime, "CHUNK_SIZE", 4)
    tender_id = str(uuid.uuid4())
    sockets = [connect(tenant.admin) for _ in range(11)]
    for conn in sockets:
        realtime.handle_message(conn, json.dumps({"action": "subscribe", "topics": [f"tender:{tender_id}"]}))
    notify_env.connections.gone.add(sockets[-1])
    counts = realtime.post_many([(c, realtime.encode({"type": "x", "n": 1})) for c in sockets])
    assert counts == {"sent": 4, "gone": 0, "failed": 0, "queued": 7}  # first chunk here, two chunks queued
    records = notify_env.pump()
    bodies = [json.loads(r["body"]) for r in records]
    assert [b["type"] for b in bodies] == ["push.chunk", "push.chunk"]
    assert [len(b["posts"]) for b in bodies] == [4, 3] and all(len(b["frames"]) == 1 for b in bodies)
    assert load_function("notify").handler({"Records": records}, None) == {"batchItemFailures": []}
    assert all(len(notify_env.connections.frames(c, "x")) == 1 for c in sockets[:-1])
    assert realtime.connection(sockets[-1]) is None  # the gone one, found by a chunk, was unregistered
