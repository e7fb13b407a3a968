"""Function host: containers, cold/warm, Lambda context, hot reload, invocation log."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from licita_local.functions import FunctionHost, InvocationLog, ReloadGate, Watcher, outcome_of
from licita_local.template import FunctionDef, function_arn

APP = '''
import time
LOADED = time.time()
VERSION = "{version}"

def handler(event, context):
    if event.get("raise"):
        raise ValueError("boom")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {{"version": VERSION, "loaded": LOADED, "name": context.function_name,
             "remaining": context.get_remaining_time_in_millis(), "memory": context.memory_limit_in_mb,
             "arn": context.invoked_function_arn, "request_id": context.aws_request_id}}
'''


def make_fn(tmp_path: Path, version: str = "1") -> FunctionDef:
    code = tmp_path / "fn"
    code.mkdir(exist_ok=True)
    (code / "app.py").write_text(APP.format(version=version))
    return FunctionDef("TestFunction", "licita-local-TestFunction", function_arn("licita-local-TestFunction"),
                       code, "app.handler", "python3.13", 5, 256, {})


def test_invoke_context_and_cold_warm(tmp_path: Path) -> None:
    log = InvocationLog()
    host = FunctionHost(make_fn(tmp_path), log, ReloadGate())
    first = host.invoke({}, source="manual", target="t", request_id="req-1")
    second = host.invoke({}, source="manual", target="t")
    assert first["name"] == "licita-local-TestFunction" and first["memory"] == "256"
    assert first["arn"].endswith(":function:licita-local-TestFunction") and first["request_id"] == "req-1"
    assert 4000 < first["remaining"] <= 5000
    assert first["loaded"] == second["loaded"]  # same container
    records = log.list()
    assert [r.cold for r in records] == [True, False]
    assert records[0].init_ms is not None and records[1].init_ms is None
    assert records[0].outcome == "ok" and records[0].request_id == "req-1"


def test_errors_are_recorded_and_reraised(tmp_path: Path) -> None:
    log = InvocationLog()
    host = FunctionHost(make_fn(tmp_path), log, ReloadGate())
    with pytest.raises(ValueError, match="boom"):
        host.invoke({"raise": True}, source="sqs", target="Q")
    (rec,) = log.list(function="TestFunction")
    assert not rec.ok and rec.outcome.startswith("ERROR ValueError") and rec.error and "boom" in rec.error
    assert host.invoke({}, source="sqs", target="Q")["version"] == "1"  # the container survived


def test_missing_module_fails_cleanly(tmp_path: Path) -> None:
    fn = make_fn(tmp_path)
    (fn.code_uri / "app.py").unlink()
    host = FunctionHost(fn, InvocationLog(), ReloadGate())
    with pytest.raises(FileNotFoundError):
        host.invoke({}, source="api", target="x")
    assert host.stats()["containers"] == 0


def test_mark_stale_reloads_code(tmp_path: Path) -> None:
    fn = make_fn(tmp_path)
    log = InvocationLog()
    host = FunctionHost(fn, log, ReloadGate())
    assert host.invoke({}, source="api", target="x")["version"] == "1"
    (fn.code_uri / "app.py").write_text(APP.format(version="2"))
    host.mark_stale()
    assert host.invoke({}, source="api", target="x")["version"] == "2"
    assert [r.cold for r in log.list()] == [True, True]


def test_concurrent_invocations_use_separate_containers(tmp_path: Path) -> None:
    host = FunctionHost(make_fn(tmp_path), InvocationLog(), ReloadGate(), max_containers=3)
    results: list[float] = []
    threads = [threading.Thread(target=lambda: results.append(
        host.invoke({"sleep": 0.2}, source="api", target="x")["loaded"])) for _ in range(3)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.perf_counter() - started < 0.55  # ran in parallel
    assert len(set(results)) == 3 and host.stats()["containers"] == 3


def test_container_cap_queues_invocations(tmp_path: Path) -> None:
    host = FunctionHost(make_fn(tmp_path), InvocationLog(), ReloadGate(), max_containers=1)
    threads = [threading.Thread(target=lambda: host.invoke({"sleep": 0.1}, source="api", target="x"))
               for _ in range(3)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.perf_counter() - started >= 0.3 and host.stats()["containers"] == 1


def test_watcher_sees_changes(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    hits: list[str] = []
    watcher = Watcher({tmp_path: lambda: hits.append("changed")})
    assert watcher.check() == []
    path = tmp_path / "a.py"
    path.write_text("x = 2\n")
    os.utime(path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
    assert watcher.check() == [tmp_path] and hits == ["changed"]
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.py").write_text("")
    assert watcher.check() == [tmp_path]


def test_reload_gate_waits_for_running_invocations() -> None:
    gate = ReloadGate()
    order: list[str] = []

    def invocation() -> None:
        with gate.shared():
            time.sleep(0.1)
            order.append("invocation")

    t = threading.Thread(target=invocation)
    t.start()
    time.sleep(0.02)
    with gate.exclusive():
        order.append("purge")
    t.join()
    assert order == ["invocation", "purge"]


def test_outcome_of() -> None:
    assert outcome_of({"statusCode": 404}) == ("404", True)
    assert outcome_of({"statusCode": 502}) == ("502", False)
    assert outcome_of({"batchItemFailures": [{"itemIdentifier": "a"}]}) == ("1 failed", False)
    assert outcome_of({"batchItemFailures": []}) == ("ok", True)
    assert outcome_of({"principalId": "u", "policyDocument": {"Statement": [{"Effect": "Deny"}]}}) == ("Deny", True)
    assert outcome_of(None) == ("ok", True)


def test_invocation_log_filters_and_ring() -> None:
    log = InvocationLog(size=3)
    for i in range(5):
        log.add(at=0.0, function="A" if i % 2 else "B", source="api", target="t", outcome="ok", ok=True,
                duration_ms=1.0, cold=False, init_ms=None, request_id=str(i))
    assert [r.request_id for r in log.list()] == ["2", "3", "4"]
    assert [r.request_id for r in log.list(function="A")] == ["3"]
    assert [r.request_id for r in log.list(since=4)] == ["4"]  # ids start at 1
