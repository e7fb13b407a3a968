"""Saved searches compiled and matched in PostgreSQL against records synced from the fake PNCP: keywords,
synonyms, item descriptions, filters, explanations, idempotent alerts, import, change watch, prices, and
tenant isolation on every route."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from discovery_support import events
from sqlalchemy import select, text

from licita.discovery.sync import run_cycle
from licita.platform.db.engine import system_transaction
from licita.platform.pncp import PncpClient
from licita_local.pncp_fake import FakePncp
from tenders_helpers import Aws, Caller, call, load_function, make_caller

APP = load_function("discovery").app


def api(method: str, resource: str, caller: Caller, **kw: Any) -> tuple[int, Any]:
    return call(APP, method, resource, caller, **kw)


def search(caller: Caller, query: str, **extra: Any) -> dict[str, Any]:
    status, body = api("POST", "/discovery/searches", caller, body={"name": query[:40], "query": query, **extra})
    assert status == 201, body
    return dict(body)


def publish(fake: FakePncp, objeto: str, *, items: list[str] | None = None, **fields: Any) -> str:
    """A compra with exactly ``items`` (None: the generated ones, which depend on its numeroControlePNCP)."""
    record = fake.store.publish(objetoCompra=objeto, modalidadeId=6, situacaoCompraId=1, itens=items, **fields)
    return str(record["numeroControlePNCP"])


def matches(caller: Caller, **query: str) -> list[dict[str, Any]]:
    status, body = api("GET", "/discovery/matches", caller, query=query or None)
    assert status == 200, body
    return list(body["items"])


# ------------------------------------------------------------------------------------------ searches
def test_keywords_accents_phrase_or_and_exclusion_are_matched_in_sql(fake: FakePncp, client: PncpClient) -> None:
    caller = make_caller()
    notebook = search(caller, "notebook")
    phrase = search(caller, '"ar condicionado" -locação')
    both = search(caller, "licitacao manutencao")
    n1 = publish(fake, "Aquisição de NOTEBOOKS para a secretaria")
    n2 = publish(fake, "Manutenção de aparelhos de ar-condicionado do prédio sede", items=["Gás refrigerante R-410A"])
    n3 = publish(fake, "Locação de ar condicionado para eventos")
    n4 = publish(fake, "Licitação para manutenção predial")
    n5 = publish(fake, "Condicionado ao ar livre: serviço de jardinagem")
    n6 = publish(fake, "Instalação de ar condicionado split", items=["Split 12.000 BTU", "Locação de andaime"])
    report = run_cycle(client)
    assert report.completed == report.partitions and not report.failed, report
    got = {(m["search_id"], m["numero_controle"]) for m in matches(caller)}
    assert (notebook["id"], n1) in got  # plural + upper case
    assert (phrase["id"], n2) in got and (phrase["id"], n3) not in got  # exclusion
    assert (phrase["id"], n6) not in got  # an exclusion also reads the items
    assert (phrase["id"], n5) not in got  # phrase keeps word order
    assert (both["id"], n4) in got  # accents ignored, AND of both words
    assert (both["id"], n2) not in got
    explained = next(m for m in matches(caller) if m["numero_controle"] == n1)
    hit = explained["explanation"][0]
    assert hit["field"] == "objeto" and "«NOTEBOOKS»" in hit["snippet"] and "notebook" in hit["text"]


def test_synonyms_and_item_descriptions_explain_which_item(fake: FakePncp, client: PncpClient) -> None:
    caller = make_caller()
    status, body = api("PUT", "/discovery/synonyms", caller, body={"term": "resma", "synonyms": ["papel A4"]})
    assert status == 200, body
    s = search(caller, "resma")
    objects_only = search(caller, "resma", search_items=False)
    ncp = publish(fake, "Material de expediente para o exercício", items=["Caneta azul", "Papel A4 branco 75g"])
    run_cycle(client)
    found = [m for m in matches(caller) if m["numero_controle"] == ncp]
    assert [m["search_id"] for m in found] == [s["id"]]  # the object-only search does not see items
    hit = found[0]["explanation"][0]
    assert hit == {**hit, "field": "item", "item": 2, "synonym_of": "resma", "term": "papel A4"}
    assert "«Papel» «A4»" in hit["snippet"]
    assert objects_only["search_items"] is False


def test_filters_uf_value_srp_me_epp_and_proposal_window(fake: FakePncp, client: PncpClient) -> None:
    caller = make_caller()
    by_uf = search(caller, "pneu", ufs=["RS"])
    by_value = search(caller, "pneu", valor_min=1000, valor_max=5000)
    by_srp = search(caller, "pneu", srp=True)
    soon = search(caller, "pneu", proposal_max_days=3)
    rs = publish(fake, "Aquisição de pneus", valorTotalEstimado=2500.0, srp=False,
                 unidadeOrgao={"ufSigla": "RS", "municipioNome": "Porto Alegre", "codigoIbge": "4314902",
                               "codigoUnidade": "1", "nomeUnidade": "Sede"})
    sp = publish(fake, "Aquisição de pneus", valorTotalEstimado=90000.0, srp=True,
                 unidadeOrgao={"ufSigla": "SP", "municipioNome": "Campinas", "codigoIbge": "3509502",
                               "codigoUnidade": "1", "nomeUnidade": "Sede"})
    run_cycle(client)
    got = {(m["search_id"], m["numero_controle"]) for m in matches(caller)}
    assert (by_uf["id"], rs) in got and (by_uf["id"], sp) not in got
    assert (by_value["id"], rs) in got and (by_value["id"], sp) not in got
    assert (by_srp["id"], sp) in got and (by_srp["id"], rs) not in got
    assert not any(sid == soon["id"] for sid, _ in got)  # the fake's proposals close in 7+ days
    me = search(caller, "pneu", me_epp_only=True)
    with system_transaction() as db:
        friendly = db.scalar(text("SELECT me_epp_friendly FROM pncp_compras WHERE numero_controle = :n"), {"n": rs})
    from licita.discovery.matching import find_matches

    with system_transaction() as db:
        find_matches(db, None, search_ids=[uuid.UUID(me["id"])])
    assert ((me["id"], rs) in {(m["search_id"], m["numero_controle"]) for m in matches(caller)}) == friendly


def test_bad_queries_are_422_with_the_stable_body(client: PncpClient) -> None:
    caller = make_caller()
    for body in ({"name": "x", "query": "-usado"}, {"name": "x", "query": '"aberta'},
                 {"name": "x", "query": "de da do"}, {"name": "x\x00", "query": "pneu"},
                 {"name": "x", "query": "pneu", "valor_min": 10, "valor_max": 1},
                 {"name": "x", "query": "pneu", "ufs": ["XX"]}, {"name": "x", "query": None},
                 {"name": "x", "query": "a" * 1001}, {"name": "x", "query": "pneu", "extra": 1}):
        status, out = api("POST", "/discovery/searches", caller, body=body)
        assert status == 422, (body, out)
        assert set(out["error"]) == {"code", "message", "details"}


def test_alerts_are_published_once_even_when_cycles_repeat(fake: FakePncp, client: PncpClient,
                                                         discovery_env: Aws) -> None:
    caller = make_caller()
    s = search(caller, "cadeira")
    publish(fake, "Aquisição de cadeiras giratórias")
    run_cycle(client)
    first = events(discovery_env, "discovery.match")
    fake.fail("429", count=6, retry_after="0")
    again = run_cycle(client)
    assert again.new_matches == 0 and again.degraded
    mine = [e for e in first if e["payload"]["search_id"] == s["id"]]
    assert len(mine) == 1 and mine[0]["payload"]["count"] >= 1 and mine[0]["payload"]["matches"][0]["why"]
    assert [e for e in events(discovery_env, "discovery.match") if e["payload"]["search_id"] == s["id"]] == []


def test_watermark_only_moves_when_the_partition_completes(fake: FakePncp, client: PncpClient) -> None:
    run_cycle(client)
    with system_transaction() as db:
        before = db.scalar(text("SELECT watermark FROM pncp_sync_state WHERE partition = 'm6:*'"))
    fake.fail("500", count=50)
    report = run_cycle(client)
    fake.clear_faults()
    assert report.failed == ["m6:*"]
    with system_transaction() as db:
        row = db.execute(text("SELECT watermark, last_error FROM pncp_sync_state WHERE partition = 'm6:*'")).one()
    assert row.watermark == before and row.last_error


# ------------------------------------------------------------------------------------------ cross tenant
def test_searches_and_matches_are_invisible_to_other_companies(fake: FakePncp, client: PncpClient) -> None:
    owner, other = make_caller(), make_caller()
    s = search(owner, "mesa")
    publish(fake, "Aquisição de mesas de escritório")
    run_cycle(client)
    assert matches(owner)
    assert matches(other) == []
    for method, resource, body in (("GET", "/discovery/searches/{search_id}", None),
                                   ("PUT", "/discovery/searches/{search_id}", {"name": "x", "query": "y"}),
                                   ("DELETE", "/discovery/searches/{search_id}", None)):
        status, out = api(method, resource, other, path_params={"search_id": s["id"]}, body=body)
        assert status == 404, out
    status, body = api("GET", "/discovery/searches", other)
    assert body["items"] == []
    status, syn = api("PUT", "/discovery/synonyms", owner, body={"term": "mesa", "synonyms": ["bancada"]})
    status, out = api("DELETE", "/discovery/synonyms/{synonym_id}", other, path_params={"synonym_id": syn["id"]})
    assert status == 404
    status, listed = api("GET", "/discovery/synonyms", other)
    assert all(i["builtin"] for i in listed["items"])
    with system_transaction() as db:
        assert db.scalar(text("SELECT count(*) FROM search_matches WHERE search_id = :s"), {"s": s["id"]}) >= 1


def test_personal_search_is_seen_and_alerted_to_its_owner_only(fake: FakePncp, client: PncpClient,
                                                              discovery_env: Aws) -> None:
    from factories import make_user

    owner = make_caller()
    colleague = Caller(str(make_user(_company(owner), role="MANAGER").id), owner.company_id)
    s = search(owner, "armário", personal=True)
    status, _ = api("GET", "/discovery/searches/{search_id}", colleague, path_params={"search_id": s["id"]})
    assert status == 404
    publish(fake, "Aquisição de armários de aço")
    run_cycle(client)
    assert matches(colleague) == [] and matches(owner)
    [event] = [e for e in events(discovery_env, "discovery.match") if e["payload"]["search_id"] == s["id"]]
    assert event["payload"]["recipient_ids"] == [owner.user_id]


def _company(caller: Caller) -> Any:
    from licita.accounts.models import Company

    with system_transaction() as db:
        return db.scalar(select(Company).where(Company.id == uuid.UUID(caller.company_id)))


def test_platform_records_are_read_only_to_tenants(client: PncpClient, fake: FakePncp) -> None:
    from sqlalchemy.exc import ProgrammingError

    from licita.platform.db.engine import tenant_transaction

    publish(fake, "Aquisição de cones")
    run_cycle(client)
    caller = make_caller()
    with tenant_transaction(caller.company_id) as db:
        assert db.scalar(text("SELECT count(*) FROM pncp_compras")) >= 1
    with tenant_transaction(caller.company_id) as db:
        assert db.execute(text("UPDATE pncp_compras SET objeto = 'x'")).rowcount == 0  # type: ignore[attr-defined]
    with pytest.raises(ProgrammingError), tenant_transaction(caller.company_id) as db:
        db.execute(text("INSERT INTO pncp_sync_state (partition) VALUES ('evil')"))


def test_a_match_belongs_to_its_searchs_company(fake: FakePncp, client: PncpClient) -> None:
    """One composite foreign key (migration 0009): a match naming another company than its search's is refused,
    and deleting a search takes its matches with it."""
    from sqlalchemy.exc import IntegrityError

    owner, other = make_caller(), make_caller()
    s = search(owner, "poltrona")
    publish(fake, "Aquisição de poltronas")
    unmatched = publish(fake, "Aquisição de cones")
    run_cycle(client)
    with system_transaction() as db:
        compra_id = db.scalar(text("SELECT id FROM pncp_compras WHERE numero_controle = :n"), {"n": unmatched})
        assert db.scalar(text("SELECT count(*) FROM search_matches WHERE search_id = :s"), {"s": s["id"]}) == 1
    row = {"s": s["id"], "p": compra_id}
    with pytest.raises(IntegrityError, match="fk_search_matches_search_company"), system_transaction() as db:
        db.execute(text("INSERT INTO search_matches (company_id, search_id, compra_id, numero_controle) "
                        "VALUES (:c, :s, :p, 'x')"), {**row, "c": other.company_id})
    with system_transaction() as db:  # the search's own company is accepted (then rolled back)
        db.execute(text("INSERT INTO search_matches (company_id, search_id, compra_id, numero_controle) "
                        "VALUES (:c, :s, :p, 'x')"), {**row, "c": owner.company_id})
        db.rollback()
    status, _ = api("DELETE", "/discovery/searches/{search_id}", owner, path_params={"search_id": s["id"]})
    assert status in (200, 204)
    with system_transaction() as db:
        assert db.scalar(text("SELECT count(*) FROM search_matches WHERE search_id = :s"), {"s": s["id"]}) == 0
