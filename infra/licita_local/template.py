"""Reads template.yaml the way CloudFormation + the SAM transform would, into plain typed records.

The template is the single source of truth: everything the local runtime serves (routes, authorizers,
queues, buckets, schedules, WebSocket routes, environment) comes from here, so a route added to the
template shows up locally without touching the runtime. Intrinsics are resolved against parameters,
pseudo parameters and a table of physical ids (queue URLs, ARNs, bucket names) that starts as a
prediction and is overwritten with what the AWS endpoint really returned.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"
DEFAULT_STAGE = "local"

_TAGS = ("Ref", "Condition")
_FN_TAGS = (
    "GetAtt", "Sub", "Join", "Select", "Split", "If", "Equals", "And", "Or", "Not", "FindInMap",
    "Base64", "GetAZs", "ImportValue", "Cidr", "Transform", "Length", "ToJsonString",
)


class TemplateError(Exception):
    """The template uses something the local runtime cannot resolve."""


# --------------------------------------------------------------------------- YAML with CFN short tags
class _CfnLoader(yaml.SafeLoader):  # type: ignore[misc]
    """SafeLoader that turns ``!Ref X`` / ``!GetAtt A.B`` / ``!Sub ...`` into their long JSON forms."""


def _construct(tag: str, loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if tag == "GetAtt" and isinstance(value, str):
        logical, _, attr = value.partition(".")
        value = [logical, attr]
    key = tag if tag in _TAGS else f"Fn::{tag}"
    return {key: value}


for _tag in (*_TAGS, *_FN_TAGS):
    _CfnLoader.add_constructor(
        f"!{_tag}", lambda loader, node, _t=_tag: _construct(_t, loader, node)
    )


def load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_CfnLoader)
    if not isinstance(data, dict):
        raise TemplateError(f"{path} is not a CloudFormation template")
    return data


# --------------------------------------------------------------------------- typed records
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


def queue_arn(name: str) -> str:
    return f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT_ID}:{name}"


def function_arn(name: str) -> str:
    return f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"


def api_id_for(logical_id: str, stack: str = "licita-local") -> str:
    """A stable 10-character id shaped like an API Gateway id (lowercase alphanumerics)."""
    digest = hashlib.sha256(f"{stack}/{logical_id}".encode()).digest()
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[b % len(alphabet)] for b in digest[:10])


def env_name_for_parameter(name: str) -> str:
    """``DatabaseUrl`` -> ``DATABASE_URL``; ``OpenAIApiKey`` -> ``OPEN_AI_API_KEY`` (template mapping wins)."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.upper()


# --------------------------------------------------------------------------- intrinsic resolution
_SUB_VAR = re.compile(r"\$\{([^}!][^}]*)\}")


