"""The PNCP client against the fake PNCP over real sockets, with the real Redis limiter."""

from __future__ import annotations

import io
import itertools
import threading
import time
import zipfile
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest
import redis

from licita.platform.pncp import (
    BreakerState,
    CircuitBreaker,
    CircuitOpenError,
    PncpBadRequest,
    PncpClient,
    PncpNotFound,
    PncpRateLimited,
    PncpUnavailable,
    PncpValidationError,
    RedisRateLimiter,
    RetryPolicy,
    gcra_step,
)
from licita_local.pncp_fake import FakePncp, http_date_in
from licita_local.pncp_fake.data import SAMPLES, PncpStore, shared_data_dir

Make = Callable[..., PncpClient]
PUBLICACAO = "/v1/contratacoes/publicacao"


def _year(fake: FakePncp) -> tuple[date, date]:
    return fake.store.anchor - timedelta(days=364), fake.store.anchor


def _window(lo: date, hi: date, modalidade: int | None = 6) -> dict[str, object]:
    return {"dataInicial": lo.strftime("%Y%m%d"), "dataFinal": hi.strftime("%Y%m%d"),
            "codigoModalidadeContratacao": modalidade}


# --- listings and paging -------------------------------------------------------------------------------------------
def test_empty_window_is_204_and_yields_nothing(fake: FakePncp, make_client: Make) -> None:
    future = fake.store.anchor + timedelta(days=400)
    assert list(make_client().iter_publicacoes(future, future + timedelta(days=10), 6)) == []
    assert [r.status for r in fake.requests_to("publicacao")] == [204]


