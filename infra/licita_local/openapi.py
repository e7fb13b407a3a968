"""OpenAPI 3.1 from the functions' typed route tables (``api.routes``) and pydantic models.

The functions already declare body/query/response models, status, public flag and extra errors per
route (licita.core.http.Api); the template says which functions exist. Routes in the template whose module
has no ``api`` table still appear, undocumented, so the document never hides an endpoint.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from licita_local.functions import FunctionHost
from licita_local.template import Template

log = logging.getLogger("licita.local.openapi")

STANDARD_ERRORS: dict[int, str] = {
    400: "Requisição inválida (JSON malformado, corpo ausente).",
    401: "Autenticação necessária, token inválido ou sessão encerrada.",
    403: "Permissão insuficiente.",
    404: "Recurso não encontrado.",
    409: "Conflito com o estado atual.",
    413: "Corpo da requisição grande demais.",
    415: "Tipo de conteúdo não suportado (envie application/json).",
    422: "Dados inválidos (detalhes por campo).",
    429: "Muitas requisições (veja Retry-After).",
    500: "Erro interno.",
    503: "Serviço indisponível no momento.",
}
_PARAM = re.compile(r"\{([^}+]+)\+?\}")

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message", "details"],
        "properties": {
            "code": {"type": "string", "description": "Stable machine-readable code", "examples": ["unauthorized"]},
            "message": {"type": "string", "description": "Human message (pt-BR)"},
            "details": {"description": "Extra context, e.g. per-field validation errors"},
        },
    }},
}


def _area(model: Any) -> str:
    """``licita.forms.schemas`` -> ``forms``: the prefix that tells two areas' same-named models apart."""
    parts = str(getattr(model, "__module__", "model")).split(".")
    return parts[-2] if len(parts) >= 2 else parts[-1]


class _Schemas:
    """Collects model schemas into components, hoisting ``$defs``."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {"Error": ERROR_SCHEMA}
        self._seen: dict[str, Any] = {}

    def ref(self, model: Any, mode: str = "validation") -> dict[str, str]:
        key = getattr(model, "__name__", "Model")
        if key in self._seen and self._seen[key] is not model:
            key = f"{_area(model)}_{key}"
        if key not in self.components:
            schema = self._hoist(model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode),
                                 model)
            self.components[key] = schema
            self._seen[key] = model
        return {"$ref": f"#/components/schemas/{key}"}

    def _hoist(self, schema: dict[str, Any], model: Any) -> dict[str, Any]:
        """Move ``$defs`` into components. Two areas may each have a ``TemplateOut``: a nested model whose name is
        taken by a different schema gets a module-prefixed name, and this schema's references follow it."""
        defs: dict[str, Any] = schema.pop("$defs", None) or {}
        renames: dict[str, str] = {}
        prefix = _area(model)
        for def_name, def_schema in defs.items():
            if def_name in self.components and self.components[def_name] != def_schema:
                new, n = f"{prefix}_{def_name}", 2
                while new in self.components and self.components[new] != def_schema:
                    new, n = f"{prefix}_{def_name}_{n}", n + 1
                renames[def_name] = new
        if renames:
            text = json.dumps({"schema": schema, "defs": defs})
            for old, new in renames.items():
                text = text.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
            moved = json.loads(text)
            schema, defs = moved["schema"], {renames.get(k, k): v for k, v in moved["defs"].items()}
        for def_name, def_schema in defs.items():
            self.components.setdefault(def_name, def_schema)
        return schema

    def query_parameters(self, model: Any) -> list[dict[str, Any]]:
        schema = self._hoist(model.model_json_schema(ref_template="#/components/schemas/{model}"), model)
        required = set(schema.get("required") or [])
        params = []
        for name, prop in (schema.get("properties") or {}).items():
            p: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if "description" in prop:
                p["description"] = prop["description"]
            if prop.get("type") == "array":  # one value per name reaches the API: a list is `a,b,c`
                p["style"], p["explode"] = "form", False
            params.append(p)
        return params


def _path_parameters(path: str) -> list[dict[str, Any]]:
    """Path parameters as the API checks them: short text without NUL (licita.core.http.check_raw_params)."""
    from licita.core.http import MAX_PATH_PARAM

    return [{"name": name, "in": "path", "required": True,
             "schema": {"type": "string", "minLength": 1, "maxLength": MAX_PATH_PARAM, "pattern": "^[^\\x00]*$"}}
            for name in _PARAM.findall(path)]


