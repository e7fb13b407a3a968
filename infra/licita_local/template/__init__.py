"""Reads template.yaml the way CloudFormation + the SAM transform would, into plain typed records.

The template is the single source of truth: everything the local runtime serves (routes, authorizers,
queues, buckets, schedules, WebSocket routes, environment) comes from here, so a route added to the
template shows up locally without touching the runtime. Intrinsics are resolved against parameters,
pseudo parameters and a table of physical ids (queue URLs, ARNs, bucket names) that starts as a
prediction and is overwritten with what the AWS endpoint really returned.

Modules: ``cfn`` (short-tag YAML, intrinsics, predicted ids and ARNs), ``records`` (the typed records),
``parameters`` (parameters and SAM Globals), ``resources`` (functions and their events, queues, buckets),
``apis`` (REST and WebSocket APIs) and ``loader`` (``load_template``). Import from this package: the names
below are its public surface.
"""

from __future__ import annotations

from licita_local.template.cfn import (
    ACCOUNT_ID,
    DEFAULT_STAGE,
    PARTITION,
    REGION,
    Resolver,
    TemplateError,
    api_id_for,
    function_arn,
    load_yaml,
    queue_arn,
)
from licita_local.template.loader import load_template
from licita_local.template.parameters import env_name_for_parameter, parameter_env_names, resolve_parameters
from licita_local.template.records import (
    ApiEvent,
    AuthorizerDef,
    BucketDef,
    FunctionDef,
    GatewayResponse,
    QueueDef,
    QueueNotification,
    RestApiDef,
    ScheduleEvent,
    SqsEvent,
    Template,
    WebSocketApiDef,
    WsRoute,
)

__all__ = [
    "ACCOUNT_ID",
    "DEFAULT_STAGE",
    "PARTITION",
    "REGION",
    "ApiEvent",
    "AuthorizerDef",
    "BucketDef",
    "FunctionDef",
    "GatewayResponse",
    "QueueDef",
    "QueueNotification",
    "Resolver",
    "RestApiDef",
    "ScheduleEvent",
    "SqsEvent",
    "Template",
    "TemplateError",
    "WebSocketApiDef",
    "WsRoute",
    "api_id_for",
    "env_name_for_parameter",
    "function_arn",
    "load_template",
    "load_yaml",
    "parameter_env_names",
    "queue_arn",
    "resolve_parameters",
]
