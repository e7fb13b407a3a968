"""The one place where a Chalice request becomes a validated call into a service, and back.

Every API function declares its routes through :class:`Api`: the route table carries the pydantic
request/response models, so the same declaration validates input, shapes errors, authorizes and feeds
the OpenAPI generator. Handlers receive a :class:`RequestContext` and never touch event shapes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar, cast

from chalice.app import Chalice, Response
from pydantic import BaseModel, ValidationError

from licita.core.actor import Actor
from licita.core.config import get_settings
from licita.core.errors import (
    AppError,
    BadRequest,
    Forbidden,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
    error_body,
)
from licita.core.input_errors import input_error
from licita.core.messages_pt import translate
from licita.core.outage import is_outage, outage_error
from licita.core.schemas import MAX_DEPTH, MAX_TEXT, text_problem
from licita.core.security.principal import Principal, principal_from_context

log = logging.getLogger("licita.core.http")

M = TypeVar("M", bound=BaseModel)
Handler = Callable[["RequestContext[Any, Any]"], Any]
Authenticate = Callable[[str | None], "Principal"]  # verifies a bearer token when no authorizer ran in front
RateLimit = Callable[["Principal"], None]  # raises TooManyRequests
# wraps each handler call: work the composition root wants done once the handler is over (e.g. derived writes)
RequestScope = Callable[[], AbstractContextManager[None]]


@dataclass(frozen=True)
class RouteSpec:
    """What a route is, for validation at run time and for the OpenAPI document."""

    path: str
    method: str
    handler_name: str
    summary: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    public: bool
    permission: str | None
    errors: tuple[int, ...]
    tags: tuple[str, ...]
    allow_pending_password: bool = False
    rate_limited: bool = True


@dataclass
class RequestContext[BodyT = None, QueryT = None]:
    """Everything a handler may read about the caller and the request, already validated.

    Generic over the route's body and query models, so a handler declares what it gets and mypy checks it:
    ``def upload(ctx: RequestContext[TenderUploadRequest, None])`` reads ``ctx.body.filename`` typed. The route
    decorator binds the same types from ``body=`` / ``query=``, so a handler declaring another model (or a bare
    ``RequestContext`` on a route that has a body) is a type error. ``None`` where the route has none.
    """

    principal: Principal | None
    body: BodyT
    query: QueryT
    path_params: dict[str, str]
    headers: Mapping[str, str]
    source_ip: str
    user_agent: str
    request_id: str
    raw_body: bytes = b""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def user(self) -> Principal:
        if self.principal is None:
            raise Unauthorized("Autenticação necessária.")
        return self.principal

    @property
    def actor(self) -> Actor:
        """Who is mutating and from where, for the audit trail."""

        p = self.principal
        return Actor(p.user_id if p else None, p.company_id if p else None, self.source_ip, self.user_agent,
                     self.request_id)


type TypedHandler[B, Q] = Callable[[RequestContext[B, Q]], Any]


def _model(kind: type[Any] | None) -> type[BaseModel] | None:
    """A route's body/query type: a pydantic model (validated and documented), or nothing."""
    if kind is not None and not (isinstance(kind, type) and issubclass(kind, BaseModel)):
        raise TypeError(f"body/query must be a pydantic model, got {kind!r}")
    return kind


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def json_response(payload: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    body = "" if payload is None else json.dumps(to_jsonable(payload), ensure_ascii=False, separators=(",", ":"))
    # Lambda proxy integrations must send CORS headers themselves (the API's Cors block covers preflight only).
    all_headers: dict[str, str | list[str]] = {"Content-Type": "application/json",
                                               "Access-Control-Allow-Origin": get_settings().cors_allow_origin}
    if headers:
        all_headers.update(headers)
    return Response(body=body, status_code=status, headers=all_headers)


def error_response(exc: AppError) -> Response:
    return json_response(exc.body(), exc.status, exc.headers)


@dataclass(frozen=True)
class RawResponse:
    """A handler's non-JSON answer (e.g. a server-rendered HTML page): sent as is, with its content type."""

    body: str
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)


def raw_response(result: RawResponse) -> Response:
    return Response(body=result.body, status_code=result.status,
                    headers={"Content-Type": result.content_type, **result.headers})


def _validation_details(err: ValidationError) -> list[dict[str, Any]]:
    """One entry per problem: ``field`` and pydantic's ``type`` as they are, the message in Portuguese."""
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or None, "message": translate(e), "type": e["type"]}
        for e in err.errors(include_url=False, include_input=False)
    ]


