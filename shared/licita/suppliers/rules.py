"""Pure supplier rules: import row validation and document validity (no I/O)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from licita.core.brazil import UFS, format_cnpj, is_valid_cnpj, only_digits

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EXPIRING_DAYS = 30
TRUE_WORDS = {"sim", "s", "true", "1", "ativo", "yes", "x"}
FALSE_WORDS = {"nao", "não", "n", "false", "0", "inativo", "no"}

Convert = Callable[[str], Any]


@dataclass(frozen=True)
class Column:
    """One importable column: the field it fills, the header names people use for it, its converter."""

    field: str
    headers: tuple[str, ...]
    label: str
    convert: Convert
    required: bool = False


# ------------------------------------------------------------------------------ converters (ValueError = why)
def text(limit: int) -> Convert:
    def convert(value: str) -> str:
        cleaned = " ".join(value.split())
        if len(cleaned) > limit:
            raise ValueError(f"texto com mais de {limit} caracteres")
        return cleaned
    return convert


def cnpj_value(value: str) -> str:
    if not is_valid_cnpj(value):
        raise ValueError("CNPJ inválido (dígitos verificadores não conferem)")
    return only_digits(value)


def uf_value(value: str) -> str:
    uf = value.strip().upper()
    if uf not in UFS:
        raise ValueError(f"UF “{value}” inválida; use a sigla do estado, ex. SP")
    return uf


def email_value(value: str) -> str:
    email = value.strip().lower()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise ValueError(f"e-mail “{value}” inválido")
    return email


def rating_value(value: str) -> int:
    try:
        number = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise ValueError("avaliação deve ser um número de 0 a 5") from None
    if number != number.to_integral_value() or not 0 <= number <= 5:
        raise ValueError("avaliação deve ser um número inteiro de 0 a 5")
    return int(number)


def bool_value(value: str) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("use Sim ou Não")


def list_value(value: str) -> list[str]:
    items: dict[str, str] = {}
    for part in re.split(r"[;,|]", value):
        item = " ".join(part.split())
        if len(item) > 60:
            raise ValueError("categoria com mais de 60 caracteres")
        if item:
            items.setdefault(item.lower(), item)
    return list(items.values())


def money_value(value: str) -> Decimal:
    """``1.234,56`` or ``1234.56`` (or ``R$ 1.234,56``) → Decimal."""
    raw = value.replace("R$", "").strip().replace(" ", "")
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"valor “{value}” não é um número, ex. 1.234,56") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e14"):
        raise ValueError("valor fora do intervalo")
    return amount


SUPPLIER_COLUMNS: tuple[Column, ...] = (
    Column("cnpj", ("cnpj",), "CNPJ", cnpj_value, required=True),
    Column("legal_name", ("razao_social", "nome", "legal_name"), "Razão social", text(200), required=True),
    Column("trade_name", ("nome_fantasia", "fantasia", "trade_name"), "Nome fantasia", text(200)),
    Column("categories", ("categorias", "categoria", "tags", "categories"), "Categorias", list_value),
    Column("email", ("email", "e_mail"), "E-mail", email_value),
    Column("phone", ("telefone", "fone", "phone"), "Telefone", text(30)),
    Column("address", ("endereco", "address"), "Endereço", text(300)),
    Column("city", ("cidade", "municipio", "city"), "Cidade", text(120)),
    Column("uf", ("uf", "estado"), "UF", uf_value),
    Column("notes", ("observacoes", "obs", "notas", "notes"), "Observações", text(5000)),
    Column("rating", ("avaliacao", "nota", "rating"), "Avaliação", rating_value),
    Column("active", ("ativo", "active"), "Ativo", bool_value),
)


def resolve_columns(headers: Sequence[str], columns: Sequence[Column]) -> tuple[dict[str, Column], list[str]]:
    """Header → column it fills; and the required columns the file lacks (by label)."""
    mapping: dict[str, Column] = {}
    for column in columns:
        for header in column.headers:
            if header in headers:
                mapping[header] = column
                break
    present = {c.field for c in mapping.values()}
    missing = [c.label for c in columns if c.required and c.field not in present]
    return mapping, missing


def validate_row(row: Mapping[str, str], mapping: Mapping[str, Column]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """(values, [(column label, why)]) for one spreadsheet row; empty optional cells are left out."""
    values: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for header, column in mapping.items():
        raw = row.get(header, "").strip()
        if not raw:
            if column.required:
                errors.append((column.label, "campo obrigatório vazio"))
            continue
        try:
            values[column.field] = column.convert(raw)
        except ValueError as exc:
            errors.append((column.label, str(exc)))
    return values, errors


def supplier_export_row(s: Any) -> list[Any]:
    return [format_cnpj(s.cnpj), s.legal_name, s.trade_name or "", "; ".join(s.categories or []), s.email or "",
            s.phone or "", s.address or "", s.city or "", s.uf or "", s.notes or "",
            "" if s.rating is None else s.rating, "Sim" if s.active else "Não"]


SUPPLIER_EXPORT_HEADERS = ["CNPJ", "Razão social", "Nome fantasia", "Categorias", "E-mail", "Telefone", "Endereço",
                           "Cidade", "UF", "Observações", "Avaliação", "Ativo"]


# ------------------------------------------------------------------------------ documents
def document_validity(expires_on: date | None, today: date) -> str:
    """``expired`` / ``expiring`` (within 30 days) / ``valid`` / ``undated``."""
    if expires_on is None:
        return "undated"
    if expires_on < today:
        return "expired"
    if expires_on <= today + timedelta(days=EXPIRING_DAYS):
        return "expiring"
    return "valid"
