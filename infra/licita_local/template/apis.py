"""Builders for the gateways: a SAM REST API (CORS, authorizers, gateway responses) and the routes of a
WebSocket API (API Gateway v2 Route/Integration/RouteResponse resources)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from licita_local.template.cfn import Resolver
from licita_local.template.records import AuthorizerDef, GatewayResponse, RestApiDef, WebSocketApiDef, WsRoute


def _quoted(value: Any) -> str:
    """SAM Cors values are quoted strings (``"'*'"``); strip one layer of single quotes."""
    s = str(value)
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == "'" else s


def rest_api_def(logical: str, api_id: str, r: Resolver, raw_props: Mapping[str, Any],
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


_INTEGRATION_FN = re.compile(r"function:([^/:]+)")


def websocket_routes(resources: Mapping[str, Any], r: Resolver, ws_apis: dict[str, WebSocketApiDef],
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
