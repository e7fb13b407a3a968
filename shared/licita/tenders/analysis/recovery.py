"""Nothing stuck, nothing lost: dead-lettered analyses, bounded redrives, stale runs and abandoned uploads.

- ``on_dead_letter`` (the analysis DLQ's consumer): the tender ends FAILED with a reason, the uploader is
  told (tender.failed) the first time and when retries are exhausted, and a redrive is planned;
- ``redrive_pending`` (every 5 minutes, the plan's "process pending AI tasks"): sends each planned
  redrive back to the analysis queue, at most ``ANALYSIS_MAX_REDRIVES`` times per run;
- ``recover_stale`` (same tick): QUEUED/PROCESSING beyond ``ANALYSIS_STALE_MINUTES`` (the message was
  lost) is treated as a dead letter of a recovery run, so it is redriven and bounded the same way;
- ``expire_uploads``: UPLOADING older than ``UPLOAD_EXPIRY_MINUTES`` ends FAILED (upload_expired).

Every change is audited (system actor) and made under the tender's row lock after re-checking its state,
so two overlapping ticks, or a tick racing a delivery, cannot both act.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, or_, select
from sqlalchemy.orm import Session

from licita.audit.service import record
from licita.core.actor import Actor
from licita.core.config import get_settings
from licita.platform.db.engine import system_transaction, tenant_transaction
from licita.platform.queues import send
from licita.tenders.analysis.messages import reanalysis_message
from licita.tenders.analysis.notify import publish_status
from licita.tenders.analysis.pipeline import run_key_for
from licita.tenders.analysis.runlog import record_rejection
from licita.tenders.models import (
    TERMINAL_STATUSES,
    AnalysisDeadLetter,
    DeadLetterStatus,
    IntentStatus,
    Tender,
    TenderDocument,
    TenderStatus,
    UploadIntent,
)
from licita.tenders.uploads import PermanentFailure, parse_s3_notification

log = logging.getLogger("licita.analysis.recovery")

DEAD_LETTERED = "analysis_dead_lettered"
UPLOAD_EXPIRED = "upload_expired"
BATCH = 100


def _retry_reason(attempt: int, limit: int) -> str:
    return ("A análise deste edital falhou repetidamente por um erro interno. Uma nova tentativa automática "
            f"será feita em alguns minutos ({attempt} de {limit}).")


def _final_reason(limit: int) -> str:
    tried = f" mesmo após {limit} nova(s) tentativa(s) automática(s)" if limit else ""
    return (f"A análise deste edital falhou por um erro interno{tried}. O arquivo continua guardado; "
            "peça uma nova análise mais tarde.")


def _notify(tender: Tender, doc: TenderDocument) -> None:
    """Inside the transaction: if the event cannot go out, nothing changes and the caller retries."""
    if get_settings().notifications_queue_url:
        publish_status(tender, doc)


def _fail(db: Session, tender: Tender, doc: TenderDocument, code: str, reason: str, action: str,
          details: dict[str, Any]) -> None:
    before = {"status": tender.status}
    tender.status = doc.status = TenderStatus.FAILED
    tender.failure_reason = doc.failure_reason = reason
    doc.failure_code = code
    doc.processing_started_at = None
    record(db, Actor(company_id=str(tender.company_id)), action, "tender", tender.id, company_id=tender.company_id,
           before=before, after={"status": TenderStatus.FAILED, "reason": reason, **details})


def _dead_lettered(db: Session, tender: Tender, doc: TenderDocument, run_key: str, message: dict[str, Any],
                   cause: str) -> str:
    """Mark FAILED, plan a redrive (or stop for good) and tell the uploader; returns the letter's status."""
    limit = get_settings().analysis_max_redrives
    letter = db.scalar(select(AnalysisDeadLetter).where(
        AnalysisDeadLetter.document_id == doc.id, AnalysisDeadLetter.run_key == run_key).with_for_update())
    first = letter is None
    if letter is None:
        letter = AnalysisDeadLetter(company_id=tender.company_id, tender_id=tender.id, document_id=doc.id,
                                    run_key=run_key, message=message, reason=cause, redrives=0)
        db.add(letter)
    final = letter.redrives >= limit
    letter.status = DeadLetterStatus.EXHAUSTED if final else DeadLetterStatus.PENDING
    letter.reason = cause[:2000]
    reason = _final_reason(limit) if final else _retry_reason(letter.redrives + 1, limit)
    _fail(db, tender, doc, DEAD_LETTERED, reason, "tender.analysis_dead_lettered",
          {"cause": cause[:500], "redrives": letter.redrives, "final": final})
    db.flush()
    if first or final:
        _notify(tender, doc)
        doc.event_published_at = datetime.now(UTC)
    return str(letter.status)


