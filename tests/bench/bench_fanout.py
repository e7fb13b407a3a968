"""Fan-out benchmark: one event every user of a company hears, to 1,000 live sockets.

The notify function posts the first frames (the head: the first recipients' sockets, looked up in the same Redis
round trip as the event's marks) before it looks up, builds or queues the rest; then it posts up to 100 frames
itself and queues the rest as ``push.chunk`` messages on the notifications queue (while it posts); the inbox
write follows. The local runtime's poller hands the chunks to a concurrent invocation whose chunks post in
parallel (as Lambda's pollers would). Measured from publish to the first and to the last frame on real
WebSocket clients (one asyncio loop in this process).

References measured in the same run: a WebSocket ping round trip, a one-user event (20 sockets), and the
floor of this machine at this moment: a bare ``websockets`` server (same library and defaults, nothing
else) sending the same number of same-sized frames to the same client loop.

What the figure does not show: locally a chunk's 100 frames reach the runtime's gateway in ONE request (its
``/@connections/$batch`` extension; every function runs in the gateway's process, so a round trip per socket
would cost the CPU the frames wait for). On AWS each socket is one ``post_to_connection`` (tens of ms each,
posted in parallel per invocation): see docs/fanout.md for that model.

Run: ``.venv/bin/python tests/bench/bench_fanout.py [--sockets 1000] [--events 15]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_notifications import BURST_FIELD, BURST_KIND, CONNS_PER_USER, Clients, login_all, notify_idle, user_emails
from common import BENCH_ENV, fmt, local_runtime, make_bench_user, record, summarize

# a bare broadcast server: "go" from a control socket sends one frame of SIZE bytes to every other socket
BARE_SERVER = textwrap.dedent("""
    import asyncio, json, sys
    from websockets.asyncio.server import serve

    SIZE = int(sys.argv[1])

    async def main():
        conns = set()

        async def handler(ws):
            conns.add(ws)
            try:
                async for raw in ws:
                    head = json.dumps({"type": "notification", "event_id": json.loads(raw)["go"], "pad": ""})
                    frame = head[:-2] + "x" * max(0, SIZE - len(head)) + '"}'
                    for other in list(conns):
                        if other is not ws:
                            try:
                                await other.send(frame)
                            except Exception:
                                pass
            finally:
                conns.discard(ws)

        async with serve(handler, "127.0.0.1", 0, max_size=None) as server:
            print(server.sockets[0].getsockname()[1], flush=True)
            await asyncio.Future()

    asyncio.run(main())
""")


def correction() -> dict[str, str]:
    """The payload of a field correction (bench_notifications: a field that reaches people only)."""
    return {"tender_id": str(uuid.uuid4()), "field": BURST_FIELD}


def ping_rtt(clients: Clients, n: int) -> dict[str, float]:
    async def run() -> list[float]:
        ws_probe = clients.sockets[-1]
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
                await asyncio.sleep(0.0005)
        return samples

    return summarize(clients.run(run()))


def recording_clients(sizes: list[int]) -> Clients:
    """Clients whose reader also keys pongs by their ping id and remembers frame sizes."""
    clients = Clients()

    async def reader(ws: Any) -> None:
        try:
            async for raw in ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                key = frame.get("event_id") or (frame.get("id") if frame.get("type") == "pong" else None)
                if key:
                    with clients.lock:
                        clients.arrivals[key].append(now)
                        if frame.get("event_id") and len(sizes) < 1000:
                            sizes.append(len(raw))
        except Exception:
            pass

    clients._reader = reader  # type: ignore[method-assign]
    return clients


def bare_broadcast(n: int, size: int, events: int) -> tuple[dict[str, float], dict[str, float]]:
    """(first, last) frame of a bare websockets server broadcasting to ``n`` sockets of a fresh client loop."""
    server = subprocess.Popen([sys.executable, "-c", BARE_SERVER, str(size)], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = f"ws://127.0.0.1:{int(server.stdout.readline())}"
        clients = recording_clients([])
        clients.connect(url, ["bare"] * max(1, n // CONNS_PER_USER), CONNS_PER_USER)

        async def control() -> Any:
            from websockets.asyncio.client import connect

            return await connect(url)

        go = clients.run(control())
        first: list[float] = []
        last: list[float] = []
        for i in range(events + 2):
            eid = uuid.uuid4().hex
            t0 = time.perf_counter()
            clients.run(go.send(json.dumps({"go": eid})))
            got = sorted(clients.wait(eid, len(clients.sockets), timeout=60))
            if got and i >= 2:  # the first two warm the connections
                first.append((got[0] - t0) * 1000)
                last.append((got[-1] - t0) * 1000)
        clients.run(go.close())
        clients.close()
        return summarize(first), summarize(last)
    finally:
        server.kill()
        server.wait(10)


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
        sizes: list[int] = []
        clients = recording_clients(sizes)
        clients.connect(info["ws_url"], tokens, CONNS_PER_USER)
        n = len(clients.sockets)
        actor = str(uuid.uuid4())
        for _ in range(2):  # warm the notify containers and connections
            clients.wait(publish(BURST_KIND, company_id, correction(), user_id=actor), n)
            notify_idle(rest, 0)
        first: list[float] = []
        last: list[float] = []
        incomplete = 0
        for _ in range(args.events):
            t0 = time.perf_counter()
            eid = publish(BURST_KIND, company_id, correction(), user_id=actor)
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
            eid = publish(BURST_KIND, company_id, {**correction(), "recipient_ids": [str(target)]}, user_id=actor)
            one_user.append((max(clients.wait(eid, CONNS_PER_USER)) - t0) * 1000)
            notify_idle(rest, 0)
        ping = ping_rtt(clients, 50)
        clients.close()
        frame_size = sorted(sizes)[len(sizes) // 2] if sizes else 700
        bare_first, bare_last = bare_broadcast(n, frame_size, args.events)
    s_first, s_last, s_one = summarize(first), summarize(last), summarize(one_user)
    print(f"fan-out to {n} sockets ({args.events} events, frames ~{frame_size} B)"
          f"{f'  [{incomplete} incomplete]' if incomplete else ''}")
    print(f"  first frame                : {fmt(s_first)}   (target ≤ 25 ms)")
    print(f"  last frame                 : {fmt(s_last)}   (target ≤ 250 ms)")
    print(f"  reference, one user's {CONNS_PER_USER} sockets (last frame): {fmt(s_one)}")
    print(f"  reference, WebSocket ping round trip: {fmt(ping)}")
    print(f"  floor, bare websockets server to the same {n} sockets: first {fmt(bare_first)}")
    print(f"                                                   last {fmt(bare_last)}")
    print("  (locally a chunk's frames reach the gateway in one request; on AWS each socket is one post_to_connection:"
          " docs/fanout.md)")
    record(f"fanout_{n}_last_frame_p50", s_last["p50"], "ms", f"one user's {CONNS_PER_USER} sockets p50", s_one["p50"])
    record(f"fanout_{n}_last_frame_vs_floor_p50", s_last["p50"], "ms",
           f"bare websockets broadcast to {n} sockets, last frame p50", bare_last["p50"])
    record(f"fanout_{n}_first_frame_p50", s_first["p50"], "ms", "WebSocket ping round trip p50", ping["p50"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
