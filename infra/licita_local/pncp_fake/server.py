"""A real HTTP PNCP on 127.0.0.1: consulta (``/api/consulta/v1``) and integração (``/api/pncp/v1``, also
``/pncp-api/v1`` as in returned ``url`` fields) under one base URL, with PNCP's quirks and a control API.

Quirks reproduced: 204 without body on an empty listing page and on a page past the end (or 400, see
``FakeConfig.past_end_status``); ``/itens`` defaulting to 10 per page and ``200 []`` past the end; 404 for an
unknown compra; 204 on ``/resultados`` without a result; 400 for a missing modality / bad parameters; 422 for
windows over 365 days; HTML 429 with or without ``Retry-After``; 500 bodies (JDBC JSON or plain text declared as
JSON); 502/503 HTML; slow answers; 200 with an HTML body; type drift (numbers as strings); ZIP editais.

Control API (JSON bodies; all under ``/_fake``):

    GET    /_fake/health                      → {"compras": n, "version": v, "recorded": source}
    POST   /_fake/reset                       → clear faults, config and request log
    POST   /_fake/faults   {"kind": "429"|"500"|"502"|"503"|"slow"|"non_json"|"drift"|"drop", "count": 3,
                            "path": "regex", "retry_after": "2"|"<HTTP-date>"|null, "delay": 1.5}
    DELETE /_fake/faults
    POST   /_fake/config   {"latency": 0.0, "latency_jitter": 0.0, "past_end_status": 204|400,
                            "rate_limit_per_second": null|n, "rate_limit_retry_after": null|"1",
                            "itens_default_page_size": 10}
    GET    /_fake/requests → [{"t", "method", "path", "query", "status"}]   DELETE /_fake/requests
    POST   /_fake/generate {"count": n}
    POST   /_fake/compras  {field overrides..., "itens": ["descrição" | {item fields}]}  → publish a compra (now)
    PATCH  /_fake/compras/{cnpj}/{ano}/{seq}  {"situacaoCompraId": 4, "dataEncerramentoProposta": ...,
                                               "valorTotalEstimado": ..., "objetoCompra": ..., "justificativa": ...}
    POST   /_fake/compras/{cnpj}/{ano}/{seq}/documentos {"titulo": "Retificação do edital", "tipoDocumentoId": 16,
                                                        "content_base64": null, "content_type": null}
    DELETE /_fake/compras/{cnpj}/{ano}/{seq}/documentos/{n}
    POST   /_fake/compras/{cnpj}/{ano}/{seq}/historico {"tipo": 1, "categoria": 1, "justificativa": "..."}
    PATCH  /_fake/compras/{cnpj}/{ano}/{seq}/itens/{n}  {item fields...}
    POST   /_fake/compras/{cnpj}/{ano}/{seq}/itens/{n}/homologar {"valorUnitarioHomologado": ..., ...}

Modules: ``server`` (the HTTP handler's plumbing, fault injection, routing; ``FakePncp``), ``consulta``,
``integracao`` and ``control`` (one route group each), ``wire`` (PNCP's error bodies and parameter parsing),
``state`` (faults, config, request log).
"""


from __future__ import annotations

import json
import random
import re
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from licita_local.handlers import VerbDispatch
from licita_local.pncp_fake.consulta import CONSULTA, ConsultaRoutes
from licita_local.pncp_fake.control import ControlRoutes
from licita_local.pncp_fake.data import PncpStore, UnknownCompra
from licita_local.pncp_fake.integracao import IntegracaoRoutes
from licita_local.pncp_fake.state import (
    FAULT_KINDS,
    FakeConfig,
    FakeState,
    Fault,
    RequestLog,
    add_fault,
    http_date_in,
)
from licita_local.pncp_fake.wire import (
    HTML_429,
    HTML_BAD_GATEWAY,
    HTML_MAINTENANCE,
    JDBC_500,
    HttpAnswer,
    _drift,
    _error,
)

__all__ = ["FAULT_KINDS", "FakeConfig", "FakePncp", "FakeState", "Fault", "Handler", "HttpAnswer", "RequestLog",
           "add_fault", "http_date_in"]

API_PREFIXES = ("/api/pncp", "/pncp-api")


