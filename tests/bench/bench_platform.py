"""Platform benchmark: runtime time-to-ready, cold init, gateway overhead, and `chalice local` as the peer.

Run: `make bench` or `.venv/bin/python tests/bench/bench_platform.py [--requests 2000]`. Prints figures;
asserts nothing (speed is reported, not unit-tested).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    BENCH_ENV,
    ROOT,
    fmt,
    http_json,
    load,
    local_runtime,
    make_bench_user,
    summarize,
    time_calls,
)


def service_env(info: dict[str, Any]) -> dict[str, str]:
    endpoints = info["endpoints"]
    env = {"DATABASE_URL": endpoints["database_url"], "REDIS_URL": endpoints["redis_url"],
           "MONGO_URL": endpoints["mongo_url"], "AWS_ENDPOINT_URL": endpoints["aws_endpoint_url"]}
    return {**BENCH_ENV, **env}


COLD_INIT = textwrap.dedent("""
    import importlib.util, json, sys, time
    t0 = time.perf_counter()
    spec = importlib.util.spec_from_file_location("fn", sys.argv[1])
    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
    t1 = time.perf_counter()
    event = json.loads(sys.argv[2])
    handler = getattr(module, sys.argv[3])
    result = handler(event, None)
    t2 = time.perf_counter()
    handler(event, None)
    t3 = time.perf_counter()
    print(json.dumps({"import_ms": (t1 - t0) * 1000, "first_ms": (t2 - t1) * 1000, "warm_ms": (t3 - t2) * 1000,
                      "modules": len(sys.modules), "ok": str(result)[:80]}))
