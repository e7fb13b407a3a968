"""Tender pipeline benchmark: upload→READY through the local runtime, analysis cold init and peak memory.

Run: `.venv/bin/python tests/bench/bench_pipeline.py [--runs 3]`. Needs ../shared/data/tenders.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, http_json, local_runtime, make_bench_user, summarize

TRT = ROOT.parent / "shared" / "data" / "tenders" / "trt18-pe-035-2018-edital.pdf"

ANALYSIS_IN_PROCESS = textwrap.dedent("""
    import importlib.util, json, resource, sys, time
    t0 = time.perf_counter()
    spec = importlib.util.spec_from_file_location("fn", sys.argv[1])
    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
    t1 = time.perf_counter()
    from licita.documents import extract_document
    from licita.extraction import extract_tender
    data = open(sys.argv[2], "rb").read()
    t2 = time.perf_counter()
    result = extract_tender(extract_document(data, sys.argv[2].rsplit("/", 1)[-1])).to_dict()
    t3 = time.perf_counter()
    print(json.dumps({"import_ms": (t1 - t0) * 1000, "analysis_ms": (t3 - t2) * 1000,
                      "items": len(result["items"]),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")


def upload_to_ready(rest: str, token: str) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    data = TRT.read_bytes()
    started = time.perf_counter()
    status, created = http_json(rest, "POST", "/tenders/uploads",
                                {"filename": TRT.name, "content_type": "application/pdf"}, headers)
    assert status == 201, created
    post = created["upload"]
    sent = httpx.post(post["url"], data=post["fields"], files={"file": (TRT.name, data, "application/pdf")})
    assert sent.status_code in (200, 201, 204), sent.text
    while True:
        status, detail = http_json(rest, "GET", f"/tenders/{created['tender_id']}", headers=headers)
        if detail["status"] in ("READY", "NEEDS_REVIEW", "FAILED"):
            assert detail["status"] != "FAILED", detail
            return time.perf_counter() - started
        time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args, _ = parser.parse_known_args()
    print("== tender pipeline benchmark (issue 4) ==")
    if not TRT.exists():
        print(f"skipped: {TRT} not available")
        return
    out = subprocess.run([sys.executable, "-c", ANALYSIS_IN_PROCESS, str(ROOT / "functions/analysis/app.py"),
                          str(TRT)], capture_output=True, text=True, check=True, env=dict(os.environ))
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"analysis function cold import: {figures['import_ms']:.0f} ms")
    print(f"TRT edital (116 pages) extraction + rules in-process: {figures['analysis_ms']:.0f} ms, "
          f"{figures['items']} items, peak RSS {figures['peak_rss_mb']:.0f} MB (Lambda: 1024 MB)")
    with local_runtime(Path(tempfile.mkdtemp(prefix="licita-bench-pipe-"))) as rt:
        rest = rt.info["rest_url"]
        latencies = []
        for _ in range(args.runs):  # a fresh company each run: no cache hit
            _, email, password = make_bench_user(rt.info["endpoints"]["database_url"])
            _status, tokens = http_json(rest, "POST", "/auth/login", {"email": email, "password": password})
            latencies.append(upload_to_ready(rest, tokens["access_token"]) * 1000)
        stats = summarize(latencies)
        print(f"upload→READY through the local runtime (TRT, 116 pages, no LLM): p50 {stats['p50']:.0f} ms, "
              f"max {max(latencies):.0f} ms over {args.runs} runs")
        cached = upload_to_ready(rest, tokens["access_token"]) * 1000
        print(f"same file again (served from cache): {cached:.0f} ms")


if __name__ == "__main__":
    main()