class Resolver:
    """Evaluates intrinsic functions against parameters, pseudo parameters and physical ids."""

    def __init__(
        self,
        parameters: Mapping[str, str],
        physical: Mapping[str, str],
        attributes: Mapping[tuple[str, str], str],
        conditions: Mapping[str, Any] | None = None,
        mappings: Mapping[str, Any] | None = None,
        stage: str = DEFAULT_STAGE,
    ) -> None:
        self.values: dict[str, str] = {
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Region": REGION,
            "AWS::Partition": PARTITION,
            "AWS::StackName": f"licita-{stage}",
            "AWS::StackId": f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT_ID}:stack/licita-{stage}/local",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": "",
            **parameters,
            **physical,
        }
        self.attributes = attributes
        self.conditions = dict(conditions or {})
        self.mappings = mappings or {}
        self._condition_cache: dict[str, bool] = {}

    def ref(self, name: str) -> str:
        if name in self.values:
            return self.values[name]
        raise TemplateError(f"!Ref {name}: unknown parameter or resource")

    def get_att(self, logical: str, attr: str) -> str:
        key = (logical, attr)
        if key in self.attributes:
            return self.attributes[key]
        if logical in self.values:  # unknown attribute of a known resource: a stable placeholder
            return f"{self.values[logical]}#{attr}"
        raise TemplateError(f"!GetAtt {logical}.{attr}: unknown resource")

    def condition(self, name: str) -> bool:
        if name not in self._condition_cache:
            if name not in self.conditions:
                raise TemplateError(f"unknown condition {name}")
            self._condition_cache[name] = bool(self.resolve(self.conditions[name]))
        return self._condition_cache[name]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value if not _is_no_value(v)]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(str(arg))
            if key == "Condition":
                return self.condition(str(arg))
            if key == "Fn::GetAtt":
                parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
                return self.get_att(str(parts[0]), str(self.resolve(parts[1])))
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                sep, items = arg
                return str(sep).join(str(self.resolve(i)) for i in self.resolve(items))
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                sep, text = arg
                return str(self.resolve(text)).split(str(sep))
            if key == "Fn::If":
                cond, yes, no = arg
                chosen = yes if self.condition(str(cond)) else no
                return self.resolve(chosen)
            if key == "Fn::Equals":
                a, b = (self.resolve(x) for x in arg)
                return str(a) == str(b)
            if key == "Fn::And":
                return all(self.resolve(x) for x in arg)
            if key == "Fn::Or":
                return any(self.resolve(x) for x in arg)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::FindInMap":
                m, k1, k2 = (str(self.resolve(x)) for x in arg)
                return self.mappings[m][k1][k2]
            if key == "Fn::Base64":
                import base64

                return base64.b64encode(str(self.resolve(arg)).encode()).decode()
            if key == "Fn::GetAZs":
                return [f"{REGION}a", f"{REGION}b", f"{REGION}c"]
            if key == "Fn::ToJsonString":
                return json.dumps(self.resolve(arg), separators=(",", ":"))
            if key == "Fn::Length":
                return len(self.resolve(arg))
            if key == "Fn::ImportValue":
                return f"import:{self.resolve(arg)}"
        return {k: self.resolve(v) for k, v in value.items() if not _is_no_value(v)}

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, local_vars = str(arg[0]), {k: str(self.resolve(v)) for k, v in (arg[1] or {}).items()}
        else:
            text, local_vars = str(arg), {}

        def repl(m: re.Match[str]) -> str:
            name = m.group(1).strip()
            if name in local_vars:
                return local_vars[name]
            if "." in name and not name.startswith("AWS::"):
                logical, attr = name.split(".", 1)
                return str(self.get_att(logical, attr))
            return str(self.ref(name))

        return _SUB_VAR.sub(repl, text).replace("${!", "${")


def _is_no_value(value: Any) -> bool:
    return isinstance(value, dict) and value == {"Ref": "AWS::NoValue"}


