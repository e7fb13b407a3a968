"""Platform benchmark: runtime time-to-ready, cold starts, gateway overhead, and `chalice local` as the peer.

Cold starts: each function's INIT (module import) plus its first invocation, in a fresh interpreter, median
of 7, beside a bare interpreter and a minimal Chalice app measured the same way in the same run. ``licita`` is
imported from the SharedLayer's build (with its bytecode, as deployed), not from the checkout, whose modules a
cold process with PYTHONDONTWRITEBYTECODE (or a read-only folder) compiles on every start.
The peer comparison runs `chalice local` as shipped (its server writes headers and body as two writes
without TCP_NODELAY, so delayed ACKs add ~40 ms per request) and fair (TCP_NODELAY on, like our gateway);
both are printed, the fair one is the comparison.

Run: `make bench` or `.venv/bin/python tests/bench/bench_platform.py [--requests 2000]`. Prints figures;
asserts nothing (speed is reported, not unit-tested).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
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
    record,
    summarize,
    time_calls,
)


def service_env(info: dict[str, Any]) -> dict[str, str]:
    """A cold function's environment: the template's literal Globals variables (as deployed) and the local
    endpoints."""
    endpoints = info["endpoints"]
    env = {"DATABASE_URL": endpoints["database_url"], "REDIS_URL": endpoints["redis_url"],
           "MONGO_URL": endpoints["mongo_url"], "AWS_ENDPOINT_URL": endpoints["aws_endpoint_url"]}
    return {**template_constants(), **BENCH_ENV, **env}


def template_constants() -> dict[str, str]:
    """The Globals environment variables template.yaml sets to a plain value (no parameter or reference)."""
    from licita_local.template.cfn import load_yaml

    variables = load_yaml(ROOT / "template.yaml")["Globals"]["Function"]["Environment"]["Variables"]
    return {name: value for name, value in variables.items() if isinstance(value, str)}


COLD_INIT = textwrap.dedent("""
    import importlib.util, json, sys, time
    t0 = time.perf_counter()
    spec = importlib.util.spec_from_file_location("fn", sys.argv[1])
    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
    t1 = time.perf_counter()
    primed_ms = None
    if len(sys.argv) > 4 and sys.argv[4] == "prime":  # SnapStart: the before-snapshot hook ran in INIT
        from licita.snapstart import prime
        prime()
        primed_ms = (time.perf_counter() - t1) * 1000
        t1 = time.perf_counter()
    event = json.loads(sys.argv[2])
    handler = getattr(module, sys.argv[3])
    result = handler(event, None)
    t2 = time.perf_counter()
    handler(event, None)
    t3 = time.perf_counter()
    print(json.dumps({"import_ms": (t1 - t0) * 1000, "first_ms": (t2 - t1) * 1000, "warm_ms": (t3 - t2) * 1000,
                      "prime_ms": primed_ms, "modules": len(sys.modules), "ok": str(result)[:80]}))
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


MINIMAL_CHALICE = textwrap.dedent("""
    from chalice import Chalice
    app = Chalice(app_name="minimal")

    @app.route("/")
    def index():
        return {"ok": True}
""")
BARE = "def handler(event, context):\n    return {'ok': True}\n"


def shared_layer(into: Path) -> Path:
    """Our package as the SharedLayer ships it (scripts/build_layer.py: the sources and their bytecode); the
    dependencies come from the venv, whose pip compiled them as the dependency layers' builds do."""
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_layer.py"), str(into), "--package",
                    str(ROOT / "shared" / "licita")], check=True)
    return into / "python"


