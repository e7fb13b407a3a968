"""Result types of a tender analysis; ``TenderAnalysis.to_dict()`` is the EXTRACTION.md format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FIELD_NAMES: tuple[str, ...] = (
    "document_kind", "modality", "number", "process_number", "agency", "agency_cnpj", "uasg",
    "object", "srp", "award_criterion", "dispute_mode", "session_datetime", "estimated_value",
    "items_count", "me_epp", "platform", "legal_basis",
)

DOCUMENT_KINDS = ("edital", "aviso_dispensa", "termo_referencia", "ata_registro_precos", "termo_homologacao",
                  "diario_oficial", "minuta_edital", "etp", "other")
MODALITIES = ("pregao_eletronico", "pregao_presencial", "concorrencia_eletronica", "concorrencia_presencial",
              "tomada_de_precos", "convite", "dispensa_eletronica", "dispensa", "inexigibilidade", "credenciamento",
              "leilao", "concurso", "dialogo_competitivo")
AWARD_CRITERIA = ("menor_preco", "maior_desconto", "tecnica_e_preco", "melhor_tecnica", "maior_lance",
                  "maior_retorno_economico")
DISPUTE_MODES = ("aberto", "fechado", "aberto_fechado", "fechado_aberto")
ME_EPP = ("exclusive", "reserved_quota", "mixed", "none")
PLATFORMS = ("comprasgov", "bnc", "licitanet", "bll", "portal_compras_publicas", "licitacoes_e", "bbmnet",
             "proprio", "other")
LEGAL_BASES = ("lei_14133", "lei_8666_10520", "other")
# The one tender field catalogue: the rules extractor, the LLM schema (extraction.llm.schema) and the API
# (licita.tenders.fields) take the field names above and these vocabularies from here.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "document_kind": DOCUMENT_KINDS, "modality": MODALITIES, "award_criterion": AWARD_CRITERIA,
    "dispute_mode": DISPUTE_MODES, "me_epp": ME_EPP, "platform": PLATFORMS, "legal_basis": LEGAL_BASES,
}

Scalar = str | int | float | bool | None


def _with_optional(out: dict[str, Any], **optional: Any) -> dict[str, Any]:
    """``out`` plus each optional key that is set (None and "" stay out of the stored JSON)."""
    out.update({key: value for key, value in optional.items() if value is not None and value != ""})
    return out


@dataclass(slots=True)
class Field:
    """One extracted value with its evidence; ``value`` None means "not stated", never a guess."""

    value: Scalar = None
    page: int | None = None
    quote: str | None = None
    confidence: float = 0.0
    where: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _with_optional({"value": self.value, "page": self.page, "quote": self.quote,
                               "confidence": round(self.confidence, 2)}, where=self.where)


@dataclass(slots=True)
class Item:
    number: int
    description: str
    quantity: float | None = None
    unit: str | None = None
    unit_price: float | None = None
    total_price: float | None = None
    lot: str | None = None
    me_epp_exclusive: bool | None = None
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number, "description": self.description, "quantity": _num(self.quantity),
            "unit": self.unit, "unit_price": self.unit_price, "total_price": self.total_price,
            "lot": self.lot, "me_epp_exclusive": self.me_epp_exclusive, "page": self.page,
        }


@dataclass(slots=True)
class Evidence:
    """A requirement, penalty or guarantee: what it is, how it was classified, and where it was read."""

    kind: str
    category: str
    description: str
    page: int | None
    quote: str
    percent: float | None = None
    amount: float | None = None
    required: bool | None = None
    where: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _with_optional({"kind": self.kind, "category": self.category, "description": self.description,
                               "page": self.page, "quote": self.quote},
                              percent=self.percent, amount=self.amount, required=self.required, where=self.where)


@dataclass(slots=True)
class KeyDate:
    kind: str  # session | proposal_deadline | proposal_start | publication | impugnacao | esclarecimento
    value: str  # ISO 8601
    page: int | None
    quote: str
    stated: bool = True  # False when computed from a rule (e.g. Lei 14.133 art. 164)
    basis: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _with_optional({"kind": self.kind, "value": self.value, "page": self.page, "quote": self.quote,
                               "stated": self.stated}, basis=self.basis)


@dataclass(slots=True)
class RiskFactor:
    code: str
    weight: int
    reason: str
    page: int | None = None
    quote: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "weight": self.weight, "reason": self.reason, "page": self.page,
                "quote": self.quote}


@dataclass(slots=True)
class RiskReport:
    score: int
    level: str
    factors: list[RiskFactor]

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "level": self.level, "factors": [f.to_dict() for f in self.factors]}


@dataclass(slots=True)
class TenderAnalysis:
    file: str | None
    sha256: str
    fields: dict[str, Field]
    items: list[Item] = field(default_factory=list)
    requirements: list[Evidence] = field(default_factory=list)
    penalties: list[Evidence] = field(default_factory=list)
    guarantees: list[Evidence] = field(default_factory=list)
    dates: list[KeyDate] = field(default_factory=list)
    risk: RiskReport | None = None
    warnings: list[str] = field(default_factory=list)
    provider: str = "rules"

    def value(self, name: str) -> Scalar:
        f = self.fields.get(name)
        return f.value if f else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "provider": self.provider,
            "fields": {name: self.fields.get(name, Field()).to_dict() for name in FIELD_NAMES},
            "items": [i.to_dict() for i in self.items],
            "requirements": [r.to_dict() for r in self.requirements],
            "penalties": [p.to_dict() for p in self.penalties],
            "guarantees": [g.to_dict() for g in self.guarantees],
            "dates": [d.to_dict() for d in self.dates],
            "risk": self.risk.to_dict() if self.risk else {"score": 0, "level": "low", "factors": []},
            "warnings": list(self.warnings),
        }


def _num(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value
