"""Notifications end to end through the local runtime, with a real WebSocket client (websockets), plain HTTP,
boto3 against the runtime's moto and the runtime's own schedules: connect/refuse, event → socket + inbox
(+ SMTP sink when the runtime serves one), stale connection cleanup, reminders once per threshold."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import bcrypt
import httpx
import psycopg
import pytest
from env_support import env_vars
from runtime_support import RuntimeHandle, recv_until
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TRT_EDITAL = ROOT.parent / "shared" / "data" / "tenders" / "trt18-pe-035-2018-edital.pdf"
PASSWORD = "senha-e2e-notif-123"


def _pg(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class Tenant:
    """A fresh company (own session cap, nothing shared with other tests) with users logged in over HTTP."""

    def __init__(self, runtime: RuntimeHandle, roles: tuple[str, ...] = ("ADMIN_EMPRESA", "USER")) -> None:
        self.runtime = runtime
        self.company_id = str(uuid.uuid4())
        self.users: list[dict[str, Any]] = []
        pw = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
        with psycopg.connect(_pg(runtime.endpoints.database_url)) as conn:
            conn.execute("INSERT INTO companies (id, legal_name, cnpj, max_concurrent_sessions, max_users) "
                         "VALUES (%s, 'E2E Avisos Ltda', %s, 100, 100)",
                         (self.company_id, str(uuid.uuid4().int)[:14]))
            for role in roles:
                user = {"id": str(uuid.uuid4()), "email": f"e2e-notif-{uuid.uuid4().hex[:8]}@teste.com.br",
                        "role": role}
                conn.execute("INSERT INTO users (id, company_id, email, password_hash, first_name, role) "
                             "VALUES (%s, %s, %s, %s, 'Maria', %s)",
                             (user["id"], self.company_id, user["email"], pw, role))
                self.users.append(user)

    def login(self, index: int = 0) -> dict[str, Any]:
        resp = httpx.post(f"{self.runtime.rest_url}/auth/login",
                          json={"email": self.users[index]["email"], "password": PASSWORD}, timeout=15)
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body


@pytest.fixture
def tenant(runtime: RuntimeHandle) -> Tenant:
    return Tenant(runtime)


@pytest.fixture
def publish(runtime: RuntimeHandle) -> Iterator[Callable[..., str]]:
    """The single shared publisher, pointed at the runtime's notifications queue."""
    from licita.core.config import reset_settings
    from licita.platform.clients import reset_clients

    def reset() -> None:
        reset_settings()
        reset_clients()

    env = {"NOTIFICATIONS_QUEUE_URL": runtime.queues["NotificationsQueue"],
           "AWS_ENDPOINT_URL": runtime.aws_endpoint_url}
    with env_vars(env, reset):
        from licita.platform.queues import publish as real_publish

        yield real_publish


def inbox(runtime: RuntimeHandle, token: str, **params: str) -> dict[str, Any]:
    resp = httpx.get(f"{runtime.rest_url}/notifications", params=params,
                     headers={"Authorization": f"Bearer {token}"}, timeout=15)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


# ------------------------------------------------------------------------------ connect
def test_connect_is_refused_without_or_with_a_revoked_token(runtime: RuntimeHandle, tenant: Tenant) -> None:
    with pytest.raises(InvalidStatus) as err:
        connect(runtime.ws_url, open_timeout=10)
    assert err.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as err:
        connect(f"{runtime.ws_url}/?token=garbage", open_timeout=10)
    assert err.value.response.status_code == 401

    tokens = tenant.login()
    with connect(f"{runtime.ws_url}/?token={tokens['access_token']}", open_timeout=10) as ws:
        ws.send(json.dumps({"action": "ping"}))
        assert json.loads(ws.recv(timeout=10))["type"] == "pong"
        # revoking the session (logout) closes this very socket
        resp = httpx.post(f"{runtime.rest_url}/auth/logout",
                          headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=15)
        assert resp.status_code == 204
        last = recv_until(ws, lambda f: f.get("type") == "session_revoked", timeout=10)
        assert last["session_id"] == tokens["session_id"]
        with pytest.raises(ConnectionClosed):
            for _ in range(5):
                ws.recv(timeout=10)
    with pytest.raises(InvalidStatus) as err:
        connect(f"{runtime.ws_url}/?token={tokens['access_token']}", open_timeout=10)
    assert err.value.response.status_code == 401


