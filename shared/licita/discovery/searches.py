"""Saved searches and the company's synonyms: CRUD, and compiling the keyword language into a tsquery.

Compilation happens in PostgreSQL (``licita_tsq`` per alternative + a prefix variant, see
licita.discovery.rules), once per save; matching then only evaluates the stored ``tsquery``.
A personal search (``owner_user_id``) is seen and alerted to its owner only; the others, to the company.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, or_, select, text
from sqlalchemy.orm import Session

from licita.audit.service import record
from licita.core.actor import Actor
from licita.core.errors import NotFound, ValidationFailed
from licita.core.security.principal import Principal
from licita.discovery.models import SavedSearch, SavedSearchTerm, SearchSynonym
from licita.discovery.rules import (
    BUILTIN_SYNONYMS,
    ParsedQuery,
    QueryError,
    expand,
    fold,
    parse_query,
    prefix_query,
    synonym_table,
)
from licita.discovery.schemas import (
    SavedSearchIn,
    SavedSearchList,
    SavedSearchOut,
    SynonymIn,
    SynonymList,
    SynonymOut,
)
from licita.platform.db.engine import tenant_transaction

MAX_SEARCHES_PER_COMPANY = 500

_TERM_TSQ = text("""
    SELECT x.ord, (CASE WHEN x.p = '' THEN licita_tsq(x.t) ELSE licita_tsq(x.t) || to_tsquery('simple', x.p) END)::text
    FROM unnest(CAST(:ts AS text[]), CAST(:ps AS text[])) WITH ORDINALITY AS x(t, p, ord)
    ORDER BY x.ord
