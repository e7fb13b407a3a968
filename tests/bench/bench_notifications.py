"""Notifications benchmark: event published → frame received on the socket, and notify throughput.

Starts ``licita-local`` like a user would (tests/bench/common.py), connects N real WebSocket clients
(``websockets`` asyncio client, one process), publishes through the single shared publisher
(``licita.platform.queues.publish`` → the runtime's notifications queue in moto) and timestamps each
frame on arrival. Measured path: SQS send → runtime poller → NotifyFunction (recipients from PostgreSQL,
preferences from Mongo) → ``post_to_connection`` over HTTP per socket → WebSocket frame.

Run: ``.venv/bin/python tests/bench/bench_notifications.py [--clients 100,1000] [--events 30]
[--throughput-events 300] [--prefill 100000]``. Prints figures (also recorded through ``common.record``);
asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import BENCH_ENV, fmt, http_json, local_runtime, make_bench_user, record, summarize, wait_arrivals

CONNS_PER_USER = 20  # the registry caps sockets per user at 50
BURST_KIND = "tender.field_corrected"  # in-app only by default: no SMTP in the measured path
# A correction names its field. The object's (most corrections) reaches people only; a correction of the session
# date also re-syncs the tender's calendar events (a transaction and three queries more): measured beside it.
BURST_FIELD, CALENDAR_FIELD = "object", "session_datetime"


class Clients:
    """N WebSocket clients on one asyncio loop (own thread); every frame is timestamped on arrival."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.sockets: list[Any] = []
        self.arrivals: dict[str, list[float]] = defaultdict(list)  # event_id → perf_counter per frame
        self.lock = threading.Lock()

    def run(self, coro: Any, timeout: float = 600) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _reader(self, ws: Any) -> None:
        try:
            async for raw in ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                event_id = frame.get("event_id")
                if event_id:
                    with self.lock:
                        self.arrivals[event_id].append(now)
        except Exception:
            pass

    async def _connect_all(self, url: str, tokens: list[str], per_token: int) -> None:
        from websockets.asyncio.client import connect

        sem = asyncio.Semaphore(16)

        async def one(token: str) -> None:
            async with sem:
                ws = await connect(f"{url}/?token={token}", open_timeout=60, max_queue=None)
            self.sockets.append(ws)
            self.loop.create_task(self._reader(ws))

        await asyncio.gather(*(one(t) for t in tokens for _ in range(per_token)))

    def connect(self, url: str, tokens: list[str], per_token: int) -> None:
        self.run(self._connect_all(url, tokens, per_token))

    async def _close_all(self) -> None:
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        self.sockets.clear()

    def close(self) -> None:
        self.run(self._close_all())

    def wait(self, event_id: str, count: int, timeout: float = 60) -> list[float]:
        return wait_arrivals(self.lock, self.arrivals, event_id, count, timeout, 0.002)


def login_all(rest_url: str, emails: list[str], password: str) -> list[str]:
    tokens = []
    for email in emails:
        status, body = http_json(rest_url, "POST", "/auth/login", {"email": email, "password": password})
        assert status == 200, body
        tokens.append(body["access_token"])
    return tokens


def user_emails(database_url: str, company_id: str) -> list[str]:
    import psycopg

    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        return [r[0] for r in conn.execute("SELECT email FROM users WHERE company_id = %s AND role = 'USER' "
                                           "ORDER BY email", (company_id,))]


def notify_idle(rest_url: str, since: int, timeout: float = 120) -> int:
    """Wait until the notify function has no batch in flight (its work after the push: inbox, e-mail)."""
    deadline = time.monotonic() + timeout
    last = since
    while time.monotonic() < deadline:
        _status, body = http_json(rest_url, "GET", "/_local/queues")
        depth = next((q for q in body["items"] if q.get("logical_id", q.get("queue")) == "NotificationsQueue"), None)
        _s, inv = http_json(rest_url, "GET", f"/_local/invocations?function=NotifyFunction&since={since}&limit=1000")
        if inv["items"]:
            last = max([last, *(int(i["id"]) for i in inv["items"])])
        visible = 0 if depth is None else int(depth.get("visible", depth.get("messages", 0)) or 0)
        inflight = 0 if depth is None else int(depth.get("in_flight", depth.get("not_visible", 0)) or 0)
        if visible == 0 and inflight == 0:
            return last
        time.sleep(0.05)
    return last


