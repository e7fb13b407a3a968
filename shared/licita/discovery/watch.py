"""Change watch of imported tenders: what moved on PNCP, in each watching tender's change log, with alerts.

For a watched compra whose ``dataAtualizacaoGlobal`` moved, the header is diffed (situação, dates, value,
object), ``/arquivos`` is diffed by ``sequencialDocumento`` (titles are often meaningless ids), new
``/historico`` rows are taken, and items that became homologated bring their results (price history).
Every change is written once per tender (unique dedup key), so a replayed cycle alerts nobody twice.
A new edital version (a new Edital document, or a retificação/errata/adendo) is downloaded and sent to
analysis after the tender's current analysis fields are kept as a version, for the field-by-field diff.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from licita.core.errors import NotFound
from licita.core.security.principal import Principal
from licita.discovery import rules, store
from licita.discovery.alerts import publish_tender_changes
from licita.discovery.models import PncpDocumento, TenderChange, TenderVersion
from licita.discovery.schemas import ChangeList, ChangeOut, FieldChange, VersionDiff
from licita.platform.db.engine import system_transaction, tenant_transaction
from licita.platform.db.lookup import company_transaction
from licita.platform.pncp import Compra, Download, Item, PncpClient, PncpError
from licita.tenders.imports import register_imported_document
from licita.tenders.models import TERMINAL_STATUSES, Tender, TenderDocument

log = logging.getLogger("licita.discovery.watch")


def detect(client: PncpClient, compra_id: int, compra: Compra, before: Mapping[str, Any],
           items_before: Mapping[int, Any], items_after: Sequence[Item]) -> tuple[list[rules.Change], list[int]]:
    """(changes, sequenciais of new edital versions). PNCP calls happen here, outside any transaction."""
    stamp = (compra.data_atualizacao or compra.data_atualizacao_global)
    stamp_text = stamp.isoformat() if stamp else "?"
    changes: list[rules.Change] = []
    if before:
        after = {name: getattr(compra, name) for name in rules.WATCHED_HEADER}
        changes.extend(rules.header_changes(before, after, stamp_text))
    documentos = client.list_documentos(compra.ref)
    historico = client.list_historico(compra.ref)
    homologated = [i for i in items_after if i.homologado and (
        items_before.get(i.numero_item) is None or getattr(items_before[i.numero_item], "situacao_id", None) != 2)]
    resultados = {i.numero_item: client.list_resultados(compra.ref, i.numero_item) for i in homologated}
    new_versions: list[int] = []
    with system_transaction() as db:
        new_docs = set(store.save_documents(db, compra_id, documentos))
        for d in documentos:
            if d.sequencial_documento in new_docs and d.ativo:
                change = rules.document_change(d.sequencial_documento, d.titulo, d.tipo_documento_id,
                                               d.tipo_documento_nome)
                if change is not None:
                    changes.append(change)
                    new_versions.append(d.sequencial_documento)
        for h in store.save_historico(db, compra_id, historico):
            changes.append(rules.history_change(store.historico_hash(h)[:24], h.tipo_log_nome, h.categoria_log_nome,
                                                h.justificativa, h.documento_titulo))
        for item in homologated:
            results = resultados.get(item.numero_item) or []
            store.save_resultados(db, compra_id, item.numero_item, results)
            price = next((r.valor_unitario_homologado for r in results if r.valor_unitario_homologado), None)
            changes.append(rules.item_homologated_change(item.numero_item, item.descricao, price))
    return changes, new_versions


def detect_and_fan_out(client: PncpClient, compra_id: int, compra: Compra, before: Mapping[str, Any],
                       items_before: Mapping[int, Any], items_after: Sequence[Item], *, degraded: bool) -> int:
    """Detect, then record per watching tender and alert; returns how many tender changes were new."""
    changes, new_versions = detect(client, compra_id, compra, before, items_before, items_after)
    if not changes:
        return 0
    downloads: dict[int, Download] = {}
    for seq in new_versions[-1:]:  # the latest new version is the one to read
        try:
            downloads[seq] = client.download_documento(compra.ref, seq)
        except PncpError as exc:
            log.warning("could not download %s doc %s: %s", compra.numero_controle_pncp, seq, exc)
    if downloads:
        with system_transaction() as db:
            store.save_documents(db, compra_id, [], downloads)
            for seq, dl in downloads.items():
                row = db.get(PncpDocumento, (compra_id, seq))
                if row is not None:
                    row.sha256, row.kind, row.size = dl.sha256, dl.kind[:10], dl.size
    with system_transaction() as db:
        watchers = db.execute(select(Tender.id, Tender.company_id).where(
            Tender.pncp_numero_controle == compra.numero_controle_pncp, Tender.pncp_watched.is_(True))).all()
    total = 0
    for tender_id, company_id in watchers:
        total += record_changes(company_id, tender_id, compra, changes, downloads, degraded=degraded)
    return total


def record_changes(company_id: uuid.UUID, tender_id: uuid.UUID, compra: Compra, changes: Sequence[rules.Change],
                   downloads: Mapping[int, Download], *, degraded: bool) -> int:
    with tenant_transaction(company_id) as db:
        tender = db.scalar(select(Tender).where(Tender.id == tender_id, Tender.company_id == company_id)
                           .with_for_update())
        if tender is None:
            return 0
        rows = [{"id": uuid.uuid4(), "company_id": company_id, "tender_id": tender_id,
                 "numero_controle": compra.numero_controle_pncp, "kind": c.kind, "field": c.field, "before": c.before,
                 "after": c.after, "message": c.message[:2000], "dedup_key": c.dedup[:200], "degraded": degraded}
                for c in changes]
        inserted = db.execute(insert(TenderChange).values(rows).on_conflict_do_nothing(
            index_elements=["tender_id", "dedup_key"]).returning(TenderChange.dedup_key)).scalars().all()
        new = [c for c in changes if c.dedup[:200] in set(inserted)]
        version_docs = [seq for seq, _ in downloads.items()
                        if any(c.kind == "document" and c.dedup == f"doc:{seq}" for c in new)]
        for seq in version_docs:
            _new_version(db, tender, downloads[seq], seq)
        payload_tender = {"tender_id": str(tender.id), "title": tender.title, "numero_controle":
                          compra.numero_controle_pncp, "link": tender.pncp_url}
    if new:
        publish_tender_changes(company_id, payload_tender, new, degraded=degraded)
    return len(new)


def _new_version(db: Session, tender: Tender, download: Download, seq: int) -> None:
    """Keep the current analysis fields as a version, then send the new edital to the analysis path."""
    last = db.scalar(select(TenderVersion.version).where(TenderVersion.tender_id == tender.id)
                     .order_by(TenderVersion.version.desc()).limit(1)) or 0
    db.add(TenderVersion(company_id=tender.company_id, tender_id=tender.id, version=last + 1,
                         reason=f"Nova versão publicada no PNCP (documento {seq})", fields=analysis_fields(tender)))
    if download.kind not in ("pdf", "zip"):
        log.warning("new version of tender %s is %s: logged, not analysed", tender.id, download.kind)
        return
    stem = (download.filename or f"edital-{seq}").rsplit(".", 1)[0]
    doc = register_imported_document(db, company_id=tender.company_id, tender_id=tender.id,
                                     content=download.content, kind=download.kind,
                                     filename=f"{stem}.{download.kind}", created_by=tender.created_by)
    db.flush()
    version = db.scalar(select(TenderVersion).where(TenderVersion.tender_id == tender.id,
                                                    TenderVersion.version == last + 1))
    if version is not None:
        version.document_id = doc.document_id


def analysis_fields(tender: Tender) -> dict[str, Any]:
    """The extractor's value of every field (what a new edital version may change)."""
    out: dict[str, Any] = {}
    for name, evidence in (tender.fields or {}).items():
        out[name] = evidence.get("value") if isinstance(evidence, dict) else evidence
    return out