def test_full_paging_until_paginas_restantes_zero(fake: FakePncp, make_client: Make) -> None:
    lo, hi = _year(fake)
    client = make_client(consulta_page_size=10, window_days=365)
    got = list(client.iter_publicacoes(lo, hi, 6))
    expected = {c["numeroControlePNCP"] for c in fake.store.compras.values()
                if c["modalidadeId"] == 6 and lo.isoformat() <= c["dataPublicacaoPncp"][:10] <= hi.isoformat()}
    assert {c.numero_controle_pncp for c in got} == expected
    assert len(got) == len(expected) > 100
    assert len(fake.requests_to("publicacao")) == -(-len(expected) // 10)  # no extra request after the last page


@pytest.mark.parametrize("past_end_status", [204, 400])
def test_page_past_the_end_is_the_end(fake: FakePncp, make_client: Make, past_end_status: int) -> None:
    fake.configure(past_end_status=past_end_status)
    uf = f"Z{past_end_status}"[:2] if past_end_status == 204 else "ZY"
    made = [fake.store.publish(modalidadeId=6, unidadeOrgao={"ufSigla": uf, "municipioNome": "T", "codigoIbge": "0"})
            for _ in range(15)]
    client = make_client(consulta_page_size=10)
    today = fake.store.clock().date()
    pages = client.iter_pages(PUBLICACAO, {**_window(today, today, 6), "uf": uf})
    first = next(pages)
    assert len(first.items) == 10 and first.paginas_restantes == 1
    for record in made[:6]:  # records vanish between pages: page 2 is now past the end
        fake.store.compras.pop(record["numeroControlePNCP"])
    fake.store.version += 1
    assert list(pages) == []
    assert fake.requests_to("publicacao")[-1].status == past_end_status


def test_windows_over_365_days_are_split_by_the_client_and_rejected_raw(fake: FakePncp, make_client: Make) -> None:
    client = make_client()
    lo, hi = fake.store.anchor - timedelta(days=400), fake.store.anchor
    with pytest.raises(PncpValidationError) as info:
        client.fetch_page(PUBLICACAO, _window(lo, hi), 1)
    assert info.value.status == 422
    assert sum(1 for _ in client.iter_publicacoes(lo, hi, 8)) > 0


def test_missing_modality_is_400(make_client: Make, fake: FakePncp) -> None:
    lo, hi = _year(fake)
    with pytest.raises(PncpBadRequest):
        make_client().fetch_page(PUBLICACAO, _window(lo, hi, None), 1)


def test_propostas_abertas_sees_a_compra_published_now(fake: FakePncp, make_client: Make) -> None:
    closes = (fake.store.clock() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%S")
    record = fake.store.publish(dataEncerramentoProposta=closes)
    late = fake.store.publish(dataEncerramentoProposta="2099-12-31T10:00:00")  # beyond the D+30 horizon
    found = {c.numero_controle_pncp for c in make_client().iter_propostas_abertas()}
    assert late["numeroControlePNCP"] not in found
    assert record["numeroControlePNCP"] in found


# --- items, results, documents ----------------------------------------------------------------------------------
def _compra_with_items(fake: FakePncp, lo: int, hi: int) -> str:
    for ncp in fake.store.iter_keys():
        if lo <= len(fake.store.itens(ncp)) <= hi:
            return ncp
    raise AssertionError("no compra with that many items")


def test_itens_default_of_10_is_never_trusted(fake: FakePncp, make_client: Make) -> None:
    ncp = _compra_with_items(fake, 23, 60)
    total = len(fake.store.itens(ncp))
    cnpj, rest = ncp.split("-1-")
    seq, ano = rest.split("/")
    raw = httpx.get(f"{fake.base_url}/api/pncp/v1/orgaos/{cnpj}/compras/{ano}/{int(seq)}/itens").json()
    assert len(raw) == 10  # the trap
    client = make_client()
    assert [i.numero_item for i in client.list_itens(ncp)] == list(range(1, total + 1))
    assert client.count_itens(ncp) == total
    fake.configure(itens_max_page_size=10)  # a server that ignores tamanhoPagina
    assert len(make_client().list_itens(ncp)) == total


def test_itens_past_the_end_is_an_empty_200(fake: FakePncp, make_client: Make) -> None:
    ncp = _compra_with_items(fake, 10, 10)
    assert len(make_client().list_itens(ncp)) == 10
    last = fake.requests_to("/itens$")[-1]
    assert "pagina=2" in last.query and last.status == 200


def test_resultados_204_then_homologation_via_control_api(fake: FakePncp, make_client: Make) -> None:
    record = fake.store.publish(valorTotalEstimado=5000.0)
    ncp = record["numeroControlePNCP"]
    client = make_client()
    assert client.list_resultados(ncp, 1) == []
    assert fake.requests_to("resultados")[-1].status == 204
    before = client.get_compra(ncp).data_atualizacao_global
    path = f"/_fake/compras/{record['orgaoEntidade']['cnpj']}/{record['anoCompra']}/{record['sequencialCompra']}"
    response = httpx.post(fake.base_url + path + "/itens/1/homologar", json={"valorUnitarioHomologado": 9.5})
    assert response.status_code == 200
    results = client.list_resultados(ncp, 1)
    assert len(results) == 1 and results[0].valor_unitario_homologado == Decimal("9.5")
    after = client.get_compra(ncp)
    assert after.data_atualizacao_global is not None and before is not None and after.data_atualizacao_global > before
    assert client.list_itens(ncp)[0].homologado
    assert any(e.categoria_log_nome == "Resultado de Item" for e in client.list_historico(ncp))


def test_zip_edital_download_detected_by_magic_bytes(fake: FakePncp, make_client: Make) -> None:
    record = fake.store.publish(modalidadeId=6)
    client = make_client()
    docs = client.list_documentos(record["numeroControlePNCP"])
    edital = next(d for d in docs if d.tipo_documento_id == 2)
    assert edital.url and edital.url.startswith(fake.base_url + "/pncp-api/v1/")
    download = client.download_documento(record["numeroControlePNCP"], edital.sequencial_documento)
    assert download.kind == "zip" and download.content.startswith(b"PK\x03\x04")
    assert download.filename and download.filename.endswith(".zip") and len(download.sha256) == 64
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        pdfs = [n for n in archive.namelist() if n.endswith(".pdf")]
        assert pdfs and archive.read(pdfs[0]).startswith(b"%PDF")
    assert httpx.get(edital.url).content == download.content  # the returned /pncp-api/v1 url works too


def test_change_watch_moves_data_atualizacao_global(fake: FakePncp, make_client: Make) -> None:
    record = fake.store.publish()
    ncp = record["numeroControlePNCP"]
    client = make_client()
    first = client.get_compra(ncp)
    base = f"{fake.base_url}/_fake/compras/{record['orgaoEntidade']['cnpj']}/{record['anoCompra']}/" \
           f"{record['sequencialCompra']}"
    new_end = "2099-01-10T10:00:00"
    assert httpx.patch(base, json={"situacaoCompraId": 4, "dataEncerramentoProposta": new_end,
                                   "justificativa": "Suspensa para análise de impugnação"}).status_code == 200
    errata = httpx.post(base + "/documentos", json={"titulo": "Errata do edital", "tipoDocumentoId": 16})
    assert errata.status_code == 200
    changed = client.get_compra(ncp)
    assert changed.situacao_id == 4 and changed.situacao_nome == "Suspensa"
    assert changed.data_encerramento_proposta is not None and changed.data_encerramento_proposta.year == 2099
    assert first.data_atualizacao_global is not None and changed.data_atualizacao_global is not None
    assert changed.data_atualizacao_global > first.data_atualizacao_global
    docs = client.list_documentos(ncp)
    assert docs[-1].titulo == "Errata do edital" and docs[-1].sequencial_documento == len(docs)
    kinds = [(e.tipo_log_nome, e.categoria_log_nome) for e in client.list_historico(ncp)]
    assert ("Retificação", "Compra") in kinds and ("Inclusão", "Documento de Compra") in kinds
    today = changed.data_atualizacao_global.date()
    assert ncp in {c.numero_controle_pncp for c in client.iter_atualizacoes(today, today, changed.modalidade_id or 6)}


def test_unknown_compra_is_404(make_client: Make) -> None:
    client = make_client()
    with pytest.raises(PncpNotFound):
        client.get_compra("12345678000195-1-000001/2025")
    assert client.breaker.state is BreakerState.CLOSED


# --- types and secrets --------------------------------------------------------------------------------------------
def test_wrong_types_are_parsed(fake: FakePncp, make_client: Make) -> None:
    record = fake.store.publish(valorTotalEstimado=1234.5, srp=True)
    ncp = record["numeroControlePNCP"]
    fake.fail("drift", count=20)
    client = make_client()
    body = httpx.get(f"{fake.base_url}/api/pncp/v1/orgaos/{record['orgaoEntidade']['cnpj']}/compras/"
                     f"{record['anoCompra']}/{record['sequencialCompra']}").json()
    assert body["situacaoCompraId"] == "1" and body["srp"] == "true"  # the fake really drifts
    compra = client.get_compra(ncp)
    assert compra.situacao_id == 1 and compra.valor_total_estimado == Decimal("1234.5") and compra.srp is True
    assert compra.ano == record["anoCompra"]
    items = client.list_itens(ncp)
    assert items and all(isinstance(i.numero_item, int) and i.numero_item > 0 for i in items)
    today = fake.store.clock().date()
    assert ncp in {c.numero_controle_pncp for c in client.iter_publicacoes(today, today, record["modalidadeId"])}


def test_zero_value_means_secret(fake: FakePncp, make_client: Make) -> None:
    record = fake.store.publish(valorTotalEstimado=0)
    client = make_client()
    compra = client.get_compra(record["numeroControlePNCP"])
    assert compra.valor_total_estimado is None and compra.valor_estimado_sigiloso
    items = client.list_itens(record["numeroControlePNCP"])
    assert items and all(i.valor_unitario_estimado is None and i.valor_estimado_sigiloso for i in items)
    recorded_zero = [c for c in fake.store.compras.values() if c.get("valorTotalEstimado") == 0
                     and c["numeroControlePNCP"].startswith(("4639", "2714"))]
    assert recorded_zero  # real records with a secret budget are served too
    assert client.get_compra(recorded_zero[0]["numeroControlePNCP"]).valor_estimado_sigiloso


# --- faults -------------------------------------------------------------------------------------------------------
def test_429_storm_with_retry_after_seconds(fake: FakePncp, make_client: Make) -> None:
    ncp = next(iter(fake.store.iter_keys()))
    sleeps: list[float] = []
    client = make_client(sleep=lambda s: (sleeps.append(s), time.sleep(s)))
    fake.fail("429", count=2, retry_after="1")
    started = time.monotonic()
    assert client.get_compra(ncp).numero_controle_pncp == ncp
    assert time.monotonic() - started >= 2.0
    assert len(sleeps) == 2 and all(1.0 <= s <= 1.5 for s in sleeps)
    assert client.stats.rate_limited == 2 and client.breaker.state is BreakerState.CLOSED
    assert [r.status for r in fake.requests][-3:] == [429, 429, 200]


def test_429_with_http_date_retry_after_pauses_the_shared_limiter(
    fake: FakePncp, make_client: Make, redis_client: redis.Redis
) -> None:
    ncp = next(iter(fake.store.iter_keys()))
    key = "pncp:test:shared-pause"
    redis_client.delete(key, key + ":pause")
    client = make_client(rate=1000.0, key=key)
    fake.fail("429", count=1, retry_after=http_date_in(2))
    client.get_compra(ncp)
    assert client.stats.rate_limited == 1
    limiter = client.limiter
    assert isinstance(limiter, RedisRateLimiter)
    # the pause was written for everyone on this key (it is over by now, but it was set)
    assert redis_client.exists(key + ":pause") or limiter.paused_for() == 0


def test_429_storm_without_retry_after_backs_off(fake: FakePncp, make_client: Make) -> None:
    ncp = next(iter(fake.store.iter_keys()))
    client = make_client()
    fake.fail("429", count=4)
    assert client.get_compra(ncp).numero_controle_pncp == ncp
    assert client.stats.rate_limited == 4 and client.stats.retries == 4


def test_429_storm_longer_than_retries_raises_rate_limited(fake: FakePncp, make_client: Make) -> None:
    fake.fail("429", count=50)
    with pytest.raises(PncpRateLimited):
        make_client().get_compra(next(iter(fake.store.iter_keys())))


def test_retry_after_beyond_the_cap_gives_up_at_once(fake: FakePncp, make_client: Make) -> None:
    fake.fail("429", count=5, retry_after="3600")
    with pytest.raises(PncpRateLimited):
        make_client().get_compra(next(iter(fake.store.iter_keys())))
    assert len(fake.requests) == 1


@pytest.mark.parametrize("kind", ["500", "502", "503"])
def test_server_errors_are_retried(fake: FakePncp, make_client: Make, kind: str) -> None:
    ncp = next(iter(fake.store.iter_keys()))
    client = make_client()
    fake.fail(kind, count=2)
    assert client.get_compra(ncp).numero_controle_pncp == ncp
    assert client.stats.server_errors == 2 and client.stats.degraded


def test_500_bodies_are_real_shaped(fake: FakePncp) -> None:
    fake.fail("500", count=6)
    bodies = [httpx.get(f"{fake.base_url}/api/pncp/v1/modalidades") for _ in range(6)]
    assert all(b.status_code == 500 and b.headers["content-type"].startswith("application/json") for b in bodies)
    assert any("JDBC" in b.text or "banco de dados" in b.text for b in bodies)


def test_non_json_200_is_retried(fake: FakePncp, make_client: Make) -> None:
    ncp = next(iter(fake.store.iter_keys()))
    client = make_client()
    fake.fail("non_json", count=2)
    assert client.get_compra(ncp).numero_controle_pncp == ncp
    assert client.stats.invalid_bodies == 2
    assert [r.status for r in fake.requests][-3:] == [200, 200, 200]


def test_slow_answer_times_out_then_succeeds(fake: FakePncp, make_client: Make) -> None:
    ncp = next(iter(fake.store.iter_keys()))
    client = make_client(read_timeout=0.3)
    fake.fail("slow", count=1, delay=1.0)
    assert client.get_compra(ncp).numero_controle_pncp == ncp
    assert client.stats.timeouts == 1


def test_slow_answers_within_timeout_are_fine(fake: FakePncp, make_client: Make) -> None:
    fake.configure(latency=0.05)
    lo, hi = _year(fake)
    assert sum(1 for _ in make_client(read_timeout=2.0).iter_publicacoes(lo, hi, 9, window_days=365)) > 0


def test_dropped_connection_is_retried(fake: FakePncp, make_client: Make) -> None:
    ncp = next(iter(fake.store.iter_keys()))
    client = make_client()
    fake.fail("drop", count=1)
    assert client.get_compra(ncp).numero_controle_pncp == ncp


class StepClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_breaker_opens_then_half_open_recovers(fake: FakePncp, make_client: Make) -> None:
    ncp = next(iter(fake.store.iter_keys()))
    clock = StepClock()
    breaker = CircuitBreaker(failure_threshold=3, recovery_timeout=30.0, clock=clock)
    client = make_client(breaker=breaker, retry=RetryPolicy(max_attempts=3, base=0.01, cap=0.02))
    fake.fail("500", count=3)
    with pytest.raises(PncpUnavailable):
        client.get_compra(ncp)
    assert breaker.state is BreakerState.OPEN
    sent = len(fake.requests)
    with pytest.raises(CircuitOpenError):
        client.get_compra(ncp)
    assert len(fake.requests) == sent  # failed fast, nothing sent
    clock.t = 30.0
    assert breaker.state is BreakerState.HALF_OPEN
    fake.fail("500", count=1)
    with pytest.raises(PncpUnavailable):
        client.get_compra(ncp)  # the probe failed: open again, no second attempt sent
    assert breaker.state is BreakerState.OPEN and len(fake.requests) == sent + 1
    clock.t = 60.0
    assert client.get_compra(ncp).numero_controle_pncp == ncp  # probe succeeds
    assert breaker.state is BreakerState.CLOSED
    assert [s for _, s in breaker.transitions] == ["open", "half_open", "open", "half_open", "closed"]


# --- the shared rate limit ------------------------------------------------------------------------------------------
def test_rate_limit_is_shared_between_two_clients(fake: FakePncp, make_client: Make) -> None:
    key = "pncp:test:shared-" + str(time.time_ns())
    a, b = make_client(rate=5.0, key=key), make_client(rate=5.0, key=key)
    ncp = list(fake.store.iter_keys())[-1]  # not the compra that earlier (still sleeping) slow requests asked for
    seq = str(int(ncp.split("-1-")[1].split("/")[0]))

    grants: list[float] = []
    for client in (a, b):
        limiter = client.limiter
        assert isinstance(limiter, RedisRateLimiter)
        original = limiter._try
        seen: list[float] = []  # the clock value this limiter handed to the Redis script (one thread per client)

        def clock(seen: list[float] = seen) -> float:
            seen.append(time.time())
            return seen[-1]

        def timed(original: Callable[[], float] = original, seen: list[float] = seen) -> float:
            wait = original()
            if wait <= 0:
                grants.append(seen[-1])  # the GCRA grant time, not when this thread got to run again
            return wait

        limiter.clock = clock
        limiter._try = timed  # type: ignore[method-assign]

    def work(client: PncpClient) -> None:
        for _ in range(5):
            client.get_compra(ncp)

    wall = time.time()
    threads = [threading.Thread(target=work, args=(c,)) for c in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    served = [r for r in fake.requests if r.t >= wall and r.status == 200 and r.path.endswith("/" + seq)]
    assert len(served) == 10 and len(grants) == 10
    grants.sort()
    # grant times are the clocks the script judged, so the shared 5/s budget spaces them by 0.2 s exactly
    # (two separate budgets would allow two grants at once); 1 ms is the script's argument rounding
    assert grants[-1] - grants[0] >= 1.8 - 0.01
    assert min(y - x for x, y in itertools.pairwise(grants)) >= 0.2 - 0.001
    assert a.stats.requests == b.stats.requests == 5


def test_redis_lua_gcra_matches_the_python_math(redis_client: redis.Redis) -> None:
    clock = StepClock()
    clock.t = 1_700_000_000.0
    key = "pncp:test:lua-" + str(time.time_ns())
    limiter = RedisRateLimiter(redis_client, rate=2.0, burst=3, key=key, clock=clock)
    tat: float | None = None
    for step in [0.0, 0.0, 0.0, 0.0, 0.3, 0.5, 1.0, 1.0, 5.0, 5.0, 5.0, 5.0]:
        clock.t = 1_700_000_000.0 + step
        expected = gcra_step(tat, clock.t, rate=2.0, burst=3)
        got = limiter._try()
        assert (got == 0) == expected.allowed, step
        if expected.allowed:
            tat = expected.tat
        else:
            assert got == pytest.approx(expected.wait, abs=0.002)


# --- data sources -------------------------------------------------------------------------------------------------
def test_vendored_samples_are_real_shaped() -> None:
    store = PncpStore(recorded=SAMPLES, count=0)
    assert store.recorded_source == str(SAMPLES)
    assert "46395000000139-1-000042/2025" in store.compras or len(store.compras) >= 21
    assert any(c.get("valorTotalEstimado") == 0 for c in store.compras.values())
    assert store.resultados("00394502000144-1-010949/2024", 1)[0]["niFornecedor"] == "03160007000169"


def test_recorded_shared_data_is_served(make_client: Make, fake: FakePncp) -> None:
    source = shared_data_dir()
    if source is None:
        pytest.skip("../shared/data/pncp is absent (a user's clone): recorded-data test skipped")
    import json

    real = json.loads((source / "sao-paulo_cnpj_46395000000139_contratacoes.json").read_text(encoding="utf-8"))[0]
    client = make_client()
    compra = client.get_compra(real["numeroControlePNCP"])
    assert compra.objeto == real["objetoCompra"].strip()
    docs_real = json.loads((source / "sample_documents.json").read_text(encoding="utf-8"))
    ncp, rows = next((k, v) for k, v in docs_real.items() if len(v) > 2)
    docs = client.list_documentos(ncp)
    assert [d.titulo for d in docs] == [r["titulo"] for r in rows]


def test_cli_starts_and_serves(tmp_path: object) -> None:
    import json
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "licita_local.pncp_fake", "--port", "0", "--count", "20",
                             "--no-recorded"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("PNCP_FAKE_READY ")
        info = json.loads(line.split(" ", 1)[1])
        health = httpx.get(info["base_url"] + "/_fake/health").json()
        assert health["compras"] == 20
    finally:
        proc.terminate()
        proc.wait(timeout=10)
