"""The runtime's own mechanics on tests/e2e/fixture/template.yaml: functions fail exactly when asked to."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import httpx
import pytest
from runtime_support import RuntimeHandle
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect


@pytest.fixture
def fx(fixture_runtime: RuntimeHandle) -> RuntimeHandle:
    return fixture_runtime


def get(fx: RuntimeHandle, path: str, token: str | None = None, **kw: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{fx.rest_url}{path}", headers=headers, timeout=15, **kw)


# ------------------------------------------------------------------ REST
def test_proxy_event_shape_and_authorizer_context(fx: RuntimeHandle) -> None:
    resp = get(fx, "/echo/42?tag=a&tag=b", "allow", cookies=None)
    assert resp.status_code == 200
    assert resp.headers["x-function"] == "licita-e2efix-EchoFunction"
    assert resp.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert resp.headers["access-control-allow-origin"] == "http://localhost:5173"
    event = resp.json()["event"]
    assert event["resource"] == "/echo/{id}" and event["path"] == "/echo/42" and event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"]}
    ctx = event["requestContext"]
    assert ctx["stage"] == "e2efix" and ctx["resourcePath"] == "/echo/{id}" and ctx["accountId"] == "123456789012"
    assert ctx["authorizer"]["principalId"] == "user-1"
    assert ctx["authorizer"]["level"] == "3" and ctx["authorizer"]["admin"] == "true"
    assert ctx["identity"]["sourceIp"] == "127.0.0.1"


def test_any_method_route(fx: RuntimeHandle) -> None:
    resp = httpx.delete(f"{fx.rest_url}/echo/7", headers={"Authorization": "Bearer allow"})
    assert resp.status_code == 200 and resp.json()["event"]["httpMethod"] == "DELETE"


@pytest.mark.parametrize(("token", "status", "code"), [
    ("deny", 403, "access_denied"),  # no ACCESS_DENIED in this template: API Gateway's default status
    ("raise", 401, "unauthorized"),
    ("boom", 500, "authorizer_failure"),
    (None, 401, "unauthorized"),
])
def test_authorizer_outcomes(fx: RuntimeHandle, token: str | None, status: int, code: str) -> None:
    resp = get(fx, "/echo/1", token)
    assert resp.status_code == status and resp.json()["error"]["code"] == code


def test_function_exception_is_502(fx: RuntimeHandle) -> None:
    resp = get(fx, "/crash")
    assert resp.status_code == 502 and resp.json()["error"]["code"] == "internal_error"
    (inv,) = fx.invocations("EchoFunction")[-1:]
    assert not inv["ok"] and "crash on purpose" in inv["error"]


def test_binary_round_trip(fx: RuntimeHandle) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\xff" * 10
    resp = httpx.post(f"{fx.rest_url}/binary", content=png, headers={"Content-Type": "image/png"})
    assert resp.status_code == 200 and resp.content == png


def test_preflight_uses_the_templates_cors(fx: RuntimeHandle) -> None:
    resp = httpx.options(f"{fx.rest_url}/echo/1", headers={"Origin": "http://localhost:5173",
                                                           "Access-Control-Request-Method": "GET"})
    assert resp.status_code == 200
    assert resp.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert resp.headers["access-control-allow-methods"] == "GET,POST,OPTIONS"


# ------------------------------------------------------------------ SQS
def send(fx: RuntimeHandle, body: dict[str, Any]) -> str:
    sqs = fx.client("sqs")
    return str(sqs.send_message(QueueUrl=fx.queues["WorkQueue"], MessageBody=json.dumps(body))["MessageId"])


def depth(fx: RuntimeHandle, queue: str) -> int:
    for q in httpx.get(f"{fx.rest_url}/_local/queues").json()["items"]:
        if q["logical_id"] == queue:
            return int(q["visible"]) + int(q["in_flight"])
    raise AssertionError(queue)


def wait_depth(fx: RuntimeHandle, queue: str, n: int, timeout: float = 25) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if depth(fx, queue) == n:
            return
        time.sleep(0.2)
    raise AssertionError(f"{queue} depth {depth(fx, queue)} != {n}\n{fx.log_tail()}")


def drain_dlq(fx: RuntimeHandle) -> None:
    sqs = fx.client("sqs")  # purge_queue is limited to once a minute
    while msgs := sqs.receive_message(QueueUrl=fx.queues["WorkDLQ"], MaxNumberOfMessages=10).get("Messages"):
        for m in msgs:
            sqs.delete_message(QueueUrl=fx.queues["WorkDLQ"], ReceiptHandle=m["ReceiptHandle"])


def test_success_deletes_and_event_shape(fx: RuntimeHandle) -> None:
    since = fx.last_invocation_id()
    send(fx, {"n": 1})
    (inv,) = fx.wait_for("WorkerFunction", since)
    assert inv["source"] == "sqs" and inv["ok"]
    wait_depth(fx, "WorkQueue", 0)


def test_failing_message_ends_in_the_dlq_after_max_receive_count(fx: RuntimeHandle) -> None:
    drain_dlq(fx)
    since = fx.last_invocation_id()
    marker = uuid.uuid4().hex
    send(fx, {"raise": True, "marker": marker})
    fx.wait_for("WorkerFunction", since, lambda i: not i["ok"], count=2, timeout=30)  # maxReceiveCount: 2
    wait_depth(fx, "WorkDLQ", 1, timeout=30)
    wait_depth(fx, "WorkQueue", 0)
    msgs = fx.client("sqs").receive_message(QueueUrl=fx.queues["WorkDLQ"], WaitTimeSeconds=1)["Messages"]
    assert json.loads(msgs[0]["Body"])["marker"] == marker
    fx.client("sqs").delete_message(QueueUrl=fx.queues["WorkDLQ"], ReceiptHandle=msgs[0]["ReceiptHandle"])
    assert len(fx.invocations("WorkerFunction", since)) == 2  # no third delivery


def test_partial_batch_failure_retries_only_the_failed_item(fx: RuntimeHandle) -> None:
    drain_dlq(fx)
    sqs = fx.client("sqs")
    sqs.send_message_batch(QueueUrl=fx.queues["WorkQueue"], Entries=[
        {"Id": "ok", "MessageBody": json.dumps({"n": 1})},
        {"Id": "bad", "MessageBody": json.dumps({"fail": True})},
    ])
    wait_depth(fx, "WorkDLQ", 1, timeout=30)
    wait_depth(fx, "WorkQueue", 0)
    (msg,) = sqs.receive_message(QueueUrl=fx.queues["WorkDLQ"], WaitTimeSeconds=1)["Messages"]
    assert json.loads(msg["Body"]) == {"fail": True}
    sqs.delete_message(QueueUrl=fx.queues["WorkDLQ"], ReceiptHandle=msg["ReceiptHandle"])


def test_redrive_moves_the_dlq_back(fx: RuntimeHandle) -> None:
    drain_dlq(fx)
    sqs = fx.client("sqs")
    sqs.send_message(QueueUrl=fx.queues["WorkDLQ"], MessageBody=json.dumps({"replayed": True}))
    since = fx.last_invocation_id()
    resp = httpx.post(f"{fx.rest_url}/_local/queues/WorkQueue/redrive")
    assert resp.status_code == 200 and resp.json()["moved"] == 1
    fx.wait_for("WorkerFunction", since, lambda i: i["ok"])
    wait_depth(fx, "WorkDLQ", 0)
    assert httpx.post(f"{fx.rest_url}/_local/queues/WorkDLQ/redrive").status_code == 404


def test_scheduled_event_shape_without_input(fx: RuntimeHandle) -> None:
    items = httpx.get(f"{fx.rest_url}/_local/schedules").json()["items"]
    (tick,) = items
    assert tick["rule_name"] == "fixture-tick" and tick["next_fire"].endswith("03:00:00+00:00")
    resp = httpx.post(f"{fx.rest_url}/_local/schedules/fixture-tick/fire")
    assert resp.json()["result"] == {"scheduled": True}


# ------------------------------------------------------------------ WebSocket
def test_connect_rejected_with_the_functions_status(fx: RuntimeHandle) -> None:
    with pytest.raises(InvalidStatus) as err:
        connect(f"{fx.ws_url}/?token=nope", open_timeout=10)
    assert err.value.response.status_code == 403


def test_route_response_and_push_from_inside_a_function(fx: RuntimeHandle) -> None:
    with connect(f"{fx.ws_url}/?token=ok", open_timeout=10) as ws:
        ws.send(json.dumps({"action": "hello", "x": 1}))
        reply = json.loads(ws.recv(timeout=5))
        assert reply["echo"] == {"action": "hello", "x": 1} and reply["route"] == "$default"
        assert len(reply["connectionId"]) == 16
        ws.send(json.dumps({"action": "push"}))  # custom route, no route response: pushes via @connections
        assert json.loads(ws.recv(timeout=10)) == {"pushed": True}
    since = 0
    fx.wait_for("WsFunction", since, lambda i: i["target"] == "$disconnect")


def test_invocation_log_filters(fx: RuntimeHandle) -> None:
    items = fx.invocations("AuthzFunction")
    assert items and {i["source"] for i in items} == {"authorizer"}
    assert all(i["function"] == "AuthzFunction" for i in items)
    assert base64.b64decode(base64.b64encode(b"x")) == b"x"


# ------------------------------------------------------------------ hot reload
def test_hot_reload_of_a_changed_function(fx: RuntimeHandle) -> None:
    app = fx.root / "functions" / "echo" / "app.py"
    original = app.read_text()
    assert get(fx, "/open").headers.get("x-version") is None
    try:
        app.write_text(original.replace('"X-Function": context.function_name',
                                        '"X-Function": context.function_name, "X-Version": "2"'))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and get(fx, "/open").headers.get("x-version") != "2":
            time.sleep(0.2)
        assert get(fx, "/open").headers.get("x-version") == "2"
        reloaded = [i for i in fx.invocations("EchoFunction") if i["cold"]]
        assert len(reloaded) >= 2  # the first load and the reload were both cold starts
    finally:
        app.write_text(original)
