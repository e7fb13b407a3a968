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
    POST   /_fake/compras  {field overrides...}  → publish a new compra (now)
    PATCH  /_fake/compras/{cnpj}/{ano}/{seq}  {"situacaoCompraId": 4, "dataEncerramentoProposta": ...,
                                               "valorTotalEstimado": ..., "objetoCompra": ..., "justificativa": ...}
    POST   /_fake/compras/{cnpj}/{ano}/{seq}/documentos {"titulo": "Retificação do edital", "tipoDocumentoId": 16,
                                                        "content_base64": null, "content_type": null}
    DELETE /_fake/compras/{cnpj}/{ano}/{seq}/documentos/{n}
    POST   /_fake/compras/{cnpj}/{ano}/{seq}/historico {"tipo": 1, "categoria": 1, "justificativa": "..."}
    PATCH  /_fake/compras/{cnpj}/{ano}/{seq}/itens/{n}  {item fields...}
    POST   /_fake/compras/{cnpj}/{ano}/{seq}/itens/{n}/homologar {"valorUnitarioHomologado": ..., ...}
"""

from __future__ import annotations

import base64
import json
import random
import re
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from licita_local.pncp_fake.data import PncpStore, Record, UnknownCompra, key_of
from licita_local.pncp_fake.generator import MODALIDADES

HTML_429 = """<html>
<head>
    <meta charset="UTF-8">
    <title>Limite de Requisições Excedido</title>
</head>
<body>
    <h2>Limite de requisições excedido</h2>

    <p>Você excedeu o limite de requisições permitidas. Tente novamente mais tarde.</p>
