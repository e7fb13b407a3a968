"""Pure form rules: the built-in templates, JSON Schema 2020-12 checks, Portuguese validation messages that
name the field and the rule, and CSV flattening."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _builtin(name: str, description: str, required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    """A built-in template: its name is the schema's title; every field not listed is refused."""
    return {"name": name, "description": description,
            "schema": {"$schema": DIALECT, "type": "object", "title": name, "required": required,
                       "properties": properties, "additionalProperties": False}}


BUILTINS: dict[str, dict[str, Any]] = {
    "checklist_habilitacao": _builtin(
        "Checklist de habilitação", "Documentos de habilitação exigidos (Lei 14.133/2021, arts. 62 a 70).",
        ["habilitacao_juridica", "regularidade_fiscal", "qualificacao_economica"],
        {
            "habilitacao_juridica": {"type": "boolean", "title": "Habilitação jurídica (contrato social)"},
            "regularidade_fiscal": {"type": "boolean", "title": "Regularidade fiscal e trabalhista (CNDs)"},
            "qualificacao_tecnica": {"type": "boolean", "title": "Qualificação técnica (atestados)"},
            "qualificacao_economica": {"type": "boolean", "title": "Qualificação econômico-financeira"},
            "declaracoes": {"type": "boolean", "title": "Declarações exigidas no edital"},
            "validade_certidoes": {"type": "string", "format": "date", "title": "Certidão que vence primeiro"},
            "observacoes": {"type": "string", "maxLength": 2000, "title": "Observações"},
        }),
    "analise_viabilidade": _builtin(
        "Análise de viabilidade (go / no-go)", "Decisão de participar: margem, riscos, capacidade de entrega.",
        ["decisao", "margem_estimada", "risco"],
        {
            "decisao": {"enum": ["go", "no-go"], "title": "Decisão"},
            "margem_estimada": {"type": "number", "minimum": -100, "maximum": 100, "title": "Margem estimada (%)"},
            "risco": {"enum": ["baixo", "medio", "alto"], "title": "Risco"},
            "capacidade_entrega": {"type": "boolean", "title": "Temos capacidade de entrega"},
            "concorrentes": {"type": "integer", "minimum": 0, "title": "Concorrentes esperados"},
            "justificativa": {"type": "string", "minLength": 10, "maxLength": 4000, "title": "Justificativa"},
        }),
}

_RULES = {
    "required": "é obrigatório", "type": "tem o tipo errado", "enum": "não é uma das opções permitidas",
    "minimum": "é menor que o mínimo", "maximum": "é maior que o máximo", "minLength": "é curto demais",
    "maxLength": "é longo demais", "pattern": "não segue o formato exigido", "format": "não segue o formato",
    "additionalProperties": "não é um campo deste formulário", "const": "não tem o valor exigido",
    "minItems": "tem itens de menos", "maxItems": "tem itens demais", "exclusiveMinimum": "deve ser maior",
    "exclusiveMaximum": "deve ser menor", "uniqueItems": "tem itens repetidos",
}
_TYPES = {"string": "texto", "number": "número", "integer": "número inteiro", "boolean": "sim/não",
          "object": "objeto", "array": "lista", "null": "vazio"}


def check_schema(schema: Mapping[str, Any]) -> list[str]:
    """Problems with a template's schema (draft 2020-12 only, an object at the root); empty means valid."""
    from jsonschema import Draft202012Validator  # noqa: PLC0415  (heavy: jsonschema, only when a form is validated)
    from jsonschema.exceptions import SchemaError  # noqa: PLC0415  (heavy: jsonschema, only when a form is validated)

    problems = []
    if schema.get("$schema", DIALECT) != DIALECT:
        problems.append(f"use o dialeto {DIALECT}")
    if schema.get("type") != "object":
        problems.append("a raiz do formulário deve ser um objeto (\"type\": \"object\")")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        problems.append(f"esquema inválido: {exc.message}")
    if len(json.dumps(schema)) > 100_000:
        problems.append("esquema grande demais (máx. 100 KB)")
    return problems


def validate(schema: Mapping[str, Any], data: Any) -> list[dict[str, str]]:
    """Every error as {field, rule, message} in Portuguese, in a stable order."""
    from jsonschema import Draft202012Validator, FormatChecker  # noqa: PLC0415  (heavy: jsonschema, only when a form is validated)

    validator = Draft202012Validator(dict(schema), format_checker=FormatChecker())
    out = []
    for err in sorted(validator.iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.validator)):
        path = ".".join(str(p) for p in err.absolute_path)
        rule = str(err.validator)
        if rule == "required":
            missing = str(err.message).split("'")[1] if "'" in err.message else ""
            path = f"{path}.{missing}" if path else missing
        elif rule == "additionalProperties":
            extra = sorted(set(data_keys(err.instance)) - set((err.schema or {}).get("properties", {})))
            path = ".".join(p for p in (path, ",".join(extra)) if p)
        title = _title(schema, path)
        detail = _RULES.get(rule, f"não atende à regra {rule}")
        if rule == "type":
            detail += f" (esperado: {_TYPES.get(str(err.validator_value), err.validator_value)})"
        elif rule in ("minimum", "maximum", "minLength", "maxLength"):
            detail += f" ({err.validator_value})"
        elif rule == "enum":
            detail += f" ({', '.join(map(str, err.validator_value))})"
        out.append({"field": path or "(formulário)", "rule": rule, "message": f"O campo “{title}” {detail}."})
    return out


def data_keys(value: Any) -> list[str]:
    return [str(k) for k in value] if isinstance(value, dict) else []


def _title(schema: Mapping[str, Any], path: str) -> str:
    node: Any = schema
    for part in path.split(".") if path else []:
        node = (node.get("properties") or {}).get(part) if isinstance(node, dict) else None
        if node is None:
            return path
    return str(node.get("title") or path) if isinstance(node, dict) and path else (path or "formulário")


def to_csv(columns: list[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """One line per submission; nested values as JSON; formula-looking cells neutralised for spreadsheets."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buf.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False
