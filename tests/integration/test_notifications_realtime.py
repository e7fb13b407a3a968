"""The WebSocket function and the Redis registry on real services: $connect auth, client frames, topics,
revocation closing sockets, the heartbeat sweep."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest

from apigw import call, load_function
from factories import PASSWORD, make_company, make_user
from notify_helpers import NotifyEnv, Tenant, free_port


def ws(route: str, connection_id: str, *, token: str | None = None, body: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "requestContext": {"routeKey": route, "connectionId": connection_id, "eventType": "MESSAGE",
                           "identity": {"sourceIp": "127.0.0.1"}},
        "queryStringParameters": {"token": token} if token else None, "body": body, "isBase64Encoded": False}
    result: dict[str, Any] = load_function("ws").handler(event, None)
    return result


def login(user: Any) -> dict[str, Any]:
    status, body = call("auth", "POST", "/auth/login", {"email": user.email, "password": PASSWORD})
    assert status == 200, body
    result: dict[str, Any] = body
    return result


def test_connect_requires_a_live_token(notify_env: NotifyEnv, tenant: Tenant) -> None:
    from licita.realtime import service as realtime

    assert ws("$connect", "nope1=")["statusCode"] == 401
    assert ws("$connect", "nope2=", token="not-a-jwt")["statusCode"] == 401
    tokens = login(tenant.member)
    assert ws("$connect", "ok1=", token=tokens["access_token"])["statusCode"] == 200
    info = realtime.connection("ok1=")
    assert info is not None and info["user_id"] == str(tenant.member.id) and info["connected_at"] and info["last_seen"]

    # logout revokes the session: its socket is closed and the token no longer connects
    assert call("auth", "POST", "/auth/logout", token=tokens["access_token"])[0] == 204
    assert "ok1=" in notify_env.connections.deleted and realtime.connection("ok1=") is None
    assert notify_env.connections.frames("ok1=", "session_revoked")
    assert ws("$connect", "revoked=", token=tokens["access_token"])["statusCode"] == 401


def test_suspended_company_cannot_connect(notify_env: NotifyEnv) -> None:
    from licita.accounts.models import Company
    from licita.platform.db.engine import system_transaction

    company = make_company()
    user = make_user(company)
    tokens = login(user)
    token = tokens["access_token"]
    with system_transaction() as db:
        row = db.get(Company, company.id)
        assert row is not None
        row.status = "SUSPENDED"
    from licita.platform.clients import get_redis

    get_redis().delete(f"sess:{tokens['session_id']}")  # the authorizer's 5 s 'alive' cache
    assert ws("$connect", "susp=", token=token)["statusCode"] == 401


def _point_redis_at(url: str) -> None:
    from licita.core.config import reset_settings
    from licita.platform.clients import reset_clients

    os.environ["REDIS_URL"] = url
    reset_settings()
    reset_clients()  # both Redis clients: redis-py and the RESP client of the $connect path


def test_connect_during_a_redis_outage_is_refused_with_503_then_recovers(
        notify_env: NotifyEnv, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    """Redis down (nothing listens on its port): the handshake is refused with the stable 503 body and
    Retry-After, never a 500 and never accepted; with Redis back the same token connects."""
    from licita.platform.clients import get_redis
    from licita.realtime import service as realtime

    token = login(tenant.member)["access_token"]
    redis_url = os.environ["REDIS_URL"]
    get_redis().delete(f"sess:{_sid(token)}")  # no 'alive' mark either: the check must reach Redis
    monkeypatch.setenv("REDIS_URL", redis_url)  # restored even if an assertion fails
    try:
        _point_redis_at(f"redis://127.0.0.1:{free_port()}/0")
        started = time.monotonic()
        reply = ws("$connect", "down=", token=token)
        elapsed = time.monotonic() - started
        assert reply["statusCode"] == 503, reply
        body = json.loads(reply["body"])
        assert body["type"] == "error" and set(body["error"]) == {"code", "message", "details"}
        assert body["error"]["code"] == "service_unavailable" and "indisponível" in body["error"]["message"]
        assert int(reply["headers"]["Retry-After"]) > 0 and elapsed < 5  # refused quickly, not hung
        assert ws("$connect", "down2=")["statusCode"] == 401  # no token is still a 401, outage or not
        frame = ws("$default", "down=", body=json.dumps({"action": "ping"}))
        assert frame["statusCode"] == 503 and json.loads(frame["body"])["error"]["code"] == "service_unavailable"
    finally:
        _point_redis_at(redis_url)
    assert realtime.connection("down=") is None  # the refused handshake left nothing registered
    assert ws("$connect", "back=", token=token)["statusCode"] == 200
    info = realtime.connection("back=")
    assert info is not None and info["user_id"] == str(tenant.member.id)


def _sid(token: str) -> str:
    from licita.core.security.tokens import decode_access_token

    return str(decode_access_token(token)["sid"])


def test_frames_ping_subscribe_and_errors(notify_env: NotifyEnv, tenant: Tenant) -> None:
    from licita.realtime import service as realtime

    token = login(tenant.admin)["access_token"]
    assert ws("$connect", "f1=", token=token)["statusCode"] == 200

    def send(frame: str) -> tuple[int, dict[str, Any]]:
        reply = ws("$default", "f1=", body=frame)
        return reply["statusCode"], json.loads(reply["body"])

    status, pong = send(json.dumps({"action": "ping", "id": 7}))
    assert status == 200 and pong["type"] == "pong" and pong["id"] == 7
    assert send(json.dumps({"action": "pong"}))[1]["type"] == "pong_ack"
    status, err = send("{not json")
    assert status == 400 and err["type"] == "error" and err["error"]["code"] == "malformed_json"
    assert send("[1, 2]")[1]["error"]["code"] == "malformed_message"
    assert send(json.dumps({"action": "dance"}))[1]["error"]["code"] == "unknown_action"
    assert send(json.dumps({"action": "subscribe", "topics": "tender:1"}))[1]["error"]["code"] == "malformed_message"

    # (board:{id} topics are admitted by the boards area's authorizer: tested with real boards there)
    status, ok = send(json.dumps({"action": "subscribe", "topics": ["tender:abc-123",
                                                                    f"company:{tenant.company_id}"]}))
    assert status == 200 and ok["type"] == "subscribed"
    assert "f1=" in realtime.connections_for([f"{tenant.company_id}:tender:abc-123"])
    for forbidden in ("company:00000000-0000-0000-0000-000000000000", f"user:{tenant.member.id}",
                      "tender:../../x", "session:abc", "anything"):
        status, err = send(json.dumps({"action": "subscribe", "topics": [forbidden]}))
        assert status == 403 and err["error"]["code"] == "topic_forbidden", forbidden
    status, _ = send(json.dumps({"action": "unsubscribe", "topics": ["tender:abc-123"]}))
    assert status == 200 and "f1=" not in realtime.connections_for([f"{tenant.company_id}:tender:abc-123"])
    # unsubscribing from the own user topic is ignored: notifications keep coming
    send(json.dumps({"action": "unsubscribe", "topics": [f"user:{tenant.admin.id}"]}))
    assert "f1=" in realtime.connections_for([f"user:{tenant.admin.id}"])
    # an unknown connection (expired from the registry) is told to reconnect
    assert ws("$default", "ghost=", body="{}")["statusCode"] == 403

    assert ws("$disconnect", "f1=")["statusCode"] == 200
    assert realtime.connection("f1=") is None and "f1=" not in realtime.connections_for([f"user:{tenant.admin.id}"])


def test_revoking_a_session_elsewhere_closes_it_and_tells_the_owner(notify_env: NotifyEnv, tenant: Tenant) -> None:
    laptop, phone = login(tenant.member), login(tenant.member)
    assert ws("$connect", "laptop=", token=laptop["access_token"])["statusCode"] == 200
    assert ws("$connect", "phone=", token=phone["access_token"])["statusCode"] == 200
    notify_env.pump()
    status, _ = call("auth", "DELETE", f"/auth/sessions/{phone['session_id']}", token=laptop["access_token"])
    assert status == 204
    assert "phone=" in notify_env.connections.deleted and "laptop=" not in notify_env.connections.deleted

    records = [r for r in notify_env.pump() if json.loads(r["body"])["type"] == "session.revoked"]
    assert len(records) == 1
    assert load_function("notify").handler({"Records": records}, None) == {"batchItemFailures": []}
    (frame,) = notify_env.connections.frames("laptop=", "notification")
    assert frame["kind"] == "session.revoked" and "encerrada em outro dispositivo" in frame["body"]
    (mail,) = notify_env.mails_to(tenant.member.email)
    assert "Aviso de segurança" in mail["text"]


def test_sweep_pings_and_cleans(notify_env: NotifyEnv, tenant: Tenant) -> None:
    from licita.realtime import service as realtime

    token = login(tenant.viewer)["access_token"]
    for cid in ("s1=", "s2="):
        assert ws("$connect", cid, token=token)["statusCode"] == 200
    notify_env.connections.gone.add("s2=")
    result = load_function("maintenance").handler({"task": "sweep_connections"}, None)
    assert result["gone"] >= 1
    assert notify_env.connections.frames("s1=", "ping")
    assert realtime.connection("s2=") is None and realtime.connection("s1=") is not None


class BatchRecorder:
    """A push port with ``post_many`` (the local runtime's batch extension): records each call."""

    def __init__(self, gone: set[str]) -> None:
        self.gone = gone
        self.batches: list[list[tuple[str, bytes]]] = []
        self.single: list[str] = []

    def post(self, connection_id: str, data: bytes) -> str:
        self.single.append(connection_id)
        return "gone" if connection_id in self.gone else "sent"

    def delete(self, connection_id: str) -> str:
        return "deleted"

    def post_many(self, messages: list[tuple[str, bytes]]) -> list[str]:
        self.batches.append(list(messages))
        return ["gone" if c in self.gone else "sent" for c, _d in messages]


def test_a_batch_capable_port_gets_one_call_and_gone_sockets_leave_their_topics(notify_env: NotifyEnv,
                                                                                tenant: Tenant) -> None:
    from licita.platform import push
    from licita.realtime import service as realtime

    token = login(tenant.viewer)["access_token"]
    ids = [f"b{i}=" for i in range(5)]
    for cid in ids:
        assert ws("$connect", cid, token=token)["statusCode"] == 200
        ws("$default", cid, body=json.dumps({"action": "subscribe", "topics": ["tender:t-batch"]}))
    topic = realtime.scoped_topic(str(tenant.company_id), "tender:t-batch")
    port = BatchRecorder({"b3="})
    with push.use(port):  # type: ignore[arg-type]
        counts = realtime.push([topic], {"type": "x"})
    assert counts == {"sent": 4, "gone": 1, "failed": 0, "queued": 0}
    assert port.single == [] and len(port.batches) == 1  # one call, the frame encoded once for every socket
    assert sorted(c for c, _d in port.batches[0]) == ids and len({d for _c, d in port.batches[0]}) == 1
    assert realtime.connection("b3=") is None and "b3=" not in realtime.connections_for([topic])
    assert realtime.connections_for([topic]) == {"b0=", "b1=", "b2=", "b4="}


def test_batch_flag_against_an_endpoint_without_the_extension_falls_back_to_one_post_each(
        notify_env: NotifyEnv, tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    """``WEBSOCKET_MANAGEMENT_BATCH`` set against API Gateway's plain ``@connections`` API (the stand-in answers
    the batch call like any post, with no outcomes): every socket still gets its own post, 410 still cleans."""
    from licita.core.config import reset_settings
    from licita.platform import push
    from licita.realtime import service as realtime

    monkeypatch.setenv("WEBSOCKET_MANAGEMENT_BATCH", "1")
    reset_settings()
    push.reset()
    try:
        assert isinstance(push.get_push(), push.BatchPush)
        token = login(tenant.viewer)["access_token"]
        for cid in ("f1=", "f2=", "f3="):
            assert ws("$connect", cid, token=token)["statusCode"] == 200
        notify_env.connections.gone.add("f2=")
        counts = realtime.push([f"user:{tenant.viewer.id}"], {"type": "fallback"})
        assert counts == {"sent": 2, "gone": 1, "failed": 0, "queued": 0}
        assert notify_env.connections.frames("f1=", "fallback") and notify_env.connections.frames("f3=", "fallback")
        assert realtime.connection("f2=") is None
    finally:
        monkeypatch.delenv("WEBSOCKET_MANAGEMENT_BATCH")
        reset_settings()
        push.reset()