def parse_model(model: type[M], data: Any, *, where: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ValidationFailed(f"Dados inválidos em {where}.", details=_validation_details(err)) from None


def parse_json_body(raw: bytes | str | None, max_bytes: int) -> Any:
    if raw is None or raw in (b"", ""):
        raise BadRequest("Corpo da requisição ausente; envie um JSON.", code="body_required")
    data = raw.encode() if isinstance(raw, str) else raw
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"Corpo da requisição maior que {max_bytes} bytes.")
    try:
        return json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("JSON malformado.", code="malformed_json", details={"reason": str(exc)}) from None
    except RecursionError:  # thousands of nested [ or {: the decoder gives up before StrictModel's depth rule
        raise ValidationFailed(f"JSON aninhado demais (máximo {MAX_DEPTH} níveis).", code="invalid_input") from None


MAX_PATH_PARAM = 200  # characters: ids, tokens and names in a URL path are short


def check_raw_params(path_params: Mapping[str, str], query_params: Mapping[str, str]) -> None:
    """NUL bytes, broken Unicode and endless values in the URL are a 422 before any model or service sees them."""
    details = []
    for where, params, cap in (("path", path_params, MAX_PATH_PARAM), ("query", query_params, MAX_TEXT)):
        for name, value in params.items():
            for text in (name, value):
                problem = text_problem(text) if isinstance(text, str) else None
                if problem is not None:
                    details.append({"field": f"{where}.{name}", "message": problem[1], "type": problem[0]})
                    break
            else:
                if isinstance(value, str) and len(value) > cap:
                    details.append({"field": f"{where}.{name}", "type": "string_too_long",
                                    "message": f"texto longo demais (máximo {cap} caracteres)"})
    if details:
        raise ValidationFailed("Parâmetros inválidos na URL.", code="invalid_input", details=details)


