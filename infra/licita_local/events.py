"""The exact event shapes AWS hands to Lambda, built from local requests and messages.

Functions are tested against these shapes locally, so they must match what API Gateway (REST v1 and
WebSocket), the SQS event source mapping and EventBridge really send — field names, nulls vs absent
keys, string-typed authorizer context.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from licita_local.template import ACCOUNT_ID, REGION

_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-www-form-urlencoded",
               "application/javascript", "application/problem+json", "application/graphql")


def request_time(now: float | None = None) -> tuple[str, int]:
    """API Gateway's ``requestTime`` (``29/Nov/2026:06:52:27 +0000``) and epoch millis."""
    now = time.time() if now is None else now
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), int(now * 1000)


def collapse(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    """``(single, multi)`` maps as API Gateway builds them: last value wins, ``None`` when empty."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for k, v in pairs:
        single[k] = v
        multi.setdefault(k, []).append(v)
    return (single or None), (multi or None)


def is_binary(content_type: str, binary_media_types: Sequence[str]) -> bool:
    ctype = content_type.split(";", 1)[0].strip().lower()
    for pattern in binary_media_types:
        p = pattern.lower()
        if p in ("*/*", ctype) or (p.endswith("/*") and ctype.startswith(p[:-1])):
            return True
    return False


def encode_body(body: bytes, content_type: str, binary_media_types: Sequence[str]) -> tuple[str | None, bool]:
    """Text bodies go as-is; bodies of a binary media type, or not valid UTF-8, go base64."""
    if not body:
        return None, False
    if not is_binary(content_type, binary_media_types):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


@lru_cache(maxsize=4096)
def _resource_id(resource: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, resource).hex[:6]


def rest_request_context(
    *, api_id: str, stage: str, resource: str, method: str, path: str, request_id: str, source_ip: str,
    user_agent: str | None, domain: str, authorizer: Mapping[str, Any] | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    rtime, epoch = request_time(now)
    ctx: dict[str, Any] = {
        "resourceId": _resource_id(resource),
        "resourcePath": resource,
        "httpMethod": method,
        "extendedRequestId": request_id[:16],
        "requestTime": rtime,
        "path": f"/{stage}{path}",
        "accountId": ACCOUNT_ID,
        "protocol": "HTTP/1.1",
        "stage": stage,
        "domainPrefix": domain.split(".", 1)[0],
        "requestTimeEpoch": epoch,
        "requestId": request_id,
        "identity": {
            "cognitoIdentityPoolId": None, "accountId": None, "cognitoIdentityId": None, "caller": None,
            "sourceIp": source_ip, "principalOrgId": None, "accessKey": None,
            "cognitoAuthenticationType": None, "cognitoAuthenticationProvider": None, "userArn": None,
            "userAgent": user_agent, "user": None,
        },
        "domainName": domain,
        "deploymentId": "local",
        "apiId": api_id,
    }
    if authorizer is not None:
        ctx["authorizer"] = dict(authorizer)
    return ctx


def rest_event(
    *, method: str, path: str, resource: str, headers: Sequence[tuple[str, str]],
    query: Sequence[tuple[str, str]], path_params: Mapping[str, str] | None, body: bytes,
    request_context: dict[str, Any], binary_media_types: Sequence[str] = (),
) -> dict[str, Any]:
    """API Gateway REST API Lambda proxy integration event (payload format 1.0)."""
    hdrs, mhdrs = collapse(headers)
    qs, mqs = collapse(query)
    ctype = ""
    if hdrs:
        for k, v in hdrs.items():
            if k.lower() == "content-type":
                ctype = v
                break
    text, b64 = encode_body(body, ctype, binary_media_types)
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": hdrs,
        "multiValueHeaders": mhdrs,
        "queryStringParameters": qs,
        "multiValueQueryStringParameters": mqs,
        "pathParameters": dict(path_params) if path_params else None,
        "stageVariables": None,
        "requestContext": request_context,
        "body": text,
        "isBase64Encoded": b64,
    }


def authorizer_event(
    *, method_arn: str, resource: str, path: str, method: str, headers: Sequence[tuple[str, str]],
    query: Sequence[tuple[str, str]], path_params: Mapping[str, str] | None,
    request_context: dict[str, Any],
) -> dict[str, Any]:
    """REST API Lambda authorizer event, REQUEST type."""
    hdrs, mhdrs = collapse(headers)
    qs, mqs = collapse(query)
    return {
        "type": "REQUEST",
        "methodArn": method_arn,
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": hdrs or {},
        "multiValueHeaders": mhdrs or {},
        "queryStringParameters": qs or {},
        "multiValueQueryStringParameters": mqs or {},
        "pathParameters": dict(path_params or {}),
        "stageVariables": {},
        "requestContext": request_context,
    }


def token_authorizer_event(method_arn: str, token: str) -> dict[str, Any]:
    return {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}


def stringify_context(principal_id: str, context: Mapping[str, Any] | None, latency_ms: int) -> dict[str, Any]:
    """What a function sees in ``requestContext.authorizer``: values as strings, like API Gateway."""
    out: dict[str, Any] = {}
    for k, v in (context or {}).items():
        if isinstance(v, bool):
            out[k] = "true" if v else "false"
        elif v is None:
            out[k] = ""
        elif isinstance(v, dict | list):
            continue  # API Gateway rejects nested values (the authorizer fails); drop them locally
        else:
            out[k] = str(v)
    out["principalId"] = principal_id
    out["integrationLatency"] = latency_ms
    return out


# ---------------------------------------------------------------------- WebSocket
def ws_request_context(
    *, route_key: str, event_type: str, connection_id: str, connected_at: int, api_id: str, stage: str,
    domain: str, source_ip: str, user_agent: str | None, extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    rtime, epoch = request_time()
    request_id = base64.b64encode(uuid.uuid4().bytes[:12]).decode()[:16]
    ctx: dict[str, Any] = {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": rtime,
        "messageDirection": "IN",
        "stage": stage,
        "connectedAt": connected_at,
        "requestTimeEpoch": epoch,
        "identity": {"userAgent": user_agent, "sourceIp": source_ip},
        "requestId": request_id,
        "domainName": domain,
        "connectionId": connection_id,
        "apiId": api_id,
    }
    if extra:
        ctx.update(extra)
    return ctx


def ws_connect_event(ctx: dict[str, Any], headers: Sequence[tuple[str, str]],
                     query: Sequence[tuple[str, str]]) -> dict[str, Any]:
    hdrs, mhdrs = collapse(headers)
    qs, mqs = collapse(query)
    event: dict[str, Any] = {"headers": hdrs or {}, "multiValueHeaders": mhdrs or {}}
    if qs:
        event["queryStringParameters"] = qs
        event["multiValueQueryStringParameters"] = mqs
    event["requestContext"] = ctx
    event["isBase64Encoded"] = False
    return event


def ws_message_event(ctx: dict[str, Any], body: str) -> dict[str, Any]:
    return {"requestContext": ctx, "body": body, "isBase64Encoded": False}


def ws_disconnect_event(ctx: dict[str, Any], host: str) -> dict[str, Any]:
    headers = {"Host": host, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
    return {"headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "requestContext": ctx, "isBase64Encoded": False}


# ---------------------------------------------------------------------- SQS
def _message_attributes(attrs: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, a in (attrs or {}).items():
        item: dict[str, Any] = {"stringListValues": [], "binaryListValues": [], "dataType": a.get("DataType")}
        if "StringValue" in a:
            item["stringValue"] = a["StringValue"]
        if "BinaryValue" in a:
            raw = a["BinaryValue"]
            item["binaryValue"] = base64.b64encode(raw).decode() if isinstance(raw, bytes) else raw
        out[name] = item
    return out


def sqs_record(message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    attrs = message.get("Attributes") or {}
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": {k: attrs[k] for k in (
            "ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp",
            "SequenceNumber", "MessageGroupId", "MessageDeduplicationId", "AWSTraceHeader",
        ) if k in attrs},
        "messageAttributes": _message_attributes(message.get("MessageAttributes")),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def sqs_event(messages: Sequence[Mapping[str, Any]], queue_arn: str) -> dict[str, Any]:
    return {"Records": [sqs_record(m, queue_arn) for m in messages]}


# ---------------------------------------------------------------------- EventBridge
def scheduled_event(rule_name: str, when: datetime | None = None) -> dict[str, Any]:
    when = when or datetime.now(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{rule_name}"],
        "detail": {},
    }


def schedule_payload(input_json: str | None, rule_name: str, when: datetime | None = None) -> Any:
    """The Input constant when the schedule has one (EventBridge sends it verbatim), else the event."""
    if input_json is not None:
        return json.loads(input_json)
    return scheduled_event(rule_name, when)
