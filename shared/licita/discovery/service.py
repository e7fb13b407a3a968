"""Reading matches (tenant-scoped): the saved searches' results with their explanations and freshness."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from licita.core.schemas import Page
from licita.core.security.principal import Principal
from licita.discovery.alerts import public_link
from licita.discovery.matching import explain_matches
from licita.discovery.models import PncpCompra, SavedSearch, SearchMatch
from licita.discovery.rules import explain_line
from licita.discovery.schemas import Hit, MatchOut, MatchPage, MatchQuery
from licita.discovery.searches import visible
from licita.platform.db.engine import tenant_transaction


def _hits(explanation: Any) -> list[Hit]:
    out = []
    for h in explanation or []:
        if isinstance(h, dict) and h.get("term"):
            out.append(Hit(term=str(h["term"]), synonym_of=h.get("synonym_of"), field=str(h.get("field") or "objeto"),
                           item=h.get("item"), snippet=h.get("snippet"), text=str(h.get("text") or explain_line(h))))
    return out


def list_matches(principal: Principal, query: MatchQuery) -> MatchPage:
    company_id = uuid.UUID(principal.company_id)
    with tenant_transaction(company_id) as db:
        stmt = (select(SearchMatch, SavedSearch.name, PncpCompra)
                .join(SavedSearch, SavedSearch.id == SearchMatch.search_id)
                .join(PncpCompra, PncpCompra.id == SearchMatch.compra_id)
                .where(SearchMatch.company_id == company_id, SavedSearch.company_id == company_id, visible(principal))
                .order_by(SearchMatch.matched_at.desc(), SearchMatch.id))
        if query.search_id is not None:
            stmt = stmt.where(SearchMatch.search_id == query.search_id)
        if query.since is not None:
            stmt = stmt.where(SearchMatch.matched_at >= query.since)
        total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        rows = db.execute(stmt.limit(query.page_size).offset((query.page - 1) * query.page_size)).all()
        unexplained = [m.id for m, _, _ in rows if not m.explanation]
        if unexplained:  # bulk re-matching leaves explanations to the first read (same SQL, this page only)
            explain_matches(db, unexplained)
            for m, _, _ in rows:
                if m.id in unexplained:
                    db.refresh(m)
        items = [MatchOut(
            id=m.id, search_id=m.search_id, search_name=name, numero_controle=m.numero_controle, objeto=c.objeto,
            orgao=c.orgao_razao_social, uf=c.uf, municipio=c.municipio_nome, modalidade=c.modalidade_nome,
            valor_total_estimado=c.valor_total_estimado, data_encerramento_proposta=c.data_encerramento_proposta,
            link=public_link(m.numero_controle), matched_at=m.matched_at, degraded=m.degraded or c.degraded,
            explanation=_hits(m.explanation)) for m, name, c in rows]
    return MatchPage(items=items, page=Page(page=query.page, page_size=query.page_size, total=int(total)))
