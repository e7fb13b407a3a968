"""`make fuzz`: schemathesis against the running local runtime, every operation, totals printed at the end.

Starts ``licita-local`` on embedded services (as tests/e2e/conftest.py does) unless ``--url`` points at one
already running, logs in as the seeded demo admin (the master for /admin routes, see scripts/fuzz_hooks.py) and
runs ``schemathesis run`` with the checks not_a_server_error, response_schema_conformance and
status_code_conformance. The per-operation example budget is ``ceil(--cases / operations)`` so the fuzzing phase
alone reaches the target; the examples and coverage phases add their own cases on top.

Exit status 0 only when no answer was a 5xx and no check failed. ``--json`` writes the totals for callers
(tests/e2e/test_fuzz_bounded.py).
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

from licita_local.launch import NotReady, spawn, stop

ROOT = Path(__file__).resolve().parents[1]
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance"
SERVICE_VARS = ("DATABASE_URL", "REDIS_URL", "MONGO_URL", "AWS_ENDPOINT_URL")


@dataclass
class Totals:
    """What a fuzz run did and found."""

    operations: int = 0
    max_examples: int = 0
    cases: int = 0
    responses: int = 0
    server_errors: int = 0
    schema_violations: int = 0
    status_violations: int = 0
    other_failures: int = 0
    elapsed_seconds: float = 0.0
    schemathesis_exit: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    failing: dict[str, list[str]] = field(default_factory=dict)  # check -> ["METHOD /path -> status", ...]

    @property
    def clean(self) -> bool:
        return not (self.server_errors or self.schema_violations or self.status_violations or self.other_failures)


@contextmanager
def local_runtime(log_path: Path) -> Iterator[dict[str, Any]]:
    """A throwaway licita-local (fresh data dir, demo seed); yields its ready line."""
    data_dir = Path(tempfile.mkdtemp(prefix="licita-fuzz-"))
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS and not k.startswith("SMTP_")}
    env.update({"BCRYPT_ROUNDS": env.get("BCRYPT_ROUNDS", "4"), "LOGIN_MAX_PER_IP": "1000000",
                "LOGIN_MAX_PER_ACCOUNT": "1000000",
                "JWT_SECRET": env.get("JWT_SECRET", "fuzz-secret-0123456789abcdef0123456789abcdef"),
                "PYTHONUNBUFFERED": "1"})
    with log_path.open("w") as log:
        try:
            proc, info = spawn(["--port", "0", "--ws-port", "0", "--data-dir", str(data_dir), "--no-schedules",
                                "--no-reload", "--log-level", "WARNING"], env, log, cwd=ROOT, timeout=240)
        except NotReady:
            raise SystemExit(f"licita-local did not start; see {log_path}") from None
        try:
            yield info
        finally:
            stop(proc)


def prepare_accounts(database_url: str, credentials: dict[str, Any]) -> list[str]:
    """Lift the request budget of the fuzzing companies (plan ``internal``: the limiter runs, never bites; a 429
    tests nothing about input) and return the ids the fuzzer must not suspend, demote or deactivate."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    emails = [credentials["email"], credentials.get("master_email") or credentials["email"]]
    with engine.begin() as db:
        rows = db.execute(text("SELECT id, company_id FROM users WHERE email = ANY(:e)"), {"e": emails}).all()
        companies = [str(r.company_id) for r in rows]
        db.execute(text("UPDATE companies SET plan = 'internal' WHERE id::text = ANY(:c)"), {"c": companies})
    engine.dispose()
    return sorted({str(r.id) for r in rows} | set(companies))


def fetch_schema(base_url: str, target: Path) -> int:
    """Save the runtime's OpenAPI document (its first build imports every function: slower than schemathesis'
    10 s loading timeout on a busy machine) and count its operations."""
    doc = httpx.get(f"{base_url}/openapi.json", timeout=300).json()
    target.write_text(json.dumps(doc))
    methods = {"get", "put", "post", "delete", "patch", "head", "options"}
    return sum(1 for item in doc["paths"].values() for m in item if m in methods)


def summarize(ndjson: Path, totals: Totals) -> Totals:
    """Totals from schemathesis' NDJSON event stream (one recorder per finished scenario)."""
    statuses: collections.Counter[str] = collections.Counter()
    failing: dict[str, set[str]] = collections.defaultdict(set)
    for line in ndjson.read_text().splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished["recorder"]
        totals.cases += len(recorder.get("cases") or {})
        interactions = recorder.get("interactions") or {}
        for interaction in interactions.values():
            response = interaction.get("response") or {}
            code = response.get("status_code")
            if code is None:
                continue
            statuses[str(code)] += 1
            totals.responses += 1
            if int(code) >= 500:
                totals.server_errors += 1
                request = interaction.get("request") or {}
                failing["5xx"].add(f"{request.get('method')} {request.get('uri')} -> {code}")
        for case_id, checks in (recorder.get("checks") or {}).items():
            for check in checks:
                if check.get("status") != "failure":
                    continue
                name = check["name"]
                if name == "response_schema_conformance":
                    totals.schema_violations += 1
                elif name == "status_code_conformance":
                    totals.status_violations += 1
                elif name != "not_a_server_error":
                    totals.other_failures += 1
                response = (interactions.get(case_id) or {}).get("response") or {}
                failing[name].add(f"{recorder.get('label')} -> {response.get('status_code')}")
    totals.statuses = dict(sorted(statuses.items()))
    totals.failing = {k: sorted(v) for k, v in failing.items()}
    return totals


