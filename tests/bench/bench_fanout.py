"""Fan-out benchmark: one event every user of a company hears, to 1,000 live sockets.

The notify function posts the first 100 frames itself and queues the rest as ``push.chunk`` messages on
the notifications queue; the local runtime's poller runs those batches on concurrent invocations (as
Lambda's pollers would). Measured from publish to the first and to the last frame on real WebSocket clients
(one asyncio loop), with a WebSocket ping round trip and a one-user (20 sockets) event as references
measured in the same run.

Run: ``.venv/bin/python tests/bench/bench_fanout.py [--sockets 1000] [--events 15]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_notifications import BURST_KIND, CONNS_PER_USER, Clients, login_all, notify_idle, user_emails
from common import BENCH_ENV, fmt, local_runtime, make_bench_user, record, summarize


def ping_rtt(clients: Clients, n: int) -> dict[str, float]:
    async def run() -> list[float]:
        ws = clients.sockets[0]
        ws_probe = clients.sockets[-1]
        del ws
        samples = []
        for i in range(n):
            t0 = time.perf_counter()
            await ws_probe.send(json.dumps({"action": "ping", "id": f"p{i}"}))
            while True:
                got = time.perf_counter()
                with clients.lock:
                    hit = clients.arrivals.pop(f"p{i}", None)
                if hit:
                    samples.append((hit[0] - t0) * 1000)
                    break
                if got - t0 > 10:
                    break
                await __import__("asyncio").sleep(0.0005)
        return samples

    return summarize(clients.run(run()))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--events", type=int, default=15)
    args, _ = parser.parse_known_args()
    data_dir = Path(tempfile.mkdtemp(prefix="licita-bench-fanout-"))
    with local_runtime(data_dir, {"LOGIN_MAX_PER_IP": "1000000", "LICITA_LOCAL_MAX_VISIBILITY_SECONDS": "1"}) as rt:
        info = rt.info
        os.environ.update({**BENCH_ENV, "NOTIFICATIONS_QUEUE_URL": info["queues"]["NotificationsQueue"],
                           "AWS_ENDPOINT_URL": info["aws_endpoint_url"]})
        from licita.core.config import reset_settings
        from licita.platform.queues import publish

        reset_settings()
        rest, database_url = info["rest_url"], info["endpoints"]["database_url"]
        users = max(1, args.sockets // CONNS_PER_USER)
        company_id, _admin, password = make_bench_user(database_url, users=users)
        emails = user_emails(database_url, company_id)
        tokens = login_all(rest, emails[:users], password)
        clients = Clients()
        # pongs are keyed by their ping id in ``arrivals`` (the reader records frames carrying event_id or id)
        original = clients._reader

        async def reader(ws: Any) -> None:
            try:
                async for raw in ws:
                    now = time.perf_counter()
                    frame = json.loads(raw)
                    key = frame.get("event_id") or (frame.get("id") if frame.get("type") == "pong" else None)
                    if key:
                        with clients.lock:
                            clients.arrivals[key].append(now)
            except Exception:
                pass

        clients._reader = reader  # type: ignore[method-assign]
        del original
        clients.connect(info["ws_url"], tokens, CONNS_PER_USER)
        n = len(clients.sockets)
        actor = str(uuid.uuid4())
        for _ in range(2):  # warm the notify containers and connections
            clients.wait(publish(BURST_KIND, company_id, {"tender_id": str(uuid.uuid4())}, user_id=actor), n)
            notify_idle(rest, 0)
        first: list[float] = []
        last: list[float] = []
        incomplete = 0
        for _ in range(args.events):
            t0 = time.perf_counter()
            eid = publish(BURST_KIND, company_id, {"tender_id": str(uuid.uuid4())}, user_id=actor)
            got = sorted(clients.wait(eid, n, timeout=60))
            incomplete += len(got) < n
            if got:
                first.append((got[0] - t0) * 1000)
                last.append((got[-1] - t0) * 1000)
            notify_idle(rest, 0)
        with clients.lock:
            clients.arrivals.clear()
        import psycopg

        with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
            (target,) = conn.execute("SELECT id FROM users WHERE email = %s", (emails[0],)).fetchone()  # type: ignore[misc]
        one_user: list[float] = []
        for _ in range(args.events):
            t0 = time.perf_counter()
            eid = publish(BURST_KIND, company_id, {"tender_id": str(uuid.uuid4()), "recipient_ids": [str(target)]},
                          user_id=actor)
            one_user.append((max(clients.wait(eid, CONNS_PER_USER)) - t0) * 1000)
            notify_idle(rest, 0)
        ping = ping_rtt(clients, 50)
        clients.close()
    s_first, s_last, s_one = summarize(first), summarize(last), summarize(one_user)
    print(f"fan-out to {n} sockets ({args.events} events){f'  [{incomplete} incomplete]' if incomplete else ''}")
    print(f"  first frame                : {fmt(s_first)}")
    print(f"  last frame                 : {fmt(s_last)}")
    print(f"  reference, one user's {CONNS_PER_USER} sockets (last frame): {fmt(s_one)}")
    print(f"  reference, WebSocket ping round trip: {fmt(ping)}")
    record(f"fanout_{n}_last_frame_p50", s_last["p50"], "ms", f"one user's {CONNS_PER_USER} sockets p50", s_one["p50"])
    record(f"fanout_{n}_first_frame_p50", s_first["p50"], "ms", "WebSocket ping round trip p50", ping["p50"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
