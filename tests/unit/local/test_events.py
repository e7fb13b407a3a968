"""Event shapes for WebSocket, SQS and EventBridge (REST shapes are covered in test_gateway.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from licita_local.events import (
    collapse,
    encode_body,
    schedule_payload,
    sqs_event,
    stringify_context,
    ws_connect_event,
    ws_disconnect_event,
    ws_message_event,
    ws_request_context,
)
from licita_local.websocket import new_connection_id, select_route


def ctx(route: str, kind: str) -> dict[str, object]:
    return ws_request_context(route_key=route, event_type=kind, connection_id="Lk3aBcDeFgHiJkL=",
                              connected_at=1_700_000_000_000, api_id="abcdefghij", stage="local",
                              domain="127.0.0.1:3001", source_ip="127.0.0.1", user_agent="ua")


def test_ws_connect_event() -> None:
    event = ws_connect_event(ctx("$connect", "CONNECT"), [("Host", "h"), ("Sec-WebSocket-Version", "13")],
                             [("token", "abc")])
    assert event["queryStringParameters"] == {"token": "abc"}
    assert event["multiValueQueryStringParameters"] == {"token": ["abc"]}
    assert event["headers"]["Sec-WebSocket-Version"] == "13" and event["isBase64Encoded"] is False
    rc = event["requestContext"]
    assert rc["routeKey"] == "$connect" and rc["eventType"] == "CONNECT" and rc["messageDirection"] == "IN"
    assert rc["connectionId"] == "Lk3aBcDeFgHiJkL=" and rc["connectedAt"] == 1_700_000_000_000
    assert rc["identity"] == {"userAgent": "ua", "sourceIp": "127.0.0.1"}
    assert {"requestId", "requestTimeEpoch", "requestTime", "domainName", "stage", "apiId"} <= set(rc)
    assert "queryStringParameters" not in ws_connect_event(ctx("$connect", "CONNECT"), [], [])


def test_ws_message_and_disconnect_events() -> None:
    msg = ws_message_event(ctx("$default", "MESSAGE"), '{"action":"ping"}')
    assert msg["body"] == '{"action":"ping"}' and msg["requestContext"]["eventType"] == "MESSAGE"
    bye = ws_disconnect_event(ctx("$disconnect", "DISCONNECT"), "h")
    assert bye["requestContext"]["routeKey"] == "$disconnect" and bye["headers"]["Host"] == "h"


def test_route_selection() -> None:
    routes = {"$connect": 1, "$default": 1, "subscribe": 1}
    assert select_route("$request.body.action", '{"action":"subscribe"}', routes) == "subscribe"
    assert select_route("$request.body.action", '{"action":"ping"}', routes) == "$default"
    assert select_route("$request.body.action", "not json", routes) == "$default"
    assert select_route("$request.body.action", '{"action":"$connect"}', routes) == "$default"
    assert select_route("$request.body.meta.kind", '{"meta":{"kind":"subscribe"}}', routes) == "subscribe"
    assert select_route("$request.body.action", "{}", {"$connect": 1}) is None


def test_connection_ids_look_like_api_gateways() -> None:
    ids = {new_connection_id() for _ in range(100)}
    assert len(ids) == 100 and all(len(i) == 16 and i.endswith("=") for i in ids)


def test_sqs_event_shape() -> None:
    message = {
        "MessageId": "m1", "ReceiptHandle": "rh", "MD5OfBody": "md5", "Body": '{"a": 1}',
        "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1", "SenderId": "S",
                       "ApproximateFirstReceiveTimestamp": "2", "Other": "x"},
        "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "upload"},
                              "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}},
    }
    (record,) = sqs_event([message], "arn:aws:sqs:us-east-1:123456789012:q")["Records"]
    assert record["messageId"] == "m1" and record["receiptHandle"] == "rh" and record["body"] == '{"a": 1}'
    assert record["attributes"] == {"ApproximateReceiveCount": "2", "SentTimestamp": "1", "SenderId": "S",
                                    "ApproximateFirstReceiveTimestamp": "2"}
    assert record["messageAttributes"]["kind"] == {"stringValue": "upload", "stringListValues": [],
                                                   "binaryListValues": [], "dataType": "String"}
    assert record["messageAttributes"]["blob"]["binaryValue"] == "AAE="
    assert record["eventSource"] == "aws:sqs" and record["awsRegion"] == "us-east-1"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:q" and record["md5OfBody"] == "md5"


def test_schedule_payloads() -> None:
    assert schedule_payload('{"task": "expire_sessions"}', "rule") == {"task": "expire_sessions"}
    event = schedule_payload(None, "my-rule", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["time"] == "2026-01-02T03:04:05Z" and event["detail"] == {}
    assert event["resources"] == ["arn:aws:events:us-east-1:123456789012:rule/my-rule"]
    json.dumps(event)


def test_helpers() -> None:
    assert collapse([]) == (None, None)
    assert collapse([("a", "1"), ("a", "2")]) == ({"a": "2"}, {"a": ["1", "2"]})
    assert encode_body(b"", "text/plain", ()) == (None, False)
    assert encode_body("olá".encode(), "text/plain", ()) == ("olá", False)
    assert encode_body(b"abc", "image/png", ("image/*",)) == ("YWJj", True)
    ctx_ = stringify_context("p", {"a": 1, "b": False, "c": None, "d": {"x": 1}}, 7)
    assert ctx_ == {"a": "1", "b": "false", "c": "", "principalId": "p", "integrationLatency": 7}
