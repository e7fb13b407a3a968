"""WebSocket API + @connections management API, with the real WsFunction and a real boto3 client."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from botocore.exceptions import ClientError
from runtime_support import RuntimeHandle
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect


def connection_id_of(runtime: RuntimeHandle, since: int) -> str:
    (inv,) = runtime.wait_for("WsFunction", since, lambda i: i["target"] == "$connect")
    conns = httpx.get(f"{runtime.rest_url}/_local/connections").json()["items"]
    assert conns, inv
    return str(conns[-1]["connectionId"])


def test_post_to_connection_and_gone_after_close(runtime: RuntimeHandle, token: str) -> None:
    mgmt = runtime.management_client()
    since = runtime.last_invocation_id()
    with connect(f"{runtime.ws_url}/?token={token}", open_timeout=10) as ws:
        conn_id = connection_id_of(runtime, since)
        mgmt.post_to_connection(ConnectionId=conn_id, Data=json.dumps({"type": "hello"}).encode())
        assert json.loads(ws.recv(timeout=5)) == {"type": "hello"}
        info = mgmt.get_connection(ConnectionId=conn_id)
        assert info["Identity"]["SourceIp"] == "127.0.0.1" and info["ConnectedAt"]
        ws.send(json.dumps({"action": "ping"}))  # $default has a route response: the Lambda's body comes back
        reply = json.loads(ws.recv(timeout=5))
        assert isinstance(reply, dict)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            mgmt.post_to_connection(ConnectionId=conn_id, Data=b"late")
        except mgmt.exceptions.GoneException as exc:
            assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 410
            break
        time.sleep(0.1)
    else:
        pytest.fail("post_to_connection kept succeeding after the client left")
    runtime.wait_for("WsFunction", since, lambda i: i["target"] == "$disconnect")
    with pytest.raises(ClientError) as err:
        mgmt.get_connection(ConnectionId=conn_id)
    assert err.value.response["Error"]["Code"] == "GoneException"


def test_connect_without_token_is_refused(runtime: RuntimeHandle) -> None:
    with pytest.raises(InvalidStatus) as err:
        connect(runtime.ws_url, open_timeout=10)
    assert err.value.response.status_code == 401


def test_delete_connection_closes_the_socket(runtime: RuntimeHandle, token: str) -> None:
    since = runtime.last_invocation_id()
    with connect(f"{runtime.ws_url}/?token={token}", open_timeout=10) as ws:
        conn_id = connection_id_of(runtime, since)
        runtime.management_client().delete_connection(ConnectionId=conn_id)
        with pytest.raises(Exception):  # noqa: B017 - ConnectionClosed*, whichever the close lands as
            ws.recv(timeout=5)


def test_batch_post_extension_sends_each_frame_and_names_the_gone(runtime: RuntimeHandle, token: str) -> None:
    """The local endpoint's ``/@connections/$batch`` (what ``WEBSOCKET_MANAGEMENT_BATCH`` turns on): every live
    socket gets its frame, a closed one comes back gone, an over-limit frame fails alone; bad requests are 4xx."""
    from licita.platform.push import BATCH_PATH, BatchPush

    push = BatchPush(runtime.management_url, "us-east-1")
    since = runtime.last_invocation_id()
    with connect(f"{runtime.ws_url}/?token={token}", open_timeout=10) as first:
        first_id = connection_id_of(runtime, since)
        since = runtime.last_invocation_id()
        with connect(f"{runtime.ws_url}/?token={token}", open_timeout=10) as second:
            second_id = connection_id_of(runtime, since)
            closing_since = runtime.last_invocation_id()
            with connect(f"{runtime.ws_url}/?token={token}", open_timeout=10):
                closed_id = connection_id_of(runtime, closing_since)
            runtime.wait_for("WsFunction", closing_since, lambda i: i["target"] == "$disconnect")
            shared = json.dumps({"type": "broadcast", "texto": "ação"}).encode()
            huge = json.dumps({"type": "big", "pad": "x" * (129 * 1024)}).encode()
            outcomes = push.post_many([(first_id, shared), (closed_id, shared), (second_id, shared),
                                       (second_id, json.dumps({"type": "own"}).encode()), (first_id, huge)])
            assert outcomes == ["sent", "gone", "sent", "sent", "failed"]
            assert json.loads(first.recv(timeout=5)) == {"type": "broadcast", "texto": "ação"}
            assert [json.loads(second.recv(timeout=5))["type"] for _ in range(2)] == ["broadcast", "own"]
            with pytest.raises(TimeoutError):  # the over-limit frame was not sent
                first.recv(timeout=0.3)
    url = f"{runtime.management_url.rstrip('/')}{BATCH_PATH}"
    assert httpx.post(url, content=b'{"frames": ["x"], "posts": [["a", 3]]}').status_code == 400
    assert httpx.post(url, content=b"not json").status_code == 400
    assert httpx.get(url).status_code == 405
