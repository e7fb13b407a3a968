"""Discovery matching benchmark: 1,000 saved searches × 10,000 synced contratações (object + items), in SQL.

Records are generated in the fake PNCP's shapes (licita_local.pncp_fake.generator) and stored with the same
code the sync uses; searches mix OR lists, exclusions, synonyms, object-only and item searches and filters.
Timed: the whole matching run (one INSERT … SELECT recording every match). Explanations of a bulk run are
computed when a match is first read or alerted; their cost is printed as a reference (one page, 1,000 matches),
with one search against all records, all measured in the same run. Two more same-run references separate the
matching from the machine: the write floor (the same matches inserted again from a table, with their foreign
keys and indexes, no matching) and, with ``--baseline REV``, the matching module of another git revision run
against the same data (before/after on one loaded machine; ``search_matches`` is vacuumed between runs).
Target: <= 5 s. Run: ``.venv/bin/python tests/bench/bench_discovery.py [--records N] [--searches N]
[--baseline REV]``.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import types
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "shared"), str(ROOT / "infra"), str(ROOT / "tests" / "bench")]
os.environ.setdefault("JWT_SECRET", "bench-secret-0123456789abcdef0123456789abcdef")

from common import record  # noqa: E402

TARGET_SECONDS = 5.0
WORDS = ["notebook", "papel", "café", "cadeira", "luva", "dipirona", "diesel", "gasolina", "pneu", "toner",
         "detergente", "merenda", "água mineral", "computador", "impressora", "limpeza", "combustível",
         "medicamento", "veículo", "ar condicionado"]


def quoted(word: str) -> str:
    return f'"{word}"' if " " in word else word


NICHE = ["drone", "tomógrafo", "desfibrilador", "trator", "roçadeira", "uniforme escolar", "software de gestão",
         "projetor", "nobreak", "ambulância", "contêiner", "bebedouro", "fardamento", "asfalto", "extintor"]


def query_for(rng: random.Random) -> dict[str, object]:
    """One saved search. Bid teams watch their niche in a few states: niche words the synthetic corpus rarely
    has, or a corpus word in the object narrowed to a UF, or in the items narrowed by UF, modality and value.
    (The corpus is denser than PNCP: ~10 of its 20 products appear in every compra's items.)"""
    roll = rng.random()
    a, b, c = rng.sample(WORDS, 3)
    uf = rng.choice(["SP", "MG", "RS", "PR", "BA", "GO", "PE", "SC"])
    if roll < 0.40:
        return {"query": f"{quoted(rng.choice(NICHE))} OR {quoted(rng.choice(NICHE))}", "search_items": True}
    if roll < 0.75:
        return {"query": f"{quoted(a)} OR {quoted(b)} -{quoted(c)}", "search_items": False, "ufs": [uf]}
    return {"query": quoted(a), "search_items": True, "ufs": [uf], "modalidades": [6], "valor_max": 50_000}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=1_000)
    parser.add_argument("--baseline", default=None, help="git revision whose matching module also runs (reference)")
    args = parser.parse_args()
    baseline = load_revision(args.baseline) if args.baseline else None

    from licita_local.services import EmbeddedServices

    data_dir = Path(tempfile.mkdtemp(prefix="bench-discovery-"))
    services = EmbeddedServices(data_dir, env={})
    endpoints = services.start()
    os.environ.update(endpoints.as_env())
    try:
        return run(args.records, args.searches, endpoints.database_url, baseline)
    finally:
        services.stop()
        shutil.rmtree(data_dir, ignore_errors=True)  # ~0.3-1 GB of PostgreSQL data per run