# --------------------------------------------------------------------------- SAM globals
def _merge_globals(glob: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    """SAM rules: maps merge (resource wins), lists append (globals first), scalars: resource wins."""
    merged: dict[str, Any] = dict(glob)
    for key, value in props.items():
        base = merged.get(key)
        if isinstance(base, dict) and isinstance(value, dict) and not _is_intrinsic(value):
            merged[key] = _merge_globals(base, value)
        elif isinstance(base, list) and isinstance(value, list):
            merged[key] = [*base, *value]
        else:
            merged[key] = value
    return merged


def _is_intrinsic(value: Mapping[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref", "Condition"))


# --------------------------------------------------------------------------- parameters
def parameter_env_names(raw: Mapping[str, Any]) -> dict[str, str]:
    """Parameter -> environment variable name, learnt from ``VAR: !Ref Param`` in the template."""
    names: dict[str, str] = {}
    params = raw.get("Parameters") or {}

    def scan(variables: Any) -> None:
        if isinstance(variables, dict):
            for var, value in variables.items():
                if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in params:
                    names.setdefault(str(value["Ref"]), str(var))

    scan(((raw.get("Globals") or {}).get("Function") or {}).get("Environment", {}).get("Variables"))
    for res in (raw.get("Resources") or {}).values():
        if isinstance(res, dict) and res.get("Type") == "AWS::Serverless::Function":
            scan(((res.get("Properties") or {}).get("Environment") or {}).get("Variables"))
    for name in params:
        names.setdefault(str(name), env_name_for_parameter(str(name)))
    return names


def resolve_parameters(
    raw: Mapping[str, Any],
    overrides: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    stage: str = DEFAULT_STAGE,
) -> dict[str, str]:
    """Explicit overrides > environment (the variable the template maps it to) > Default; Stage is forced."""
    env = os.environ if env is None else env
    overrides = overrides or {}
    env_names = parameter_env_names(raw)
    values: dict[str, str] = {}
    for name, raw_spec in (raw.get("Parameters") or {}).items():
        spec = raw_spec or {}
        if name == "Stage":
            values[name] = stage
        elif name in overrides:
            values[name] = str(overrides[name])
        elif env_names[name] in env:
            values[name] = env[env_names[name]]
        elif "Default" in spec:
            default = spec["Default"]
            values[name] = ",".join(map(str, default)) if isinstance(default, list) else str(default)
        else:
            values[name] = ""
    return values


# --------------------------------------------------------------------------- the loader
def load_template(
    path: Path,
    parameters: Mapping[str, str] | None = None,
    *,
    aws_endpoint_url: str = "http://127.0.0.1:5000",
    physical_overrides: Mapping[str, str] | None = None,
    stage: str = DEFAULT_STAGE,
    env: Mapping[str, str] | None = None,
) -> Template:
    """Parse and resolve ``path``. ``physical_overrides`` replaces predicted ids (e.g. real queue URLs)."""
    path = path.resolve()
    raw = load_yaml(path)
    params = resolve_parameters(raw, parameters, env=env, stage=stage)
    resources: dict[str, dict[str, Any]] = raw.get("Resources") or {}
    glob_fn = ((raw.get("Globals") or {}).get("Function")) or {}
    glob_api = ((raw.get("Globals") or {}).get("Api")) or {}

    # A first pass with only parameters lets names that use !Sub on parameters resolve.
    bootstrap = Resolver(params, {}, {}, raw.get("Conditions"), raw.get("Mappings"), stage)
    physical: dict[str, str] = {}
    attributes: dict[tuple[str, str], str] = {}
    endpoint = aws_endpoint_url.rstrip("/")
    for logical, res in resources.items():
        rtype = res.get("Type", "")
        props = res.get("Properties") or {}
        if rtype == "AWS::SQS::Queue":
            name = _safe(bootstrap, props.get("QueueName")) or f"licita-{stage}-{logical}"
            if props.get("FifoQueue") and not name.endswith(".fifo"):
                name += ".fifo"
            physical[logical] = f"{endpoint}/{ACCOUNT_ID}/{name}"
            attributes[(logical, "Arn")] = queue_arn(name)
            attributes[(logical, "QueueName")] = name
            attributes[(logical, "QueueUrl")] = physical[logical]
        elif rtype == "AWS::S3::Bucket":
            name = _safe(bootstrap, props.get("BucketName")) or f"licita-{stage}-{logical.lower()}"
            physical[logical] = name
            attributes[(logical, "Arn")] = f"arn:{PARTITION}:s3:::{name}"
            attributes[(logical, "DomainName")] = f"{name}.s3.amazonaws.com"
        elif rtype == "AWS::Serverless::Function":
            name = _safe(bootstrap, props.get("FunctionName")) or f"licita-{stage}-{logical}"
            physical[logical] = name
            attributes[(logical, "Arn")] = function_arn(name)
        elif rtype in ("AWS::Serverless::Api", "AWS::ApiGatewayV2::Api", "AWS::ApiGateway::RestApi",
                       "AWS::Serverless::HttpApi"):
            physical[logical] = api_id_for(logical)
            attributes[(logical, "ApiEndpoint")] = f"https://{physical[logical]}.execute-api.{REGION}.amazonaws.com"
            attributes[(logical, "RootResourceId")] = api_id_for(logical + "/root")
        elif rtype == "AWS::Serverless::LayerVersion":
            name = _safe(bootstrap, props.get("LayerName")) or logical
            physical[logical] = f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT_ID}:layer:{name}:1"
        else:
            physical[logical] = api_id_for(logical)[:7] if rtype.startswith("AWS::ApiGateway") else logical
    physical.update(physical_overrides or {})
    r = Resolver(params, physical, attributes, raw.get("Conditions"), raw.get("Mappings"), stage)

    functions: dict[str, FunctionDef] = {}
    rest_apis: dict[str, RestApiDef] = {}
    ws_apis: dict[str, WebSocketApiDef] = {}
    queues: dict[str, QueueDef] = {}
    buckets: dict[str, BucketDef] = {}
    arn_to_logical = {v: k for (k, a), v in attributes.items() if a == "Arn"}

    for logical, res in resources.items():
        if "Condition" in res and not r.condition(str(res["Condition"])):
            continue
        rtype = res.get("Type", "")
        if rtype == "AWS::SQS::Queue":
            queues[logical] = _queue(logical, r.resolve(res.get("Properties") or {}), attributes, arn_to_logical)
        elif rtype == "AWS::S3::Bucket":
            buckets[logical] = _bucket(logical, physical[logical], r.resolve(res.get("Properties") or {}),
                                       arn_to_logical)
        elif rtype == "AWS::Serverless::Api":
            props = _merge_globals(glob_api, res.get("Properties") or {})
            rest_apis[logical] = _rest_api(logical, physical[logical], r, props, arn_to_logical, stage)
        elif rtype == "AWS::ApiGatewayV2::Api":
            props = r.resolve(res.get("Properties") or {})
            if str(props.get("ProtocolType", "")).upper() == "WEBSOCKET":
                ws_apis[logical] = WebSocketApiDef(
                    logical, physical[logical], stage,
                    str(props.get("RouteSelectionExpression", "$request.body.action")), {},
                )

    for logical, res in resources.items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        if "Condition" in res and not r.condition(str(res["Condition"])):
            continue
        props = _merge_globals(glob_fn, res.get("Properties") or {})
        fn = _function(logical, physical[logical], path.parent, r, props, rest_apis, queues, arn_to_logical)
        if fn is not None:
            functions[logical] = fn

    _websocket_routes(resources, r, ws_apis, arn_to_logical)
    outputs = {}
    for name, out in (raw.get("Outputs") or {}).items():
        try:
            outputs[name] = str(r.resolve(out.get("Value")))
        except TemplateError:
            continue
    return Template(path, path.parent, stage, params, functions, rest_apis, ws_apis, queues, buckets,
                    outputs, physical)


def _safe(r: Resolver, value: Any) -> str | None:
    if value is None:
        return None
    try:
        return str(r.resolve(value))
    except TemplateError:
        return None


def _queue(logical: str, props: Mapping[str, Any], attributes: Mapping[tuple[str, str], str],
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


def _bucket(logical: str, name: str, props: Mapping[str, Any], arn_to_logical: Mapping[str, str]) -> BucketDef:
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


def _quoted(value: Any) -> str:
    """SAM Cors values are quoted strings (``"'*'"``); strip one layer of single quotes."""
    s = str(value)
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == "'" else s


def _rest_api(logical: str, api_id: str, r: Resolver, raw_props: Mapping[str, Any],
              arn_to_logical: Mapping[str, str], stage: str) -> RestApiDef:
    props = r.resolve(dict(raw_props))
    cors_raw = props.get("Cors")
    cors: dict[str, str] | None = None
    if isinstance(cors_raw, str):
        cors = {"AllowOrigin": _quoted(cors_raw), "AllowMethods": "*", "AllowHeaders": "*"}
    elif isinstance(cors_raw, dict):
        cors = {k: _quoted(v) for k, v in cors_raw.items() if not isinstance(v, bool)}
        if cors_raw.get("AllowCredentials"):
            cors["AllowCredentials"] = "true"
    auth = props.get("Auth") or {}
    authorizers: dict[str, AuthorizerDef] = {}
    for name, spec in (auth.get("Authorizers") or {}).items():
        fn = arn_to_logical.get(str(spec.get("FunctionArn")))
        if fn is None:
            continue
        identity = spec.get("Identity") or {}
        payload = str(spec.get("FunctionPayloadType", "TOKEN")).upper()
        headers = tuple(identity.get("Headers") or ([] if payload == "REQUEST" else ["Authorization"]))
        if payload == "TOKEN" and "Header" in identity:
            headers = (str(identity["Header"]),)
        authorizers[name] = AuthorizerDef(
            name, fn, payload, headers, tuple(identity.get("QueryStrings") or []),
            int(identity.get("ReauthorizeEvery", 300)),
        )
    responses: dict[str, GatewayResponse] = {}
    for key, spec in (props.get("GatewayResponses") or {}).items():
        templates = spec.get("ResponseTemplates") or {}
        body = templates.get("application/json") or next(iter(templates.values()), "")
        hdrs = tuple((k, _quoted(v)) for k, v in ((spec.get("ResponseParameters") or {}).get("Headers") or {}).items())
        responses[key] = GatewayResponse(int(spec.get("StatusCode", 500)), str(body), hdrs)
    default = auth.get("DefaultAuthorizer")
    return RestApiDef(
        logical, api_id, str(props.get("StageName", stage)), cors,
        str(default) if default and default != "NONE" else None, authorizers, responses,
        tuple(str(t).replace("~1", "/") for t in props.get("BinaryMediaTypes") or []),
    )


def _function(logical: str, name: str, base: Path, r: Resolver, props: Mapping[str, Any],
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
        int(props.get("MemorySize", 128)), env_vars,
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


_INTEGRATION_FN = re.compile(r"function:([^/:]+)")


def _websocket_routes(resources: Mapping[str, Any], r: Resolver, ws_apis: dict[str, WebSocketApiDef],
                      arn_to_logical: Mapping[str, str]) -> None:
    if not ws_apis:
        return
    integrations: dict[str, str | None] = {}
    name_to_logical = {arn.rsplit(":", 1)[-1]: logical for arn, logical in arn_to_logical.items()
                       if ":function:" in arn}
    for logical, res in resources.items():
        if res.get("Type") == "AWS::ApiGatewayV2::Integration":
            uri = str(r.resolve((res.get("Properties") or {}).get("IntegrationUri", "")))
            m = _INTEGRATION_FN.search(uri)
            integrations[logical] = name_to_logical.get(m.group(1)) if m else None
    with_response: set[str] = set()
    for res in resources.values():
        if res.get("Type") == "AWS::ApiGatewayV2::RouteResponse":
            ref = (res.get("Properties") or {}).get("RouteId")
            if isinstance(ref, dict) and "Ref" in ref:
                with_response.add(str(ref["Ref"]))
    for logical, res in resources.items():
        if res.get("Type") != "AWS::ApiGatewayV2::Route":
            continue
        props = res.get("Properties") or {}
        api_ref = props.get("ApiId")
        api_logical = api_ref.get("Ref") if isinstance(api_ref, dict) else None
        api = ws_apis.get(str(api_logical))
        if api is None:
            continue
        target = props.get("Target")
        integration: str | None = None
        if isinstance(target, dict) and "Fn::Sub" in target:
            m = re.search(r"\$\{(\w+)\}", str(target["Fn::Sub"] if isinstance(target["Fn::Sub"], str)
                                                   else target["Fn::Sub"][0]))
            integration = m.group(1) if m else None
        elif isinstance(target, dict) and "Fn::Join" in target:
            for part in target["Fn::Join"][1]:
                if isinstance(part, dict) and "Ref" in part:
                    integration = str(part["Ref"])
        elif isinstance(target, str) and target.startswith("integrations/"):
            integration = target.split("/", 1)[1]
        key = str(props.get("RouteKey"))
        api.routes[key] = WsRoute(key, integrations.get(integration or ""), logical in with_response)
