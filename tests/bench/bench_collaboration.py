"""Collaboration benchmark through the local runtime (as a user runs it): card move → frame on 20 subscribers,
chat message → frame on 50 participants, ICS feed with 1,000 events, board with 500 cards.

References measured in the same run: a bare WebSocket round trip (``ping`` through the $default function) and
a bare authorized GET (``/calendars/google/status``: authorizer + function, one primary-key read). Targets
(issue 11): move p50 ≤ 50 ms, chat p50 ≤ 50 ms, ICS 1,000 events ≤ 200 ms, board 500 cards ≤ 100 ms.

What the socket figures do not show: the functions post a push's frames to the runtime's gateway in one request
(its local ``/@connections/$batch`` extension); on AWS each socket is its own ``post_to_connection`` over the
network (see docs/fanout.md). The ICS "first request" is the first render in this runtime (the
calendars function already served other routes); "rendered again" changes one event before each request.

Run: ``.venv/bin/python tests/bench/bench_collaboration.py [--moves 30] [--messages 30] [--requests 20]``.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import fmt, http_json, local_runtime, make_bench_user, record, summarize, timed_gets, wait_arrivals

TARGETS = {"move": 50.0, "chat": 50.0, "ics": 200.0, "board": 100.0}


class Sockets:
    """N real WebSocket clients on one asyncio loop; frames are timestamped on arrival under a key."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.conns: list[Any] = []
        self.arrivals: dict[str, list[float]] = defaultdict(list)
        self.replies: dict[int, asyncio.Queue[dict[str, Any]]] = {}
        self.lock = threading.Lock()

    def run(self, coro: Any, timeout: float = 300) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    @staticmethod
    def key(frame: dict[str, Any]) -> str | None:
        if frame.get("type") == "board.event":
            return f"board:{frame['data'].get('id')}:{frame['data'].get('version')}"
        if frame.get("type") == "message":
            return f"msg:{frame['message'].get('client_id')}"
        return None

    async def _reader(self, index: int, ws: Any) -> None:
        try:
            async for raw in ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                key = self.key(frame)
                if key:
                    with self.lock:
                        self.arrivals[key].append(now)
                else:
                    await self.replies[index].put(frame)
        except Exception:
            pass

    async def _open(self, url: str, tokens: list[str]) -> None:
        from websockets.asyncio.client import connect

        for token in tokens:
            ws = await connect(f"{url}/?token={token}", open_timeout=60, max_queue=None)
            index = len(self.conns)
            self.conns.append(ws)
            self.replies[index] = asyncio.Queue()
            self.loop.create_task(self._reader(index, ws))

    def open(self, url: str, tokens: list[str]) -> None:
        self.run(self._open(url, tokens))

    async def _ask(self, index: int, frame: dict[str, Any]) -> dict[str, Any]:
        await self.conns[index].send(json.dumps(frame))
        return await asyncio.wait_for(self.replies[index].get(), 30)

    def ask(self, index: int, frame: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.run(self._ask(index, frame))
        return result

    def send(self, index: int, frame: dict[str, Any]) -> None:
        self.run(self.conns[index].send(json.dumps(frame)))

    def wait(self, key: str, count: int, timeout: float = 30) -> list[float]:
        return wait_arrivals(self.lock, self.arrivals, key, count, timeout, 0.001)

    def close(self) -> None:
        async def _close() -> None:
            await asyncio.gather(*(ws.close() for ws in self.conns), return_exceptions=True)

        self.run(_close())


def users_of(database_url: str, company_id: str) -> list[tuple[str, str]]:
    import psycopg

    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        return [(str(r[0]), r[1]) for r in conn.execute(
            "SELECT id, email FROM users WHERE company_id = %s AND role = 'USER' ORDER BY email", (company_id,))]


def login(rest: str, email: str, password: str) -> str:
    status, body = http_json(rest, "POST", "/auth/login", {"email": email, "password": password})
    assert status == 200, body
    return str(body["access_token"])


def timed_get(rest: str, path: str, token: str | None, n: int, warmup: int = 3) -> dict[str, float]:
    import http.client
    from urllib.parse import urlparse

    url = urlparse(rest)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    samples: list[float] = []
    size = 0
    for ms, status, body in timed_gets(conn, path, headers, n, warmup):
        assert status == 200, (status, body[:300])
        samples.append(ms)
        size = len(body)
    conn.close()
    return summarize(samples) | {"bytes": float(size)}


def verdict(name: str, value: float) -> str:
    return f"{'OK ' if value <= TARGETS[name] else 'MISS'} (target ≤ {TARGETS[name]:.0f} ms)"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--moves", type=int, default=30)
    parser.add_argument("--messages", type=int, default=30)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="licita-bench-collab-"))
    with local_runtime(data_dir, {"LOGIN_MAX_PER_IP": "1000000"}) as rt:
        info = rt.info
        rest, db_url = info["rest_url"], info["endpoints"]["database_url"]
        print(f"runtime ready in {rt.wall_seconds:.1f} s")
        company_id, admin_email, password = make_bench_user(db_url, users=50)
        admin = login(rest, admin_email, password)
        people = users_of(db_url, company_id)
        tokens = [login(rest, email, password) for _, email in people]
        auth = {"Authorization": f"Bearer {admin}"}

        sockets = Sockets()
        sockets.open(info["ws_url"], tokens)  # socket i belongs to people[i]

        # references: bare WebSocket round trip and bare authorized GET
        ping = []
        for i in range(args.requests + 5):
            t0 = time.perf_counter()
            assert sockets.ask(0, {"action": "ping"})["type"] == "pong"
            if i >= 5:
                ping.append((time.perf_counter() - t0) * 1000)
        print(f"\nreference: WebSocket ping round trip ($default function)   : {fmt(summarize(ping))}")
        bare = timed_get(rest, "/calendars/google/status", admin, args.requests)
        print(f"reference: bare authorized GET /calendars/google/status     : {fmt(bare)}")
        ping_p50 = summarize(ping)["p50"]

        # 1) card move → frame on 20 subscribers
        status, board = http_json(rest, "POST", "/boards", {"name": "Bench"}, auth)
        assert status == 201, board
        lists = [x["id"] for x in board["lists"]]
        status, card = http_json(rest, "POST", f"/boards/{board['id']}/cards", {"list_id": lists[0], "title": "c"},
                                 auth)
        for i in range(20):
            reply = sockets.ask(i, {"action": "subscribe", "topics": [f"board:{board['id']}"]})
            assert reply["type"] == "subscribed", reply
        frames, last, api = [], [], []
        version = card["version"]
        for n in range(args.moves + 3):
            t0 = time.perf_counter()
            status, moved = http_json(rest, "POST", f"/cards/{card['id']}/move",
                                      {"version": version, "list_id": lists[(n + 1) % 3]}, auth)
            t_api = time.perf_counter()
            assert status == 200, moved
            version = moved["version"]
            got = sockets.wait(f"board:{card['id']}:{version}", 20)
            if n >= 3:
                lat = sorted((t - t0) * 1000 for t in got)
                frames += lat
                last.append(lat[-1] if len(got) == 20 else float("inf"))
                api.append((t_api - t0) * 1000)
        move_p50 = summarize(frames)["p50"]
        print(f"\ncard move → frame on 20 subscribers, per frame  : {fmt(summarize(frames))}  "
              f"{verdict('move', move_p50)}")
        record("card_move_20_frame_p50", move_p50, "ms", "WebSocket ping round trip p50", ping_p50)
        print(f"  last of the 20 frames per move                : {fmt(summarize(last))}")
        print(f"  HTTP response of the move                      : {fmt(summarize(api))}")
        for i in range(20):
            sockets.ask(i, {"action": "unsubscribe", "topics": [f"board:{board['id']}"]})

        # 2) chat message → frame on 50 participants (sent over the socket by one of them)
        sender_token = tokens[0]
        others = [uid for uid, _ in people[1:50]]
        status, conv = http_json(rest, "POST", "/conversations", {"kind": "direct", "user_ids": others,
                                                                  "title": "Bench"},
                                 {"Authorization": f"Bearer {sender_token}"})
        assert status in (200, 201), conv
        chat, chat_last = [], []
        for n in range(args.messages + 3):
            client_id = uuid.uuid4().hex
            t0 = time.perf_counter()
            sockets.send(0, {"action": "message.send", "conversation_id": conv["id"], "body": f"mensagem {n}",
                             "client_id": client_id})
            got = sockets.wait(f"msg:{client_id}", 50)
            reply = sockets.run(asyncio.wait_for(sockets.replies[0].get(), 30))
            assert reply["type"] == "message.sent", reply
            if n >= 3:
                lat = sorted((t - t0) * 1000 for t in got)
                chat += lat
                chat_last.append(lat[-1] if len(got) == 50 else float("inf"))
        chat_p50 = summarize(chat)["p50"]
        print(f"\nchat message → frame on 50 participants, per frame: {fmt(summarize(chat))}  "
              f"{verdict('chat', chat_p50)}")
        print(f"  last of the 50 frames per message               : {fmt(summarize(chat_last))}")
        record("chat_50_frame_p50", chat_p50, "ms", "WebSocket ping round trip p50", ping_p50)
        sockets.close()

        # 3) ICS feed with 1,000 events (rows written directly; the feed is what is measured)
        import psycopg

        status, cals = http_json(rest, "GET", "/calendars", None, auth)
        cal_id = next(c["id"] for c in cals["items"] if c["is_default"])
        start = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)
        with psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn, conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO calendar_events (id, company_id, calendar_id, title, description, starts_at, ends_at, "
                "all_day, exdates, reminders, reminded, source, version) VALUES (%s, %s, %s, %s, %s, %s, %s, false, "
                "'[]', '[60]', '{}', 'manual', 1)",
                [(uuid.uuid4(), company_id, cal_id, f"Evento {i}", "Reunião de preparação do pregão",
                  start + timedelta(hours=i * 5), start + timedelta(hours=i * 5 + 1)) for i in range(1000)])
        status, feed = http_json(rest, "POST", "/calendars/feeds", {"scope": "company"}, auth)
        path = "/ics/" + feed["url"].rsplit("/ics/", 1)[1]
        first = timed_get(rest, path, None, 1, warmup=0)  # rendered (the Redis cache is empty)
        ics = timed_get(rest, path, None, args.requests)  # same events: served from the fingerprint cache
        rerendered = []  # one event changed before each request: the fingerprint misses, the feed is rendered
        with psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True) as conn:
            for i in range(max(5, args.requests // 2)):
                conn.execute("UPDATE calendar_events SET title = %s, version = version + 1 WHERE id = "
                             "(SELECT id FROM calendar_events WHERE calendar_id = %s ORDER BY starts_at LIMIT 1)",
                             (f"Evento alterado {i}", cal_id))
                rerendered.append(timed_get(rest, path, None, 1, warmup=0)["p50"])
        print(f"\nICS feed, 1,000 events, first request (rendered): {first['p50']:.1f} ms  "
              f"{verdict('ics', first['p50'])}")
        print(f"ICS feed, 1,000 events, rendered again after a change: {fmt(summarize(rerendered))}")
        print(f"ICS feed, 1,000 events ({ics['bytes'] / 1024:.0f} KiB), unchanged (cached): {fmt(ics)}")
        record("ics_1000_rendered", first["p50"], "ms", "bare authorized GET p50", bare["p50"])
        record("ics_1000_rerendered_p50", summarize(rerendered)["p50"], "ms", "bare authorized GET p50", bare["p50"])
        record("ics_1000_cached_p50", ics["p50"], "ms", "bare authorized GET p50", bare["p50"])

        # 4) board with 500 cards (created through the API: real ranks)
        status, big = http_json(rest, "POST", "/boards", {"name": "Bench 500"}, auth)
        blists = [x["id"] for x in big["lists"]]
        t0 = time.perf_counter()
        for i in range(500):
            status, _ = http_json(rest, "POST", f"/boards/{big['id']}/cards",
                                  {"list_id": blists[i % 5], "title": f"Pregão {i:03d}/2027", "labels": []}, auth)
            assert status == 201
        created = time.perf_counter() - t0
        loaded = timed_get(rest, f"/boards/{big['id']}", admin, args.requests)
        print(f"board with 500 cards loaded ({loaded['bytes'] / 1024:.0f} KiB)    : {fmt(loaded)}  "
              f"{verdict('board', loaded['p50'])}")
        record("board_500_cards_p50", loaded["p50"], "ms", "bare authorized GET p50", bare["p50"])
        print(f"  (500 cards created through the API in {created:.1f} s, {created * 2:.1f} ms each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
