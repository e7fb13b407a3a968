"""Writes of PNCP's public records into the platform tables (``pncp_*``), always in a platform transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from licita.discovery.models import PncpCompra, PncpDocumento, PncpHistorico, PncpItem, PncpResultado
from licita.platform.pncp import Compra, Documento, Download, HistoricoEvento, Item, Resultado

HEADER_COLUMNS = ("numero_compra", "processo", "objeto", "informacao_complementar", "modalidade_id",
                  "modalidade_nome", "modo_disputa_id", "situacao_id", "situacao_nome", "srp",
                  "valor_total_estimado", "valor_estimado_sigiloso", "valor_total_homologado", "data_publicacao",
                  "data_atualizacao", "data_atualizacao_global", "data_abertura_proposta",
                  "data_encerramento_proposta", "orgao_razao_social", "unidade_nome", "uf", "municipio_nome",
                  "municipio_ibge", "link_sistema_origem")


def _clip(value: Any, limit: int) -> Any:
    return value[:limit] if isinstance(value, str) else value


def _jsonable(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str))


def compra_values(c: Compra) -> dict[str, Any]:
    values = {name: getattr(c, name) for name in HEADER_COLUMNS}
    values.update(numero_compra=_clip(c.numero_compra, 60), processo=_clip(c.processo, 120),
                  modalidade_nome=_clip(c.modalidade_nome, 80), situacao_nome=_clip(c.situacao_nome, 80),
                  orgao_razao_social=_clip(c.orgao_razao_social, 300), unidade_nome=_clip(c.unidade_nome, 300),
                  uf=_clip(c.uf, 2), municipio_nome=_clip(c.municipio_nome, 120),
                  municipio_ibge=_clip(c.municipio_ibge, 10))
    return {"numero_controle": c.numero_controle_pncp, "cnpj": c.cnpj, "ano": c.ano, "sequencial": c.sequencial,
            **values, "raw": _jsonable(c.raw)}


def snapshot(row: PncpCompra | None) -> dict[str, Any]:
    return {} if row is None else {name: getattr(row, name) for name in HEADER_COLUMNS}


def existing(db: Session, numeros: Sequence[str]) -> dict[str, PncpCompra]:
    rows = db.scalars(select(PncpCompra).where(PncpCompra.numero_controle.in_(list(numeros)))).all()
    return {r.numero_controle: r for r in rows}


def upsert_compras(db: Session, compras: Sequence[Compra], *, degraded: bool) -> dict[str, int]:
    """Insert or refresh headers; numero_controle → id."""
    if not compras:
        return {}
    now = datetime.now(UTC)
    rows = [{**compra_values(c), "degraded": degraded, "synced_at": now} for c in compras]
    stmt = insert(PncpCompra).values(rows)
    update = {name: stmt.excluded[name] for name in (*HEADER_COLUMNS, "raw", "degraded", "synced_at")}
    result = db.execute(stmt.on_conflict_do_update(index_elements=["numero_controle"], set_=update)
                        .returning(PncpCompra.numero_controle, PncpCompra.id))
    return {r[0]: int(r[1]) for r in result}


def replace_items(db: Session, compra_id: int, items: Iterable[Item]) -> None:
    db.execute(delete(PncpItem).where(PncpItem.compra_id == compra_id))
    rows = [{"compra_id": compra_id, "numero_item": i.numero_item, "descricao": i.descricao,
             "material_ou_servico": _clip(i.material_ou_servico, 10), "quantidade": i.quantidade,
             "unidade_medida": _clip(i.unidade_medida, 60), "valor_unitario_estimado": i.valor_unitario_estimado,
             "valor_total": i.valor_total, "situacao_id": i.situacao_id, "situacao_nome": _clip(i.situacao_nome, 80),
             "tipo_beneficio_id": i.tipo_beneficio_id, "tipo_beneficio_nome": _clip(i.tipo_beneficio_nome, 120),
             "catalogo_codigo": _clip(i.catalogo_codigo, 40), "tem_resultado": i.tem_resultado,
             "raw": _jsonable(i.raw)} for i in items]
    unique = {r["numero_item"]: r for r in rows}  # PNCP occasionally repeats an item across pages
    if unique:
        db.execute(insert(PncpItem).values(list(unique.values())))


def refresh_documents_tsv(db: Session, compra_ids: Sequence[int]) -> None:
    """doc_tsv = object + every item description; me_epp_friendly = some item exclusive/quota (tipoBeneficio 1/3);
    items_synced_at marks the details as processed for this dataAtualizacaoGlobal."""
    if not compra_ids:
        return
    db.execute(text("""
        UPDATE pncp_compras c SET
            doc_tsv = c.objeto_tsv || coalesce(i.tsv, ''::tsvector),
            me_epp_friendly = coalesce(i.me_epp, false),
            items_synced_at = now()
        FROM (SELECT x.id, agg.tsv, agg.me_epp, agg.n
              FROM unnest(CAST(:ids AS bigint[])) AS x(id)
              LEFT JOIN LATERAL (
                  SELECT licita_tsv(string_agg(descricao, ' . ' ORDER BY numero_item)) AS tsv,
                         bool_or(tipo_beneficio_id IN (1, 3)) AS me_epp, count(*) AS n
                  FROM pncp_itens WHERE compra_id = x.id) agg ON agg.n > 0) i
        WHERE c.id = i.id
    """), {"ids": list(compra_ids)})


def items_of(db: Session, compra_id: int) -> dict[int, PncpItem]:
    return {i.numero_item: i for i in db.scalars(select(PncpItem).where(PncpItem.compra_id == compra_id)).all()}


def known_documents(db: Session, compra_id: int) -> dict[int, PncpDocumento]:
    rows = db.scalars(select(PncpDocumento).where(PncpDocumento.compra_id == compra_id)).all()
    return {d.sequencial_documento: d for d in rows}


def save_documents(db: Session, compra_id: int, documentos: Iterable[Documento],
                   downloads: dict[int, Download] | None = None) -> list[int]:
    """Upsert the /arquivos list; returns the sequenciais never seen before."""
    known = known_documents(db, compra_id)
    new: list[int] = []
    for d in documentos:
        row = known.get(d.sequencial_documento)
        dl = (downloads or {}).get(d.sequencial_documento)
        if row is None:
            row = PncpDocumento(compra_id=compra_id, sequencial_documento=d.sequencial_documento)
            db.add(row)
            new.append(d.sequencial_documento)
        row.titulo, row.tipo_documento_id = _clip(d.titulo, 500), d.tipo_documento_id
        row.tipo_documento_nome, row.data_publicacao = _clip(d.tipo_documento_nome, 120), d.data_publicacao
        row.ativo, row.url = d.ativo, d.url
        if dl is not None:
            row.sha256, row.kind, row.size = dl.sha256, dl.kind[:10], dl.size
    db.flush()
    return new


def historico_hash(h: HistoricoEvento) -> str:
    return hashlib.sha256(json.dumps(h.raw, sort_keys=True, default=str).encode()).hexdigest()


def save_historico(db: Session, compra_id: int, rows: Iterable[HistoricoEvento]) -> list[HistoricoEvento]:
    """Insert unseen history rows; returns them (oldest first)."""
    known = set(db.scalars(select(PncpHistorico.row_hash).where(PncpHistorico.compra_id == compra_id)).all())
    new: list[HistoricoEvento] = []
    for h in rows:
        digest = historico_hash(h)
        if digest in known:
            continue
        known.add(digest)
        db.add(PncpHistorico(compra_id=compra_id, row_hash=digest, data=h.data,
                             tipo_log_nome=_clip(h.tipo_log_nome, 80),
                             categoria_log_nome=_clip(h.categoria_log_nome, 120), justificativa=h.justificativa,
                             documento_titulo=_clip(h.documento_titulo, 500), item_numero=h.item_numero))
        new.append(h)
    db.flush()
    return new


def save_resultados(db: Session, compra_id: int, numero_item: int, resultados: Iterable[Resultado]) -> None:
    rows = [{"compra_id": compra_id, "numero_item": numero_item, "sequencial_resultado": r.sequencial_resultado or n,
             "ni_fornecedor": _clip(r.ni_fornecedor, 20), "nome_fornecedor": _clip(r.nome_fornecedor, 300),
             "quantidade_homologada": r.quantidade_homologada, "valor_unitario_homologado": r.valor_unitario_homologado,
             "valor_total_homologado": r.valor_total_homologado, "data_resultado": r.data_resultado}
            for n, r in enumerate(resultados, 1)]
    if not rows:
        return
    stmt = insert(PncpResultado).values(rows)
    db.execute(stmt.on_conflict_do_update(
        index_elements=["compra_id", "numero_item", "sequencial_resultado"],
        set_={k: stmt.excluded[k] for k in ("ni_fornecedor", "nome_fornecedor", "quantidade_homologada",
                                             "valor_unitario_homologado", "valor_total_homologado",
                                             "data_resultado")}))
