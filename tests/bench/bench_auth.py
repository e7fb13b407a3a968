"""Login timing for a known and an unknown e-mail (issue 9: no account enumeration by timing).

Runs the real auth service on embedded PostgreSQL/Redis at the production bcrypt cost (BCRYPT_ROUNDS=12
unless set), and prints p50/p90 for: a known e-mail with the right password, a known e-mail with a wrong
password, an unknown e-mail, and a user who has no password yet (pending invitation). The reference,
measured in the same run, is one bare ``bcrypt.checkpw`` at the same cost. The three failing cases should
sit within a few percent of each other (the right password also opens a session, so it costs more).

Run: `make bench` or `.venv/bin/python tests/bench/bench_auth.py [--n 15]`. Asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT / "shared"), str(ROOT / "infra")]
os.environ.setdefault("BCRYPT_ROUNDS", "12")
os.environ.setdefault("JWT_SECRET", "bench-secret-0123456789abcdef0123456789abcdef")
os.environ.update(LOGIN_MAX_PER_ACCOUNT="100000", LOGIN_MAX_PER_IP="100000")
from common import record  # noqa: E402


def timed(fn: Any, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        with contextlib.suppress(Exception):  # a refused login is the point of three of the four cases
            fn()
        samples.append((time.perf_counter() - t) * 1000)
    return samples


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=15)
    args = parser.parse_args()

    import bcrypt

    from licita.core.config import reset_settings
    from licita_local.services import EmbeddedServices

    services = EmbeddedServices(Path(tempfile.mkdtemp(prefix="licita-bench-auth-")), env={})
    endpoints = services.start()
    try:
        os.environ.update(endpoints.as_env())
        reset_settings()
        from licita.accounts.models import Company, User
        from licita.auth.service import login
        from licita.core.actor import Actor
        from licita.core.config import get_settings
        from licita.core.security.passwords import hash_password
        from licita.platform.db.engine import system_transaction
        from licita.platform.db.migrate import upgrade

        upgrade(endpoints.database_url)
        rounds = get_settings().bcrypt_rounds
        password = "girassol-azul-77"
        cid = uuid.uuid4()
        known, pending = f"known-{uuid.uuid4().hex[:6]}@bench.local", f"pending-{uuid.uuid4().hex[:6]}@bench.local"
        with system_transaction() as db:
            db.add(Company(id=cid, legal_name="Bench Ltda", cnpj=f"{random.randint(10**13, 10**14 - 1)}",
                           max_concurrent_sessions=100_000))
            db.flush()
            db.add(User(company_id=cid, email=known, password_hash=hash_password(password), first_name="B"))
            db.add(User(company_id=cid, email=pending, password_hash=None, first_name="P", status="PENDING"))

        def actor() -> Actor:
            return Actor(None, None, f"10.9.{random.randint(0, 255)}.{random.randint(1, 254)}", "bench", "b")

        cases = {
            "known e-mail, right password": lambda: login(known, password, actor()),
            "known e-mail, wrong password": lambda: login(known, "palpite-errado-1", actor()),
            "unknown e-mail": lambda: login(f"nobody-{uuid.uuid4().hex[:8]}@bench.local", password, actor()),
            "pending user (no password yet)": lambda: login(pending, password, actor()),
        }
        for fn in cases.values():  # warm up: connections, dummy hash, imports
            timed(fn, 2)
        stored = hash_password(password)[len("$lh1$"):].encode()
        reference = timed(lambda: bcrypt.checkpw(b"x" * 44, stored), args.n)
        print(f"bcrypt cost {rounds}, {args.n} logins per case (p50 / p90 ms)")
        print(f"  reference: one bcrypt.checkpw at cost {rounds}: {statistics.median(reference):7.1f} / "
              f"{pct(reference, 0.9):7.1f}")
        results = {}
        for name, fn in cases.items():
            samples = timed(fn, args.n)
            results[name] = statistics.median(samples)
            print(f"  {name:32s} {results[name]:7.1f} / {pct(samples, 0.9):7.1f}")
            record(f"login p50: {name}", results[name], "ms", "bcrypt.checkpw p50", statistics.median(reference))
        gap = abs(results["unknown e-mail"] - results["known e-mail, wrong password"])
        print(f"  known-wrong vs unknown p50 gap: {gap:.1f} ms "
              f"({100 * gap / results['known e-mail, wrong password']:.1f}%)")
    finally:
        services.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