def cold_start(info: dict[str, Any], path: Path, event: dict[str, Any], handler: str,
               runs: int = 7, *, primed: bool = False, layer: Path | None = None) -> dict[str, float]:
    """INIT + first invocation in a fresh interpreter, ``runs`` times: medians (ms) of init+first and of the
    whole process (spawn → exit, interpreter start included). ``primed``: SnapStart's before-snapshot hook
    runs after the import, and ``first`` is then the first call a restored snapshot would serve. ``layer``: where
    ``licita`` is imported from (first on the path, as /opt/python is on Lambda)."""
    env = {**os.environ, **service_env(info)}
    if layer is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(layer), *filter(None, [env.get("PYTHONPATH")])])
    totals, walls, imports, firsts, primes = [], [], [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        argv = [sys.executable, "-c", COLD_INIT, str(path), json.dumps(event), handler] + (["prime"] if primed else [])
        out = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
        walls.append((time.perf_counter() - t0) * 1000)
        sample = json.loads(out.stdout.strip().splitlines()[-1])
        totals.append(sample["import_ms"] + sample["first_ms"])
        imports.append(sample["import_ms"])
        firsts.append(sample["first_ms"])
        primes.append(sample["prime_ms"] or 0.0)
    return {"init_first": statistics.median(totals), "import": statistics.median(imports),
            "process": statistics.median(walls), "first": statistics.median(firsts),
            "prime": statistics.median(primes)}


def cold_starts(info: dict[str, Any], token: str) -> None:
    """Every latency-relevant function's cold start beside a bare interpreter and a minimal Chalice app."""
    refs = Path(tempfile.mkdtemp(prefix="cold-refs-"))
    (refs / "bare.py").write_text(BARE)
    (refs / "minimal_chalice.py").write_text(MINIMAL_CHALICE)
    sys.path.insert(0, str(ROOT / "tests" / "integration"))
    from apigw import load_function
    from licita.core.config import reset_settings

    os.environ.update(service_env(info))
    reset_settings()
    decision = load_function("authorizer").handler(authorizer_event(token), None)
    context = {"principalId": decision["principalId"], **decision["context"]}
    ws_connect = {"requestContext": {"routeKey": "$connect", "connectionId": "cold-bench=", "eventType": "CONNECT",
                                     "identity": {"sourceIp": "127.0.0.1"}},
                  "queryStringParameters": {"token": token}, "body": None, "isBase64Encoded": False}
    layer = shared_layer(refs / "shared-layer")
    bare = cold_start(info, refs / "bare.py", {}, "handler")
    minimal = cold_start(info, refs / "minimal_chalice.py", rest_event("/", token), "app")
    print(f"cold starts import licita from the SharedLayer's build ({layer}), bytecode included")
    print(f"cold start, bare interpreter      : init+first {bare['init_first']:6.1f} ms, "
          f"process {bare['process']:6.1f} ms (median of 7)")
    print(f"cold start, minimal Chalice app   : init+first {minimal['init_first']:6.1f} ms, "
          f"process {minimal['process']:6.1f} ms")
    cases = [("authorizer", "handler", authorizer_event(token)), ("ws", "handler", ws_connect),
             ("auth", "app", rest_event("/auth/me", token, context)),
             ("tenders", "app", rest_event("/tenders", token, context)),
             ("notifications", "app", rest_event("/notifications", token, context)),
             ("boards", "app", rest_event("/boards", token, context))]
    for function, handler, event in cases:
        fig = cold_start(info, ROOT / "functions" / function / "app.py", event, handler, layer=layer)
        label = {"ws": "ws $connect", "authorizer": "authorizer"}.get(function, f"{function} GET")
        print(f"cold start, {label:22}: init+first {fig['init_first']:6.1f} ms (import {fig['import']:.0f}), "
              f"process {fig['process']:6.1f} ms; {fig['init_first'] / minimal['init_first']:.1f}x minimal Chalice, "
              f"process {fig['process'] / bare['process']:.1f}x bare interpreter")
        record(f"cold_start_{function}", fig["init_first"], "ms", "minimal Chalice app init+first",
               minimal["init_first"])
        record(f"cold_process_{function}", fig["process"], "ms", "bare interpreter process", bare["process"])
        if handler == "app":  # API functions deploy with SnapStart (template.yaml Globals)
            snap = cold_start(info, ROOT / "functions" / function / "app.py", event, handler, primed=True,
                              layer=layer)
            print(f"  with SnapStart on AWS: priming {snap['prime']:6.1f} ms moves into the snapshot; the first call "
                  f"after it {snap['first']:6.1f} ms (plain cold first call {fig['first']:.1f} ms); AWS adds the "
                  "restore, which cannot be measured here")
            record(f"snapstart_first_call_{function}", snap["first"], "ms", "first call without priming",
                   fig["first"])
    shutil.rmtree(refs, ignore_errors=True)


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


def chalice_local(info: dict[str, Any], token: str, requests: int, *, nodelay: bool) -> dict[int, dict[str, float]]:
    """`chalice local` serving the same auth app (it has no Lambda authorizer: the app verifies inline);
    ``nodelay`` sets TCP_NODELAY on its connections as our gateway does (the client, http.client, always does)."""
    project = Path(tempfile.mkdtemp(prefix="chalice-peer-"))
    (project / ".chalice").mkdir()
    (project / ".chalice" / "config.json").write_text(json.dumps({"version": "2.0", "app_name": "auth"}))
    (project / "app.py").write_text(textwrap.dedent(f"""
        import importlib.util
        spec = importlib.util.spec_from_file_location("auth_fn", {str(ROOT / 'functions' / 'auth' / 'app.py')!r})
        module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
        app = module.app
        if {nodelay!r}:
            import chalice.local
            chalice.local.ChaliceRequestHandler.disable_nagle_algorithm = True  # socketserver sets TCP_NODELAY
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

        cold_starts(info, token)

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

        shipped = chalice_local(info, token, args.requests, nodelay=False)
        fair = chalice_local(info, token, args.requests, nodelay=True)
        for c in (1, 8):
            print(f"chalice local GET /auth/me c={c}, as shipped (no TCP_NODELAY): {fmt(shipped[c])}")
            print(f"chalice local GET /auth/me c={c}, fair (TCP_NODELAY)        : {fmt(fair[c])}")
            print(f"  licita-local vs chalice local c={c}: p50 {gateway[c]['p50']:.2f} ms vs fair "
                  f"{fair[c]['p50']:.2f} ms ({fair[c]['p50'] / gateway[c]['p50']:.2f}x), as shipped "
                  f"{shipped[c]['p50']:.2f} ms; {gateway[c]['rps']:.0f} vs fair {fair[c]['rps']:.0f} req/s "
                  "(the as-shipped ratio measures Nagle + delayed ACK, not the servers)")
            record(f"gateway_auth_me_c{c}_p50", gateway[c]["p50"], "ms", "chalice local, fair (TCP_NODELAY)",
                   fair[c]["p50"])
            record(f"chalice_local_as_shipped_c{c}_p50", shipped[c]["p50"], "ms", "chalice local, fair",
                   fair[c]["p50"])
    shutil.rmtree(data_dir, ignore_errors=True)
    _ = summarize


if __name__ == "__main__":
    main()