</body>
</html>
"""
HTML_MAINTENANCE = "<html><head><title>PNCP</title></head><body><h1>Sistema em manutenção</h1></body></html>"
HTML_BAD_GATEWAY = ("<html><head><title>502 Bad Gateway</title></head>"
                    "<body><center><h1>502 Bad Gateway</h1></center></body></html>")
JDBC_500 = ("Failed to obtain JDBC Connection; nested exception is java.sql.SQLTransientConnectionException: "
            "HikariPool-1 - Connection is not available, request timed out after 30000ms.")
FAULT_KINDS = ("429", "500", "502", "503", "slow", "non_json", "drift", "drop")


@dataclass
class Fault:
    kind: str
    count: int = 1
    path: str | None = None  # regex on the request path
    retry_after: str | None = None
    delay: float = 2.0

    def matches(self, path: str) -> bool:
        return self.path is None or re.search(self.path, path) is not None


@dataclass
class FakeConfig:
    latency: float = 0.0
    latency_jitter: float = 0.0
    past_end_status: int = 204
    rate_limit_per_second: float | None = None
    rate_limit_retry_after: str | None = None
    itens_default_page_size: int = 10
    itens_max_page_size: int = 500
    consulta_default_page_size: int = 50


@dataclass
class RequestLog:
    t: float
    method: str
    path: str
    query: str
    status: int


@dataclass
class FakeState:
    store: PncpStore
    config: FakeConfig = field(default_factory=FakeConfig)
    faults: list[Fault] = field(default_factory=list)
    log: deque[RequestLog] = field(default_factory=lambda: deque(maxlen=200_000))
    lock: threading.Lock = field(default_factory=threading.Lock)
    window: deque[float] = field(default_factory=deque)
    listing_cache: dict[tuple[Any, ...], list[Record]] = field(default_factory=dict)

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.count > 0 and fault.matches(path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return Fault(fault.kind, 1, fault.path, fault.retry_after, fault.delay)
        return None

    def over_rate(self) -> bool:
        limit = self.config.rate_limit_per_second
        if not limit:
            return False
        now = time.monotonic()
        with self.lock:
            while self.window and now - self.window[0] > 1.0:
                self.window.popleft()
            if len(self.window) >= limit:
                return True
            self.window.append(now)
        return False


class HttpAnswer(Exception):
    def __init__(self, status: int, body: bytes = b"", content_type: str = "application/json",
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers or {}


def _error(status: int, message: str, path: str) -> HttpAnswer:
    names = {400: "Bad Request", 404: "Not Found", 422: "Unprocessable Entity", 500: "Internal Server Error"}
    body = {"timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "status": status, "error": names.get(status, "Error"), "message": message, "path": path}
    return HttpAnswer(status, json.dumps(body, ensure_ascii=False).encode())


def _drift(value: Any) -> Any:
    """Numbers become strings, booleans "true"/"false": what a drifting PNCP serializer does."""
    if isinstance(value, dict):
        return {k: _drift(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_drift(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


CONSULTA = "/api/consulta"
API_PREFIXES = ("/api/pncp", "/pncp-api")
COMPRA_RE = re.compile(r"^/v1/orgaos/(\d{14})/compras/(\d{4})/(\d+)(/.*)?$")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: avoid the 40 ms delayed-ACK stall
    server_version = "PNCP-fake/1.0"
    state: FakeState  # set on the subclass by FakePncp

    def log_message(self, format: str, *args: Any) -> None:
        return None

    # --- plumbing ---------------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return {}
        data = json.loads(self.rfile.read(length) or b"{}")
        return data if isinstance(data, dict) else {}

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

    def _dispatch(self, method: str) -> None:
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

    # consulta ---------------------------------------------------------------------------------------------------
    def _listing(self, sub: str, params: dict[str, str], state: FakeState) -> HttpAnswer:
        full = CONSULTA + sub
        kind = sub.rsplit("/", 1)[-1]
        if kind not in ("publicacao", "proposta", "atualizacao"):
            raise _error(404, "No static resource", full)
        pagina = self._int(params, "pagina", full, required=True)
        size = self._int(params, "tamanhoPagina", full) or state.config.consulta_default_page_size
        if pagina < 1 or not 10 <= size <= 50:
            raise _error(400, "Parâmetros de paginação inválidos: pagina >= 1 e tamanhoPagina entre 10 e 50", full)
        modalidade = self._int(params, "codigoModalidadeContratacao", full, required=kind != "proposta")
        final = self._date(params, "dataFinal", full)
        if kind == "proposta":
            now = state.store.clock().strftime("%Y-%m-%dT%H:%M:%S")
            lo, hi = now, final.isoformat() + "T23:59:59"
            field_name = "dataEncerramentoProposta"
        else:
            inicial = self._date(params, "dataInicial", full)
            if final < inicial:
                raise _error(422, "Data Inicial deve ser anterior ou igual à Data Final", full)
            if (final - inicial).days > 365:
                raise _error(422, "O período entre a data inicial e final não pode ser superior a 365 dias", full)
            lo, hi = inicial.isoformat(), final.isoformat() + "T23:59:59"
            field_name = "dataPublicacaoPncp" if kind == "publicacao" else "dataAtualizacaoGlobal"
        filters = {
            "uf": params.get("uf") or None, "ibge": params.get("codigoMunicipioIbge") or None,
            "cnpj": params.get("cnpj") or None, "unidade": params.get("codigoUnidadeAdministrativa") or None,
            "modo": self._int(params, "codigoModoDisputa", full),
        }
        cache_key = (kind, modalidade, lo, hi, tuple(sorted(filters.items())), state.store.version)
        rows = state.listing_cache.get(cache_key)
        if rows is None:
            def keep(c: Record) -> bool:
                value = str(c.get(field_name) or "")
                if not lo <= value <= hi:
                    return False
                if modalidade is not None and c.get("modalidadeId") != modalidade:
                    return False
                unidade = c.get("unidadeOrgao") or {}
                if filters["uf"] and unidade.get("ufSigla") != str(filters["uf"]).upper():
                    return False
                if filters["ibge"] and unidade.get("codigoIbge") != filters["ibge"]:
                    return False
                if filters["cnpj"] and (c.get("orgaoEntidade") or {}).get("cnpj") != filters["cnpj"]:
                    return False
                if filters["unidade"] and unidade.get("codigoUnidade") != filters["unidade"]:
                    return False
                return not (filters["modo"] is not None and c.get("modoDisputaId") != filters["modo"])

            rows = state.store.select(keep, sort_key=field_name)
            if len(state.listing_cache) > 256:
                state.listing_cache.clear()
            state.listing_cache[cache_key] = rows
        total = len(rows)
        if total == 0:
            return HttpAnswer(204)
        pages = (total + size - 1) // size
        if pagina > pages:
            if state.config.past_end_status == 400:
                raise _error(400, "Número da página maior que o total de páginas", full)
            return HttpAnswer(204)
        chunk = rows[(pagina - 1) * size: pagina * size]
        envelope = {"data": chunk, "totalRegistros": total, "totalPaginas": pages, "numeroPagina": pagina,
                    "paginasRestantes": pages - pagina, "empty": False}
        return HttpAnswer(200, json.dumps(envelope, ensure_ascii=False).encode())

    @staticmethod
    def _int(params: dict[str, str], name: str, path: str, required: bool = False) -> Any:
        raw = params.get(name)
        if raw is None or raw == "":
            if required:
                raise _error(400, f"Required request parameter '{name}' for method parameter type Integer is not "
                                  "present", path)
            return None
        try:
            return int(raw)
        except ValueError:
            raise _error(400, f"Failed to convert value of type 'java.lang.String' to required type 'java.lang."
                              f"Integer'; For input string: \"{raw}\"", path) from None

    @staticmethod
    def _date(params: dict[str, str], name: str, path: str) -> date:
        raw = params.get(name)
        if not raw:
            raise _error(400, f"Required request parameter '{name}' for method parameter type String is not present",
                         path)
        try:
            return datetime.strptime(raw, "%Y%m%d").date()
        except ValueError:
            raise _error(422, f"{name}: formato de data inválido (yyyyMMdd): {raw}", path) from None

    # integração -------------------------------------------------------------------------------------------------
    def _integracao(self, sub: str, params: dict[str, str], state: FakeState) -> HttpAnswer:
        full = "/api/pncp" + sub
        if sub == "/v1/modalidades":
            rows = [{"id": k, "nome": v, "descricao": v, "statusAtivo": True} for k, v in MODALIDADES.items()]
            return self._json(rows)
        match = COMPRA_RE.match(sub)
        if not match:
            raise _error(404, "No static resource", full)
        ncp = key_of(match.group(1), match.group(2), match.group(3))
        rest = match.group(4) or ""
        store = state.store
        compra = store.get(ncp)
        if rest in ("", "/"):
            answer = dict(compra)
            answer.setdefault("existeResultado", any(i.get("temResultado") for i in store.itens(ncp)))
            secret = not compra.get("valorTotalEstimado")
            answer.setdefault("orcamentoSigilosoCodigo", 2 if secret else 1)
            answer.setdefault("orcamentoSigilosoDescricao", "Sigiloso" if secret else "Compra sem sigilo")
            return self._json(answer)
        if rest == "/itens":
            pagina = self._int(params, "pagina", full) or 1
            size = self._int(params, "tamanhoPagina", full) or state.config.itens_default_page_size
            size = max(1, min(size, state.config.itens_max_page_size))
            itens = store.itens(ncp)
            return self._json(itens[(pagina - 1) * size: pagina * size])
        if rest == "/itens/quantidade":
            return self._json(len(store.itens(ncp)))
        item_match = re.match(r"^/itens/(\d+)(/resultados)?(/\d+)?$", rest)
        if item_match:
            numero = int(item_match.group(1))
            item = next((i for i in store.itens(ncp) if i["numeroItem"] == numero), None)
            if item is None:
                raise _error(404, f"Item {numero} não encontrado", full)
            if not item_match.group(2):
                return self._json(item)
            results = store.resultados(ncp, numero)
            if item_match.group(3):
                seq = int(item_match.group(3)[1:])
                found = next((r for r in results if r.get("sequencialResultado") == seq), None)
                if found is None:
                    raise _error(404, "Resultado não encontrado", full)
                return self._json(found)
            return self._json(results) if results else HttpAnswer(204)
        if rest == "/arquivos":
            base = self._base_url()
            body = json.dumps(store.documentos(ncp), ensure_ascii=False).replace("https://pncp.gov.br", base)
            return HttpAnswer(200, body.encode())
        if rest == "/arquivos/quantidade":
            return self._json(len(store.documentos(ncp)))
        doc_match = re.match(r"^/arquivos/(\d+)$", rest)
        if doc_match:
            content, content_type, filename = store.file(ncp, int(doc_match.group(1)))
            return HttpAnswer(200, content, content_type,
                              {"Content-Disposition": f'attachment; filename="{filename}"'})
        if rest == "/historico":
            return self._json(store.historico(ncp))
        raise _error(404, "No static resource", full)

    def _base_url(self) -> str:
        address: Any = self.server.server_address
        host = self.headers.get("Host") or f"{address[0]}:{address[1]}"
        return f"http://{host}"

    @staticmethod
    def _json(value: Any) -> HttpAnswer:
        return HttpAnswer(200, json.dumps(value, ensure_ascii=False).encode())

    # --- control API ------------------------------------------------------------------------------------------
    def _control(self, method: str, path: str, state: FakeState) -> HttpAnswer:
        body = self._body() if method in ("POST", "PATCH") else {}
        store = state.store
        route = path[len("/_fake"):]
        if route == "/health":
            return self._json({"compras": len(store.compras), "version": store.version,
                               "recorded": store.recorded_source})
        if route == "/reset" and method == "POST":
            with state.lock:
                state.faults.clear()
                state.config = FakeConfig()
                state.log.clear()
            return self._json({"ok": True})
        if route == "/faults":
            if method == "DELETE":
                with state.lock:
                    state.faults.clear()
                return self._json({"ok": True})
            if method == "POST":
                fault = add_fault(state, **body)
                return self._json(asdict(fault))
            return self._json([asdict(f) for f in state.faults])
        if route == "/config" and method == "POST":
            for name, value in body.items():
                if not hasattr(state.config, name):
                    raise _error(400, f"unknown config {name}", path)
                setattr(state.config, name, value)
            return self._json(asdict(state.config))
        if route == "/requests":
            if method == "DELETE":
                state.log.clear()
                return self._json({"ok": True})
            return self._json([asdict(r) for r in list(state.log)])
        if route == "/generate" and method == "POST":
            made = store.generate(int(body.get("count", 100)))
            return self._json({"generated": len(made), "compras": len(store.compras)})
        if route == "/compras" and method == "POST":
            return self._json(store.publish(**body))
        match = re.match(r"^/compras/(\d{14})/(\d{4})/(\d+)(/.*)?$", route)
        if not match:
            raise _error(404, "unknown control route", path)
        ncp = key_of(match.group(1), match.group(2), match.group(3))
        rest = match.group(4) or ""
        if rest == "" and method == "PATCH":
            justificativa = body.pop("justificativa", None)
            return self._json(store.update_compra(ncp, justificativa=justificativa, **body))
        if rest == "/documentos" and method == "POST":
            content = base64.b64decode(body["content_base64"]) if body.get("content_base64") else None
            return self._json(store.add_documento(ncp, str(body.get("titulo") or "Documento"),
                                                  int(body.get("tipoDocumentoId") or 16), content,
                                                  body.get("content_type"), body.get("filename")))
        doc = re.match(r"^/documentos/(\d+)$", rest)
        if doc and method == "DELETE":
            return self._json(store.remove_documento(ncp, int(doc.group(1))))
        if rest == "/historico" and method == "POST":
            return self._json(store.add_historico(ncp, int(body.get("tipo", 1)), int(body.get("categoria", 1)),
                                                  body.get("justificativa"), body.get("item")))
        item = re.match(r"^/itens/(\d+)(/homologar)?$", rest)
        if item and method == "PATCH" and not item.group(2):
            justificativa = body.pop("justificativa", None)
            return self._json(store.update_item(ncp, int(item.group(1)), justificativa=justificativa, **body))
        if item and method == "POST" and item.group(2):
            return self._json(store.homologar_item(ncp, int(item.group(1)), **body))
        raise _error(404, "unknown control route", path)


def add_fault(state: FakeState, kind: str, count: int = 1, path: str | None = None,
              retry_after: str | int | float | None = None, delay: float = 2.0) -> Fault:
    kind = str(kind)
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; one of {FAULT_KINDS}")
    fault = Fault(kind, int(count), path, None if retry_after is None else str(retry_after), float(delay))
    with state.lock:
        state.faults.append(fault)
    return fault


def http_date_in(seconds: float) -> str:
    """A ``Retry-After`` HTTP-date ``seconds`` from now."""
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds), usegmt=True)


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

