"""The REST API Gateway: route table, CORS, Lambda authorizer and proxy integration, from the template.

What a request goes through mirrors API Gateway: match resource (404 from the template's
MISSING_AUTHENTICATION_TOKEN response), method (405 with Allow), size (413), CORS preflight, identity
source present (else UNAUTHORIZED without calling the authorizer), the authorizer's IAM policy against
the method ARN (ACCESS_DENIED), then the function with the REST v1 proxy event; a function that raises
or returns a malformed result is a 502. Everything per-route is precomputed; the hot path allocates
the event and little else.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from licita_local.events import (
    authorizer_event,
    rest_event,
    rest_request_context,
    stringify_context,
    token_authorizer_event,
)
from licita_local.functions import FunctionHost
from licita_local.httpserver import Request, Response
from licita_local.routing import Route, RouteTable, policy_allows
from licita_local.template import ACCOUNT_ID, REGION, GatewayResponse, RestApiDef, Template

log = logging.getLogger("licita.local.gateway")

MAX_PAYLOAD = 10 * 1024 * 1024  # API Gateway REST payload limit

_ERROR_TYPES = {
    "UNAUTHORIZED": "UnauthorizedException",
    "ACCESS_DENIED": "AccessDeniedException",
    "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationTokenException",
    "REQUEST_TOO_LARGE": "RequestTooLarge",
    "AUTHORIZER_FAILURE": "AuthorizerFailureException",
    "AUTHORIZER_CONFIGURATION_ERROR": "AuthorizerConfigurationException",
    "BAD_GATEWAY": "InternalServerErrorException",
    "THROTTLED": "TooManyRequestsException",
}
_DEFAULTS = {
    "UNAUTHORIZED": (401, "unauthorized", "Unauthorized"),
    "ACCESS_DENIED": (403, "access_denied", "User is not authorized to access this resource"),
    "MISSING_AUTHENTICATION_TOKEN": (404, "route_not_found", "Route not found"),
    "REQUEST_TOO_LARGE": (413, "payload_too_large", "Request too large"),
    "AUTHORIZER_FAILURE": (500, "authorizer_failure", "The authorizer failed"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, "authorizer_configuration_error",
                                       "The authorizer returned an invalid response"),
}


def error_json(code: str, message: str, details: Any = None) -> bytes:
    return json.dumps({"error": {"code": code, "message": message, "details": details}},
                      ensure_ascii=False).encode()


@dataclass
class _Api:
    """Per-RestApi precomputed data."""

    spec: RestApiDef
    arn_prefix: str  # arn:aws:execute-api:region:account:apiid/stage/
    cors_headers: list[tuple[str, str]]  # on every response
    preflight_headers: list[tuple[str, str]]
    responses: dict[str, Response]


@dataclass
class _RouteInfo:
    route: Route
    api: _Api
    host: FunctionHost
    arn_prefix: str  # ... /stage/METHOD
    target: str  # "GET /auth/me" for logs


class Gateway:
    def __init__(self, template: Template, hosts: Mapping[str, FunctionHost],
                 admin: Callable[[Request], Response | None] | None = None) -> None:
        self.template = template
        self.hosts = hosts
        self.admin = admin
        self.apis: dict[str, _Api] = {k: self._api(v) for k, v in template.rest_apis.items()}
        routes = [
            Route(e.path, e.method, e.function, e.authorizer, e.rest_api, e.name)
            for e in template.api_events if e.function in hosts
        ]
        self.table = RouteTable(routes)
        self.info: dict[tuple[str, str], _RouteInfo] = {}
        for r in routes:
            api = self.apis.get(r.rest_api) or self._fallback_api()
            self.info[(r.path, r.method)] = _RouteInfo(
                r, api, hosts[r.function], f"{api.arn_prefix}{'*' if r.method == 'ANY' else r.method}",
                f"{r.method} {r.path}",
            )
        self.default_api = next(iter(self.apis.values()), None) or self._fallback_api()
        self._auth_cache: dict[tuple[Any, ...], tuple[float, str, Any, Any]] = {}

    # ------------------------------------------------------------------ precomputation
    def _fallback_api(self) -> _Api:
        spec = RestApiDef("ServerlessRestApi", "localapi00", self.template.stage, None, None, {}, {}, ())
        return self._api(spec)

    def _api(self, spec: RestApiDef) -> _Api:
        cors: list[tuple[str, str]] = []
        pre: list[tuple[str, str]] = []
        if spec.cors:
            cors.append(("Access-Control-Allow-Origin", spec.cors.get("AllowOrigin", "*")))
            if spec.cors.get("AllowCredentials"):
                cors.append(("Access-Control-Allow-Credentials", "true"))
            if spec.cors.get("ExposeHeaders"):
                cors.append(("Access-Control-Expose-Headers", spec.cors["ExposeHeaders"]))
            pre = [*cors]
            for key, header in (("AllowMethods", "Access-Control-Allow-Methods"),
                                ("AllowHeaders", "Access-Control-Allow-Headers"),
                                ("MaxAge", "Access-Control-Max-Age")):
                if spec.cors.get(key):
                    pre.append((header, spec.cors[key]))
        api = _Api(spec, f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{spec.api_id}/{spec.stage}/", cors, pre, {})
        for key, (status, code, message) in _DEFAULTS.items():
            gr = spec.gateway_responses.get(key) or GatewayResponse(status, error_json(code, message).decode())
            headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", _ERROR_TYPES[key]),
                       *gr.headers]
            names = {h.lower() for h, _ in headers}
            headers += [h for h in cors if h[0].lower() not in names]
            api.responses[key] = Response(gr.status, headers, gr.body.encode())
        return api

    def gateway_response(self, api: _Api, key: str, status: int | None = None,
                         request_id: str | None = None) -> Response:
        base = api.responses[key]
        headers = list(base.headers)
        if request_id:
            headers.append(("x-amzn-RequestId", request_id))
        return Response(status or base.status, headers, base.body)

    # ------------------------------------------------------------------ request handling
    def __call__(self, req: Request) -> Response:
        raw_path, _, qs = req.target.partition("?")
        if self.admin is not None and (raw_path.startswith(("/_local/", "/docs", "/openapi.json"))
                                       or "/@connections/" in raw_path):
            handled = self.admin(req)
            if handled is not None:
                return handled
        path = unquote(raw_path) if "%" in raw_path else raw_path
        request_id = str(uuid.uuid4())
        api = self.default_api
        match = self.table.match(path)
        if match is None:
            return self.gateway_response(api, "MISSING_AUTHENTICATION_TOKEN", 404, request_id)
        resource, path_params = match
        method = req.method
        if method == "OPTIONS" and "OPTIONS" not in resource.methods:
            # SAM's Cors adds a mock OPTIONS method to every path; it wins over ANY and needs no auth
            info_any = self.info.get((resource.path, next(iter(resource.methods))))
            if info_any is not None and info_any.api.spec.cors:
                return Response(200, [*info_any.api.preflight_headers, ("Content-Type", "application/json"),
                                      ("x-amzn-RequestId", request_id)], b"{}")
        route = resource.route_for(method)
        if route is None and method == "HEAD":
            route = resource.route_for("GET")
        if route is None:
            info_any = self.info.get((resource.path, next(iter(resource.methods))))
            api = info_any.api if info_any else api
            body = error_json("method_not_allowed", f"Método {method} não permitido em {resource.path}.",
                              {"allowed": resource.allow.split(", ")})
            return Response(405, [("Content-Type", "application/json"), ("Allow", resource.allow),
                                  ("x-amzn-RequestId", request_id), *api.cors_headers], body)
        info = self.info[(route.path, route.method)]
        api = info.api
        if len(req.body) > MAX_PAYLOAD:
            return self.gateway_response(api, "REQUEST_TOO_LARGE", 413, request_id)

        query = parse_qsl(qs, keep_blank_values=True) if qs else []
        headers = req.headers
        source_ip = req.client_ip
        user_agent = req.header("user-agent")
        host_hdr = req.header("host") or "127.0.0.1"
        ctx = rest_request_context(
            api_id=api.spec.api_id, stage=api.spec.stage, resource=route.path, method=method, path=path,
            request_id=request_id, source_ip=source_ip, user_agent=user_agent, domain=host_hdr,
        )
        fwd = [("X-Forwarded-For", source_ip), ("X-Forwarded-Proto", "http"),
               ("X-Forwarded-Port", host_hdr.rpartition(":")[2] if ":" in host_hdr else "80")]
        headers = [*headers, *fwd]

        if route.authorizer is not None:
            auth_ctx, denied = self._authorize(info, req, path, headers, query, path_params, ctx, request_id)
            if denied is not None:
                return denied
            ctx = {**ctx, "authorizer": auth_ctx}

        event = rest_event(
            method=method, path=path, resource=route.path, headers=headers, query=query,
            path_params=path_params, body=req.body, request_context=ctx,
            binary_media_types=api.spec.binary_media_types,
        )
        try:
            result = info.host.invoke(event, source="api", target=info.target, request_id=request_id)
        except Exception as exc:
            return Response(502, [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id),
                                  ("x-amzn-ErrorType", "InternalServerErrorException"), *api.cors_headers],
                            error_json("internal_error", "A função falhou ao processar a requisição.",
                                       {"function": info.route.function, "error": type(exc).__name__}))
        return self._to_response(result, api, request_id, info)

    def _authorize(self, info: _RouteInfo, req: Request, path: str, headers: list[tuple[str, str]],
                   query: list[tuple[str, str]], path_params: dict[str, str], ctx: dict[str, Any],
                   request_id: str) -> tuple[dict[str, Any] | None, Response | None]:
        api = info.api
        auth = api.spec.authorizers.get(info.route.authorizer or "")
        if auth is None:
            log.error("route %s uses unknown authorizer %s", info.target, info.route.authorizer)
            return None, self.gateway_response(api, "AUTHORIZER_CONFIGURATION_ERROR", request_id=request_id)
        identity: list[str] = []
        for h in auth.identity_headers:
            v = req.header(h.lower())
            if not v:
                return None, self.gateway_response(api, "UNAUTHORIZED", request_id=request_id)
            identity.append(v)
        if auth.identity_query:
            qd = dict(query)
            for q in auth.identity_query:
                if not qd.get(q):
                    return None, self.gateway_response(api, "UNAUTHORIZED", request_id=request_id)
                identity.append(qd[q])
        method_arn = info.arn_prefix + path
        cache_key = (auth.name, *identity)
        now = time.monotonic()
        cached = self._auth_cache.get(cache_key) if auth.ttl > 0 else None
        if cached is not None and cached[0] > now:
            _, principal, policy, context = cached
            latency = 0
        else:
            host = self.hosts.get(auth.function)
            if host is None:
                return None, self.gateway_response(api, "AUTHORIZER_CONFIGURATION_ERROR", request_id=request_id)
            if auth.payload_type == "TOKEN":
                event = token_authorizer_event(method_arn, identity[0] if identity else "")
            else:
                event = authorizer_event(method_arn=method_arn, resource=info.route.path, path=path,
                                         method=info.route.method if info.route.method != "ANY" else req.method,
                                         headers=headers, query=query, path_params=path_params,
                                         request_context=ctx)
            started = time.perf_counter()
            try:
                result = host.invoke(event, source="authorizer", target=info.target, request_id=request_id)
            except Exception as exc:
                if str(exc) == "Unauthorized":
                    return None, self.gateway_response(api, "UNAUTHORIZED", request_id=request_id)
                return None, self.gateway_response(api, "AUTHORIZER_FAILURE", request_id=request_id)
            latency = int((time.perf_counter() - started) * 1000)
            if not isinstance(result, dict) or "policyDocument" not in result or "principalId" not in result:
                log.warning("authorizer %s returned no principalId/policyDocument", auth.function)
                return None, self.gateway_response(api, "AUTHORIZER_CONFIGURATION_ERROR", request_id=request_id)
            principal, policy, context = str(result["principalId"]), result["policyDocument"], result.get("context")
            if auth.ttl > 0:
                if len(self._auth_cache) > 10_000:
                    self._auth_cache.clear()
                self._auth_cache[cache_key] = (now + auth.ttl, principal, policy, context)
        if not policy_allows(policy, method_arn):
            return None, self.gateway_response(api, "ACCESS_DENIED", request_id=request_id)
        return stringify_context(principal, context, latency), None

    def _to_response(self, result: Any, api: _Api, request_id: str, info: _RouteInfo) -> Response:
        if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int | str):
            log.warning("%s returned a malformed proxy response: %r", info.route.function, type(result))
            return Response(502, [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id),
                                  *api.cors_headers],
                            error_json("internal_error", "Resposta malformada da função.",
                                       {"function": info.route.function}))
        headers: list[tuple[str, str]] = []
        names: set[str] = set()
        multi = result.get("multiValueHeaders")
        if multi:
            for k, values in multi.items():
                names.add(k.lower())
                for v in values if isinstance(values, list) else [values]:
                    headers.append((k, str(v)))
        single = result.get("headers")
        if single:
            for k, v in single.items():
                lk = k.lower()
                if lk not in names:
                    names.add(lk)
                    headers.append((k, str(v)))
        if "content-type" not in names:
            headers.append(("Content-Type", "application/json"))
        for h in api.cors_headers:
            if h[0].lower() not in names:
                headers.append(h)
        headers.append(("x-amzn-RequestId", request_id))
        body = result.get("body")
        if body is None:
            data = b""
        elif result.get("isBase64Encoded"):
            data = base64.b64decode(body)
        else:
            data = body.encode("utf-8") if isinstance(body, str) else str(body).encode("utf-8")
        return Response(int(result["statusCode"]), headers, data)
