"""PNCP (Portal Nacional de Contratações Públicas) client: httpx + one Redis rate limiter + retries + breaker.

Self-contained: imports only the standard library, httpx and redis (no other licita module).

Build one per process::

    from licita.platform.pncp import PncpClient, PncpSettings
    client = PncpClient(redis.Redis.from_url(url))                   # real PNCP, 1 request / 2 s for everyone
    client = PncpClient(r, PncpSettings.for_base("http://127.0.0.1:8765"))   # the fake (licita_local.pncp_fake)
    client = PncpClient(r, PncpSettings.from_settings(get_settings()))  # Settings.pncp_* (every env read
                                                                        # goes through licita.core.config)

Listings (consulta API; generators that page until ``paginasRestantes == 0``; 204 = empty; a page past the
end (204 or 400) = the end; long windows are split in ``settings.window_days`` chunks (≤ 365) and results
are de-duplicated on ``numeroControlePNCP``; one modality / UF per call, as PNCP requires):

- ``iter_publicacoes(data_inicial, data_final, modalidade, *, uf, municipio_ibge, cnpj, unidade,
  modo_disputa, window_days) -> Iterator[Compra]``
- ``iter_atualizacoes(...same...) -> Iterator[Compra]`` — filters on ``dataAtualizacaoGlobal`` (change watch)
- ``iter_propostas_abertas(data_final=today+30, *, modalidade, uf, municipio_ibge, cnpj, unidade)``
- ``iter_pages(path, params) -> Iterator[Page[Compra]]`` and ``fetch_page(path, params, pagina)`` (raw)

One compra (integração API; ``ref`` is a :class:`CompraRef` or a ``numeroControlePNCP`` string):

- ``get_compra(ref) -> Compra`` (raises :class:`PncpNotFound`)
- ``iter_itens(ref)`` / ``list_itens(ref) -> list[Item]`` — asks 500 per page and pages until a short page;
  never trusts the server's default of 10; ``count_itens(ref) -> int``
- ``list_resultados(ref, numero_item) -> list[Resultado]`` ([] on 204: no result yet)
- ``list_documentos(ref) -> list[Documento]``; ``count_documentos(ref)``;
  ``download_documento(ref, sequencial_documento) -> Download`` (bytes, ``kind`` from magic bytes:
  "zip" | "pdf" | ..., ``sha256``, ``filename``)
- ``list_historico(ref) -> list[HistoricoEvento]`` (oldest first)
- ``list_modalidades()``

Records (``models``): ``Compra``, ``Item``, ``Resultado``, ``Documento``, ``HistoricoEvento``, ``Download``,
``Page``, ``CompraRef``. Parsing tolerates numbers as strings, nulls and missing keys; money is ``Decimal``;
``valorTotalEstimado == 0`` → ``valor_total_estimado=None, valor_estimado_sigiloso=True``; item unit
estimates of 0 (secret) or 0.01 (placeholder) → ``None`` with a flag; timestamps without an offset are
America/Sao_Paulo (aware datetimes). ``raw`` keeps the original JSON of each record.

Resilience:

- Rate limit: :class:`RedisRateLimiter` (GCRA, one Lua script; key ``settings.limiter_key``) shared by every
  method and every process using the same Redis; a 429 pauses it for everyone. ``rate_per_second=None`` (or
  ``limiter=UnlimitedRateLimiter()``) lifts it.
- Retries (``settings.retry``, :class:`RetryPolicy`): 429, 500/502/503/504, timeouts, connection errors and
  200s with a non-JSON body; exponential backoff with full jitter (cap 60 s); ``Retry-After`` (seconds or
  HTTP-date) is honoured; a ``Retry-After`` over ``max_retry_after`` gives up at once. Other 4xx are final:
  :class:`PncpBadRequest` (400), :class:`PncpNotFound` (404), :class:`PncpValidationError` (422, e.g. a window
  over 365 days), :class:`PncpHTTPError`.
- Exhausted retries raise :class:`PncpUnavailable` (:class:`PncpRateLimited` for 429s).
- Circuit breaker (:class:`CircuitBreaker`, in-process, injectable clock): ``breaker_failure_threshold``
  consecutive failures open it; calls then fail fast with :class:`CircuitOpenError` until
  ``breaker_recovery_timeout`` passes; one half-open probe closes or re-opens it.
- ``client.stats`` counts requests/retries/429s/5xx/timeouts; ``client.stats.degraded`` feeds a freshness
  flag. ``client.breaker.state`` is "closed" | "open" | "half_open".

Injectables for tests: ``limiter``, ``breaker``, ``http`` (an ``httpx.Client``), ``sleep``, ``monotonic``,
``rng``, ``today``.
"""

from licita.platform.pncp.breaker import BreakerState, CircuitBreaker
from licita.platform.pncp.client import PncpClient, PncpSettings, PncpStats, split_window
from licita.platform.pncp.errors import (
    CircuitOpenError,
    PncpBadRequest,
    PncpError,
    PncpHTTPError,
    PncpNotFound,
    PncpRateLimited,
    PncpUnavailable,
    PncpValidationError,
)
from licita.platform.pncp.limiter import (
    MemoryRateLimiter,
    RateLimiter,
    RateLimitTimeout,
    RedisRateLimiter,
    UnlimitedRateLimiter,
    gcra_step,
)
from licita.platform.pncp.models import (
    SAO_PAULO,
    Compra,
    CompraRef,
    Documento,
    Download,
    HistoricoEvento,
    Item,
    Page,
    Resultado,
    sniff,
)
from licita.platform.pncp.retry import RetryPolicy, backoff_delay, parse_retry_after

__all__ = [
    "SAO_PAULO",
    "BreakerState",
    "CircuitBreaker",
    "CircuitOpenError",
    "Compra",
    "CompraRef",
    "Documento",
    "Download",
    "HistoricoEvento",
    "Item",
    "MemoryRateLimiter",
    "Page",
    "PncpBadRequest",
    "PncpClient",
    "PncpError",
    "PncpHTTPError",
    "PncpNotFound",
    "PncpRateLimited",
    "PncpSettings",
    "PncpStats",
    "PncpUnavailable",
    "PncpValidationError",
    "RateLimitTimeout",
    "RateLimiter",
    "RedisRateLimiter",
    "Resultado",
    "RetryPolicy",
    "UnlimitedRateLimiter",
    "backoff_delay",
    "gcra_step",
    "parse_retry_after",
    "sniff",
    "split_window",
]