""")


def _company(principal: Principal) -> uuid.UUID:
    return uuid.UUID(principal.company_id)


def _id(raw: str, message: str = "Busca não encontrada.") -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except (ValueError, TypeError, AttributeError):
        raise NotFound(message, code="search_not_found") from None


def company_synonyms(db: Session, company_id: uuid.UUID) -> dict[str, tuple[str, ...]]:
    rows = db.execute(select(SearchSynonym.term, SearchSynonym.synonyms)
                      .where(SearchSynonym.company_id == company_id)).all()
    return synonym_table({r.term: tuple(r.synonyms or ()) for r in rows})


def compile_query(db: Session, query: str, synonyms: dict[str, tuple[str, ...]]) -> tuple[ParsedQuery, str,
                                                                                          list[dict[str, Any]]]:
    """(expanded query, whole tsquery text, one row per alternative with its own tsquery text)."""
    try:
        parsed = expand(parse_query(query), synonyms)
    except QueryError as exc:
        raise ValidationFailed(str(exc), code="invalid_query", details={"query": query[:200]}) from None
    flat = [(ci, alt, clause.exclude) for ci, clause in enumerate(parsed.clauses) for alt in clause.alternatives]
    rows = db.execute(_TERM_TSQ, {"ts": [a.text for _, a, _ in flat],
                                  "ps": [prefix_query(a.text) for _, a, _ in flat]}).all()
    tsqs = [str(r[1]) for r in rows]
    terms: list[dict[str, Any]] = []
    clauses: dict[int, list[str]] = {}
    for (ci, alt, exclude), tsq in zip(flat, tsqs, strict=True):
        if not tsq.strip():
            if alt.synonym_of:
                continue  # a synonym made only of stop words adds nothing
            raise ValidationFailed(f"O termo “{alt.text}” só tem palavras comuns demais para a busca.",
                                   code="invalid_query", details={"term": alt.text})
        clauses.setdefault(ci, []).append(f"( {tsq} )")
        terms.append({"clause": ci, "term": alt.text, "synonym_of": alt.synonym_of, "exclude": exclude, "tsq": tsq})
    required = [f"( {' | '.join(clauses[ci])} )" for ci, c in enumerate(parsed.clauses) if not c.exclude]
    excluded = [f"!( {' | '.join(clauses[ci])} )" for ci, c in enumerate(parsed.clauses)
                if c.exclude and ci in clauses]
    return parsed, " & ".join(required + excluded), terms


def _apply(db: Session, search: SavedSearch, body: SavedSearchIn, principal: Principal) -> None:
    parsed, whole, terms = compile_query(db, body.query, company_synonyms(db, search.company_id))
    search.name = " ".join(body.name.split())
    search.query = body.query
    search.parsed = parsed.as_dict()
    search.tsq = whole
    search.owner_user_id = uuid.UUID(principal.user_id) if body.personal else None
    for name in ("search_items", "ufs", "municipios_ibge", "modalidades", "valor_min", "valor_max", "srp",
                 "me_epp_only", "proposal_min_days", "proposal_max_days", "active", "alert"):
        setattr(search, name, getattr(body, name))
    db.flush()
    db.execute(delete(SavedSearchTerm).where(SavedSearchTerm.search_id == search.id))
    db.add_all(SavedSearchTerm(company_id=search.company_id, search_id=search.id, clause=t["clause"],
                               term=t["term"][:200], synonym_of=(t["synonym_of"] or None), exclude=t["exclude"],
                               tsq=t["tsq"]) for t in terms)


def _out(s: SavedSearch) -> SavedSearchOut:
    return SavedSearchOut(
        id=s.id, name=s.name, query=s.query, personal=s.owner_user_id is not None, parsed=s.parsed or {},
        search_items=s.search_items, ufs=list(s.ufs or []), municipios_ibge=list(s.municipios_ibge or []),
        modalidades=list(s.modalidades or []), valor_min=s.valor_min, valor_max=s.valor_max, srp=s.srp,
        me_epp_only=s.me_epp_only, proposal_min_days=s.proposal_min_days, proposal_max_days=s.proposal_max_days,
        active=s.active, alert=s.alert, created_at=s.created_at, updated_at=s.updated_at)


def visible(principal: Principal) -> Any:
    """Company searches plus the caller's personal ones (another user's personal search is invisible)."""
    return or_(SavedSearch.owner_user_id.is_(None), SavedSearch.owner_user_id == uuid.UUID(principal.user_id))


def _get(db: Session, principal: Principal, search_id: str, *, lock: bool = False) -> SavedSearch:
    company_id = _company(principal)
    stmt = select(SavedSearch).where(SavedSearch.id == _id(search_id), SavedSearch.company_id == company_id,
                                     visible(principal))
    search = db.scalar(stmt.with_for_update() if lock else stmt)
    if search is None:
        raise NotFound("Busca não encontrada.", code="search_not_found")
    return search


def _snapshot(s: SavedSearch) -> dict[str, Any]:
    return {"name": s.name, "query": s.query, "personal": s.owner_user_id is not None, "active": s.active,
            "ufs": list(s.ufs or []), "modalidades": list(s.modalidades or [])}


# ------------------------------------------------------------------------------------------ saved searches
def create_search(principal: Principal, body: SavedSearchIn, actor: Actor) -> SavedSearchOut:
    company_id = _company(principal)
    with tenant_transaction(company_id) as db:
        count = db.scalar(select(SavedSearch.id).where(SavedSearch.company_id == company_id)
                          .order_by(None).limit(1).offset(MAX_SEARCHES_PER_COMPANY - 1))
        if count is not None:
            raise ValidationFailed(f"Limite de {MAX_SEARCHES_PER_COMPANY} buscas salvas atingido.",
                                   code="too_many_searches")
        search = SavedSearch(id=uuid.uuid4(), company_id=company_id, created_by=uuid.UUID(principal.user_id))
        db.add(search)
        _apply(db, search, body, principal)
        record(db, actor, "discovery.search_created", "saved_search", search.id, company_id=company_id,
               after=_snapshot(search))
        db.flush()
        db.refresh(search)
        return _out(search)


def list_searches(principal: Principal) -> SavedSearchList:
    company_id = _company(principal)
    with tenant_transaction(company_id) as db:
        rows = db.scalars(select(SavedSearch).where(SavedSearch.company_id == company_id, visible(principal))
                          .order_by(SavedSearch.created_at)).all()
        return SavedSearchList(items=[_out(s) for s in rows])


def get_search(principal: Principal, search_id: str) -> SavedSearchOut:
    with tenant_transaction(_company(principal)) as db:
        return _out(_get(db, principal, search_id))


def update_search(principal: Principal, search_id: str, body: SavedSearchIn, actor: Actor) -> SavedSearchOut:
    company_id = _company(principal)
    with tenant_transaction(company_id) as db:
        search = _get(db, principal, search_id, lock=True)
        before = _snapshot(search)
        _apply(db, search, body, principal)
        record(db, actor, "discovery.search_updated", "saved_search", search.id, company_id=company_id,
               before=before, after=_snapshot(search))
        db.flush()
        db.refresh(search)
        return _out(search)


def delete_search(principal: Principal, search_id: str, actor: Actor) -> None:
    company_id = _company(principal)
    with tenant_transaction(company_id) as db:
        search = _get(db, principal, search_id, lock=True)
        before = _snapshot(search)
        db.delete(search)
        record(db, actor, "discovery.search_deleted", "saved_search", search.id, company_id=company_id,
               before=before)


# ------------------------------------------------------------------------------------------ synonyms
def list_synonyms(principal: Principal) -> SynonymList:
    company_id = _company(principal)
    with tenant_transaction(company_id) as db:
        rows = db.scalars(select(SearchSynonym).where(SearchSynonym.company_id == company_id)
                          .order_by(SearchSynonym.term_key)).all()
    own = [SynonymOut(id=r.id, term=r.term, synonyms=list(r.synonyms or []), builtin=False) for r in rows]
    builtin = [SynonymOut(id=None, term=k, synonyms=list(v), builtin=True) for k, v in sorted(BUILTIN_SYNONYMS.items())]
    return SynonymList(items=own + builtin)


def _recompile_company(db: Session, company_id: uuid.UUID) -> None:
    """Synonyms changed: every saved search of the company is compiled again with the new table."""
    synonyms = company_synonyms(db, company_id)
    for search in db.scalars(select(SavedSearch).where(SavedSearch.company_id == company_id)).all():
        try:
            parsed, whole, terms = compile_query(db, search.query, synonyms)
        except ValidationFailed:
            continue  # the query compiled before; a synonym cannot make it invalid except by size: keep it
        search.parsed, search.tsq = parsed.as_dict(), whole
        db.execute(delete(SavedSearchTerm).where(SavedSearchTerm.search_id == search.id))
        db.add_all(SavedSearchTerm(company_id=company_id, search_id=search.id, clause=t["clause"],
                                   term=t["term"][:200], synonym_of=t["synonym_of"] or None, exclude=t["exclude"],
                                   tsq=t["tsq"]) for t in terms)


def put_synonym(principal: Principal, body: SynonymIn, actor: Actor) -> SynonymOut:
    company_id = _company(principal)
    key = fold(body.term)
    if not key:
        raise ValidationFailed("Termo vazio.", code="invalid_synonym")
    with tenant_transaction(company_id) as db:
        row = db.scalar(select(SearchSynonym).where(SearchSynonym.company_id == company_id,
                                                    SearchSynonym.term_key == key).with_for_update())
        before = None if row is None else {"term": row.term, "synonyms": list(row.synonyms or [])}
        if row is None:
            row = SearchSynonym(id=uuid.uuid4(), company_id=company_id, term_key=key)
            db.add(row)
        row.term = " ".join(body.term.split())
        row.synonyms = sorted({" ".join(s.split()) for s in body.synonyms if fold(s) and fold(s) != key})
        db.flush()
        _recompile_company(db, company_id)
        record(db, actor, "discovery.synonym_saved", "search_synonym", row.id, company_id=company_id,
               before=before, after={"term": row.term, "synonyms": row.synonyms})
        return SynonymOut(id=row.id, term=row.term, synonyms=list(row.synonyms), builtin=False)


def delete_synonym(principal: Principal, synonym_id: str, actor: Actor) -> None:
    company_id = _company(principal)
    with tenant_transaction(company_id) as db:
        row = db.scalar(select(SearchSynonym).where(SearchSynonym.id == _id(synonym_id, "Sinônimo não encontrado."),
                                                    SearchSynonym.company_id == company_id))
        if row is None:
            raise NotFound("Sinônimo não encontrado.", code="synonym_not_found")
        before = {"term": row.term, "synonyms": list(row.synonyms or [])}
        db.delete(row)
        db.flush()
        _recompile_company(db, company_id)
        record(db, actor, "discovery.synonym_deleted", "search_synonym", row.id, company_id=company_id, before=before)