def latency_run(info: dict[str, Any], n_clients: int, events: int, publish: Any) -> None:
    rest, database_url = info["rest_url"], info["endpoints"]["database_url"]
    users = max(1, n_clients // CONNS_PER_USER)
    company_id, admin_email, password = make_bench_user(database_url, users=users)
    tokens = login_all(rest, user_emails(database_url, company_id)[:users], password)
    actor = str(uuid.uuid4())
    clients = Clients()
    t0 = time.perf_counter()
    clients.connect(info["ws_url"], tokens, CONNS_PER_USER)
    connect_s = time.perf_counter() - t0
    n = len(clients.sockets)
    print(f"\n{n} clients ({users} users × {CONNS_PER_USER} sockets) connected in {connect_s:.1f} s "
          f"({connect_s / n * 1000:.1f} ms each, $connect authorizes every one)")

    # warm-up (cold container, first Mongo/PG connections)
    for _ in range(2):
        eid = publish(BURST_KIND, company_id, {"tender_id": str(uuid.uuid4()), "title": "aquecimento",
                                                  "field": BURST_FIELD}, user_id=actor)
        clients.wait(eid, n)
        notify_idle(rest, 0)

    # 1) broadcast: an event every tenders:read user of the company hears (all N sockets)
    all_frames: list[float] = []
    first: list[float] = []
    last: list[float] = []
    incomplete = 0
    for _ in range(events):
        started = time.perf_counter()
        eid = publish(BURST_KIND, company_id, {"tender_id": str(uuid.uuid4()), "title": "PE bench",
                                                  "field": BURST_FIELD}, user_id=actor)
        got = clients.wait(eid, n)
        incomplete += len(got) < n
        lat = sorted((t - started) * 1000 for t in got)
        all_frames.extend(lat)
        if lat:
            first.append(lat[0])
            last.append(lat[-1])
        notify_idle(rest, 0)  # the next event starts on an idle function (no queueing behind the inbox write)
    print(f"  broadcast to all {n} sockets, per frame : {fmt(summarize(all_frames))}")
    print(f"  first frame of each event               : {fmt(summarize(first))}")
    print(f"  last frame of each event (full fan-out) : {fmt(summarize(last))}"
          + (f"  [{incomplete} events incomplete]" if incomplete else ""))

    # 2) targeted: one user's event while N clients are connected (registry size should not matter)
    target = user_emails(database_url, company_id)[0]
    import psycopg

    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        (target_id,) = conn.execute("SELECT id FROM users WHERE email = %s", (target,)).fetchone()  # type: ignore[misc]
    single: list[float] = []
    for _ in range(events):
        started = time.perf_counter()
        eid = publish(BURST_KIND, company_id, {"tender_id": str(uuid.uuid4()), "recipient_ids": [str(target_id)]},
                      user_id=actor)
        got = clients.wait(eid, CONNS_PER_USER)
        single.extend((t - started) * 1000 for t in got)
        notify_idle(rest, 0)
    print(f"  one user's {CONNS_PER_USER} sockets, {n} connected : {fmt(summarize(single))}")
    record(f"broadcast_{n}_last_frame_p50", summarize(last)["p50"], "ms", "one user's sockets p50 (same run)",
           summarize(single)["p50"])
    record(f"broadcast_{n}_first_frame_p50", summarize(first)["p50"], "ms")
    clients.close()
    del admin_email


def prefill_inbox(mongo_url: str, count: int) -> None:
    """``count`` documents in the inbox collection (other users), as a week of ``make run`` would leave."""
    if count <= 0:
        return
    from datetime import UTC, datetime

    import pymongo

    client: Any = pymongo.MongoClient(mongo_url, socketTimeoutMS=600_000)
    inbox = client[os.environ.get("MONGO_DB", "licita")]["notifications"]
    have = inbox.estimated_document_count()
    t0 = time.perf_counter()
    now = datetime.now(UTC)
    for start in range(have, count, 2000):
        inbox.insert_many([{"_id": uuid.uuid4().hex[:24], "user_id": str(uuid.uuid4()), "company_id": "prefill",
                            "kind": BURST_KIND, "title": "x", "body": "y", "link": None, "data": {},
                            "event_id": uuid.uuid4().hex, "created_at": now, "read": False, "read_at": None}
                           for _ in range(min(2000, count - start))], ordered=False)
    print(f"\ninbox prefilled to {inbox.estimated_document_count()} documents in {time.perf_counter() - t0:.1f} s")
    del client


def insert_p50(mongo_url: str) -> None:
    """Inbox ``insert_one`` p50 through the wire at the prefilled size, beside the same on an empty collection
    with the same indexes (the reference of this run)."""
    from datetime import UTC, datetime

    import pymongo

    client: Any = pymongo.MongoClient(mongo_url, socketTimeoutMS=600_000)
    db = client[os.environ.get("MONGO_DB", "licita")]
    empty = db["bench_inbox_empty"]
    empty.drop()
    for name, spec in db["notifications"].index_information().items():
        if name != "_id_":
            options = {"expireAfterSeconds": spec["expireAfterSeconds"]} if "expireAfterSeconds" in spec else {}
            empty.create_index(spec["key"], name=name, **options)

    def p50(coll: Any) -> float:
        samples = []
        for _ in range(60):
            doc = {"_id": uuid.uuid4().hex[:24], "user_id": str(uuid.uuid4()), "company_id": "bench",
                   "kind": BURST_KIND, "title": "x", "body": "y", "link": None, "data": {},
                   "event_id": uuid.uuid4().hex, "created_at": datetime.now(UTC), "read": False, "read_at": None}
            t0 = time.perf_counter()
            coll.insert_one(doc)
            samples.append((time.perf_counter() - t0) * 1000)
        return summarize(samples)["p50"]

    size = db["notifications"].estimated_document_count()
    empty_p50, full_p50 = p50(empty), p50(db["notifications"])
    empty.drop()
    print(f"inbox insert_one p50 at {size} documents: {full_p50:.2f} ms (empty collection, same indexes: "
          f"{empty_p50:.2f} ms)")
    record("inbox_insert_p50", full_p50, "ms", "insert p50 on an empty collection (same run)", empty_p50)


def throughput_run(info: dict[str, Any], total: int, publish_many: Any, prefill: int) -> None:
    """A burst of single-recipient events; events/s = burst size / time until the last frame arrived."""
    rest, database_url = info["rest_url"], info["endpoints"]["database_url"]
    prefill_inbox(info["endpoints"]["mongo_url"], prefill)
    insert_p50(info["endpoints"]["mongo_url"])
    company_id, _admin, password = make_bench_user(database_url, users=1)
    (email,) = user_emails(database_url, company_id)
    (token,) = login_all(rest, [email], password)
    clients = Clients()
    clients.connect(info["ws_url"], [token], 1)
    actor = str(uuid.uuid4())
    warm = publish_many(company_id, 5, actor)
    for eid in warm:
        clients.wait(eid, 1)
    notify_idle(rest, 0)
    # reference from the same run: one event at a time on an idle function (publish → frame)
    one_at_a_time: list[float] = []
    for _ in range(10):
        t0 = time.perf_counter()
        (eid,) = publish_many(company_id, 1, actor)
        got = clients.wait(eid, 1)
        if got:
            one_at_a_time.append((got[0] - t0) * 1000)
        notify_idle(rest, 0)
    single_ms = summarize(one_at_a_time)["p50"]
    def burst(field: str) -> tuple[float, float, int, list[Any]]:
        started = time.perf_counter()
        ids = publish_many(company_id, total, actor, field)
        published = time.perf_counter() - started
        arrivals = [clients.wait(eid, 1, timeout=600) for eid in ids]
        return started, published, sum(1 for a in arrivals if not a), arrivals

    started, published, missing, arrivals = burst(BURST_FIELD)
    elapsed = max(a[0] for a in arrivals if a) - started
    print(f"\nnotify throughput: {total} events (corrections of the {BURST_FIELD}; 2 recipients: 2 inbox rows, "
          f"1 socket each event) in {elapsed:.2f} s → {total / elapsed:.0f} events/s (publishing took "
          f"{published:.2f} s)" + (f"  [{missing} missing]" if missing else ""))
    lat = [(a[0] - started) * 1000 for a in arrivals if a]
    print(f"  publish-burst start → frame: {fmt(summarize(lat))}")
    print(f"  reference, one event at a time: p50 {single_ms:.1f} ms → {1000 / single_ms:.0f} events/s serial; "
          f"burst is {total / elapsed / (1000 / single_ms):.1f}× that")
    record("notify_events_per_s", total / elapsed, "events/s", "serial events/s (1 / single-event latency)",
           1000 / single_ms)
    record("notify_burst_frame_p50", summarize(lat)["p50"], "ms", "single event publish→frame p50", single_ms)
    notify_idle(rest, 0)
    cal_started, _published, cal_missing, cal_arrivals = burst(CALENDAR_FIELD)
    cal_elapsed = max(a[0] for a in cal_arrivals if a) - cal_started
    print(f"  the same burst correcting the {CALENDAR_FIELD} (each event also re-syncs the tender's calendar): "
          f"{total / cal_elapsed:.0f} events/s" + (f"  [{cal_missing} missing]" if cal_missing else ""))
    record("notify_calendar_events_per_s", total / cal_elapsed, "events/s", "notify_events_per_s", total / elapsed)
    clients.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", default="100,1000")
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--throughput-events", type=int, default=300)
    parser.add_argument("--prefill", type=int, default=100_000, help="inbox documents before the throughput run")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="licita-bench-notify-"))
    with local_runtime(data_dir, {"LOGIN_MAX_PER_IP": "1000000", "LICITA_LOCAL_MAX_VISIBILITY_SECONDS": "1"}) as rt:
        info = rt.info
        print(f"runtime ready in {rt.wall_seconds:.1f} s")
        os.environ.update({**BENCH_ENV, "NOTIFICATIONS_QUEUE_URL": info["queues"]["NotificationsQueue"],
                           "AWS_ENDPOINT_URL": info["aws_endpoint_url"]})
        from licita.core.config import reset_settings
        from licita.platform.clients import aws_client
        from licita.platform.queues import build_event, publish

        reset_settings()

        def publish_many(company_id: str, count: int, actor: str, field: str = BURST_FIELD) -> list[str]:
            """``count`` events in SendMessageBatch calls of 10, from 4 threads (like several API invocations
            publishing at once: one publisher alone would cap the burst at moto's SendMessageBatch rate)."""
            from concurrent.futures import ThreadPoolExecutor

            sqs, url = aws_client("sqs"), info["queues"]["NotificationsQueue"]
            batches = [[build_event(BURST_KIND, company_id, {"tender_id": str(uuid.uuid4()), "field": field},
                                    user_id=actor)
                        for _ in range(min(10, count - start))] for start in range(0, count, 10)]

            def send(batch: list[dict[str, Any]]) -> None:
                sqs.send_message_batch(QueueUrl=url, Entries=[
                    {"Id": str(i), "MessageBody": json.dumps(e)} for i, e in enumerate(batch)])

            with ThreadPoolExecutor(max_workers=min(4, len(batches))) as pool:
                list(pool.map(send, batches))
            return [e["id"] for batch in batches for e in batch]

        for n in (int(x) for x in args.clients.split(",") if x):
            latency_run(info, n, args.events, publish)
        if args.throughput_events:
            throughput_run(info, args.throughput_events, publish_many, args.prefill)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