def load_revision(rev: str) -> types.ModuleType:
    """licita.discovery.matching as it was at ``rev`` (same SQL tables; only this module differs)."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:shared/licita/discovery/matching.py"],
                            check=True, capture_output=True, text=True).stdout
    module = types.ModuleType(f"matching_at_{rev}")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{rev}:matching.py", "exec"), module.__dict__)  # our own history, read by git
    return module


def run(n_records: int, n_searches: int, database_url: str, baseline: types.ModuleType | None = None) -> int:
    from sqlalchemy import text
    from sqlalchemy.dialects.postgresql import insert

    from licita.accounts.models import Company
    from licita.core.config import reset_settings
    from licita.discovery import store
    from licita.discovery.matching import explain_matches, find_matches
    from licita.discovery.models import PncpItem, SavedSearch, SavedSearchTerm
    from licita.discovery.rules import synonym_table
    from licita.discovery.searches import compile_query
    from licita.platform.db.engine import reset_engine, system_transaction
    from licita.platform.db.migrate import upgrade
    from licita.platform.pncp import Compra, Item
    from licita_local.pncp_fake.generator import Generator

    reset_settings()
    reset_engine()
    upgrade(database_url)
    t0 = time.perf_counter()
    gen = Generator(seed=13)
    raw = gen.compras(n_records)
    compras = [Compra.from_json({**r, "situacaoCompraId": 1}) for r in raw]
    with system_transaction() as db:
        ids: dict[str, int] = {}
        for start in range(0, len(compras), 1000):
            ids.update(store.upsert_compras(db, compras[start:start + 1000], degraded=False))
        rows = []
        for r in raw:
            for item in gen.itens(r):
                i = Item.from_json(item)
                rows.append({"compra_id": ids[r["numeroControlePNCP"]], "numero_item": i.numero_item,
                             "descricao": i.descricao, "tipo_beneficio_id": i.tipo_beneficio_id,
                             "catalogo_codigo": i.catalogo_codigo,
                             "valor_unitario_estimado": i.valor_unitario_estimado})
        unique = list({(r["compra_id"], r["numero_item"]): r for r in rows}.values())
        for start in range(0, len(unique), 5000):
            db.execute(insert(PncpItem).values(unique[start:start + 5000]))
        items = len(unique)
        store.refresh_documents_tsv(db, list(ids.values()))
    loaded = time.perf_counter()
    print(f"setup:     {n_records:,} contratações + {items:,} items stored in {loaded - t0:.1f}s (not timed)")

    rng = random.Random(7)
    company_id = uuid.uuid4()
    synonyms = synonym_table()
    with system_transaction() as db:
        db.add(Company(id=company_id, legal_name="Bench Ltda", cnpj="11222333000181"))
        db.flush()
        for n in range(n_searches):
            spec = query_for(rng)
            query = str(spec["query"])
            parsed, whole, terms = compile_query(db, query, synonyms)
            sid = uuid.uuid4()
            db.add(SavedSearch(id=sid, company_id=company_id, name=f"busca {n}", query=query, parsed=parsed.as_dict(),
                               tsq=whole, search_items=spec["search_items"], ufs=spec.get("ufs", []),
                               modalidades=spec.get("modalidades", []), valor_max=spec.get("valor_max"),
                               municipios_ibge=[], me_epp_only=False, active=True, alert=True))
            db.flush()
            db.add_all(SavedSearchTerm(company_id=company_id, search_id=sid, clause=t["clause"], term=t["term"][:200],
                                       synonym_of=t["synonym_of"], exclude=t["exclude"], tsq=t["tsq"]) for t in terms)
    from sqlalchemy import create_engine

    owner = create_engine(database_url, isolation_level="AUTOCOMMIT")

    def sql(statement: str) -> Any:
        with owner.connect() as conn:
            return conn.execute(text(statement))

    sql("ANALYZE pncp_compras, pncp_itens, saved_searches, saved_search_terms")  # what autovacuum keeps current
    compiled = time.perf_counter()
    print(f"searches:  {n_searches:,} saved searches compiled in SQL in {compiled - loaded:.1f}s "
          f"({(compiled - loaded) / n_searches * 1000:.1f} ms each)")

    with system_transaction() as db:  # reference: one search against every record
        one = db.scalar(text("SELECT id FROM saved_searches LIMIT 1"))
        started = time.perf_counter()
        find_matches(db, None, search_ids=[one])
        single = time.perf_counter() - started
        db.rollback()
    sql("VACUUM search_matches")  # a rolled-back run leaves dead index entries the next one would step over
    before = None
    if baseline is not None:  # reference: the other revision's matching, same data, same machine, same minute
        with system_transaction() as db:
            started = time.perf_counter()
            old = baseline.find_matches(db, None)
            before = time.perf_counter() - started
            db.rollback()
        sql("VACUUM search_matches")
    with system_transaction() as db:  # the figure: every search against every record, matches recorded
        started = time.perf_counter()
        run_ = find_matches(db, None)
        total = time.perf_counter() - started
    with system_transaction() as db:  # reference: explanations as a read/alert computes them (20 a page)
        sample = list(run_.new_match_ids[:1000])
        started = time.perf_counter()
        explain_matches(db, sample[:20])
        page = time.perf_counter() - started
        started = time.perf_counter()
        explain_matches(db, sample[20:])
        thousand = time.perf_counter() - started
        explained = db.scalar(text("SELECT count(*) FROM search_matches WHERE jsonb_array_length(explanation) > 0"))
    floor = write_floor(sql, system_transaction)
    found = len(run_.new_match_ids)
    fks, indexes = sql("SELECT (SELECT count(*) FROM pg_constraint WHERE conrelid = 'search_matches'::regclass "
                       "AND contype = 'f'), (SELECT count(*) FROM pg_index WHERE indrelid = 'search_matches'::regclass)"
                       ).one()
    print(f"reference: 1 search × {n_records:,} records: {single * 1000:.1f} ms; explanations: one page of 20 "
          f"matches {page * 1000:.0f} ms, {len(sample) - 20:,} matches {thousand:.2f}s ({explained:,} explained)")
    print(f"reference: write floor (the same {found:,} matches inserted from a table: {fks} foreign keys, "
          f"{indexes} indexes, row security; no matching): {floor:.2f}s; matching itself ≈ "
          f"{max(0.0, total - floor):.2f}s")
    if before is not None:
        same = len(old.new_match_ids) == found
        print(f"reference: matching at {baseline.__name__.removeprefix('matching_at_')}: {before:.2f}s, "
              f"{len(old.new_match_ids):,} matches ({'same count' if same else 'DIFFERENT count'}); "
              f"now {total:.2f}s = {before / total:.1f}× faster")
        record("matching 1,000 searches × 10,000 records (baseline revision)", before, "s")
    ok = total <= TARGET_SECONDS and explained == len(sample)
    print(f"matching {n_searches:,} saved searches × {n_records:,} records: {total:.2f}s, "
          f"{found:,} matches recorded ({found / n_searches:.0f} per search) "
          f"— target <= {TARGET_SECONDS:.0f}s: {'OK' if ok else 'FAIL'}  (load {os.getloadavg()[0]:.1f})")
    record("matching 1,000 searches × 10,000 records", total, "s", "write floor (same rows, no matching)", floor)
    owner.dispose()
    return 0 if ok else 1


def write_floor(sql: Any, system_transaction: Any) -> float:
    """Seconds to insert the recorded matches again into an emptied ``search_matches`` as the app role does."""
    from sqlalchemy import text

    from licita.core.config import get_settings

    sql("DROP TABLE IF EXISTS bench_found; CREATE TABLE bench_found AS "
        "SELECT company_id, search_id, compra_id, numero_controle FROM search_matches; "
        f"GRANT SELECT ON bench_found TO {get_settings().db_app_role}; TRUNCATE search_matches")
    try:
        with system_transaction() as db:
            started = time.perf_counter()
            db.execute(text("""
                INSERT INTO search_matches (id, company_id, search_id, compra_id, numero_controle, degraded)
                SELECT gen_random_uuid(), company_id, search_id, compra_id, numero_controle, false FROM bench_found
                ORDER BY search_id, compra_id
                ON CONFLICT (search_id, compra_id) DO NOTHING
                RETURNING id""")).all()
            return time.perf_counter() - started
    finally:
        sql("DROP TABLE bench_found")


if __name__ == "__main__":
    raise SystemExit(main())
