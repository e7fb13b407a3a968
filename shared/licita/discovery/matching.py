"""Saved searches × synced PNCP records, in PostgreSQL: one INSERT … SELECT finds and records the new matches.

Each search's compiled ``tsquery`` is evaluated against ``doc_tsv`` (object + every item description) or
``objeto_tsv`` (object only) through their GIN indexes, with the structured filters (UF, município,
modality, value range, SRP, ME/EPP, proposal window) beside it. ``ON CONFLICT DO NOTHING`` on
(search, compra) makes a re-run (retries, a replayed cycle) add nothing, so no alert is ever sent twice.
Explanations come from per-term queries (``saved_search_terms``) and ``ts_headline``.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from licita.discovery.rules import MARK_START, MARK_STOP, explain_line, reaccent

MAX_HITS_PER_MATCH = 12
HEADLINE = f"StartSel={MARK_START}, StopSel={MARK_STOP}, MaxWords=18, MinWords=6, ShortWord=2, MaxFragments=1"

_FILTERS = """
          AND (cardinality(s.ufs) = 0 OR c.uf = ANY(s.ufs))
          AND (cardinality(s.municipios_ibge) = 0 OR c.municipio_ibge = ANY(s.municipios_ibge))
          AND (cardinality(s.modalidades) = 0 OR c.modalidade_id = ANY(s.modalidades))
          AND (s.valor_min IS NULL OR c.valor_total_estimado >= s.valor_min)
          AND (s.valor_max IS NULL OR c.valor_total_estimado <= s.valor_max)
          AND (s.srp IS NULL OR c.srp = s.srp)
          AND (NOT s.me_epp_only OR c.me_epp_friendly)
          AND (s.proposal_min_days IS NULL
               OR c.data_encerramento_proposta >= now() + make_interval(days => s.proposal_min_days))
          AND (s.proposal_max_days IS NULL
               OR (c.data_encerramento_proposta >= now()
                   AND c.data_encerramento_proposta <= now() + make_interval(days => s.proposal_max_days)))
          AND coalesce(c.situacao_id, 1) = 1
"""


def _match_sql(scope: str) -> str:
    """Term-at-a-time: every distinct term tsquery of the active searches is looked up once in the GIN index,
    then each search is its clauses' boolean combination of those hit sets (AND of required clauses, each an OR
    of alternatives, none of the excluded) — the same logic as the search's own compiled ``tsq``, but the
    index work is shared by every search that uses a term (1,000 searches reuse a few hundred terms)."""
    return f"""
    WITH active AS MATERIALIZED (
        SELECT s.id, s.search_items FROM saved_searches s
        WHERE s.active AND (CAST(:search_ids AS uuid[]) IS NULL OR s.id = ANY(CAST(:search_ids AS uuid[])))
    ), terms AS MATERIALIZED (
        SELECT DISTINCT t.tsq::text AS key, t.tsq FROM saved_search_terms t JOIN active s ON s.id = t.search_id
    ), hits AS MATERIALIZED (  -- one GIN lookup per distinct term; its hit set as arrays (few rows, any plan)
        SELECT terms.key, array_agg(c.id) AS ids, array_agg(c.id) FILTER (WHERE c.in_object) AS object_ids
        FROM terms CROSS JOIN LATERAL (
            SELECT c.id, c.objeto_tsv @@ terms.tsq AS in_object FROM pncp_compras c
            WHERE c.doc_tsv @@ terms.tsq AND {scope} OFFSET 0) c
        GROUP BY terms.key
    ), ranked AS (
        SELECT t.search_id, t.clause, t.exclude, s.search_items, t.tsq::text AS key,
               dense_rank() OVER (PARTITION BY t.search_id, t.exclude ORDER BY t.clause) AS rank
        FROM saved_search_terms t JOIN active s ON s.id = t.search_id
    ), clauses AS MATERIALIZED (  -- each term row knows how many required clauses its search has
        SELECT r.*, max(r.rank) FILTER (WHERE NOT r.exclude) OVER (PARTITION BY r.search_id) AS required
        FROM ranked r
    ), found AS (
        SELECT k.search_id, u.compra_id
        FROM clauses k JOIN hits h ON h.key = k.key
        CROSS JOIN LATERAL unnest(CASE WHEN k.search_items OR k.exclude THEN h.ids
                                       ELSE coalesce(h.object_ids, '{{}}') END) AS u(compra_id)
        GROUP BY k.search_id, u.compra_id, k.required
        HAVING NOT bool_or(k.exclude) AND count(DISTINCT k.clause) FILTER (WHERE NOT k.exclude) = k.required
    )
    INSERT INTO search_matches (id, company_id, search_id, compra_id, numero_controle, degraded)
    SELECT gen_random_uuid(), s.company_id, s.id, c.id, c.numero_controle, :degraded
    FROM found f JOIN saved_searches s ON s.id = f.search_id JOIN pncp_compras c ON c.id = f.compra_id
    WHERE true {_FILTERS}
    ON CONFLICT (search_id, compra_id) DO NOTHING
    RETURNING id
    """


_BY_IDS = _match_sql("c.id = ANY(CAST(:compra_ids AS bigint[]))")
_ALL = _match_sql("true")

_EXPLAIN = text(f"""
    WITH hits AS (
        SELECT m.id AS match_id, t.id AS term_id, t.term, t.synonym_of, 'objeto' AS field, NULL::int AS item,
               coalesce(c.objeto, '') AS original, t.tsq
        FROM search_matches m
        JOIN saved_search_terms t ON t.search_id = m.search_id AND NOT t.exclude
        JOIN pncp_compras c ON c.id = m.compra_id
        WHERE m.id = ANY(CAST(:ids AS uuid[])) AND c.objeto_tsv @@ t.tsq
        UNION ALL
        (SELECT DISTINCT ON (m.id, t.id) m.id, t.id, t.term, t.synonym_of, 'item', i.numero_item,
                coalesce(i.descricao, ''), t.tsq  -- the first item per term is enough to say why
         FROM search_matches m
         JOIN saved_searches s ON s.id = m.search_id AND s.search_items
         JOIN saved_search_terms t ON t.search_id = m.search_id AND NOT t.exclude
         JOIN pncp_itens i ON i.compra_id = m.compra_id
         WHERE m.id = ANY(CAST(:ids AS uuid[])) AND i.tsv @@ t.tsq
         ORDER BY m.id, t.id, i.numero_item)
    ), marked AS (
        SELECT h.*, ts_headline('portuguese', h.original, h.tsq, '{HEADLINE}') AS h_orig FROM hits h
    )
    SELECT match_id, term, synonym_of, field, item, original, h_orig,
           CASE WHEN position('{MARK_START}' IN h_orig) > 0 THEN NULL
                ELSE ts_headline('portuguese', licita_unaccent(original), tsq, '{HEADLINE}') END AS h_fold
    FROM marked
    ORDER BY match_id, field DESC, item