def _error_responses(codes: Iterable[int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for c in sorted(set(codes)):
        if c in STANDARD_ERRORS:
            out[str(c)] = {"$ref": f"#/components/responses/E{c}"}
        else:
            out[str(c)] = {"description": f"Erro {c}", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}
    return out


def _operation(spec: Any, function: str, schemas: _Schemas, op_ids: set[str], api_name: str) -> dict[str, Any]:
    op_id = f"{api_name}_{spec.handler_name}"
    n = 2
    while op_id in op_ids:
        op_id = f"{api_name}_{spec.handler_name}_{n}"
        n += 1
    op_ids.add(op_id)
    op: dict[str, Any] = {
        "operationId": op_id,
        "tags": list(spec.tags),
        "summary": spec.summary or spec.handler_name.replace("_", " "),
        "x-function": function,
    }
    params = _path_parameters(spec.path)
    if spec.query is not None:
        params += schemas.query_parameters(spec.query)
    if params:
        op["parameters"] = params
    if spec.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": schemas.ref(spec.body)}}}
    ok: dict[str, Any] = {"description": "OK" if spec.status != 204 else "No Content"}
    if spec.response is not None and spec.status != 204:
        ok["content"] = {"application/json": {"schema": schemas.ref(spec.response, "serialization")}}
    errors = set(spec.errors) | {500, 503}  # 503: a store is down (licita.core.outage)
    if spec.body is not None:
        errors |= {400, 413, 415, 422}
    if spec.query is not None or _PARAM.search(spec.path):
        errors |= {422}  # model rules, and NUL/size in URL parameters (licita.core.http.check_raw_params)
    if spec.method in {"POST", "PUT", "PATCH", "DELETE"}:
        errors |= {409, 422}  # the database net: a duplicate, or a value it refuses (licita.core.input_errors)
    if not spec.public:
        errors |= {401}
        if getattr(spec, "rate_limited", False):
            errors |= {429}
        if getattr(spec, "allow_pending_password", True) is False:
            errors |= {403}
        op["security"] = [{"bearerAuth": []}]
    else:
        op["security"] = []
    if spec.permission:
        errors |= {403}
        op["x-permission"] = spec.permission
        op["description"] = f"Requer a permissão `{spec.permission}`."
    if _PARAM.search(spec.path):
        errors |= {404}
    op["responses"] = {str(spec.status): ok, **_error_responses(errors)}
    return op


def route_specs(module: Any) -> tuple[str, list[Any]] | None:
    """The ``api`` object of a function module (duck-typed: modules may be reloaded)."""
    api = getattr(module, "api", None)
    routes = getattr(api, "routes", None)
    if api is None or not isinstance(routes, list):
        return None
    return str(getattr(api, "name", "api")), routes


def build_openapi(template: Template, hosts: Mapping[str, FunctionHost], server_url: str,
                  title: str = "Licita API", version: str = "0.1.0") -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    op_ids: set[str] = set()
    documented: set[tuple[str, str]] = set()
    tags: dict[str, None] = {}
    problems: list[str] = []
    for fn in template.functions.values():
        if not fn.api_events or fn.logical_id not in hosts:
            continue
        try:
            found = route_specs(hosts[fn.logical_id].module())
        except Exception as exc:
            problems.append(f"{fn.logical_id}: {type(exc).__name__}: {exc}")
            found = None
        if found is None:
            continue
        api_name, specs = found
        for spec in specs:
            op = _operation(spec, fn.logical_id, schemas, op_ids, api_name)
            paths.setdefault(spec.path, {})[spec.method.lower()] = op
            documented.add((spec.path, spec.method))
            for t in spec.tags:
                tags[t] = None
    for ev in template.api_events:  # undocumented template routes still show up
        if (ev.path, ev.method) in documented:
            continue
        op = {"operationId": f"{ev.function}_{ev.name}", "summary": f"{ev.method} {ev.path} (undocumented)",
              "tags": [ev.function], "x-function": ev.function,
              "security": [{"bearerAuth": []}] if ev.authorizer else [],
              "responses": {"200": {"description": "OK"}, **_error_responses({500})}}
        params = _path_parameters(ev.path)
        if params:
            op["parameters"] = params
        paths.setdefault(ev.path, {})[ev.method.lower() if ev.method != "ANY" else "get"] = op
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version,
                 "description": "Gerado pelo runtime local a partir de template.yaml e das tabelas de rotas "
                                "das funções (licita.core.http.Api). Erros seguem `{\"error\": {code, message, "
                                "details}}`."},
        "servers": [{"url": server_url, "description": "licita-local"}],
        "tags": [{"name": t} for t in tags],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas.components,
            "responses": {f"E{code}": {"description": text, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}} for code, text in STANDARD_ERRORS.items()},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
    if problems:
        doc["info"]["x-load-errors"] = problems
    return doc
