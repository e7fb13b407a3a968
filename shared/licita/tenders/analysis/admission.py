"""Claim a document for one run, after the second wall: only the write create_upload signed is analysed.

The object is looked at (HEAD) before any lock; the verdict (licita.tenders.rules.admit) is taken under
the tender's row lock. A refused write is audited in the tender's company, recorded, and changes nothing,
except a person's re-analysis request, which ends FAILED with the reason instead of staying QUEUED.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from licita.accounts.models import Company
from licita.audit.service import record
from licita.core.actor import Actor
from licita.platform.db.engine import tenant_transaction
from licita.platform.storage import ObjectStorage
from licita.tenders.analysis.notify import publish_for
from licita.tenders.analysis.results import LEASE, PUBLISH_GRACE, Outcome, RetryLater
from licita.tenders.models import TERMINAL_STATUSES, IntentStatus, Tender, TenderDocument, TenderStatus, UploadIntent
from licita.tenders.rules import Admission, Intent, Observed, admit
from licita.tenders.uploads import UploadedObject

log = logging.getLogger("licita.analysis")

REPLACED_MESSAGE = ("O arquivo guardado foi substituído depois do envio e não será analisado. "
                    "Envie o edital novamente em uma nova licitação.")


@dataclass(frozen=True)
class Claim:
    tender_id: uuid.UUID
    document_id: uuid.UUID
    company_settings: dict[str, Any]
    filename: str
    etag: str | None  # the accepted object version: the download must return exactly it


def _intent(row: UploadIntent | None) -> Intent | None:
    if row is None:
        return None
    return Intent(row.s3_key, row.content_type, row.expected_size, row.status, row.consumed_etag)


def claim(storage: ObjectStorage, obj: UploadedObject, run_key: str, reanalyze: bool) -> Claim | Outcome:
    """Take a lease on the document, or say why this delivery is a no-op (SKIPPED) or refused (REJECTED)."""
    seen = storage.head(obj.key)  # storage errors propagate: SQS redelivers
    now = datetime.now(UTC)
    with tenant_transaction(obj.company_id) as db:
        tender = db.scalar(select(Tender).where(Tender.id == obj.tender_id, Tender.company_id == obj.company_id)
                           .with_for_update())
        if tender is None:
            log.warning("object %s has no tender (deleted, or uploaded outside the API); kept", obj.key)
            return Outcome(status="SKIPPED", reason="orphan_object")
        doc = db.scalar(select(TenderDocument).where(TenderDocument.s3_key == obj.key,
                                                     TenderDocument.company_id == obj.company_id))
        intent = db.scalar(select(UploadIntent).where(UploadIntent.s3_key == obj.key,
                                                      UploadIntent.company_id == obj.company_id))
        bound = doc.etag if doc is not None else None
        if seen is None:
            if doc is None:
                return Outcome(status="SKIPPED", tender_id=tender.id, reason="object_missing")
            verdict = Admission(True, "missing")  # the download says so: FAILED file_missing, file asked again
        else:
            observed = Observed(obj.key, seen.size, seen.etag or obj.etag, seen.content_type)
            verdict = admit(_intent(intent), observed, bound_etag=bound, reanalyze=reanalyze)
        if not verdict.accepted or doc is None:
            return _refuse(db, tender, doc, obj, verdict, reanalyze)
        etag = seen.etag if seen is not None else bound
        if verdict.consumes_intent and intent is not None:
            intent.status = IntentStatus.CONSUMED
            intent.consumed_etag = etag
            intent.consumed_at = now
            doc.etag = etag
        duplicate = (doc.status in TERMINAL_STATUSES and
                     (doc.processed_key == run_key if reanalyze else bool(obj.etag) and doc.etag == obj.etag))
        if duplicate:
            if doc.event_published_at is None and _publish_overdue(doc, now):  # that run could not publish
                publish_for(db, tender, doc)
            return Outcome(status="SKIPPED", tender_id=tender.id, document_id=doc.id, reason="duplicate_delivery")
        leased = (doc.status == TenderStatus.PROCESSING and doc.processing_started_at is not None
                  and doc.processing_started_at > now - LEASE)
        if leased:
            if doc.processed_key == run_key:
                return Outcome(status="SKIPPED", tender_id=tender.id, document_id=doc.id, reason="in_progress")
            raise RetryLater(f"document {doc.id} is being analysed by another delivery")
        doc.status = TenderStatus.PROCESSING
        doc.processing_started_at = now
        doc.processed_key = run_key
        doc.event_published_at = None
        tender.status = TenderStatus.PROCESSING
        tender.failure_reason = None
        company = db.get(Company, obj.company_id)
        company_settings = dict(company.settings or {}) if company is not None else {}
        return Claim(tender.id, doc.id, company_settings, doc.filename or obj.filename, etag)


def _publish_overdue(doc: TenderDocument, now: datetime) -> bool:
    """A run publishes its event right after it commits; only a delivery well after that (the crashed run's
    own message, back after the visibility timeout) publishes in its place. One at the same moment published
    the event a second time (seen with four concurrent deliveries)."""
    return doc.analysed_at is None or doc.analysed_at < now - PUBLISH_GRACE


def _refuse(db: Any, tender: Tender, doc: TenderDocument | None, obj: UploadedObject, verdict: Admission,
            reanalyze: bool) -> Outcome:
    """Audit the refused write; only a pending re-analysis request is answered (FAILED with the reason)."""
    log.warning("refused object %s (ETag %s): %s", obj.key, obj.etag, verdict.reason)
    record(db, Actor(company_id=str(obj.company_id)), "tender.upload_rejected", "tender", tender.id,
           company_id=obj.company_id,
           after={"key": obj.key, "etag": obj.etag, "size": obj.size, "code": verdict.code,
                  "reason": verdict.reason[:500], "reanalyze": reanalyze})
    if reanalyze and doc is not None and tender.status == TenderStatus.QUEUED:
        tender.status = doc.status = TenderStatus.FAILED
        doc.failure_code = "file_replaced"
        tender.failure_reason = doc.failure_reason = REPLACED_MESSAGE
        doc.event_published_at = None
        publish_for(db, tender, doc)
    return Outcome(status="REJECTED", tender_id=tender.id, document_id=doc.id if doc is not None else None,
                   reason=verdict.code)


def release(company_id: uuid.UUID, document_id: uuid.UUID, tender_id: uuid.UUID) -> None:
    """Best effort: drop the lease so the redelivery does not wait for it to expire."""
    try:
        with tenant_transaction(company_id) as db:
            doc = db.get(TenderDocument, document_id)
            if doc is not None and doc.status == TenderStatus.PROCESSING:
                doc.status = TenderStatus.QUEUED
                doc.processing_started_at = None
            tender = db.get(Tender, tender_id)
            if tender is not None and tender.status == TenderStatus.PROCESSING:
                tender.status = TenderStatus.QUEUED
    except Exception:
        log.warning("could not release the lease of document %s", document_id, exc_info=True)