def on_dead_letter(raw_body: str, *, receive_count: Any = None) -> list[str]:
    """One message of the analysis DLQ. Returns what became of each object (for logs and tests)."""
    try:
        body = json.loads(raw_body)
        if not isinstance(body, dict):
            raise PermanentFailure("message body is not a JSON object")
        objects = parse_s3_notification(body)
    except (PermanentFailure, KeyError, ValueError, TypeError, AttributeError) as exc:
        log.warning("dead letter is not an analysis message: %s", exc)
        record_rejection({}, f"dead letter: {exc}")
        return ["unreadable"]
    raw_options = body.get("licita")
    options: dict[str, Any] = raw_options if isinstance(raw_options, dict) else {}
    reanalyze, request_id = bool(options.get("reanalyze")), str(options.get("request_id") or "") or None
    results: list[str] = []
    for obj in objects:
        run_key = run_key_for(obj, reanalyze, request_id)
        with tenant_transaction(obj.company_id) as db:
            tender = db.scalar(select(Tender).where(Tender.id == obj.tender_id, Tender.company_id == obj.company_id)
                               .with_for_update())
            doc = db.scalar(select(TenderDocument).where(TenderDocument.s3_key == obj.key,
                                                         TenderDocument.company_id == obj.company_id))
            if tender is None or doc is None:
                results.append("orphan")
                continue
            if tender.status in TERMINAL_STATUSES:  # another run finished it since: nothing is stuck
                results.append("already_finished")
                continue
            cause = f"dead-lettered after {receive_count or '?'} receives"
            results.append(_dead_lettered(db, tender, doc, run_key, body, cause))
    return results


def _minutes_before(now: datetime | None, minutes: int) -> datetime:
    """The age limit of a sweep: ``minutes`` before ``now`` (default: the current time)."""
    return (now or datetime.now(UTC)) - timedelta(minutes=minutes)


def _candidates(stmt: Select[uuid.UUID, uuid.UUID]) -> Sequence[Row[uuid.UUID, uuid.UUID]]:
    """Up to BATCH (id, company_id) rows found across tenants; the sweep handles each in its own tenant
    transaction."""
    with system_transaction() as db:
        return db.execute(stmt.limit(BATCH)).all()


def redrive_pending(now: datetime | None = None) -> dict[str, int]:
    """Send planned redrives back to the analysis queue (bounded per run by ANALYSIS_MAX_REDRIVES)."""
    settings = get_settings()
    now = now or datetime.now(UTC)
    counts = {"redriven": 0, "exhausted": 0, "superseded": 0}
    pending = _candidates(select(AnalysisDeadLetter.id, AnalysisDeadLetter.company_id).where(
        AnalysisDeadLetter.status == DeadLetterStatus.PENDING).order_by(AnalysisDeadLetter.updated_at))
    for letter_id, company_id in pending:
        with tenant_transaction(company_id) as db:
            letter = db.get(AnalysisDeadLetter, letter_id, with_for_update=True)
            if letter is None or letter.status != DeadLetterStatus.PENDING:
                continue
            tender = db.scalar(select(Tender).where(Tender.id == letter.tender_id).with_for_update())
            doc = db.get(TenderDocument, letter.document_id)
            if tender is None or doc is None or tender.status != TenderStatus.FAILED \
                    or doc.failure_code != DEAD_LETTERED:
                letter.status = DeadLetterStatus.REDRIVEN  # a person re-analysed or deleted it meanwhile
                counts["superseded"] += 1
                continue
            if letter.redrives >= settings.analysis_max_redrives:
                letter.status = DeadLetterStatus.EXHAUSTED
                counts["exhausted"] += 1
                continue
            letter.redrives += 1
            letter.status = DeadLetterStatus.REDRIVEN
            letter.last_redriven_at = now
            before = {"status": tender.status}
            tender.status = doc.status = TenderStatus.QUEUED
            tender.failure_reason = doc.failure_reason = doc.failure_code = None
            record(db, Actor(company_id=str(company_id)), "tender.analysis_redriven", "tender", tender.id,
                   company_id=company_id, before=before,
                   after={"status": TenderStatus.QUEUED, "redrive": letter.redrives, "run_key": letter.run_key})
            db.flush()
            send(settings.analysis_queue_url, letter.message)  # refused: the transaction rolls back
            counts["redriven"] += 1
    return counts


