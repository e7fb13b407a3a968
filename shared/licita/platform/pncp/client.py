"""The PNCP HTTP client: rate limited, retried, circuit-broken and fully paged (see the package docstring)."""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypedDict, Unpack

import httpx
import redis

from licita.platform.pncp import models
from licita.platform.pncp.breaker import CircuitBreaker
from licita.platform.pncp.errors import (
    PncpBadRequest,
    PncpHTTPError,
    PncpNotFound,
    PncpRateLimited,
    PncpUnavailable,
    PncpValidationError,
)
from licita.platform.pncp.limiter import RateLimiter, RedisRateLimiter, UnlimitedRateLimiter
from licita.platform.pncp.retry import RETRYABLE_STATUS, RetryPolicy, parse_retry_after, retry_delay

log = logging.getLogger("licita.pncp")

PNCP_BASE = "https://pncp.gov.br"
ITENS_SERVER_DEFAULT = 10  # what /itens returns when tamanhoPagina is ignored or missing
MAX_WINDOW_DAYS = 365


@dataclass(frozen=True, slots=True)
class PncpSettings:
    """Everything configurable. ``from_settings`` maps the app Settings; ``for_base`` points both APIs at one host."""

    consulta_url: str = PNCP_BASE + "/api/consulta"
    api_url: str = PNCP_BASE + "/api/pncp"
    user_agent: str = "Licita/1.0 (+https://licita.app; PNCP client)"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    download_timeout: float = 120.0
    rate_per_second: float | None = 0.5  # None = no limit (benchmarks)
    burst: int = 1
    limiter_key: str = "pncp:ratelimit"
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker_failure_threshold: int = 5
    breaker_recovery_timeout: float = 60.0
    consulta_page_size: int = 50  # 10..50
    itens_page_size: int = 500
    window_days: int = 31  # listing windows are split into chunks of this many days (<= 365)
    proposta_horizon_days: int = 30
    max_pages: int = 10_000

    @classmethod
    def for_base(cls, base_url: str, **overrides: Any) -> PncpSettings:
        base = base_url.rstrip("/")
        return cls(consulta_url=base + "/api/consulta", api_url=base + "/api/pncp", **overrides)

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> PncpSettings:
        """From ``licita.core.config.Settings`` (duck-typed: ``pncp_*`` attributes); no environment reads here."""
        rate = float(settings.pncp_rate_per_second)
        values: dict[str, Any] = {
            "consulta_url": str(settings.pncp_consulta_url).rstrip("/"),
            "api_url": str(settings.pncp_api_url).rstrip("/"),
            "user_agent": str(settings.pncp_user_agent),
            "connect_timeout": float(settings.pncp_connect_timeout),
            "read_timeout": float(settings.pncp_read_timeout),
            "download_timeout": float(settings.pncp_download_timeout),
            "rate_per_second": rate if rate > 0 else None,
        }
        values.update(overrides)
        return cls(**values)


class WhereFilters(TypedDict, total=False):
    """Where a compra is (place and buyer): the optional filters every compra listing takes, keyword-only."""

    uf: str | None
    municipio_ibge: str | None
    cnpj: str | None
    unidade: str | None


class CompraFilters(WhereFilters, total=False):
    """The optional filters of the compra feeds (publicação, atualização), all keyword-only."""

    modo_disputa: int | None
    window_days: int | None