""")


def rest_event(path: str, token: str, authorizer: dict[str, Any] | None = None) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}", "user-agent": "bench"}
    return {"resource": path, "path": path, "httpMethod": "GET", "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()}, "queryStringParameters": None,
            "multiValueQueryStringParameters": None, "pathParameters": None, "stageVariables": None,
            "requestContext": {"resourcePath": path, "httpMethod": "GET", "path": path, "stage": "local",
                               "requestId": "bench", "identity": {"sourceIp": "127.0.0.1", "userAgent": "bench"},
                               "authorizer": authorizer},
            "body": None, "isBase64Encoded": False}


def authorizer_event(token: str) -> dict[str, Any]:
    return {"type": "REQUEST", "methodArn": "arn:aws:execute-api:us-east-1:123456789012:api/local/GET/auth/me",
            "resource": "/auth/me", "path": "/auth/me", "httpMethod": "GET",
            "headers": {"Authorization": f"Bearer {token}"}, "requestContext": {}}


def cold_init(info: dict[str, Any], function: str, event: dict[str, Any], handler: str, runs: int = 3) -> str:
    samples = []
    env = {**os.environ, **service_env(info)}
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", COLD_INIT, str(ROOT / "functions" / function / "app.py"),
                              json.dumps(event), handler], env=env, capture_output=True, text=True, check=True)
        samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    best = min(samples, key=lambda s: s["import_ms"] + s["first_ms"])
    return (f"import {best['import_ms']:.0f} ms + first invocation {best['first_ms']:.0f} ms = "
            f"{best['import_ms'] + best['first_ms']:.0f} ms (then warm {best['warm_ms']:.2f} ms; best of {runs})")


def in_process(info: dict[str, Any], token: str, n: int) -> dict[str, float]:
    os.environ.update(service_env(info))
    sys.path.insert(0, str(ROOT / "tests" / "integration"))
    from apigw import load_function
    from licita.core.config import reset_settings

    reset_settings()
    authorizer, app = load_function("authorizer").handler, load_function("auth").app

    def once() -> None:
        decision = authorizer(authorizer_event(token), None)
        context = {"principalId": decision["principalId"], **decision["context"]}
        response = app(rest_event("/auth/me", token, context), None)
        assert response["statusCode"] == 200, response

    return time_calls(once, n)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def chalice_local(info: dict[str, Any], token: str, requests: int) -> dict[int, dict[str, float]]:
    """`chalice local` serving the same auth app (it has no Lambda authorizer: the app verifies inline)."""
    project = Path(tempfile.mkdtemp(prefix="chalice-peer-"))
    (project / ".chalice").mkdir()
    (project / ".chalice" / "config.json").write_text(json.dumps({"version": "2.0", "app_name": "auth"}))
    (project / "app.py").write_text(textwrap.dedent(f"""
        import importlib.util
        spec = importlib.util.spec_from_file_location("auth_fn", {str(ROOT / 'functions' / 'auth' / 'app.py')!r})
        module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
        app = module.app
    """))
    port = free_port()
    chalice = shutil.which("chalice", path=str(Path(sys.executable).parent)) or "chalice"
    proc = subprocess.Popen([chalice, "local", "--host", "127.0.0.1", "--port", str(port), "--no-autoreload"],
                            cwd=project, env={**os.environ, **service_env(info)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                http_json(base, "GET", "/auth/me", headers={"Authorization": f"Bearer {token}"})
                break
            except OSError:
                time.sleep(0.1)
        headers = {"Authorization": f"Bearer {token}"}
        return {c: load(base, "/auth/me", headers, requests=requests, concurrency=c) for c in (1, 8)}
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(project, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--users", type=int, default=1000)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="licita-bench-"))
    print("== platform benchmark (issue 2/3) ==")
    with local_runtime(data_dir) as cold:
        print(f"time-to-ready, cold data dir : {cold.wall_seconds:.2f} s "
              f"(runtime says {cold.info['ready_seconds']:.2f} s)")
    with local_runtime(data_dir) as warm:
        print(f"time-to-ready, warm data dir : {warm.wall_seconds:.2f} s "
              f"(runtime says {warm.info['ready_seconds']:.2f} s)")
        info, rest = warm.info, warm.info["rest_url"]
        _, email, password = make_bench_user(info["endpoints"]["database_url"], users=args.users)
        status, tokens = http_json(rest, "POST", "/auth/login", {"email": email, "password": password})
        assert status == 200, tokens
        token = tokens["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        print(f"cold init auth (GET /auth/me): {cold_init(info, 'auth', rest_event('/auth/me', token), 'app')}")
        print(f"cold init authorizer         : {cold_init(info, 'authorizer', authorizer_event(token), 'handler')}")

        gateway = {c: load(rest, "/auth/me", headers, requests=args.requests, concurrency=c) for c in (1, 8)}
        inproc = in_process(info, token, args.requests)
        print(f"GET /auth/me via gateway c=1 : {fmt(gateway[1])}")
        print(f"GET /auth/me via gateway c=8 : {fmt(gateway[8])}")
        print(f"same work in-process (authorizer + handler, no HTTP): {fmt(inproc)}")
        overhead = gateway[1]["p50"] - inproc["p50"]
        print(f"gateway overhead p50         : {overhead:.2f} ms ({gateway[1]['p50'] / inproc['p50']:.2f}x in-process)")

        page = load(rest, "/users?page=5&page_size=20", headers, requests=max(500, args.requests // 4),
                    concurrency=1)
        print(f"GET /users?page=5 ({args.users} users) c=1: {fmt(page)}")

        peer = chalice_local(info, token, args.requests)
        print(f"chalice local GET /auth/me c=1: {fmt(peer[1])}")
        print(f"chalice local GET /auth/me c=8: {fmt(peer[8])}")
        for c in (1, 8):
            print(f"  licita-local vs chalice local c={c}: p50 {gateway[c]['p50']:.2f} vs {peer[c]['p50']:.2f} ms, "
                  f"{gateway[c]['rps']:.0f} vs {peer[c]['rps']:.0f} req/s")
    shutil.rmtree(data_dir, ignore_errors=True)
    _ = summarize


if __name__ == "__main__":
    main()