# ------------------------------------------------------------------------------------------ routes
def _tender(db: Session, principal: Principal, tender_id: str) -> Tender:
    try:
        tid = uuid.UUID(tender_id)
    except (ValueError, TypeError, AttributeError):
        raise NotFound("Licitação não encontrada.", code="tender_not_found") from None
    tender = db.scalar(select(Tender).where(Tender.id == tid, Tender.company_id == uuid.UUID(principal.company_id)))
    if tender is None:
        raise NotFound("Licitação não encontrada.", code="tender_not_found")
    return tender


@contextmanager
def _watched(principal: Principal, tender_id: str) -> Iterator[tuple[Session, Tender]]:
    """The caller's tender (404 when it is not the company's) inside its company's transaction."""
    with company_transaction(principal) as (db, _company_id):
        yield db, _tender(db, principal, tender_id)


def list_changes(principal: Principal, tender_id: str) -> ChangeList:
    with _watched(principal, tender_id) as (db, tender):
        rows = db.scalars(select(TenderChange).where(TenderChange.tender_id == tender.id,
                                                     TenderChange.company_id == tender.company_id)
                          .order_by(TenderChange.detected_at.desc()).limit(500)).all()
        return ChangeList(tender_id=tender.id, numero_controle=tender.pncp_numero_controle, items=[
            ChangeOut(id=r.id, kind=r.kind, field=r.field, before=r.before, after=r.after, message=r.message,
                      degraded=r.degraded, detected_at=r.detected_at) for r in rows])


def version_diff(principal: Principal, tender_id: str) -> VersionDiff:
    with _watched(principal, tender_id) as (db, tender):
        version = db.scalar(select(TenderVersion).where(TenderVersion.tender_id == tender.id,
                                                        TenderVersion.company_id == tender.company_id)
                            .order_by(TenderVersion.version.desc()).limit(1))
        pending = tender.status not in TERMINAL_STATUSES
        if version is None:
            return VersionDiff(tender_id=tender.id, previous_version=None, previous_at=None,
                               current_status=tender.status, pending=pending, changes=[])
        if version.document_id is not None:
            doc_status = db.scalar(select(TenderDocument.status).where(TenderDocument.id == version.document_id,
                                                                       TenderDocument.company_id == tender.company_id))
            pending = pending or (doc_status is not None and doc_status not in TERMINAL_STATUSES)
        current = analysis_fields(tender)
        diff = rules.field_diff(version.fields or {}, current) if not pending else []
        return VersionDiff(tender_id=tender.id, previous_version=version.version, previous_at=version.created_at,
                           current_status=tender.status, pending=pending,
                           changes=[FieldChange(**d) for d in diff])