class Api:
    """A Chalice app plus the typed route table that validates, authorizes and documents each route."""

    def __init__(self, name: str, *, tags: Sequence[str] = (), authenticate: Authenticate | None = None,
                 rate_limit: RateLimit | None = None, request_scope: RequestScope | None = None) -> None:
        self.name = name
        self._authenticate = authenticate
        self._rate_limit = rate_limit
        self._request_scope = request_scope
        self.app = Chalice(app_name=name)
        self.app.log.setLevel(logging.INFO)
        self.routes: list[RouteSpec] = []
        self.tags = tuple(tags) or (name,)

    def route[B = None, Q = None](
        self,
        path: str,
        method: str,
        *,
        body: type[B] | None = None,
        query: type[Q] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        public: bool = False,
        permission: str | None = None,
        errors: Sequence[int] = (),
        summary: str = "",
        allow_pending_password: bool = False,
        rate_limited: bool = True,
    ) -> Callable[[TypedHandler[B, Q]], TypedHandler[B, Q]]:
        method = method.upper()

        def decorator(fn: TypedHandler[B, Q]) -> TypedHandler[B, Q]:
            spec = RouteSpec(
                path=path, method=method, handler_name=fn.__name__,
                summary=summary or (fn.__doc__ or "").strip().split("\n")[0],
                body=_model(body), query=_model(query), response=response, status=status, public=public,
                permission=permission, errors=tuple(errors), tags=self.tags,
                allow_pending_password=allow_pending_password, rate_limited=rate_limited,
            )
            self.routes.append(spec)

            def view(**path_params: str) -> Response:
                return self._dispatch(spec, cast(Handler, fn), path_params)

            view.__name__ = fn.__name__
            self.app.route(path, methods=[method], content_types=["*/*"])(view)
            return fn

        return decorator

    def get[B = None, Q = None](self, path: str, *, body: type[B] | None = None, query: type[Q] | None = None,
                                **kw: Any) -> Callable[[TypedHandler[B, Q]], TypedHandler[B, Q]]:
        return self.route(path, "GET", body=body, query=query, **kw)

    def post[B = None, Q = None](self, path: str, *, body: type[B] | None = None, query: type[Q] | None = None,
                                 **kw: Any) -> Callable[[TypedHandler[B, Q]], TypedHandler[B, Q]]:
        return self.route(path, "POST", body=body, query=query, **kw)

    def put[B = None, Q = None](self, path: str, *, body: type[B] | None = None, query: type[Q] | None = None,
                                **kw: Any) -> Callable[[TypedHandler[B, Q]], TypedHandler[B, Q]]:
        return self.route(path, "PUT", body=body, query=query, **kw)

    def patch[B = None, Q = None](self, path: str, *, body: type[B] | None = None, query: type[Q] | None = None,
                                  **kw: Any) -> Callable[[TypedHandler[B, Q]], TypedHandler[B, Q]]:
        return self.route(path, "PATCH", body=body, query=query, **kw)

    def delete[B = None, Q = None](self, path: str, *, body: type[B] | None = None, query: type[Q] | None = None,
                                   **kw: Any) -> Callable[[TypedHandler[B, Q]], TypedHandler[B, Q]]:
        return self.route(path, "DELETE", body=body, query=query, **kw)

    # ------------------------------------------------------------------ dispatch
    def _dispatch(self, spec: RouteSpec, fn: Handler, path_params: dict[str, str]) -> Response:
        started = time.perf_counter()
        request = self.app.current_request
        try:
            ctx = self._build_context(spec, request, path_params)
            with self._request_scope() if self._request_scope else contextlib.nullcontext():
                result = fn(ctx)
            if result is None and spec.status == 204:
                return json_response(None, 204)
            if isinstance(result, RawResponse):
                return raw_response(result)
            if isinstance(result, tuple):
                payload, status = result
                return json_response(payload, status)
            return json_response(result, spec.status)
        except AppError as exc:
            return error_response(exc)
        except Exception as exc:
            if is_outage(exc):
                log.warning("dependency outage in %s %s: %s", spec.method, spec.path, exc)
                return error_response(outage_error())
            if (refused := input_error(exc)) is not None:  # a request model lacks a rule: visible in the logs
                log.warning("input refused by the database in %s %s: %s", spec.method, spec.path, exc)
                return error_response(refused)
            log.exception("unhandled error in %s %s", spec.method, spec.path)
            return json_response(
                error_body("internal_error", "Erro interno; tente novamente. O incidente foi registrado."), 500
            )
        finally:
            log.debug("%s %s %.2f ms", spec.method, spec.path, (time.perf_counter() - started) * 1000)

    def _principal(self, authorizer_ctx: Mapping[str, Any] | None, authorization: str | None) -> Principal:
        if authorizer_ctx and authorizer_ctx.get("user_id"):
            return principal_from_context(authorizer_ctx)
        # No authorizer in front (chalice local, a misconfigured stage): verify the token here.
        if self._authenticate is None:
            raise Unauthorized("Autenticação necessária.")
        return self._authenticate(authorization)

    def _build_context(self, spec: RouteSpec, request: Any, path_params: dict[str, str]) -> RequestContext[Any, Any]:
        settings = get_settings()
        headers = request.headers
        ctx_raw = request.context or {}
        identity = ctx_raw.get("identity") or {}
        source_ip = identity.get("sourceIp") or "0.0.0.0"
        user_agent = headers.get("user-agent", "")[:512]
        request_id = ctx_raw.get("requestId") or headers.get("x-request-id") or uuid.uuid4().hex

        principal = None
        if not spec.public:
            principal = self._principal(ctx_raw.get("authorizer"), headers.get("authorization"))
            if principal.must_change_password and not spec.allow_pending_password:
                raise Forbidden("Defina uma nova senha antes de continuar.", code="password_change_required")
            if spec.permission and not principal.can(spec.permission):
                raise Forbidden("Permissão insuficiente.", details={"required": spec.permission})
            if spec.rate_limited and self._rate_limit is not None:
                self._rate_limit(principal)

        raw_query = dict(request.query_params or {})
        check_raw_params(path_params, raw_query)
        raw = request.raw_body or b""
        body: Any = None
        if spec.body is not None:
            ctype = headers.get("content-type", "application/json").split(";")[0].strip().lower()
            if ctype != "application/json":
                raise UnsupportedMediaType(
                    "Envie o corpo como application/json.", details={"content_type": ctype}
                )
            body = parse_model(spec.body, parse_json_body(raw, settings.max_body_bytes), where="body")
        elif len(raw) > settings.max_body_bytes:
            raise PayloadTooLarge(f"Corpo da requisição maior que {settings.max_body_bytes} bytes.")

        query: Any = None
        if spec.query is not None:
            query = parse_model(spec.query, raw_query, where="query")

        return RequestContext(
            principal=principal, body=body, query=query, path_params=path_params,
            headers=headers, source_ip=source_ip, user_agent=user_agent, request_id=request_id,
            raw_body=raw,
        )
