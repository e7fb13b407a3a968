"""The typed records a parsed template becomes: functions and their events, APIs, queues, buckets."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from licita_local.template.cfn import queue_arn


@dataclass(frozen=True)
class ApiEvent:
    name: str
    function: str
    path: str
    method: str
    rest_api: str
    authorizer: str | None  # None = open route


@dataclass(frozen=True)
class SqsEvent:
    name: str
    function: str
    queue: str  # logical id
    batch_size: int
    batching_window: float
    report_batch_item_failures: bool
    enabled: bool


@dataclass(frozen=True)
class ScheduleEvent:
    name: str
    function: str
    expression: str
    rule_name: str
    input: str | None
    enabled: bool
    description: str
    kind: str  # Schedule | ScheduleV2


@dataclass
class FunctionDef:
    logical_id: str
    name: str
    arn: str
    code_uri: Path
    handler: str
    runtime: str
    timeout: int
    memory: int
    environment: dict[str, str]
    api_events: list[ApiEvent] = field(default_factory=list)
    sqs_events: list[SqsEvent] = field(default_factory=list)
    schedule_events: list[ScheduleEvent] = field(default_factory=list)


@dataclass(frozen=True)
class AuthorizerDef:
    name: str
    function: str  # logical id
    payload_type: str  # REQUEST | TOKEN
    identity_headers: tuple[str, ...]
    identity_query: tuple[str, ...]
    ttl: int


@dataclass(frozen=True)
class GatewayResponse:
    status: int
    body: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class RestApiDef:
    logical_id: str
    api_id: str
    stage: str
    cors: dict[str, str] | None
    default_authorizer: str | None
    authorizers: dict[str, AuthorizerDef]
    gateway_responses: dict[str, GatewayResponse]
    binary_media_types: tuple[str, ...]


@dataclass(frozen=True)
class WsRoute:
    route_key: str
    function: str | None
    has_route_response: bool


@dataclass
class WebSocketApiDef:
    logical_id: str
    api_id: str
    stage: str
    route_selection_expression: str
    routes: dict[str, WsRoute]


@dataclass(frozen=True)
class QueueDef:
    logical_id: str
    name: str
    attributes: dict[str, str]
    dlq: str | None  # logical id
    max_receive_count: int | None


@dataclass(frozen=True)
class QueueNotification:
    queue: str  # logical id
    events: tuple[str, ...]
    filter_rules: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class BucketDef:
    logical_id: str
    name: str
    notifications: tuple[QueueNotification, ...]
    cors_rules: tuple[dict[str, Any], ...]


@dataclass
class Template:
    path: Path
    root: Path
    stage: str
    parameters: dict[str, str]
    functions: dict[str, FunctionDef]
    rest_apis: dict[str, RestApiDef]
    websocket_apis: dict[str, WebSocketApiDef]
    queues: dict[str, QueueDef]
    buckets: dict[str, BucketDef]
    outputs: dict[str, str]
    physical: dict[str, str]  # logical id -> what !Ref resolves to

    @property
    def api_events(self) -> list[ApiEvent]:
        return [e for f in self.functions.values() for e in f.api_events]

    def queue_url(self, logical_id: str) -> str:
        return self.physical[logical_id]

    def queue_arn(self, logical_id: str) -> str:
        return queue_arn(self.queues[logical_id].name)
