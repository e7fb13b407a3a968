"""The fields the model is asked for (EXTRACTION.md), as a JSON schema for the wire and pydantic for checking.

Both are generated from one table so they cannot drift. Validation is per field: one bad field
(a value outside its vocabulary, a malformed date) is recorded and dropped, the others survive.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model

from licita.core.time import BRT
from licita.extraction.models import FIELD_NAMES as CATALOGUE_NAMES
from licita.extraction.models import VOCABULARIES

__all__ = ["FIELD_NAMES", "FIELD_SPECS", "SPECS_BY_NAME", "VOCABULARIES", "FieldSpec", "ValidatedAnswer",
           "field_model", "tender_json_schema", "validate_answer"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: Literal["enum", "string", "digits", "boolean", "number", "integer", "datetime", "text"]
    description: str
    vocabulary: tuple[str, ...] = field(default=())
    digits: int | None = None  # exact length for "digits" fields (CNPJ)


# How the model is asked for each catalogue field (licita.extraction.models holds the names and vocabularies).
_ASKED: dict[str, tuple[Any, str, int | None]] = {
    "document_kind": ("enum", "tipo do documento", None),
    "modality": ("enum", "modalidade da licitação", None),
    "number": ("string", "número do edital/pregão como escrito, ex. 012/2025", None),
    "process_number": ("string", "número do processo administrativo como escrito", None),
    "agency": ("text", "órgão ou entidade que licita", None),
    "agency_cnpj": ("digits", "CNPJ do órgão, só os 14 dígitos", 14),
    "uasg": ("digits", "código UASG (Compras.gov), só dígitos", None),
    "object": ("text", "objeto da licitação, paráfrase curta", None),
    "srp": ("boolean", "true se for Sistema de Registro de Preços", None),
    "award_criterion": ("enum", "critério de julgamento", None),
    "dispute_mode": ("enum", "modo de disputa", None),
    "session_datetime": ("datetime", "data e hora da sessão pública, ISO 8601 com -03:00", None),
    "estimated_value": ("number", "valor total estimado em reais; null se sigiloso", None),
    "items_count": ("integer", "quantidade de itens (ou lotes) da tabela principal", None),
    "me_epp": ("enum", "tratamento ME/EPP", None),
    "platform": ("enum", "plataforma da sessão eletrônica", None),
    "legal_basis": ("enum", "base legal", None),
}
FIELD_SPECS: tuple[FieldSpec, ...] = tuple(
    FieldSpec(name, _ASKED[name][0], _ASKED[name][1], VOCABULARIES.get(name, ()), _ASKED[name][2])
    for name in CATALOGUE_NAMES
)
FIELD_NAMES: tuple[str, ...] = tuple(s.name for s in FIELD_SPECS)
SPECS_BY_NAME: dict[str, FieldSpec] = {s.name: s for s in FIELD_SPECS}

_QUOTE_MAX = 400


# --- JSON schema (what goes on the wire) --------------------------------------------------------------


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    # anyOf rather than "type": [.., "null"]: llama.cpp's grammar converter drops "enum" on type lists
    return {"anyOf": [schema, {"type": "null"}]}


def _value_schema(spec: FieldSpec) -> dict[str, Any]:
    match spec.kind:
        case "enum":
            return _nullable({"type": "string", "enum": list(spec.vocabulary)})
        case "boolean":
            return _nullable({"type": "boolean"})
        case "number":
            return _nullable({"type": "number"})
        case "integer":
            return _nullable({"type": "integer"})
        case _:
            return _nullable({"type": "string"})


@cache
def _schema() -> dict[str, Any]:
    properties = {
        spec.name: {
            "type": "object",
            "description": spec.description,
            "properties": {
                "value": _value_schema(spec),
                "page": _nullable({"type": "integer"}),
                "quote": _nullable({"type": "string"}),
            },
            "required": ["value", "page", "quote"],
            "additionalProperties": False,
        }
        for spec in FIELD_SPECS
    }
    return {"type": "object", "properties": properties, "required": list(FIELD_NAMES), "additionalProperties": False}


def tender_json_schema() -> dict[str, Any]:
    """A fresh copy of the strict JSON schema (OpenAI structured outputs / Ollama ``format``)."""
    return copy.deepcopy(_schema())


# --- pydantic (what the answer is checked with) ---------------------------------------------------------


def _strip_str(v: Any) -> Any:
    if isinstance(v, str):
        v = v.strip()
        if v == "" or v.lower() in ("null", "none", "n/a", "nao informado", "não informado"):
            return None
    return v


def _enum_before(v: Any) -> Any:
    v = _strip_str(v)
    if isinstance(v, str):
        folded = unicodedata.normalize("NFKD", v).encode("ascii", "ignore").decode().lower()
        return re.sub(r"[\s\-/]+", "_", folded)
    return v


def _digits_before(v: Any) -> Any:
    v = _strip_str(v)
    if isinstance(v, int) and not isinstance(v, bool):
        v = str(v)
    if isinstance(v, str):
        digits = re.sub(r"\D", "", v)
        if not digits:
            raise ValueError(f"no digits in {v!r}")
        return digits
    return v


_MONEY = re.compile(r"^(?:R\$)?\s*([\d.,]+)$")


def _money_before(v: Any) -> Any:
    v = _strip_str(v)
    if isinstance(v, str):
        m = _MONEY.match(v.replace(" ", ""))
        if not m:
            raise ValueError(f"not an amount: {v!r}")
        text = m.group(1)
        if "," in text:  # Brazilian: 1.234.567,89
            text = text.replace(".", "").replace(",", ".")
        elif text.count(".") > 1 or re.search(r"\.\d{3}$", text):
            text = text.replace(".", "")
        return float(text)
    return v


def _datetime_before(v: Any) -> Any:
    v = _strip_str(v)
    if isinstance(v, str):
        try:
            dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"not ISO 8601: {v!r}") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=BRT)  # EXTRACTION.md: Brasília time unless stated otherwise
        return dt.isoformat()
    return v


def _quote_before(v: Any) -> Any:
    v = _strip_str(v)
    if isinstance(v, str) and len(v) > _QUOTE_MAX:
        return v[:_QUOTE_MAX]
    return v


def _page_before(v: Any) -> Any:
    v = _strip_str(v)
    if isinstance(v, str):
        m = re.search(r"\d+", v)
        return int(m.group()) if m else None
    return v


def _value_type(spec: FieldSpec) -> Any:
    match spec.kind:
        case "enum":
            literal = cast(Any, Literal)[spec.vocabulary]
            return Annotated[literal | None, BeforeValidator(_enum_before)]
        case "boolean":
            return Annotated[bool | None, BeforeValidator(_strip_str)]
        case "number":
            return Annotated[Annotated[float, Field(ge=0)] | None, BeforeValidator(_money_before)]
        case "integer":
            return Annotated[Annotated[int, Field(ge=0)] | None, BeforeValidator(_strip_str)]
        case "datetime":
            return Annotated[str | None, BeforeValidator(_datetime_before)]
        case "digits":
            pattern = rf"^\d{{{spec.digits}}}$" if spec.digits else r"^\d+$"
            return Annotated[Annotated[str, Field(pattern=pattern)] | None, BeforeValidator(_digits_before)]
        case _:
            return Annotated[Annotated[str, Field(max_length=2000)] | None, BeforeValidator(_strip_str)]


class _CitedBase(BaseModel):
    model_config = ConfigDict(extra="ignore")


@cache
def field_model(name: str) -> type[BaseModel]:
    """The pydantic model of one cited field: {value, page, quote}."""
    spec = SPECS_BY_NAME[name]
    model: type[BaseModel] = create_model(
        f"Cited_{name}",
        __base__=_CitedBase,
        value=(_value_type(spec), None),
        page=(Annotated[Annotated[int, Field(ge=1)] | None, BeforeValidator(_page_before)], None),
        quote=(Annotated[str | None, BeforeValidator(_quote_before)], None),
    )
    return model


@dataclass
class ValidatedAnswer:
    """Fields that passed validation (plain dicts) and one record per problem found."""

    fields: dict[str, dict[str, Any]]
    errors: list[dict[str, Any]]

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_answer(data: dict[str, Any] | None) -> ValidatedAnswer:
    """Check a parsed model answer field by field; invalid fields are dropped and reported."""
    if data is None:
        return ValidatedAnswer({}, [{"field": None, "type": "not_json", "message": "answer was not a JSON object"}])
    # models sometimes nest the object, e.g. {"fields": {...}}
    if "fields" in data and isinstance(data["fields"], dict) and not (set(data) & set(FIELD_NAMES)):
        data = data["fields"]
    fields: dict[str, dict[str, Any]] = {}
    errors: list[dict[str, Any]] = []
    for name in FIELD_NAMES:
        if name not in data:
            errors.append({"field": name, "type": "missing", "message": "field absent from the answer"})
            continue
        raw = data[name]
        if not isinstance(raw, dict):
            errors.append({"field": name, "type": "not_an_object", "message": "expected {value, page, quote}",
                           "input": _short(raw)})
            raw = {"value": raw, "page": None, "quote": None}
        try:
            parsed = field_model(name).model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                errors.append({"field": name, "type": err["type"], "loc": ".".join(str(p) for p in err["loc"]),
                               "message": err["msg"], "input": _short(err.get("input"))})
            continue
        except Exception as exc:  # a validator bug must cost one field, not the answer
            errors.append({"field": name, "type": "internal", "message": f"{type(exc).__name__}: {exc}"[:200]})
            continue
        fields[name] = parsed.model_dump()
    unexpected = sorted(set(data) - set(FIELD_NAMES))
    if unexpected:
        errors.append({"field": None, "type": "unexpected_keys", "message": ", ".join(unexpected)[:200]})
    return ValidatedAnswer(fields, errors)


def _short(v: Any) -> Any:
    if isinstance(v, str) and len(v) > 200:
        return v[:200] + "…"
    if isinstance(v, (dict, list)):
        text = repr(v)
        return text[:200] + ("…" if len(text) > 200 else "")
    return v
