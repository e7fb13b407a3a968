"""Reference prices from homologated PNCP results: median, p25, p75 (``percentile_cont`` in SQL) + sources.

``reference_price`` is the function quotes call for an item (by CATMAT/CATSER code, else by description
through the same full-text matching as saved searches)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import text

from licita.core.security.principal import Principal
from licita.discovery.alerts import public_link
from licita.discovery.rules import prefix_query
from licita.discovery.schemas import PriceQuery, PriceReference, PriceSource
from licita.platform.db.engine import tenant_transaction

_PRICES = text("""
    WITH q AS (
        SELECT CASE WHEN CAST(:q AS text) IS NULL THEN NULL
                    WHEN :p = '' THEN licita_tsq(CAST(:q AS text))
                    ELSE licita_tsq(CAST(:q AS text)) || to_tsquery('simple', :p) END AS tsq
    ), hits AS (
        SELECT c.numero_controle, i.numero_item, i.descricao, r.nome_fornecedor, r.valor_unitario_homologado AS v,
               r.quantidade_homologada, r.data_resultado, c.uf
        FROM pncp_resultados r
        JOIN pncp_itens i ON i.compra_id = r.compra_id AND i.numero_item = r.numero_item
        JOIN pncp_compras c ON c.id = r.compra_id
        CROSS JOIN q
        WHERE r.valor_unitario_homologado > 0
          AND (CAST(:catmat AS text) IS NULL OR i.catalogo_codigo = CAST(:catmat AS text))
          AND (q.tsq IS NULL OR i.tsv @@ q.tsq)
          AND (CAST(:uf AS text) IS NULL OR c.uf = CAST(:uf AS text))
    )
    SELECT (SELECT count(*) FROM hits) AS n,
           (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FROM hits) AS median,
           (SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY v) FROM hits) AS p25,
           (SELECT percentile_cont(0.75) WITHIN GROUP (ORDER BY v) FROM hits) AS p75,
           (SELECT coalesce(jsonb_agg(h ORDER BY h.data_resultado DESC NULLS LAST), '[]'::jsonb)
              FROM (SELECT * FROM hits ORDER BY data_resultado DESC NULLS LAST LIMIT :limit) h) AS sources
""")


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.0001"))


def reference_price(company_id: str, *, description: str | None = None, catmat: str | None = None,
                    uf: str | None = None, limit: int = 50) -> PriceReference:
    """Homologated unit prices for an item: the figures and each source with its PNCP link."""
    params = {"q": description, "p": prefix_query(description) if description else "", "catmat": catmat,
              "uf": uf, "limit": limit}
    with tenant_transaction(company_id) as db:
        row = db.execute(_PRICES, params).one()
    sources = [PriceSource(numero_controle=s["numero_controle"], numero_item=s["numero_item"],
                           descricao=s.get("descricao"), fornecedor=s.get("nome_fornecedor"),
                           valor_unitario=Decimal(str(s["v"])), quantidade=s.get("quantidade_homologada"),
                           data_resultado=s.get("data_resultado"), uf=s.get("uf"),
                           link=public_link(s["numero_controle"])) for s in row.sources]
    return PriceReference(count=int(row.n or 0), median=_money(row.median), p25=_money(row.p25), p75=_money(row.p75),
                          sources=sources)


def price_history(principal: Principal, query: PriceQuery) -> PriceReference:
    return reference_price(principal.company_id, description=query.q, catmat=query.catmat, uf=query.uf,
                           limit=query.limit)
