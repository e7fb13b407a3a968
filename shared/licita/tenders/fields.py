"""The API side of the tender field catalogue: converters and typed columns, keyed by the engine's names.

The names and vocabularies live in ``licita.extraction.models`` (the one catalogue); this module only adds
how a value is checked when a person corrects it, which column holds it, and how it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from licita.core.brazil import is_valid_cnpj, only_digits
from licita.core.time import BRT
from licita.extraction.models import FIELD_NAMES, VOCABULARIES
from licita.tenders.models import Tender

MODALITY_LABELS = {
    "pregao_eletronico": "Pregão Eletrônico", "pregao_presencial": "Pregão Presencial",
    "concorrencia_eletronica": "Concorrência Eletrônica", "concorrencia_presencial": "Concorrência Presencial",
    "tomada_de_precos": "Tomada de Preços", "convite": "Convite",
    "dispensa_eletronica": "Dispensa Eletrônica", "dispensa": "Dispensa", "inexigibilidade": "Inexigibilidade",
    "credenciamento": "Credenciamento", "leilao": "Leilão", "concurso": "Concurso",
    "dialogo_competitivo": "Diálogo Competitivo",
}


# A correction of one of these rebuilds the tender's deadlines (the session date, and the legal basis that
# annotates the statutory cut-offs) ...
DEADLINE_FIELDS = frozenset({"session_datetime", "legal_basis"})
# ... and these, with the title (modality and number, see tender_title), are all a tender's calendar events
# are made of: a correction of any other field cannot change them.
SCHEDULE_FIELDS = DEADLINE_FIELDS | {"modality", "number"}


def _text(limit: int) -> Callable[[Any], Any]:
    def convert(value: Any) -> str:
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise ValueError("deve ser um texto")
        text = " ".join(str(value).split())
        if not text:
            raise ValueError("não pode ser vazio (use null)")
        if len(text) > limit:
            raise ValueError(f"no máximo {limit} caracteres")
        return text
    return convert


def _vocabulary(name: str) -> Callable[[Any], Any]:
    allowed = frozenset(VOCABULARIES[name])

    def convert(value: Any) -> str:
        if not isinstance(value, str) or value.strip().lower() not in allowed:
            raise ValueError(f"use um de: {', '.join(sorted(allowed))}")
        return value.strip().lower()
    return convert


def _cnpj(value: Any) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValueError("deve ser um CNPJ")
    digits = only_digits(str(value)).zfill(14) if isinstance(value, int) else only_digits(value)
    if not is_valid_cnpj(digits):
        raise ValueError("CNPJ inválido (dígitos verificadores)")
    return digits


def _uasg(value: Any) -> str:
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not re.fullmatch(r"\d{1,12}", text):
        raise ValueError("UASG deve ter só dígitos")
    return text


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("deve ser true ou false")
    return value


def _datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("deve ser data e hora ISO 8601, ex. 2025-11-19T09:30:00-03:00")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("deve ser data e hora ISO 8601, ex. 2025-11-19T09:30:00-03:00") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=BRT)


def _money(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("deve ser um número em reais")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("deve ser um número em reais, ex. 12345.67") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e16"):
        raise ValueError("valor fora do intervalo")
    return amount.quantize(Decimal("0.01"))


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 1_000_000:
        raise ValueError("deve ser um inteiro não negativo")
    return value


@dataclass(frozen=True)
class FieldSpec:
    column: str
    convert: Callable[[Any], Any]


# Catalogue field -> tender column and validator; vocabularies are checked against the catalogue's.
_CONVERTERS: dict[str, FieldSpec] = {
    "number": FieldSpec("number", _text(60)),
    "process_number": FieldSpec("process_number", _text(80)),
    "agency": FieldSpec("agency", _text(300)),
    "agency_cnpj": FieldSpec("agency_cnpj", _cnpj),
    "uasg": FieldSpec("uasg", _uasg),
    "object": FieldSpec("object", _text(5000)),
    "srp": FieldSpec("srp", _bool),
    "session_datetime": FieldSpec("session_at", _datetime),
    "estimated_value": FieldSpec("estimated_value", _money),
    "items_count": FieldSpec("items_count", _count),
}
# In the catalogue's order (the order shown to users); a name without a converter fails at import.
FIELD_SPECS: dict[str, FieldSpec] = {
    name: FieldSpec(name, _vocabulary(name)) if name in VOCABULARIES else _CONVERTERS[name] for name in FIELD_NAMES
}
__all__ = ["FIELD_NAMES", "FIELD_SPECS", "MODALITY_LABELS", "FieldSpec", "apply_columns", "convert_field",
           "effective_value", "tender_title"]


def convert_field(name: str, value: Any) -> Any:
    """Validated column value for a field; ``ValueError`` says (in Portuguese) what is wrong."""
    return None if value is None else FIELD_SPECS[name].convert(value)


def effective_value(tender: Tender, name: str) -> Any:
    """What the user sees: the correction when there is one, else the extractor's value."""
    correction = (tender.corrections or {}).get(name)
    if correction is not None:
        return correction.get("value")
    return ((tender.fields or {}).get(name) or {}).get("value")


def apply_columns(tender: Tender) -> None:
    """Refresh the typed columns from extracted fields and corrections (a correction always wins).

    An extracted value the column cannot hold (a malformed CNPJ, say) leaves the column empty but stays
    visible in ``fields`` with its evidence.
    """
    for name, spec in FIELD_SPECS.items():
        try:
            value = convert_field(name, effective_value(tender, name))
        except ValueError:
            value = None
        setattr(tender, spec.column, value)
    tender.title = tender_title(tender)


def tender_title(tender: Tender) -> str | None:
    label = MODALITY_LABELS.get(tender.modality or "")
    if label and tender.number:
        return f"{label} nº {tender.number}"[:300]
    if tender.number:
        return f"Nº {tender.number}"[:300]
    return tender.title