def run(base_url: str, credentials: dict[str, Any], *, cases: int, max_examples: int | None, max_time: int | None,
        phases: str, workers: str, report_dir: Path, seed: int | None, extra: list[str]) -> Totals:
    report_dir.mkdir(parents=True, exist_ok=True)
    schema = report_dir / "openapi.json"
    totals = Totals(operations=fetch_schema(base_url, schema))
    totals.max_examples = max_examples or max(1, math.ceil(cases / totals.operations))
    ndjson = report_dir / "events.ndjson"
    cmd = [str(Path(sys.executable).parent / "schemathesis"), "run", str(schema), "--url", base_url,
           "--checks", CHECKS, "--max-examples", str(totals.max_examples), "--phases", phases,
           "--workers", workers, "--no-shrink", "--suppress-health-check", "all", "--request-timeout", "60",
           "--report", "ndjson", "--report-ndjson-path", str(ndjson), "--output-truncate", "true", *extra]
    if max_time:
        cmd += ["--max-time", str(max_time)]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "fuzz_hooks",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "scripts"), os.environ.get("PYTHONPATH")])),
           "FUZZ_BASE_URL": base_url, "FUZZ_EMAIL": credentials["email"],
           "FUZZ_MASTER_EMAIL": credentials.get("master_email") or credentials["email"],
           "FUZZ_PASSWORD": credentials["password"],
           "FUZZ_PROTECTED_IDS": ",".join(credentials.get("protected_ids") or [])}
    print(f"fuzz: {totals.operations} operations x {totals.max_examples} examples (fuzzing phase) "
          f"= {totals.operations * totals.max_examples} cases at least; phases {phases}", flush=True)
    started = time.monotonic()
    with (report_dir / "schemathesis.txt").open("w") as out:
        totals.schemathesis_exit = subprocess.call(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    totals.elapsed_seconds = round(time.monotonic() - started, 1)
    return summarize(ndjson, totals)


def report(totals: Totals) -> str:
    lines = [
        "==== fuzz totals ====",
        f"operations          {totals.operations}",
        f"examples/operation  {totals.max_examples}",
        f"cases               {totals.cases}",
        f"responses           {totals.responses}  {totals.statuses}",
        f"5xx answers         {totals.server_errors}",
        f"schema violations   {totals.schema_violations}",
        f"status violations   {totals.status_violations}",
        f"other failures      {totals.other_failures}",
        f"elapsed             {totals.elapsed_seconds} s",
    ]
    for check, where in totals.failing.items():
        lines.append(f"-- {check}: {len(where)}")
        lines += [f"   {w}" for w in where[:40]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="base URL of a running licita-local (default: start one)")
    parser.add_argument("--email", default=None)
    parser.add_argument("--password", default=None)
    parser.add_argument("--master-email", default=None)
    parser.add_argument("--database-url", default=None, help="with --url: lift rate limits, protect the accounts")
    parser.add_argument("--cases", type=int, default=50_000, help="target number of fuzzing-phase cases")
    parser.add_argument("--max-examples", type=int, default=None, help="per operation (overrides --cases)")
    parser.add_argument("--max-time", type=int, default=None, help="seconds; stop generating after this")
    parser.add_argument("--phases", default="examples,coverage,fuzzing")
    parser.add_argument("--workers", default="2")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--report-dir", type=Path, default=ROOT / ".licita-local" / "fuzz")
    parser.add_argument("--json", type=Path, default=None, help="write the totals here")
    args, extra = parser.parse_known_args(argv)

    def go(base_url: str, creds: dict[str, Any], database_url: str | None = None) -> Totals:
        if database_url:
            creds = {**creds, "protected_ids": prepare_accounts(database_url, creds)}
        return run(base_url, creds, cases=args.cases, max_examples=args.max_examples, max_time=args.max_time,
                   phases=args.phases, workers=args.workers, report_dir=args.report_dir, seed=args.seed,
                   extra=extra)

    demo = {"email": "admin@demo.licita.local", "password": "licita-demo-2026", "master_email": "master@licita.local"}
    if args.url:
        creds = {"email": args.email or demo["email"], "password": args.password or demo["password"],
                 "master_email": args.master_email or demo["master_email"]}
        totals = go(args.url.rstrip("/"), creds, args.database_url)
    else:
        args.report_dir.mkdir(parents=True, exist_ok=True)
        with local_runtime(args.report_dir / "runtime.log") as info:
            totals = go(info["rest_url"], info["credentials"], info["endpoints"]["database_url"])
    print(report(totals), flush=True)
    if args.json:
        args.json.write_text(json.dumps({**asdict(totals), "clean": totals.clean}, indent=2))
    return 0 if totals.clean else 1


if __name__ == "__main__":
    sys.exit(main())
