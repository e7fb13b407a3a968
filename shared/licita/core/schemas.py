"""Models shared by every API, and the input rules every request model inherits.

:class:`StrictModel` (every request body and query) rejects, before any field is read: NUL bytes and lone UTF-16
surrogates in any string at any depth (PostgreSQL cannot store them), JSON nested deeper than
:data:`MAX_DEPTH` and payloads with more than :data:`MAX_NODES` values. A string field that declares no
``max_length`` is capped at :data:`MAX_TEXT` characters, and the cap is written into the JSON schema so the OpenAPI
document states it. :data:`NotNull` marks a PATCH field that may be omitted but never sent as ``null`` (its
column is NOT NULL); the schema then drops the ``null`` branch.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, core_schema

from licita.core.brazil import is_valid_cnpj, only_digits

MAX_TEXT = 10_000  # characters, for a string field that declares no max_length of its own
MAX_DEPTH = 32  # nesting levels of objects/arrays in one input
MAX_NODES = 100_000  # values (strings, numbers, objects, arrays) in one input
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")

type Loc = tuple[str | int, ...]


def text_problem(value: str) -> tuple[str, str] | None:
    """``(error type, Portuguese message)`` when a string cannot be stored as text, else None."""
    found = _BAD_TEXT.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "string_nul", "texto com caractere nulo (\\u0000), que não é aceito"
    return "string_unicode", "texto com caracteres inválidos (surrogate UTF-16 isolado)"


def find_invalid_input(data: Any) -> tuple[Loc, str, str] | None:
    """The first problem in a decoded JSON value: ``(location, error type, message)``; iterative, never recurses."""
    stack: list[tuple[Loc, Any]] = [((), data)]
    nodes = 0
    while stack:
        loc, value = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            return (), "too_many_values", f"dados grandes demais (máximo {MAX_NODES} valores)"
        if isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                return (loc, *problem)
        elif isinstance(value, dict | list | tuple):
            if len(loc) >= MAX_DEPTH:
                return loc, "too_deep", f"estrutura aninhada demais (máximo {MAX_DEPTH} níveis)"
            if isinstance(value, dict):
                for key, item in value.items():
                    key_problem = text_problem(key) if isinstance(key, str) else None
                    if key_problem is not None:
                        return ((*loc, key), *key_problem)
                    stack.append(((*loc, key), item))
            else:
                stack.extend(((*loc, i), item) for i, item in enumerate(value))
    return None


def _cap_strings(schema: dict[str, Any]) -> None:
    """Write the default string cap where a string property declares none (``enum``/``format`` excluded)."""
    stack: list[Any] = list((schema.get("properties") or {}).values())
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        if (node.get("type") == "string" and "maxLength" not in node and "format" not in node
                and "enum" not in node and "const" not in node):
            node["maxLength"] = MAX_TEXT
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            stack.extend(node.get(key) or [])
        for key in ("items", "additionalProperties"):
            if isinstance(node.get(key), dict):
                stack.append(node[key])


def _document_caps(schema: dict[str, Any], cls: type[Any]) -> None:
    """The JSON schema states what validation enforces: string caps, and no ``default: null`` on NotNull fields."""
    _cap_strings(schema)
    for prop in (schema.get("properties") or {}).values():
        nullable = prop.get("type") == "null" or {"type": "null"} in (prop.get("anyOf") or [])
        if isinstance(prop, dict) and prop.get("default", ...) is None and not nullable:
            del prop["default"]


class Schema(BaseModel):
    """Every API model: validators are built on first use, not at import (cold start)."""

    model_config = ConfigDict(defer_build=True)


class StrictModel(Schema):
    """Request bodies and queries: unknown fields, NUL bytes, runaway nesting and endless strings are a 422."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True, str_max_length=MAX_TEXT,
                              json_schema_extra=_document_caps)

    @model_validator(mode="before")
    @classmethod
    def reject_invalid_input(cls, data: Any) -> Any:
        """Runs before any field, so a NUL never reaches a service, a log line or PostgreSQL."""
        if isinstance(data, dict | list):
            problem = find_invalid_input(data)
            if problem is not None:
                loc, kind, message = problem
                raise ValidationError.from_exception_data(cls.__name__, [InitErrorDetails(
                    type=PydanticCustomError(kind, message), loc=loc, input=None)])
        return data


def _reject_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("null_not_allowed", "não pode ser nulo; omita o campo para manter o valor atual")
    return value


class _NotNull:
    """``Annotated[X | None, NotNull] = None``: may be omitted (None = unchanged), an explicit null is a 422."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_reject_null, handler(source))

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema,
                                     handler: GetJsonSchemaHandler) -> dict[str, Any]:
        js: dict[str, Any] = dict(handler(schema))
        alternatives = [a for a in js.get("anyOf", []) if a != {"type": "null"}]
        if "anyOf" in js and len(alternatives) == 1:
            js = {**alternatives[0], **{k: v for k, v in js.items() if k != "anyOf"}}
        elif "anyOf" in js:
            js["anyOf"] = alternatives
        if js.get("default", ...) is None:
            del js["default"]
        return js


NotNull = _NotNull()


CNPJ_PATTERN = r"^[0-9]{2}\.?[0-9]{3}\.?[0-9]{3}/?[0-9]{4}-?[0-9]{2}$"  # 14 digits, bare or punctuated


def _clean_cnpj(value: str) -> str:
    if not is_valid_cnpj(value):
        raise ValueError("CNPJ inválido (dígitos verificadores não conferem)")
    return only_digits(value)


# A positive integer that fits PostgreSQL's ``integer`` column (versions, numbers): larger is a 422, not a 500.
PositiveInt32 = Annotated[int, Field(ge=1, le=2**31 - 1)]
Cnpj = Annotated[str, Field(min_length=14, max_length=18, pattern=CNPJ_PATTERN,
                            description="CNPJ com 14 dígitos, com ou sem pontuação (00.000.000/0000-00); "
                                        "dígitos verificadores conferidos; guardado só com dígitos"),
                 AfterValidator(_clean_cnpj)]


class Page(Schema):
    """Where a paginated list is: every list endpoint answers with this beside its items."""

    page: int
    page_size: int
    total: int


class Paged[T](Schema):
    """A page of a list: ``class SupplierPage(Paged[SupplierOut]): ...`` (the subclass names it in the OpenAPI)."""

    items: list[T]
    page: Page


class PageQuery(StrictModel):
    """Where in a list to look: every list endpoint's query extends this."""

    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=200)


class ExpiryAfterIssue(StrictModel):
    """A request for a dated document (``issued_on`` and ``expires_on``, both optional): an expiry before the
    issue date is a 422. Declares no field, so the model's own fields keep their order."""

    @model_validator(mode="after")
    def _expiry_after_issue(self) -> Self:
        issued: date | None = getattr(self, "issued_on", None)
        expires: date | None = getattr(self, "expires_on", None)
        if issued and expires and expires < issued:
            raise ValueError("expires_on anterior a issued_on")
        return self


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    error: ErrorDetail
