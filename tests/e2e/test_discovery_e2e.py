"""Discovery end to end through the local runtime and the fake PNCP it starts: a saved search matches a newly
published compra and the alert arrives on the WebSocket; the compra is imported and its ZIP edital analysed;
a retificação is published and the change alert and the version diff arrive; a 429 storm is survived with no
duplicate alert. The fake is driven through its HTTP control API (/_fake), schedules are fired by hand."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from runtime_support import RuntimeHandle
from test_notifications_e2e import Tenant
from websockets.sync.client import ClientConnection, connect

from licita_local.pncp_fake import minimal_pdf, zip_of

pytestmark = pytest.mark.e2e


def fake_url(runtime: RuntimeHandle) -> str:
    url = str(runtime.info["endpoints"].get("pncp_url") or "")
    if not url:
        pytest.skip("the runtime was pointed at another PNCP (PNCP_CONSULTA_URL set)")
    return url


def fire_sync(runtime: RuntimeHandle) -> dict[str, Any]:
    schedules = httpx.get(f"{runtime.rest_url}/_local/schedules", timeout=15).json()["items"]
    name = next(s["rule_name"] for s in schedules if "discovery-sync" in s["rule_name"])
    resp = httpx.post(f"{runtime.rest_url}/_local/schedules/{name}/fire", timeout=300)
    assert resp.status_code == 200, resp.text
    result: dict[str, Any] = resp.json()["result"]
    return result


class Api:
    def __init__(self, runtime: RuntimeHandle, token: str) -> None:
        self.base, self.headers = runtime.rest_url, {"Authorization": f"Bearer {token}"}

    def __call__(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return httpx.request(method, f"{self.base}{path}", headers=self.headers, timeout=60, **kw)


def wait_for(check: Callable[[], Any], timeout: float = 300.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_search_alert_import_retificacao_diff_and_429_storm(runtime: RuntimeHandle) -> None:
    pncp = fake_url(runtime)
    tenant = Tenant(runtime, roles=("ADMIN_EMPRESA",))
    tokens = tenant.login()
    api = Api(runtime, tokens["access_token"])
    word = f"drone{uuid.uuid4().hex[:6]}"  # a word nothing else in the fake contains
    resp = api("POST", "/discovery/searches", json={"name": "Drones", "query": f"{word} -locação"})
    assert resp.status_code == 201, resp.text
    search_id = resp.json()["id"]

    with connect(f"{runtime.ws_url}/?token={tokens['access_token']}", open_timeout=10) as ws:
        # the items are named: generated ones derive from the numeroControlePNCP, which depends on what else the
        # fake holds (../shared's recorded data or the vendored samples, the date), and an item "Locação de
        # veículo" would rightly exclude the compra from "-locação" (exclusions read the items too)
        compra = httpx.post(f"{pncp}/_fake/compras", json={
            "objetoCompra": f"Aquisição de {word} pulverizador para a Secretaria de Agricultura",
            "modalidadeId": 6, "situacaoCompraId": 1,
            "itens": ["Drone pulverizador agrícola, tanque de 20 L", "Bateria extra para drone"]}, timeout=15).json()
        ncp = compra["numeroControlePNCP"]
        httpx.post(f"{pncp}/_fake/compras", json={  # excluded by "-locação"
            "objetoCompra": f"Locação de {word} para mapeamento aéreo", "modalidadeId": 6, "situacaoCompraId": 1,
            "itens": [f"Locação de {word} com operador, diária"]}, timeout=15).raise_for_status()
        report = fire_sync(runtime)
        assert report["new_matches"] >= 1, report
        frame = _frame(ws, "discovery.match", search_id)
        assert ncp in json.dumps(frame["payload"]) and word in frame["body"]

        # import: the tender keeps its PNCP identity, the ZIP edital goes through S3 → SQS → analysis
        resp = api("POST", "/discovery/imports", json={"numero_controle": ncp})
        assert resp.status_code == 201, resp.text
        imported = resp.json()
        tender_id = imported["tender_id"]
        assert imported["created"] and imported["link"].startswith("https://pncp.gov.br/app/editais/")
        assert api("POST", "/discovery/imports", json={"numero_controle": ncp}).json()["created"] is False
        tender = wait_for(lambda: _analysed(api, tender_id), what="the imported edital's analysis")
        assert tender["status"] in ("READY", "NEEDS_REVIEW")

        # retificação: suspended + a new edital version; the change alert and the diff arrive
        cnpj, rest = ncp.split("-1-")
        seq, ano = rest.split("/")
        control = f"{pncp}/_fake/compras/{cnpj}/{ano}/{int(seq)}"
        assert httpx.patch(control, json={"situacaoCompraId": 4, "justificativa": "Suspensa para retificação"},
                           timeout=15).status_code == 200
        edital = zip_of({"edital-retificado.pdf": minimal_pdf([
            "EDITAL RETIFICADO", "PREGÃO ELETRÔNICO Nº 77/2025", f"Objeto: aquisição de {word}",
            "A sessão pública será realizada em 22/12/2025 às 09h00"])})
        assert httpx.post(f"{control}/documentos", json={
            "titulo": "Retificação do Edital", "tipoDocumentoId": 2, "content_type": "application/zip",
            "filename": "edital-retificado.zip", "content_base64": base64.b64encode(edital).decode()},
            timeout=15).status_code == 200
        fire_sync(runtime)
        changed = _frame(ws, "discovery.tender_changed", None, tender_id=tender_id)
        assert "Suspensa" in changed["body"] or "suspensa" in changed["body"].lower()
        changes = api("GET", f"/discovery/tenders/{tender_id}/changes").json()["items"]
        assert {"situacao", "document"} <= {c["kind"] for c in changes}
        diff = wait_for(lambda: _diff_ready(api, tender_id), what="the new version's diff")
        assert diff["previous_version"] == 1 and diff["changes"]

        # a 429 storm (HTML answers, Retry-After 0): retried within a call, and past the retry budget the
        # partition keeps its watermark and is read again next cycle; nothing is alerted twice
        for count in (4, 12):
            assert httpx.post(f"{pncp}/_fake/faults", json={"kind": "429", "count": count, "retry_after": "0"},
                              timeout=15).status_code == 200
            storm = fire_sync(runtime)
            assert storm["degraded"] and storm["new_matches"] == 0, storm
            assert bool(storm["failed"]) == (count > 6), storm  # the client makes 6 attempts per call
        again = fire_sync(runtime)
        assert again["new_matches"] == 0 and not again["failed"]
        with pytest.raises(TimeoutError):
            _frame(ws, "discovery.match", search_id, timeout=5)
    matches = api("GET", "/discovery/matches", params={"search_id": search_id}).json()
    assert [m["numero_controle"] for m in matches["items"]] == [ncp]  # not the rental one
    assert matches["items"][0]["explanation"][0]["field"] == "objeto"


def _frame(ws: ClientConnection, kind: str, search_id: str | None, *, tender_id: str | None = None,
           timeout: float = 60) -> dict[str, Any]:
    def wanted(f: dict[str, Any]) -> bool:
        payload = f.get("payload") or {}
        return (f.get("kind") == kind and (search_id is None or payload.get("search_id") == search_id)
                and (tender_id is None or payload.get("tender_id") == tender_id))

    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(kind)
        frame = json.loads(ws.recv(timeout=remaining))
        if wanted(frame):
            return dict(frame)


def _analysed(api: Api, tender_id: str) -> dict[str, Any] | None:
    body = api("GET", f"/tenders/{tender_id}").json()
    return body if body.get("status") in ("READY", "NEEDS_REVIEW", "FAILED") else None


def _diff_ready(api: Api, tender_id: str) -> dict[str, Any] | None:
    body = api("GET", f"/discovery/tenders/{tender_id}/diff").json()
    return body if not body.get("pending") and body.get("previous_version") else None