class Handler(VerbDispatch, ConsultaRoutes, IntegracaoRoutes, ControlRoutes, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid the 40 ms delayed-ACK stall
    server_version = "PNCP-fake/1.0"
    state: FakeState  # set on the subclass by FakePncp
    VERBS = ("GET", "POST", "PATCH", "DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        return None

    # --- plumbing ---------------------------------------------------------------------------------------------
    def _send(self, answer: HttpAnswer) -> None:
        self.send_response(answer.status)
        if answer.status != 204:
            self.send_header("Content-Type", answer.content_type)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)) if answer.status != 204 else "0")
        self.end_headers()
        if answer.status != 204 and answer.body:
            self.wfile.write(answer.body)

    def handle_verb(self, method: str) -> None:
        parts = urlsplit(self.path)
        path, query = parts.path, parts.query
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        state = self.state
        try:
            if path.startswith("/_fake"):
                answer = self._control(method, path, state)
            else:
                answer = self._pncp(method, path, params, state)
        except HttpAnswer as exc:
            answer = exc
        except ConnectionAbortedError:  # the "drop" fault: close without answering
            state.log.append(RequestLog(time.time(), method, path, query, 0))
            self.close_connection = True
            return
        except UnknownCompra as exc:
            answer = _error(404, f"Não encontrado: {exc}", path)
        except Exception as exc:  # a bug in the fake must not look like a hung server
            answer = _error(500, f"fake error: {exc!r}", path)
        if not path.startswith("/_fake"):
            state.log.append(RequestLog(time.time(), method, path, query, answer.status))
        try:
            self._send(answer)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # --- PNCP -------------------------------------------------------------------------------------------------
    def _pncp(self, method: str, path: str, params: dict[str, str], state: FakeState) -> HttpAnswer:
        if method != "GET":
            raise _error(405, "Method not allowed", path)
        cfg = state.config
        if cfg.latency or cfg.latency_jitter:
            time.sleep(cfg.latency + random.uniform(0, cfg.latency_jitter))
        if state.over_rate():
            headers = {"Retry-After": cfg.rate_limit_retry_after} if cfg.rate_limit_retry_after else {}
            return HttpAnswer(429, HTML_429.encode(), "text/html; charset=UTF-8", headers)
        fault = state.take_fault(path)
        drift = False
        if fault is not None:
            if fault.kind == "slow":
                time.sleep(fault.delay)
            elif fault.kind == "drift":
                drift = True
            elif fault.kind == "drop":
                self.close_connection = True
                raise ConnectionAbortedError
            else:
                return self._fault_answer(fault)
        answer = self._route(path, params, state)
        if drift and answer.status == 200 and answer.content_type.startswith("application/json"):
            answer.body = json.dumps(_drift(json.loads(answer.body)), ensure_ascii=False).encode()
        return answer

    @staticmethod
    def _fault_answer(fault: Fault) -> HttpAnswer:
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        if fault.kind == "429":
            return HttpAnswer(429, HTML_429.encode(), "text/html; charset=UTF-8", headers)
        if fault.kind == "500":
            if random.random() < 0.5:
                return HttpAnswer(500, "Erro na comunicação com o banco de dados.".encode(), "application/json")
            body = {"timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    "status": 500, "error": "Internal Server Error", "message": JDBC_500, "path": "/"}
            return HttpAnswer(500, json.dumps(body).encode(), "application/json")
        if fault.kind in ("502", "503"):
            return HttpAnswer(int(fault.kind), HTML_BAD_GATEWAY.encode(), "text/html", headers)
        return HttpAnswer(200, HTML_MAINTENANCE.encode(), "text/html;charset=UTF-8")

    def _route(self, path: str, params: dict[str, str], state: FakeState) -> HttpAnswer:
        if path.startswith(CONSULTA + "/v1/contratacoes/"):
            return self._listing(path[len(CONSULTA):], params, state)
        for prefix in API_PREFIXES:
            if path.startswith(prefix + "/v1/"):
                return self._integracao(path[len(prefix):], params, state)
        raise _error(404, "No static resource", path)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # dropped connections ("drop" fault, client timeouts) are expected


class FakePncp:
    """The fake as a Python object: ``start()`` → base URL; ``store`` and the fault/config helpers control it.

        with FakePncp(count=500) as fake:
            client = PncpClient(r, PncpSettings.for_base(fake.base_url))
            fake.fail("429", count=3, retry_after="1")
            fake.store.update_compra(ncp, situacaoCompraId=4)
    """

    def __init__(self, store: PncpStore | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 **store_kwargs: Any) -> None:
        self.store = store or PncpStore(**store_kwargs)
        self.state = FakeState(self.store)
        self.host = host
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("fake not started")
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def config(self) -> FakeConfig:
        return self.state.config

    def bind(self) -> str:
        """Listen without serving yet (``serve_forever`` in the caller, or in forked workers)."""
        if self._server is None:
            handler: type[Handler] = type("BoundHandler", (Handler,), {"state": self.state})
            self._server = _Server((self.host, self.port), handler)
        return self.base_url

    def serve_in_this_thread(self) -> None:
        self.bind()
        assert self._server is not None
        self._server.serve_forever()

    def start(self) -> str:
        self.bind()
        assert self._server is not None
        self._thread = threading.Thread(target=self._server.serve_forever, name="pncp-fake", daemon=True)
        self._thread.start()
        return self.base_url

    def serve_forever(self) -> None:
        if self._server is None:
            self.start()
        assert self._thread is not None
        self._thread.join()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakePncp:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # --- control helpers --------------------------------------------------------------------------------------
    def fail(self, kind: str, count: int = 1, *, path: str | None = None,
             retry_after: str | int | float | None = None, delay: float = 2.0) -> Fault:
        """Queue a fault for the next ``count`` matching requests (kinds: see ``FAULT_KINDS``)."""
        return add_fault(self.state, kind, count, path, retry_after, delay)

    def clear_faults(self) -> None:
        with self.state.lock:
            self.state.faults.clear()

    def configure(self, **changes: Any) -> FakeConfig:
        for name, value in changes.items():
            if not hasattr(self.state.config, name):
                raise AttributeError(name)
            setattr(self.state.config, name, value)
        return self.state.config

    def reset(self) -> None:
        with self.state.lock:
            self.state.faults.clear()
            self.state.config = FakeConfig()
            self.state.log.clear()

    @property
    def requests(self) -> list[RequestLog]:
        return list(self.state.log)

    def requests_to(self, pattern: str) -> list[RequestLog]:
        return [r for r in self.state.log if re.search(pattern, r.path)]
