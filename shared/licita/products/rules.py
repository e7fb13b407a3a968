"""Pure product rules: catalogue codes (CATMAT/CATSER/NCM) and import columns."""

from __future__ import annotations

import re

from licita.suppliers.rules import Column, bool_value, text

CODE_PATTERNS = {"catmat": re.compile(r"^\d{1,9}$"), "catser": re.compile(r"^\d{1,9}$"),
                 "ncm": re.compile(r"^\d{8}$")}
CODE_HINTS = {"catmat": "até 9 dígitos", "catser": "até 9 dígitos", "ncm": "8 dígitos, ex. 4802.56.10"}


def check_code(kind: str | None, code: str | None) -> str | None:
    """Normalised code (digits) for its kind; ValueError (Portuguese) when it does not fit."""
    if code is None or not code.strip():
        return None
    if kind is None:
        raise ValueError("informe code_kind (catmat, catser ou ncm) junto com o código")
    digits = re.sub(r"[.\-\s]", "", code)
    if kind not in CODE_PATTERNS or not CODE_PATTERNS[kind].match(digits):
        raise ValueError(f"código {kind.upper()} inválido: {CODE_HINTS.get(kind, '')}")
    return digits


def code_kind_value(value: str) -> str:
    kind = value.strip().lower()
    if kind not in CODE_PATTERNS:
        raise ValueError("tipo de código deve ser CATMAT, CATSER ou NCM")
    return kind


PRODUCT_COLUMNS: tuple[Column, ...] = (
    Column("description", ("descricao", "produto", "description"), "Descrição", text(2000), required=True),
    Column("unit", ("unidade", "un", "unit"), "Unidade", text(40), required=True),
    Column("code_kind", ("tipo_codigo", "tipo_de_codigo", "code_kind"), "Tipo de código", code_kind_value),
    Column("code", ("codigo", "catmat", "catser", "ncm", "code"), "Código", text(20)),
    Column("brand", ("marca", "brand"), "Marca", text(120)),
    Column("model", ("modelo", "model"), "Modelo", text(120)),
    Column("category", ("categoria", "category"), "Categoria", text(80)),
    Column("active", ("ativo", "active"), "Ativo", bool_value),
)
PRODUCT_EXPORT_HEADERS = ["Descrição", "Unidade", "Tipo de código", "Código", "Marca", "Modelo", "Categoria", "Ativo"]


def finish_row(values: dict[str, object], header_kind: str | None) -> dict[str, object]:
    """Cross-column checks of an imported row (code against its kind); ValueError names the problem.

    ``header_kind`` is the kind implied by a column named ``catmat``/``catser``/``ncm`` when no kind column."""
    kind = values.get("code_kind") or header_kind
    code = values.get("code")
    if code:
        values["code_kind"] = kind
        values["code"] = check_code(str(kind) if kind else None, str(code))
    return values