def recover_stale(now: datetime | None = None) -> dict[str, int]:
    """QUEUED/PROCESSING with no progress beyond the stale age: the message was lost; plan a recovery run."""
    settings = get_settings()
    cutoff = _minutes_before(now, settings.analysis_stale_minutes)
    stale = _candidates(
        select(TenderDocument.id, TenderDocument.company_id).join(Tender, Tender.id == TenderDocument.tender_id)
        .where(Tender.status.in_([TenderStatus.QUEUED, TenderStatus.PROCESSING]),
               TenderDocument.status.in_([TenderStatus.QUEUED, TenderStatus.PROCESSING]),
               or_(TenderDocument.processing_started_at < cutoff,
                   (TenderDocument.processing_started_at.is_(None)) & (TenderDocument.updated_at < cutoff))))
    counts = {"recovered": 0}
    for document_id, company_id in stale:
        with tenant_transaction(company_id) as db:
            doc = db.get(TenderDocument, document_id)
            tender = None if doc is None else db.scalar(
                select(Tender).where(Tender.id == doc.tender_id).with_for_update())
            if doc is None or tender is None or tender.status not in (TenderStatus.QUEUED, TenderStatus.PROCESSING):
                continue
            moved = doc.processing_started_at or doc.updated_at
            if moved is not None and moved >= cutoff:
                continue  # a delivery took it meanwhile
            request_id = f"recover-{doc.id}"
            message = reanalysis_message(settings.uploads_bucket, doc.s3_key, size=doc.size or 0,
                                         etag=doc.etag or "", request_id=request_id, requested_by=None)
            _dead_lettered(db, tender, doc, f"reanalyze:{request_id}", message,
                           f"no progress since {moved.isoformat() if moved else '?'} (status {tender.status})")
            counts["recovered"] += 1
    return counts


def expire_uploads(now: datetime | None = None) -> dict[str, int]:
    """UPLOADING beyond UPLOAD_EXPIRY_MINUTES: the file never arrived; FAILED, the intent closed, uploader told."""
    settings = get_settings()
    cutoff = _minutes_before(now, settings.upload_expiry_minutes)
    rows = _candidates(select(Tender.id, Tender.company_id).where(
        Tender.status == TenderStatus.UPLOADING, Tender.created_at < cutoff))
    expired = 0
    for tender_id, company_id in rows:
        with tenant_transaction(company_id) as db:
            tender = db.scalar(select(Tender).where(Tender.id == tender_id).with_for_update())
            if tender is None or tender.status != TenderStatus.UPLOADING:
                continue
            docs = db.scalars(select(TenderDocument).where(TenderDocument.tender_id == tender_id)).all()
            for intent in db.scalars(select(UploadIntent).where(UploadIntent.tender_id == tender_id,
                                                                UploadIntent.status == IntentStatus.PENDING)):
                intent.status = IntentStatus.EXPIRED
            reason = (f"O envio do arquivo não foi concluído em {settings.upload_expiry_minutes} minutos. "
                      "Crie uma nova licitação e envie o edital novamente.")
            main = docs[-1] if docs else None
            if main is None:
                tender.status, tender.failure_reason = TenderStatus.FAILED, reason
                continue
            for doc in docs:
                if doc.status == TenderStatus.UPLOADING:
                    doc.status, doc.failure_code, doc.failure_reason = TenderStatus.FAILED, UPLOAD_EXPIRED, reason
            _fail(db, tender, main, UPLOAD_EXPIRED, reason, "tender.upload_expired",
                  {"age_minutes": settings.upload_expiry_minutes})
            db.flush()
            _notify(tender, main)
            expired += 1
    return {"expired": expired}


def process_pending(now: datetime | None = None) -> dict[str, Any]:
    """The 5-minute tick: recover lost runs first (so they can be redriven in the same tick), then redrive."""
    return {"stale": recover_stale(now), "redrive": redrive_pending(now)}

