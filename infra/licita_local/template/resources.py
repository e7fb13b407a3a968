"""Builders for compute and storage: a resolved function (with its Api/SQS/Schedule events), queue or bucket
becomes its typed record."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from licita_local.template.cfn import Resolver, TemplateError, function_arn
from licita_local.template.records import (
    ApiEvent,
    BucketDef,
    FunctionDef,
    QueueDef,
    QueueNotification,
    RestApiDef,
    ScheduleEvent,
    SqsEvent,
)


def queue_def(logical: str, props: Mapping[str, Any], attributes: Mapping[tuple[str, str], str],
           arn_to_logical: Mapping[str, str]) -> QueueDef:
    attrs: dict[str, str] = {}
    for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "MaximumMessageSize",
                "ReceiveMessageWaitTimeSeconds", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds",
                "DeduplicationScope", "FifoThroughputLimit", "SqsManagedSseEnabled"):
        if key in props:
            attrs[key] = str(props[key]).lower() if isinstance(props[key], bool) else str(props[key])
    for key in ("FifoQueue", "ContentBasedDeduplication"):
        if props.get(key):
            attrs[key] = "true"
    dlq: str | None = None
    max_receive: int | None = None
    redrive = props.get("RedrivePolicy")
    if isinstance(redrive, str):
        redrive = json.loads(redrive)
    if isinstance(redrive, dict):
        target = str(redrive.get("deadLetterTargetArn", ""))
        dlq = arn_to_logical.get(target)
        max_receive = int(redrive.get("maxReceiveCount", 1))
    return QueueDef(logical, attributes[(logical, "QueueName")], attrs, dlq, max_receive)


def bucket_def(logical: str, name: str, props: Mapping[str, Any], arn_to_logical: Mapping[str, str]) -> BucketDef:
    notes: list[QueueNotification] = []
    for qc in (props.get("NotificationConfiguration") or {}).get("QueueConfigurations") or []:
        queue = arn_to_logical.get(str(qc.get("Queue")))
        if queue is None:
            continue
        rules = ((qc.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
        events = qc.get("Event") or qc.get("Events")
        notes.append(QueueNotification(
            queue, tuple(events if isinstance(events, list) else [events]),
            tuple((str(x["Name"]).lower(), str(x["Value"])) for x in rules),
        ))
    cors = tuple((props.get("CorsConfiguration") or {}).get("CorsRules") or [])
    return BucketDef(logical, name, tuple(notes), cors)


def function_def(logical: str, name: str, base: Path, r: Resolver, props: Mapping[str, Any],
              rest_apis: Mapping[str, RestApiDef], queues: Mapping[str, QueueDef],
              arn_to_logical: Mapping[str, str]) -> FunctionDef | None:
    code_uri = props.get("CodeUri")
    handler = props.get("Handler")
    if not isinstance(code_uri, str) or not handler:
        return None  # inline code / image functions are not run locally
    env_vars = {k: str(v) for k, v in r.resolve((props.get("Environment") or {}).get("Variables") or {}).items()}
    fn = FunctionDef(
        logical, name, function_arn(name), (base / code_uri).resolve(), str(handler),
        str(props.get("Runtime", "python3.13")), int(props.get("Timeout", 3)),
        int(r.resolve(props.get("MemorySize", 128))), env_vars,
    )
    for ev_name, ev in (props.get("Events") or {}).items():
        ev_type = ev.get("Type")
        ep = ev.get("Properties") or {}
        if ev_type == "Api":
            api_ref = ep.get("RestApiId")
            api_logical = api_ref.get("Ref") if isinstance(api_ref, dict) else api_ref
            if not api_logical:  # implicit API: the first (or only) one
                api_logical = next(iter(rest_apis), "ServerlessRestApi")
            api = rest_apis.get(str(api_logical))
            auth = ep.get("Auth") or {}
            authorizer = auth.get("Authorizer", api.default_authorizer if api else None)
            if authorizer in ("NONE", "AWS_IAM"):
                authorizer = None
            fn.api_events.append(ApiEvent(
                ev_name, logical, str(r.resolve(ep["Path"])), str(r.resolve(ep["Method"])).upper(),
                str(api_logical), authorizer,
            ))
        elif ev_type == "SQS":
            rp = r.resolve(ep)
            queue = arn_to_logical.get(str(rp.get("Queue")))
            if queue is None or queue not in queues:
                raise TemplateError(f"{logical}.{ev_name}: SQS event queue is not a queue of this template")
            fn.sqs_events.append(SqsEvent(
                ev_name, logical, queue, min(int(rp.get("BatchSize", 10)), 10),
                float(rp.get("MaximumBatchingWindowInSeconds", 0)),
                "ReportBatchItemFailures" in (rp.get("FunctionResponseTypes") or []),
                bool(rp.get("Enabled", True)),
            ))
        elif ev_type in ("Schedule", "ScheduleV2"):
            rp = r.resolve(ep)
            expression = str(rp.get("Schedule") or rp.get("ScheduleExpression") or "")
            enabled = bool(rp.get("Enabled", True)) and str(rp.get("State", "ENABLED")).upper() == "ENABLED"
            inp = rp.get("Input")
            fn.schedule_events.append(ScheduleEvent(
                ev_name, logical, expression, str(rp.get("Name") or f"{logical}{ev_name}"),
                inp if isinstance(inp, str) or inp is None else json.dumps(inp), enabled,
                str(rp.get("Description", "")), str(ev_type),
            ))
    return fn
