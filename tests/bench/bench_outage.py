"""Outage recovery of the local runtime's embedded services: SIGKILL each one, time the watchdog and a client.

For PostgreSQL, Redis, the MongoDB-wire server and moto (S3 front): the service is killed while a client is
connected; we report how long the watchdog took to notice (detect), how long the restart took (restart) and
when the same client, with the platform's reconnect settings, succeeded again (client back). Reference,
measured in the same run: each service's cold start (what a restart would cost without the warm spare).

    .venv/bin/python tests/bench/bench_outage.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1].parent
sys.path[:0] = [str(ROOT / "shared"), str(ROOT / "infra"), str(Path(__file__).resolve().parent)]

from common import record  # noqa: E402

from licita_local.services import EmbeddedServices  # noqa: E402


def probes(endpoints: Any) -> dict[str, Callable[[], object]]:
    """One cheap call per service through the client the platform uses (same reconnect options)."""
    import boto3
    import pymongo
    from redis import Redis
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry
    from sqlalchemy import create_engine, text

    engine = create_engine(endpoints.database_url, pool_pre_ping=True, pool_size=2)
    redis = Redis.from_url(endpoints.redis_url, socket_timeout=2, socket_connect_timeout=2, health_check_interval=5,
                           retry=Retry(ExponentialBackoff(cap=0.25, base=0.05), 3))
    mongo: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(endpoints.mongo_url,
                                                                      serverSelectionTimeoutMS=3000)
    s3 = boto3.client("s3", endpoint_url=endpoints.aws_endpoint_url, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")

    def pg() -> object:
        with engine.connect() as conn:
            return conn.execute(text("select 1")).scalar()

    return {"postgres": pg, "redis": redis.ping, "mongo": lambda: mongo.licita.bench.find_one({}),
            "moto": s3.list_buckets}


def kill_once(services: EmbeddedServices, name: str, probe: Callable[[], object]) -> dict[str, float]:
    svc = services.supervised[name]
    probe()
    before = len(svc.outages)
    killed = time.time()
    os.kill(int(svc.pid() or 0), signal.SIGKILL)
    back = None
    while time.time() - killed < 60:
        try:
            probe()
            if len(svc.outages) > before:
                back = time.time()
                break
        except Exception:
            pass
        time.sleep(0.02)
    while len(svc.outages) <= before or not svc.outages[-1].recovered_at:
        time.sleep(0.02)
    outage = svc.outages[-1]
    assert outage.recovered_at is not None and back is not None
    return {"detect": outage.detected_at - killed, "restart": outage.recovered_at - outage.detected_at,
            "client": back - killed}


def main() -> int:
    import logging

    logging.getLogger("licita.local").setLevel(logging.ERROR)  # the watchdog's own warnings: we print figures
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    data_dir = Path(tempfile.mkdtemp(prefix="bench-outage-"))
    services = EmbeddedServices(data_dir, env={})
    endpoints = services.start()
    cold = dict(services.timings)
    services.watch()
    try:
        calls = probes(endpoints)
        time.sleep(8)  # the warm spares (moto, Mongo-wire) are spawned a few seconds after start
        print(f"\n  outage recovery, {args.rounds} SIGKILL(s) per service, load {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} CPUs")
        print(f"  {'service':9} {'detect':>8} {'restart':>8} {'client back':>12}   reference: cold start")
        for name in ("postgres", "redis", "mongo", "moto"):
            rows = []
            for _ in range(args.rounds):
                rows.append(kill_once(services, name, calls[name]))
                time.sleep(4)  # let the next spare warm up
            worst = {k: max(r[k] for r in rows) for k in rows[0]}
            print(f"  {name:9} {worst['detect']:7.2f}s {worst['restart']:7.2f}s {worst['client']:11.2f}s   "
                  f"{cold.get(name, float('nan')):6.2f}s")
            record(f"outage_{name}_restart_s", worst["restart"], "s", f"{name} cold start", cold.get(name))
            record(f"outage_{name}_client_back_s", worst["client"], "s")
        print("  (worst of the rounds; detect = kill → watchdog notices, client back = kill → first success)")
    finally:
        services.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
