"""``load_template``: parse template.yaml, predict every resource's physical id, then build the records."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from licita_local.template.apis import rest_api_def, websocket_routes
from licita_local.template.cfn import DEFAULT_STAGE, Resolver, TemplateError, load_yaml, predict_physical_ids
from licita_local.template.parameters import merge_globals, resolve_parameters
from licita_local.template.records import BucketDef, FunctionDef, QueueDef, RestApiDef, Template, WebSocketApiDef
from licita_local.template.resources import bucket_def, function_def, queue_def


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
    physical, attributes = predict_physical_ids(resources, bootstrap, aws_endpoint_url, stage)
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
            queues[logical] = queue_def(logical, r.resolve(res.get("Properties") or {}), attributes, arn_to_logical)
        elif rtype == "AWS::S3::Bucket":
            buckets[logical] = bucket_def(logical, physical[logical], r.resolve(res.get("Properties") or {}),
                                       arn_to_logical)
        elif rtype == "AWS::Serverless::Api":
            props = merge_globals(glob_api, res.get("Properties") or {})
            rest_apis[logical] = rest_api_def(logical, physical[logical], r, props, arn_to_logical, stage)
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
        props = merge_globals(glob_fn, res.get("Properties") or {})
        fn = function_def(logical, physical[logical], path.parent, r, props, rest_apis, queues, arn_to_logical)
        if fn is not None:
            functions[logical] = fn

    websocket_routes(resources, r, ws_apis, arn_to_logical)
    outputs = {}
    for name, out in (raw.get("Outputs") or {}).items():
        try:
            outputs[name] = str(r.resolve(out.get("Value")))
        except TemplateError:
            continue
    return Template(path, path.parent, stage, params, functions, rest_apis, ws_apis, queues, buckets,
                    outputs, physical)