# ------------------------------------------------------------------------------ event → socket, inbox, mail
def test_event_reaches_socket_and_inbox(runtime: RuntimeHandle, tenant: Tenant, publish: Callable[..., str]) -> None:
    admin, member = tenant.login(0), tenant.login(1)
    tender_id = str(uuid.uuid4())
    with connect(f"{runtime.ws_url}/?token={admin['access_token']}", open_timeout=10) as ws_admin, \
            connect(f"{runtime.ws_url}/?token={member['access_token']}", open_timeout=10) as ws_member:
        ws_member.send(json.dumps({"action": "subscribe", "topics": [f"tender:{tender_id}"]}))
        assert json.loads(ws_member.recv(timeout=10))["type"] == "subscribed"
        started = time.perf_counter()
        event_id = publish("tender.analyzed", tenant.company_id,
                           {"tender_id": tender_id, "title": "Pregão Eletrônico 7/2025", "filename": "edital.pdf",
                            "session_at": "2025-12-15T12:00:00+00:00"}, user_id=tenant.users[1]["id"])
        frames = {}
        for name, ws in (("admin", ws_admin), ("member", ws_member)):
            frames[name] = recv_until(ws, lambda f: f.get("event_id") == event_id)
        latency = time.perf_counter() - started
        print(f"\nevent → socket through SQS + notify: {latency * 1000:.0f} ms")
        assert frames["admin"]["type"] == frames["member"]["type"] == "notification"
        assert frames["admin"]["title"] == "Edital analisado: Pregão Eletrônico 7/2025"
        assert frames["admin"]["id"] != frames["member"]["id"]  # one inbox row each

    for tokens, frame in ((admin, frames["admin"]), (member, frames["member"])):
        deadline = time.monotonic() + 10
        while True:
            page = inbox(runtime, tokens["access_token"])
            if page["items"]:
                break
            assert time.monotonic() < deadline, "inbox never got the notification"
            time.sleep(0.1)
        assert page["items"][0]["id"] == frame["id"] and page["unread"] == 1
        read = httpx.post(f"{runtime.rest_url}/notifications/{frame['id']}/read",
                          headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=15)
        assert read.status_code == 200 and read.json()["read"] is True


def test_event_reaches_the_smtp_sink(runtime: RuntimeHandle, tenant: Tenant, publish: Callable[..., str]) -> None:
    mail_url = runtime.info.get("mail_url")
    if not mail_url:
        pytest.skip("mail sink not wired: the runtime info has no 'mail_url' (licita_local.mail not mounted)")
    publish("tender.failed", tenant.company_id, {"tender_id": str(uuid.uuid4()), "filename": "ilegivel.pdf",
                                                 "failure_reason": "PDF sem texto"})
    deadline = time.monotonic() + 20
    wanted = {u["email"] for u in tenant.users}
    while True:
        items = httpx.get(f"{mail_url}/messages", timeout=10).json()["items"]
        got = [m for m in items if set(m["rcpt_tos"]) & wanted]
        if len(got) == len(wanted):
            break
        assert time.monotonic() < deadline, f"mails seen: {[m['subject'] for m in items][:10]}"
        time.sleep(0.2)
    assert all(m["subject"] == "[Licita] Não foi possível ler o edital: ilegivel.pdf" for m in got)
    full = httpx.get(f"{mail_url}/{got[0]['id']}.json", timeout=10).json()
    assert "PDF sem texto" in full["text"] and full["html"]
    assert httpx.get(mail_url, timeout=10).status_code == 200


def test_real_edital_upload_is_announced(runtime: RuntimeHandle, tenant: Tenant) -> None:
    if not TRT_EDITAL.exists():
        pytest.skip(f"dev document not available: {TRT_EDITAL}")
    tokens = tenant.login(1)
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    with connect(f"{runtime.ws_url}/?token={tokens['access_token']}", open_timeout=10) as ws:
        created = httpx.post(f"{runtime.rest_url}/tenders/uploads", headers=auth, timeout=30,
                             json={"filename": TRT_EDITAL.name, "content_type": "application/pdf"})
        assert created.status_code == 201, created.text
        body = created.json()
        post = body["upload"]
        sent = httpx.post(post["url"], data=post["fields"], timeout=60,
                          files={"file": (TRT_EDITAL.name, TRT_EDITAL.read_bytes(), body["content_type"])})
        assert sent.status_code in (200, 201, 204), sent.text
        frame = recv_until(ws, lambda f: f.get("type") == "notification"
                           and (f.get("payload") or {}).get("tender_id") == body["tender_id"], timeout=120)
    assert frame["kind"] in ("tender.analyzed", "tender.needs_review")
    assert any(i["id"] == frame["id"] for i in inbox(runtime, tokens["access_token"])["items"])


