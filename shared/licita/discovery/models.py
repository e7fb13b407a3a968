"""Discovery tables (migration 0007; 0009: a match's company is its search's, one composite foreign key).

``pncp_*`` hold PNCP's public records once for the whole platform (tenants read, only the sync writes);
saved searches, matches, change logs and analysis versions are tenant rows (``company_id`` + RLS).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSQUERY, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from licita.accounts import models as _accounts  # noqa: F401  (companies/users: FK targets)
from licita.platform.db.base import Base, CreatedAt, TenantRow, Timestamps, new_uuid


# ------------------------------------------------------------------------------------ platform (PNCP records)
class PncpCompra(Base):
    __tablename__ = "pncp_compras"
    __table_args__ = (
        sa.Index("ix_pncp_compras_doc_tsv", "doc_tsv", postgresql_using="gin"),
        sa.Index("ix_pncp_compras_objeto_tsv", "objeto_tsv", postgresql_using="gin"),
        sa.Index("ix_pncp_compras_uf_modalidade", "uf", "modalidade_id"),
        sa.Index("ix_pncp_compras_encerramento", "data_encerramento_proposta"),
        sa.Index("ix_pncp_compras_synced", "synced_at"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=True)
    numero_controle: Mapped[str] = mapped_column(sa.String(60), unique=True)
    cnpj: Mapped[str] = mapped_column(sa.String(14))
    ano: Mapped[int] = mapped_column(sa.Integer)
    sequencial: Mapped[int] = mapped_column(sa.Integer)
    numero_compra: Mapped[str | None] = mapped_column(sa.String(60))
    processo: Mapped[str | None] = mapped_column(sa.String(120))
    objeto: Mapped[str | None] = mapped_column(sa.Text)
    informacao_complementar: Mapped[str | None] = mapped_column(sa.Text)
    modalidade_id: Mapped[int | None] = mapped_column(sa.Integer)
    modalidade_nome: Mapped[str | None] = mapped_column(sa.String(80))
    modo_disputa_id: Mapped[int | None] = mapped_column(sa.Integer)
    situacao_id: Mapped[int | None] = mapped_column(sa.Integer)
    situacao_nome: Mapped[str | None] = mapped_column(sa.String(80))
    srp: Mapped[bool | None] = mapped_column(sa.Boolean)
    valor_total_estimado: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 2))
    valor_estimado_sigiloso: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    valor_total_homologado: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 2))
    data_publicacao: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    data_atualizacao: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    data_atualizacao_global: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    data_abertura_proposta: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    data_encerramento_proposta: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    orgao_razao_social: Mapped[str | None] = mapped_column(sa.String(300))
    unidade_nome: Mapped[str | None] = mapped_column(sa.String(300))
    uf: Mapped[str | None] = mapped_column(sa.String(2))
    municipio_nome: Mapped[str | None] = mapped_column(sa.String(120))
    municipio_ibge: Mapped[str | None] = mapped_column(sa.String(10))
    link_sistema_origem: Mapped[str | None] = mapped_column(sa.Text)
    me_epp_friendly: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    items_synced_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    objeto_tsv: Mapped[Any] = mapped_column(TSVECTOR, sa.Computed(
        "licita_tsv(coalesce(objeto, '') || ' ' || coalesce(informacao_complementar, ''))", persisted=True))
    doc_tsv: Mapped[Any] = mapped_column(TSVECTOR, nullable=True)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    degraded: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    first_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    synced_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class PncpItem(Base):
    __tablename__ = "pncp_itens"
    __table_args__ = (
        sa.Index("ix_pncp_itens_tsv", "tsv", postgresql_using="gin"),
        sa.Index("ix_pncp_itens_catalogo", "catalogo_codigo"),
    )

    compra_id: Mapped[int] = mapped_column(sa.ForeignKey("pncp_compras.id", ondelete="CASCADE"), primary_key=True)
    numero_item: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    descricao: Mapped[str | None] = mapped_column(sa.Text)
    material_ou_servico: Mapped[str | None] = mapped_column(sa.String(10))
    quantidade: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4))
    unidade_medida: Mapped[str | None] = mapped_column(sa.String(60))
    valor_unitario_estimado: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4))
    valor_total: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 2))
    situacao_id: Mapped[int | None] = mapped_column(sa.Integer)
    situacao_nome: Mapped[str | None] = mapped_column(sa.String(80))
    tipo_beneficio_id: Mapped[int | None] = mapped_column(sa.Integer)
    tipo_beneficio_nome: Mapped[str | None] = mapped_column(sa.String(120))
    catalogo_codigo: Mapped[str | None] = mapped_column(sa.String(40))
    tem_resultado: Mapped[bool | None] = mapped_column(sa.Boolean)
    tsv: Mapped[Any] = mapped_column(TSVECTOR, sa.Computed("licita_tsv(descricao)", persisted=True))
    raw: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


class PncpResultado(Base):
    __tablename__ = "pncp_resultados"

    compra_id: Mapped[int] = mapped_column(sa.ForeignKey("pncp_compras.id", ondelete="CASCADE"), primary_key=True)
    numero_item: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    sequencial_resultado: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    ni_fornecedor: Mapped[str | None] = mapped_column(sa.String(20))
    nome_fornecedor: Mapped[str | None] = mapped_column(sa.String(300))
    quantidade_homologada: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4))
    valor_unitario_homologado: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 4))
    valor_total_homologado: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 2))
    data_resultado: Mapped[date | None] = mapped_column(sa.Date)


class PncpDocumento(Base):
    __tablename__ = "pncp_documentos"

    compra_id: Mapped[int] = mapped_column(sa.ForeignKey("pncp_compras.id", ondelete="CASCADE"), primary_key=True)
    sequencial_documento: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    titulo: Mapped[str | None] = mapped_column(sa.String(500))
    tipo_documento_id: Mapped[int | None] = mapped_column(sa.Integer)
    tipo_documento_nome: Mapped[str | None] = mapped_column(sa.String(120))
    data_publicacao: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    ativo: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    url: Mapped[str | None] = mapped_column(sa.Text)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    kind: Mapped[str | None] = mapped_column(sa.String(10))
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    first_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class PncpHistorico(Base):
    __tablename__ = "pncp_historico"

    compra_id: Mapped[int] = mapped_column(sa.ForeignKey("pncp_compras.id", ondelete="CASCADE"), primary_key=True)
    row_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    data: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    tipo_log_nome: Mapped[str | None] = mapped_column(sa.String(80))
    categoria_log_nome: Mapped[str | None] = mapped_column(sa.String(120))
    justificativa: Mapped[str | None] = mapped_column(sa.Text)
    documento_titulo: Mapped[str | None] = mapped_column(sa.String(500))
    item_numero: Mapped[int | None] = mapped_column(sa.Integer)
    first_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class PncpSyncState(Base):
    """One row per (modalidade, UF) partition; ``watermark`` moves only after a completed cycle."""

    __tablename__ = "pncp_sync_state"

    partition: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    watermark: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_completed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    degraded: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    cycles: Mapped[int] = mapped_column(sa.Integer, default=0)


# ------------------------------------------------------------------------------------------- tenant tables
class SavedSearch(TenantRow, Timestamps, Base):
    __tablename__ = "saved_searches"
    __table_args__ = (
        sa.Index("ix_saved_searches_company", "company_id", "created_at"),
        sa.UniqueConstraint("id", "company_id", name="uq_saved_searches_id_company"),  # target of search_matches' FK
    )

    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(120))
    query: Mapped[str] = mapped_column(sa.Text)
    parsed: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    tsq: Mapped[Any] = mapped_column(TSQUERY)
    search_items: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    ufs: Mapped[list[str]] = mapped_column(ARRAY(sa.String(2)), default=list)
    municipios_ibge: Mapped[list[str]] = mapped_column(ARRAY(sa.String(10)), default=list)
    modalidades: Mapped[list[int]] = mapped_column(ARRAY(sa.Integer), default=list)
    valor_min: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 2))
    valor_max: Mapped[Decimal | None] = mapped_column(sa.Numeric(18, 2))
    srp: Mapped[bool | None] = mapped_column(sa.Boolean)
    me_epp_only: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    proposal_min_days: Mapped[int | None] = mapped_column(sa.Integer)
    proposal_max_days: Mapped[int | None] = mapped_column(sa.Integer)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    alert: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class SavedSearchTerm(Base):
    __tablename__ = "saved_search_terms"
    __table_args__ = (
        sa.Index("ix_saved_search_terms_search", "search_id"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=True)
    company_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"))
    search_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("saved_searches.id", ondelete="CASCADE"))
    clause: Mapped[int] = mapped_column(sa.Integer)
    term: Mapped[str] = mapped_column(sa.String(200))
    synonym_of: Mapped[str | None] = mapped_column(sa.String(200))
    exclude: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    tsq: Mapped[Any] = mapped_column(TSQUERY)


class SearchSynonym(TenantRow, CreatedAt, Base):
    __tablename__ = "search_synonyms"
    __table_args__ = (
        sa.UniqueConstraint("company_id", "term_key", name="uq_search_synonyms_company_term"),
    )

    term: Mapped[str] = mapped_column(sa.String(120))
    term_key: Mapped[str] = mapped_column(sa.String(120))
    synonyms: Mapped[list[str]] = mapped_column(JSONB, default=list)


class SearchMatch(Base):
    __tablename__ = "search_matches"
    __table_args__ = (
        sa.UniqueConstraint("search_id", "compra_id", name="uq_search_matches_search_compra"),
        sa.Index("ix_search_matches_company_matched", "company_id", "matched_at"),
        sa.ForeignKeyConstraint(["search_id", "company_id"], ["saved_searches.id", "saved_searches.company_id"],
                             ondelete="CASCADE", name="fk_search_matches_search_company"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=new_uuid)
    company_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))  # the search's company (composite FK)
    search_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    compra_id: Mapped[int] = mapped_column(sa.ForeignKey("pncp_compras.id", ondelete="CASCADE"))
    numero_controle: Mapped[str] = mapped_column(sa.String(60))
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    degraded: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    matched_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    notified_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class TenderChange(TenantRow, Base):
    __tablename__ = "tender_changes"
    __table_args__ = (
        sa.UniqueConstraint("tender_id", "dedup_key", name="uq_tender_changes_dedup"),
        sa.Index("ix_tender_changes_tender", "tender_id", "detected_at"),
    )

    tender_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenders.id", ondelete="CASCADE"))
    numero_controle: Mapped[str] = mapped_column(sa.String(60))
    kind: Mapped[str] = mapped_column(sa.String(30))
    field: Mapped[str | None] = mapped_column(sa.String(60))
    before: Mapped[Any] = mapped_column(JSONB, nullable=True)
    after: Mapped[Any] = mapped_column(JSONB, nullable=True)
    message: Mapped[str] = mapped_column(sa.Text)
    dedup_key: Mapped[str] = mapped_column(sa.String(200))
    degraded: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    detected_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class TenderVersion(TenantRow, CreatedAt, Base):
    """The analysis fields of a tender before a new edital version replaced them (for the diff)."""

    __tablename__ = "tender_versions"
    __table_args__ = (
        sa.UniqueConstraint("tender_id", "version", name="uq_tender_versions_tender_version"),
    )

    tender_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("tenders.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(sa.Integer)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    document_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    fields: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)


DISCOVERY_TENANT_TABLES = ("saved_searches", "saved_search_terms", "search_synonyms", "search_matches",
                           "tender_changes", "tender_versions")
