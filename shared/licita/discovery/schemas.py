"""Request/response models of the discovery API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import Field, field_validator, model_validator

from licita.core.brazil import is_ascii_digits
from licita.core.schemas import Paged, PageQuery, Schema, StrictModel

UF = Literal["AC", "AL", "AM", "AP", "BA", "CE", "DF", "ES", "GO", "MA", "MG", "MS", "MT", "PA", "PB", "PE", "PI",
             "PR", "RJ", "RN", "RO", "RR", "RS", "SC", "SE", "SP", "TO"]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("texto com caractere NUL")
    return value


class SavedSearchIn(StrictModel):
    name: str = Field(min_length=1, max_length=120)
    query: str = Field(min_length=1, max_length=1000,
                       description='Termos: espaço = E, OR = OU, "frase exata", -exclusão')
    personal: bool = Field(False, description="Só para mim (alerta só o autor); senão, para a empresa")
    search_items: bool = Field(True, description="Procurar também nas descrições dos itens")
    ufs: list[UF] = Field(default_factory=list, max_length=27)
    municipios_ibge: list[str] = Field(default_factory=list, max_length=50)
    modalidades: list[int] = Field(default_factory=list, max_length=20)
    valor_min: Decimal | None = Field(None, ge=0, le=Decimal("1e13"))
    valor_max: Decimal | None = Field(None, ge=0, le=Decimal("1e13"))
    srp: bool | None = None
    me_epp_only: bool = Field(False, description="Só contratações com itens exclusivos/cota ME/EPP (tipoBeneficio 1/3)")
    proposal_min_days: int | None = Field(None, ge=0, le=365, description="Ao menos N dias até o fim das propostas")
    proposal_max_days: int | None = Field(None, ge=0, le=365, description="Propostas encerram em até N dias")
    active: bool = True
    alert: bool = True

    _text = field_validator("name", "query")(_no_nul)

    @field_validator("municipios_ibge")
    @classmethod
    def _ibge(cls, value: list[str]) -> list[str]:
        for code in value:
            if not is_ascii_digits(code) or len(code) != 7:
                raise ValueError("código IBGE de município tem 7 dígitos")
        return value

    @field_validator("modalidades")
    @classmethod
    def _modalidades(cls, value: list[int]) -> list[int]:
        if any(v < 1 or v > 99 for v in value):
            raise ValueError("modalidade inválida")
        return sorted(set(value))

    @model_validator(mode="after")
    def _ranges(self) -> SavedSearchIn:
        if self.valor_min is not None and self.valor_max is not None and self.valor_min > self.valor_max:
            raise ValueError("valor_min maior que valor_max")
        if (self.proposal_min_days is not None and self.proposal_max_days is not None
                and self.proposal_min_days > self.proposal_max_days):
            raise ValueError("proposal_min_days maior que proposal_max_days")
        return self


class SavedSearchOut(Schema):
    id: UUID
    name: str
    query: str
    personal: bool
    parsed: dict[str, Any]
    search_items: bool
    ufs: list[str]
    municipios_ibge: list[str]
    modalidades: list[int]
    valor_min: Decimal | None
    valor_max: Decimal | None
    srp: bool | None
    me_epp_only: bool
    proposal_min_days: int | None
    proposal_max_days: int | None
    active: bool
    alert: bool
    created_at: datetime
    updated_at: datetime


class SavedSearchList(Schema):
    items: list[SavedSearchOut]


class SynonymIn(StrictModel):
    term: str = Field(min_length=1, max_length=120)
    synonyms: list[str] = Field(min_length=1, max_length=20)

    _term = field_validator("term")(_no_nul)

    @field_validator("synonyms")
    @classmethod
    def _each(cls, value: list[str]) -> list[str]:
        cleaned = [" ".join(_no_nul(v).split()) for v in value]
        if any(not v or len(v) > 120 for v in cleaned):
            raise ValueError("sinônimo vazio ou com mais de 120 caracteres")
        return cleaned


class SynonymOut(Schema):
    id: UUID | None
    term: str
    synonyms: list[str]
    builtin: bool


class SynonymList(Schema):
    items: list[SynonymOut]


class MatchQuery(PageQuery):
    search_id: UUID | None = None
    since: datetime | None = None


class Hit(Schema):
    term: str
    synonym_of: str | None = None
    field: str  # objeto | item
    item: int | None = None
    snippet: str | None = None
    text: str  # the explanation in Portuguese


class MatchOut(Schema):
    id: UUID
    search_id: UUID
    search_name: str
    numero_controle: str
    objeto: str | None
    orgao: str | None
    uf: str | None
    municipio: str | None
    modalidade: str | None
    valor_total_estimado: Decimal | None
    data_encerramento_proposta: datetime | None
    link: str
    matched_at: datetime
    degraded: bool = Field(description="PNCP estava instável no ciclo que encontrou este resultado")
    explanation: list[Hit]


class MatchPage(Paged[MatchOut]): ...


class ImportRequest(StrictModel):
    numero_controle: str = Field(min_length=20, max_length=60, pattern=r"^\d{14}-1-\d{1,6}/\d{4}$",
                                 description="numeroControlePNCP, ex.: 46395000000139-1-000042/2025")


class ImportResponse(Schema):
    tender_id: UUID
    created: bool
    numero_controle: str
    link: str
    items: int
    documents: int
    analysed_document_id: UUID | None


class ChangeOut(Schema):
    id: UUID
    kind: str
    field: str | None
    before: Any
    after: Any
    message: str
    degraded: bool
    detected_at: datetime


class ChangeList(Schema):
    tender_id: UUID
    numero_controle: str | None
    items: list[ChangeOut]


class FieldChange(Schema):
    field: str
    before: Any
    after: Any


class VersionDiff(Schema):
    tender_id: UUID
    previous_version: int | None
    previous_at: datetime | None
    current_status: str
    pending: bool = Field(description="A nova versão ainda está em análise")
    changes: list[FieldChange]


class PriceQuery(StrictModel):
    q: str | None = Field(None, min_length=2, max_length=200)
    catmat: str | None = Field(None, min_length=1, max_length=40, pattern=r"^[0-9A-Za-z.\-]+$")
    uf: UF | None = None
    limit: int = Field(50, ge=1, le=500)

    _q = field_validator("q")(lambda v: _no_nul(v) if v is not None else v)

    @model_validator(mode="after")
    def _one(self) -> PriceQuery:
        if not self.q and not self.catmat:
            raise ValueError("informe q (descrição) ou catmat")
        return self


class PriceSource(Schema):
    numero_controle: str
    numero_item: int
    descricao: str | None
    fornecedor: str | None
    valor_unitario: Decimal
    quantidade: Decimal | None
    data_resultado: Any
    uf: str | None
    link: str


class PriceReference(Schema):
    count: int
    median: Decimal | None
    p25: Decimal | None
    p75: Decimal | None
    sources: list[PriceSource]