@dataclass
class PncpStats:
    """Counters of one client (thread-safe increments); ``degraded`` says PNCP misbehaved since the last reset."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    timeouts: int = 0
    invalid_bodies: int = 0
    waited_seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **deltas: float) -> None:
        with self._lock:
            for name, delta in deltas.items():
                setattr(self, name, getattr(self, name) + delta)

    @property
    def degraded(self) -> bool:
        return bool(self.retries or self.rate_limited or self.server_errors or self.timeouts or self.invalid_bodies)

    def reset(self) -> None:
        with self._lock:
            self.requests = self.retries = self.rate_limited = 0
            self.server_errors = self.timeouts = self.invalid_bodies = 0
            self.waited_seconds = 0.0


class _Retryable(Exception):
    def __init__(self, reason: str, status: int | None, retry_after: float | None = None, sick: bool = True):
        super().__init__(reason)
        self.status = status
        self.retry_after = retry_after
        self.sick = sick  # counts as a breaker failure


def _yyyymmdd(value: date) -> str:
    return value.strftime("%Y%m%d")


def split_window(start: date, end: date, days: int) -> list[tuple[date, date]]:
    """Inclusive [start, end] cut into consecutive windows of at most ``days`` days."""
    if end < start:
        raise ValueError("window end before start")
    days = max(1, min(days, MAX_WINDOW_DAYS))
    out: list[tuple[date, date]] = []
    cursor = start
    while cursor <= end:
        stop = min(end, cursor + timedelta(days=days - 1))
        out.append((cursor, stop))
        cursor = stop + timedelta(days=1)
    return out


_FILENAME = re.compile(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)\"?", re.IGNORECASE)


class PncpClient:
    """See the package docstring for the public API. Thread-safe; one instance per process is enough."""

    def __init__(
        self,
        redis_client: redis.Redis | None = None,
        settings: PncpSettings | None = None,
        *,
        limiter: RateLimiter | None = None,
        breaker: CircuitBreaker | None = None,
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        today: Callable[[], date] | None = None,
    ) -> None:
        self.settings = settings or PncpSettings()
        if limiter is None:
            if self.settings.rate_per_second is None:
                limiter = UnlimitedRateLimiter()
            elif redis_client is None:
                raise ValueError("a redis.Redis is required for the shared rate limiter (or pass limiter=)")
            else:
                limiter = RedisRateLimiter(
                    redis_client, rate=self.settings.rate_per_second, burst=self.settings.burst,
                    key=self.settings.limiter_key,
                )
        self.limiter = limiter
        self.breaker = breaker or CircuitBreaker(
            failure_threshold=self.settings.breaker_failure_threshold,
            recovery_timeout=self.settings.breaker_recovery_timeout,
        )
        self._owns_http = http is None
        self.http = http or httpx.Client(
            timeout=httpx.Timeout(self.settings.read_timeout, connect=self.settings.connect_timeout),
            headers={"User-Agent": self.settings.user_agent, "Accept": "application/json, */*;q=0.5"},
            follow_redirects=True,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
        )
        self.sleep = sleep
        self.monotonic = monotonic
        self.rng = rng or random.Random()
        self.today = today or (lambda: datetime.now(models.SAO_PAULO).date())
        self.stats = PncpStats()

    # --- lifecycle ---------------------------------------------------------------------------------------------
    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> PncpClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- transport ---------------------------------------------------------------------------------------------
    def _send(self, url: str, params: Mapping[str, Any] | None, timeout: float | None) -> httpx.Response:
        self.breaker.before_call()
        self.stats.add(waited_seconds=self.limiter.acquire())
        self.stats.add(requests=1)
        kwargs: dict[str, Any] = {"params": {k: v for k, v in (params or {}).items() if v is not None}}
        if timeout is not None:
            kwargs["timeout"] = httpx.Timeout(timeout, connect=self.settings.connect_timeout)
        try:
            return self.http.get(url, **kwargs)
        except httpx.TimeoutException as exc:
            self.stats.add(timeouts=1)
            raise _Retryable(f"timeout: {exc!r}", None) from exc
        except httpx.TransportError as exc:
            raise _Retryable(f"transport error: {exc!r}", None) from exc

    def _call(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        binary: bool = False,
        timeout: float | None = None,
    ) -> Any:
        """GET with retries. Returns parsed JSON (``None`` for 204) or, with ``binary``, the response."""
        policy = self.settings.retry
        started = self.monotonic()
        last: _Retryable | None = None
        for attempt in range(max(1, policy.max_attempts)):
            try:
                response = self._send(url, params, timeout)
                result = self._classify(response, url, binary)
            except _Retryable as exc:
                last = exc
                if exc.sick:
                    self.breaker.record_failure()
                if attempt + 1 >= policy.max_attempts:
                    break
                delay = retry_delay(attempt, exc.retry_after, policy, self.rng)
                if exc.retry_after is not None and exc.retry_after > policy.max_retry_after:
                    raise PncpRateLimited(
                        f"PNCP asked to wait {exc.retry_after:.0f}s (> {policy.max_retry_after:.0f}s): {url}",
                        last_status=exc.status,
                    ) from exc
                if exc.status == 429:
                    self.limiter.pause(delay)  # everybody sharing the limiter backs off, not only us
                if policy.deadline is not None and self.monotonic() - started + delay > policy.deadline:
                    break
                log.info("pncp retry %d in %.2fs after %s: %s", attempt + 1, delay, exc, url)
                self.stats.add(retries=1)
                self.sleep(delay)
                continue
            except PncpHTTPError:
                self.breaker.record_success()  # PNCP answered; the request was wrong
                raise
            self.breaker.record_success()
            return result
        assert last is not None
        cls = PncpRateLimited if last.status == 429 else PncpUnavailable
        raise cls(f"PNCP unavailable after retries ({last}): {url}", last_status=last.status)

    def _classify(self, response: httpx.Response, url: str, binary: bool) -> Any:
        status = response.status_code
        if status == 204:
            return None
        if 200 <= status < 300:
            if binary:
                return response
            try:
                return json.loads(response.content)
            except ValueError as exc:
                self.stats.add(invalid_bodies=1)
                raise _Retryable(f"200 with a non-JSON body ({response.headers.get('content-type')})", 200) from exc
        body = response.text[:500]
        if status in RETRYABLE_STATUS:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if status == 429:
                self.stats.add(rate_limited=1)
                raise _Retryable("429 rate limited", 429, retry_after, sick=False)
            self.stats.add(server_errors=1)
            raise _Retryable(f"HTTP {status}: {body[:120]!r}", status, retry_after)
        if status == 404:
            raise PncpNotFound(status, url, body)
        if status == 400:
            raise PncpBadRequest(status, url, body)
        if status == 422:
            raise PncpValidationError(status, url, body)
        raise PncpHTTPError(status, url, body)

    def _consulta(self, path: str) -> str:
        return self.settings.consulta_url + path

    def _api(self, path: str) -> str:
        return self.settings.api_url + path

    # --- consulta: listings ------------------------------------------------------------------------------------
    def fetch_page(self, path: str, params: Mapping[str, Any], pagina: int) -> models.Page[models.Compra]:
        """One raw page of a consulta contratações listing (``path`` like ``/v1/contratacoes/publicacao``)."""
        size = max(10, min(50, self.settings.consulta_page_size))
        data = self._call(self._consulta(path), {**params, "pagina": pagina, "tamanhoPagina": size})
        if data is None:  # 204: empty (or past the end)
            return models.Page([], pagina, 0, 0, 0)
        if isinstance(data, list):  # tolerate a bare array
            rows: list[Any] = data
            envelope: Mapping[str, Any] = {}
        elif isinstance(data, Mapping):
            rows = data.get("data") or []
            envelope = data
        else:
            raise PncpUnavailable(f"unexpected listing body type {type(data).__name__}: {path}")
        items: list[models.Compra] = []
        for row in rows:
            if not isinstance(row, Mapping):
                continue
            try:
                items.append(models.Compra.from_json(row))
            except ValueError:
                log.warning("pncp: skipping a record without identifiers on %s", path)
        return models.Page(
            items=items,
            numero_pagina=models.to_int(envelope.get("numeroPagina")) or pagina,
            total_registros=models.to_int(envelope.get("totalRegistros")),
            total_paginas=models.to_int(envelope.get("totalPaginas")),
            paginas_restantes=models.to_int(envelope.get("paginasRestantes")),
        )

    def iter_pages(self, path: str, params: Mapping[str, Any]) -> Iterator[models.Page[models.Compra]]:
        """Every page until ``paginasRestantes == 0``, a 204, an empty page, or a 400 past page 1 (= the end)."""
        for pagina in range(1, self.settings.max_pages + 1):
            try:
                page = self.fetch_page(path, params, pagina)
            except PncpBadRequest:
                if pagina == 1:
                    raise
                log.info("pncp: 400 on page %d of %s treated as the end", pagina, path)
                return
            if page.items:
                yield page
            if page.last:
                return

    def _iter_listing(self, path: str, params: Mapping[str, Any]) -> Iterator[models.Compra]:
        for page in self.iter_pages(path, params):
            yield from page.items

    def _windowed(
        self, path: str, start: date, end: date, params: Mapping[str, Any], window_days: int | None
    ) -> Iterator[models.Compra]:
        seen: set[str] = set()
        for lo, hi in split_window(start, end, window_days or self.settings.window_days):
            window = {"dataInicial": _yyyymmdd(lo), "dataFinal": _yyyymmdd(hi), **params}
            for compra in self._iter_listing(path, window):
                if compra.numero_controle_pncp not in seen:
                    seen.add(compra.numero_controle_pncp)
                    yield compra

    @staticmethod
    def _filters(modalidade: int | None, where: WhereFilters, modo_disputa: int | None = None) -> dict[str, Any]:
        uf = where.get("uf")
        return {
            "codigoModalidadeContratacao": modalidade,
            "uf": uf.upper() if uf else None,
            "codigoMunicipioIbge": where.get("municipio_ibge"),
            "cnpj": where.get("cnpj"),
            "codigoUnidadeAdministrativa": where.get("unidade"),
            "codigoModoDisputa": modo_disputa,
        }

    def _feed(self, path: str, data_inicial: date, data_final: date, modalidade: int,
              filters: CompraFilters) -> Iterator[models.Compra]:
        params = self._filters(modalidade, filters, filters.get("modo_disputa"))
        return self._windowed(path, data_inicial, data_final, params, filters.get("window_days"))

    def iter_publicacoes(self, data_inicial: date, data_final: date, modalidade: int,
                         **filters: Unpack[CompraFilters]) -> Iterator[models.Compra]:
        """Compras published in [data_inicial, data_final] (any length: split in ``window_days`` chunks)."""
        return self._feed("/v1/contratacoes/publicacao", data_inicial, data_final, modalidade, filters)

    def iter_atualizacoes(self, data_inicial: date, data_final: date, modalidade: int,
                          **filters: Unpack[CompraFilters]) -> Iterator[models.Compra]:
        """Compras whose ``dataAtualizacaoGlobal`` falls in the window (the change-watch feed)."""
        return self._feed("/v1/contratacoes/atualizacao", data_inicial, data_final, modalidade, filters)

    def iter_propostas_abertas(self, data_final: date | None = None, *, modalidade: int | None = None,
                               **where: Unpack[WhereFilters]) -> Iterator[models.Compra]:
        """Compras whose proposal period is open, closing by ``data_final`` (default: today + 30 days)."""
        horizon = data_final or (self.today() + timedelta(days=self.settings.proposta_horizon_days))
        params = {"dataFinal": _yyyymmdd(horizon), **self._filters(modalidade, where)}
        return self._iter_listing("/v1/contratacoes/proposta", params)

    # --- integração: one compra --------------------------------------------------------------------------------
    def get_compra(self, ref: models.CompraRef | str) -> models.Compra:
        """The compra header; raises :class:`PncpNotFound` for an unknown compra."""
        r = models.CompraRef.parse(ref)
        data = self._call(self._api(r.path))
        if not isinstance(data, Mapping):
            raise PncpNotFound(204, self._api(r.path), "empty answer")
        return models.Compra.from_json(data)

    def count_itens(self, ref: models.CompraRef | str) -> int:
        r = models.CompraRef.parse(ref)
        return models.to_int(self._call(self._api(r.path + "/itens/quantidade"))) or 0

    def iter_itens(self, ref: models.CompraRef | str) -> Iterator[models.Item]:
        """Every item, paging with ``tamanhoPagina=itens_page_size`` until a short page.

        The server default is 10 per page (the classic data-loss bug); a page of exactly 10 is never taken as
        the last one, in case the server ignored our page size.
        """
        r = models.CompraRef.parse(ref)
        size = max(1, self.settings.itens_page_size)
        url = self._api(r.path + "/itens")
        for pagina in range(1, self.settings.max_pages + 1):
            rows = self._call(url, {"pagina": pagina, "tamanhoPagina": size})
            if not rows:  # [] past the end, or 204
                return
            if not isinstance(rows, list):
                raise PncpUnavailable(f"unexpected /itens body type {type(rows).__name__}: {url}")
            for row in rows:
                if isinstance(row, Mapping):
                    yield models.Item.from_json(row)
            if len(rows) < size and len(rows) != ITENS_SERVER_DEFAULT:
                return

    def list_itens(self, ref: models.CompraRef | str) -> list[models.Item]:
        return list(self.iter_itens(ref))

    def list_resultados(self, ref: models.CompraRef | str, numero_item: int) -> list[models.Resultado]:
        """Winners of one item ([] when none: PNCP answers 204)."""
        r = models.CompraRef.parse(ref)
        rows = self._call(self._api(f"{r.path}/itens/{numero_item}/resultados"))
        if isinstance(rows, Mapping):
            rows = [rows]
        return [models.Resultado.from_json(row) for row in rows or [] if isinstance(row, Mapping)]

    def list_documentos(self, ref: models.CompraRef | str) -> list[models.Documento]:
        r = models.CompraRef.parse(ref)
        rows = self._call(self._api(r.path + "/arquivos"))
        return [models.Documento.from_json(row) for row in rows or [] if isinstance(row, Mapping)]

    def count_documentos(self, ref: models.CompraRef | str) -> int:
        r = models.CompraRef.parse(ref)
        return models.to_int(self._call(self._api(r.path + "/arquivos/quantidade"))) or 0

    def download_documento(self, ref: models.CompraRef | str, sequencial_documento: int) -> models.Download:
        """The document's bytes; ``kind`` from magic bytes ("zip" for most editais, "pdf", ...)."""
        r = models.CompraRef.parse(ref)
        url = self._api(f"{r.path}/arquivos/{sequencial_documento}")
        response = self._call(url, binary=True, timeout=self.settings.download_timeout)
        if response is None:
            raise PncpNotFound(204, url, "empty document")
        assert isinstance(response, httpx.Response)
        content = response.content
        kind, mime = models.sniff(content)
        disposition = response.headers.get("content-disposition", "")
        match = _FILENAME.search(disposition)
        return models.Download(
            content=content, kind=kind, mime=mime, declared_content_type=response.headers.get("content-type"),
            filename=match.group(1) if match else None, sha256=hashlib.sha256(content).hexdigest(),
        )

    def list_historico(self, ref: models.CompraRef | str) -> list[models.HistoricoEvento]:
        r = models.CompraRef.parse(ref)
        rows = self._call(self._api(r.path + "/historico"))
        events = [models.HistoricoEvento.from_json(row) for row in rows or [] if isinstance(row, Mapping)]
        return sorted(events, key=lambda e: e.data or datetime.min.replace(tzinfo=UTC))

    def list_modalidades(self) -> list[dict[str, Any]]:
        rows = self._call(self._api("/v1/modalidades"))
        return [dict(row) for row in rows or [] if isinstance(row, Mapping)]