""")


@dataclass(frozen=True)
class MatchRun:
    new_match_ids: list[uuid.UUID]


def find_matches(db: Session, compra_ids: Sequence[int] | None, *, degraded: bool = False,
                 search_ids: Sequence[uuid.UUID] | None = None, explain: bool | None = None) -> MatchRun:
    """Record every new (search, compra) match among ``compra_ids`` (None = every synced record).

    Runs in a platform transaction: saved searches of every company are evaluated at once. Explanations are
    written now for a cycle's new records (``explain`` default); a bulk re-match of every record leaves them
    to the first read or alert of each match (the same SQL, on a page at a time)."""
    if explain is None:
        explain = compra_ids is not None
    params: dict[str, Any] = {"degraded": degraded,
                              "search_ids": None if search_ids is None else [str(s) for s in search_ids]}
    if compra_ids is None:
        rows = db.execute(text(_ALL), params).all()
    else:
        if not compra_ids:
            return MatchRun([])
        rows = db.execute(text(_BY_IDS), {**params, "compra_ids": list(compra_ids)}).all()
    ids = [r[0] for r in rows]
    if explain and ids:
        explain_matches(db, ids)
    return MatchRun(ids)


def explain_matches(db: Session, match_ids: Sequence[uuid.UUID]) -> None:
    """Fill ``explanation`` of the given matches: which term (or synonym) matched the object or which item."""
    hits: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for chunk_start in range(0, len(match_ids), 2000):
        chunk = [str(i) for i in match_ids[chunk_start:chunk_start + 2000]]
        for row in db.execute(_EXPLAIN, {"ids": chunk}).mappings():
            bucket = hits[row["match_id"]]
            if len(bucket) >= MAX_HITS_PER_MATCH:
                continue
            snippet = _snippet(row["h_orig"], row["h_fold"], row["original"] or "")
            hit = {"term": row["term"], "synonym_of": row["synonym_of"], "field": row["field"],
                   "item": row["item"], "snippet": snippet}
            hit["text"] = explain_line(hit)
            bucket.append(hit)
    if hits:
        db.execute(text("""
            UPDATE search_matches m SET explanation = CAST(x.e AS jsonb)
            FROM unnest(CAST(:ids AS uuid[]), CAST(:es AS text[])) AS x(id, e) WHERE m.id = x.id
        """), {"ids": [str(k) for k in hits], "es": [json.dumps(v, ensure_ascii=False) for v in hits.values()]})


def _snippet(h_orig: str | None, h_fold: str | None, original: str) -> str:
    """The accented headline when PostgreSQL marked it, else the folded one with its marks moved back."""
    if h_orig and MARK_START in h_orig:
        chosen = h_orig.replace(MARK_START, "«").replace(MARK_STOP, "»")
    elif h_fold and MARK_START in h_fold:
        chosen = reaccent(h_fold, original)
    else:
        chosen = original[:160]
    return " ".join(chosen.split())[:400]
