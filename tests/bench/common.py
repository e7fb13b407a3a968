"""Shared benchmark plumbing: start the local runtime as a user would, load HTTP, print percentiles."""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[2]
READY = "LICITA_LOCAL_READY "
BENCH_ENV = {
    "BCRYPT_ROUNDS": "4",
    "JWT_SECRET": os.environ.get("JWT_SECRET", "bench-secret-0123456789abcdef0123456789abcdef"),
    "LICITA_LOCAL_LOG_LEVEL": "WARNING",
    "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
}


@dataclass
class Started:
    info: dict[str, Any]
    wall_seconds: float
    process: subprocess.Popen[str]


@contextmanager
def local_runtime(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[Started]:
    """``licita-local run`` in a subprocess; time-to-ready is measured from spawn to the ready line."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "MONGO_URL", "AWS_ENDPOINT_URL")}
    env.update(BENCH_ENV)
    env.update(extra_env or {})
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "licita_local", "run", "--port", "0", "--ws-port", "0", "--data-dir", str(data_dir),
         "--no-schedules", "--no-reload", "--log-level", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    assert proc.stdout is not None
    info: dict[str, Any] | None = None
    for line in proc.stdout:
        if line.startswith(READY):
            info = json.loads(line[len(READY):])
            break
    if info is None:
        proc.kill()
        raise RuntimeError("licita-local exited before it was ready")
    wall = time.perf_counter() - started
    threading.Thread(target=lambda: [None for _ in proc.stdout or []], daemon=True).start()  # drain
    try:
        yield Started(info, wall, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def make_bench_user(database_url: str, *, plan: str = "internal", users: int = 0) -> tuple[str, str, str]:
    """A fresh company (internal plan: the rate limiter runs but never bites) with an admin and N users."""
    import bcrypt
    import psycopg

    company_id, admin_id = uuid.uuid4(), uuid.uuid4()
    email, password = f"bench-{uuid.uuid4().hex[:8]}@bench.local", "bench-password-1"
    pw = bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        conn.execute("INSERT INTO companies (id, legal_name, cnpj, plan, max_users, max_concurrent_sessions) "
                     "VALUES (%s, 'Bench Ltda', %s, %s, 100000, 1000)", (company_id, str(uuid.uuid4().int)[:14], plan))
        conn.execute("INSERT INTO users (id, company_id, email, password_hash, first_name, role) "
                     "VALUES (%s, %s, %s, %s, 'Bench', 'ADMIN_EMPRESA')", (admin_id, company_id, email, pw))
        if users:
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO users (id, company_id, email, password_hash, first_name, last_name, role) "
                    "VALUES (%s, %s, %s, %s, %s, %s, 'USER')",
                    [(uuid.uuid4(), company_id, f"user{i:05d}-{company_id.hex[:6]}@bench.local", pw, f"Nome{i}",
                      f"Sobrenome{i % 97}") for i in range(users)])
    return str(company_id), email, password


def http_json(base_url: str, method: str, path: str, body: Any = None,
              headers: dict[str, str] | None = None) -> tuple[int, Any]:
    url = urlparse(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    data = None if body is None else json.dumps(body).encode()
    conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    raw = response.read()
    conn.close()
    return response.status, json.loads(raw) if raw else None


def timed_gets(conn: http.client.HTTPConnection, path: str, headers: Mapping[str, str], count: int,
               warmup: int) -> Iterator[tuple[float, int, bytes]]:
    """GET ``path`` ``warmup + count`` times on one keep-alive connection; yields (ms, status, body) of the
    ``count`` measured requests (the warm-up ones are read and dropped)."""
    for i in range(count + warmup):
        t0 = time.perf_counter()
        conn.request("GET", path, headers=dict(headers))
        response = conn.getresponse()
        body = response.read()
        if i >= warmup:
            yield (time.perf_counter() - t0) * 1000, response.status, body


def load(base_url: str, path: str, headers: dict[str, str], *, requests: int, concurrency: int,
         warmup: int = 50) -> dict[str, float]:
    """Keep-alive clients, one per thread; returns latency percentiles (ms) and throughput."""
    url = urlparse(base_url)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_worker = requests // concurrency

    def worker() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        local: list[float] = []
        bad = 0
        for ms, status, _ in timed_gets(conn, path, headers, per_worker, warmup):
            local.append(ms)
            bad += status != 200
        conn.close()
        with lock:
            latencies.extend(local)
            errors += bad

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return summarize(latencies) | {"rps": len(latencies) / elapsed, "errors": float(errors)}


def summarize(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {"n": float(len(ordered)), "p50": statistics.median(ordered),
            "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], "mean": statistics.fmean(ordered)}


def time_calls(fn: Callable[[], Any], n: int, warmup: int = 50) -> dict[str, float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return summarize(samples)


def fmt(stats: dict[str, float]) -> str:
    parts = [f"p50 {stats['p50']:.2f} ms", f"p99 {stats['p99']:.2f} ms"]
    if "rps" in stats:
        parts.append(f"{stats['rps']:.0f} req/s")
    if stats.get("errors"):
        parts.append(f"ERRORS {stats['errors']:.0f}")
    return ", ".join(parts) + f" (n={stats['n']:.0f})"


# ------------------------------------------------------------------------------ machine-readable figures
FIGURES_ENV = "LICITA_BENCH_FIGURES"  # run.py points every bench at one JSON-lines file


def record(name: str, value: float, unit: str, reference: str | None = None,
           reference_value: float | None = None) -> None:
    """Append one figure (and the reference measured in the same run) for run.py's bench-results JSON."""
    path = os.environ.get(FIGURES_ENV)
    if not path:
        return
    row = {"bench": Path(sys.argv[0]).stem, "name": name, "value": value, "unit": unit,
           "reference": reference, "reference_value": reference_value,
           "ratio": value / reference_value if reference_value else None}
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")


def wait_arrivals(lock: Any, arrivals: Mapping[str, list[float]], key: str, count: int, timeout: float,
                  poll: float) -> list[float]:
    """Arrival times recorded under ``key`` once there are ``count`` of them, or what came by ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with lock:
            got = list(arrivals.get(key, []))
        if len(got) >= count:
            return got
        time.sleep(poll)
    with lock:
        return list(arrivals.get(key, []))
