"""The scheduled discovery cycle: PNCP ``/atualizacao`` per (modalidade, UF) partition → platform tables →
matches of every saved search → alerts; watched compras are diffed on the way (licita.discovery.watch).

Watermarks: each partition remembers the start of its last *completed* cycle. A partition whose listing or
details fail keeps its old watermark, so the next cycle reads the same window again; the upserts and the
match/change tables are idempotent, so re-reading never duplicates an alert. Windows are whole days
(PNCP's ``yyyyMMdd`` parameters): today's records are re-listed every cycle but only those whose
``dataAtualizacaoGlobal`` moved are fetched in detail.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from licita.core.brazil import is_ascii_digits
from licita.core.config import get_settings
from licita.discovery import store, watch
from licita.discovery.alerts import publish_pending_matches
from licita.discovery.matching import find_matches
from licita.discovery.models import PncpSyncState
from licita.discovery.pncp import degraded as client_degraded
from licita.discovery.pncp import get_client
from licita.platform.db.engine import system_transaction
from licita.platform.pncp import SAO_PAULO, CircuitOpenError, Compra, PncpClient, PncpError
from licita.tenders.models import Tender

log = logging.getLogger("licita.discovery.sync")
BATCH = 200


@dataclass
class CycleReport:
    partitions: int = 0
    completed: int = 0
    failed: list[str] = field(default_factory=list)
    listed: int = 0
    changed: int = 0
    items_fetched: int = 0
    new_matches: int = 0
    alerts: int = 0
    changes: int = 0
    degraded: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


def partitions() -> list[tuple[int, str | None]]:
    settings = get_settings()
    modalities = [int(m) for m in settings.discovery_modalities.split(",") if is_ascii_digits(m.strip())]
    ufs: list[str | None] = [u.strip().upper() for u in settings.discovery_ufs.split(",") if u.strip()]
    return [(m, uf) for m in modalities for uf in (ufs or [None])]


def partition_key(modalidade: int, uf: str | None) -> str:
    return f"m{modalidade}:{uf or '*'}"


def _batches(compras: Iterator[Compra], size: int) -> Iterator[list[Compra]]:
    batch: list[Compra] = []
    for compra in compras:
        batch.append(compra)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def watched_numbers() -> set[str]:
    with system_transaction() as db:
        return {n for n in db.scalars(select(Tender.pncp_numero_controle).where(
            Tender.pncp_watched.is_(True), Tender.pncp_numero_controle.is_not(None)).distinct()).all() if n}


def run_cycle(client: PncpClient | None = None, *, now: datetime | None = None, publish: bool = True) -> CycleReport:
    """One discovery cycle (the 30-minute schedule). Never raises for PNCP trouble: it is reported."""
    started = time.perf_counter()
    client = client or get_client()
    client.stats.reset()
    now = now or datetime.now(UTC)
    settings = get_settings()
    report = CycleReport()
    watched = watched_numbers()
    touched: list[int] = []
    budget = settings.discovery_max_compras_per_cycle
    for modalidade, uf in partitions():
        report.partitions += 1
        key = partition_key(modalidade, uf)
        with system_transaction() as db:
            state = db.get(PncpSyncState, key)
            if state is None:
                state = PncpSyncState(partition=key, cycles=0, degraded=False)
                db.add(state)
            state.last_started_at = now
            since = state.watermark or (now - timedelta(days=settings.discovery_backfill_days))
        try:
            listing = client.iter_atualizacoes(since.astimezone(SAO_PAULO).date(), now.astimezone(SAO_PAULO).date(),
                                               modalidade, uf=uf)
            for batch in _batches(listing, BATCH):
                report.listed += len(batch)
                ids, changed = _sync_batch(client, batch, watched, report, budget - report.changed)
                touched.extend(ids)
                report.changed += changed
        except (PncpError, CircuitOpenError) as exc:
            log.warning("discovery partition %s failed: %s", key, exc)
            report.failed.append(key)
            with system_transaction() as db:
                state = db.get(PncpSyncState, key)
                if state is not None:
                    state.last_error = f"{type(exc).__name__}: {exc}"[:1000]
                    state.degraded = True
            continue
        with system_transaction() as db:
            state = db.get(PncpSyncState, key)
            if state is not None:
                state.watermark = now  # only a completed partition moves forward
                state.last_completed_at = datetime.now(UTC)
                state.last_error = None
                state.degraded = client_degraded(client)
                state.cycles = (state.cycles or 0) + 1
        report.completed += 1
    report.degraded = client_degraded(client) or bool(report.failed)
    if touched:
        with system_transaction() as db:
            run = find_matches(db, sorted(set(touched)), degraded=report.degraded)
        report.new_matches = len(run.new_match_ids)
    if publish:
        report.alerts = publish_pending_matches()
    report.seconds = round(time.perf_counter() - started, 3)
    log.info("discovery cycle %s", report.as_dict())
    return report


def _sync_batch(client: PncpClient, batch: list[Compra], watched: set[str], report: CycleReport,
                budget: int) -> tuple[list[int], int]:
    """Upsert one page of headers; fetch items (and diff watched compras) for the ones that moved."""
    settings = get_settings()
    degraded = client_degraded(client)
    unique = {c.numero_controle_pncp: c for c in batch}
    with system_transaction() as db:
        before = store.existing(db, list(unique))
        snapshots = {n: store.snapshot(r) for n, r in before.items()}
        moved = [c for n, c in unique.items() if n not in before or before[n].items_synced_at is None
                 or before[n].data_atualizacao_global != c.data_atualizacao_global]
        ids = store.upsert_compras(db, list(unique.values()), degraded=degraded)
    moved = moved[:max(0, budget)]
    touched: list[int] = []
    for compra in moved:
        compra_id = ids[compra.numero_controle_pncp]
        is_watched = compra.numero_controle_pncp in watched
        items = client.list_itens(compra.ref) if settings.discovery_fetch_items or is_watched else []
        report.items_fetched += 1 if items else 0
        with system_transaction() as db:
            items_before = store.items_of(db, compra_id) if is_watched else {}
            if items:
                store.replace_items(db, compra_id, items)
            store.refresh_documents_tsv(db, [compra_id])
        if is_watched:
            report.changes += watch.detect_and_fan_out(client, compra_id, compra,
                                                       snapshots.get(compra.numero_controle_pncp, {}),
                                                       items_before, items, degraded=degraded)
        touched.append(compra_id)
    return touched, len(moved)