# ------------------------------------------------------------------------------ robustness
def test_bad_frames_get_an_error_and_nobody_else_is_disturbed(runtime: RuntimeHandle, tenant: Tenant,
                                                              publish: Callable[..., str]) -> None:
    a, b = tenant.login(0), tenant.login(0)
    with connect(f"{runtime.ws_url}/?token={a['access_token']}", open_timeout=10) as bad, \
            connect(f"{runtime.ws_url}/?token={b['access_token']}", open_timeout=10) as good:
        for frame in ("{nem json", "[]", json.dumps({"action": "voar"}), "x" * 10_000,
                      json.dumps({"action": "subscribe", "topics": ["company:outra"]})):
            bad.send(frame)
            reply = json.loads(bad.recv(timeout=10))
            assert reply["type"] == "error" and reply["error"]["code"], reply
        event_id = publish("tender.needs_review", tenant.company_id, {"tender_id": str(uuid.uuid4()),
                                                                      "title": "PE 3/2025"})
        for ws in (good, bad):  # both sockets still alive and served
            assert recv_until(ws, lambda f: f.get("event_id") == event_id)["kind"] == "tender.needs_review"


def test_a_vanished_connection_is_cleaned_by_the_next_push(runtime: RuntimeHandle, tenant: Tenant,
                                                           publish: Callable[..., str]) -> None:
    """A socket that disappeared without $disconnect (crash, network) gets 410 on the next push and leaves
    the registry; the live one still receives."""
    import redis

    r = redis.Redis.from_url(runtime.endpoints.redis_url)
    user_id = tenant.users[0]["id"]
    tokens = tenant.login(0)
    ghost = "gh0stConnId0A="
    r.hset(f"ws:conn:{ghost}", mapping={"user_id": user_id, "company_id": tenant.company_id, "session_id": "x",
                                         "topics": json.dumps([f"user:{user_id}"])})
    r.sadd(f"ws:topic:user:{user_id}", ghost)
    with connect(f"{runtime.ws_url}/?token={tokens['access_token']}", open_timeout=10) as ws:
        event_id = publish("tender.analyzed", tenant.company_id, {"tender_id": str(uuid.uuid4()), "title": "PE"})
        recv_until(ws, lambda f: f.get("event_id") == event_id)
    deadline = time.monotonic() + 10
    while r.sismember(f"ws:topic:user:{user_id}", ghost) or r.exists(f"ws:conn:{ghost}"):
        assert time.monotonic() < deadline, "the gone connection was not cleaned"
        time.sleep(0.1)
    # and a normal close is cleaned by $disconnect
    deadline = time.monotonic() + 10
    while r.scard(f"ws:topic:user:{user_id}"):
        assert time.monotonic() < deadline, r.smembers(f"ws:topic:user:{user_id}")
        time.sleep(0.1)


def test_reminders_fire_once_per_threshold_across_runs(runtime: RuntimeHandle, tenant: Tenant) -> None:
    tender_id, now = str(uuid.uuid4()), datetime.now(UTC)
    with psycopg.connect(_pg(runtime.endpoints.database_url)) as conn:
        conn.execute("INSERT INTO tenders (id, company_id, status, title) VALUES (%s, %s, 'READY', %s)",
                     (tender_id, tenant.company_id, "Pregão Eletrônico 90/2025"))
        for kind, hours in (("proposal", 20), ("esclarecimento", 60)):
            conn.execute("INSERT INTO deadlines (id, company_id, tender_id, kind, due_at, source, notified) "
                         "VALUES (%s, %s, %s, %s, %s, 'extracted', '{}')",
                         (str(uuid.uuid4()), tenant.company_id, tender_id, kind, now + timedelta(hours=hours)))
    tokens = tenant.login(1)
    schedules = httpx.get(f"{runtime.rest_url}/_local/schedules", timeout=10).json()["items"]
    (rule,) = [s["rule_name"] for s in schedules if "deadline-reminders" in s["rule_name"]]
    with connect(f"{runtime.ws_url}/?token={tokens['access_token']}", open_timeout=10) as ws:
        for _ in range(3):  # the schedule fires again (and again) before anything changes
            fired = httpx.post(f"{runtime.rest_url}/_local/schedules/{rule}/fire", timeout=60)
            assert fired.status_code == 200 and fired.json()["ok"], fired.text
        seen = []
        while True:
            try:
                frame = json.loads(ws.recv(timeout=5))
            except TimeoutError:
                break
            if frame.get("kind") == "deadline.approaching" and frame["payload"]["tender_id"] == tender_id:
                seen.append((frame["payload"]["deadline_kind"], frame["payload"]["threshold"]))
    assert sorted(seen) == [("esclarecimento", "72h"), ("proposal", "24h")]
    page = inbox(runtime, tokens["access_token"], kinds="deadline.approaching")
    assert page["page"]["total"] == 2
    assert {i["title"] for i in page["items"]} == {"Envio de propostas em 24 h: Pregão Eletrônico 90/2025",
                                                   "Pedido de esclarecimento em 72 h: Pregão Eletrônico 90/2025"}
