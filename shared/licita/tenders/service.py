"""Changing tenders: uploads (with their signed intent), corrections, re-analysis and deletion.

Every mutation runs in ``tenant_transaction(company)`` (row-level security), filters on ``company_id``
explicitly and writes the audit log; reads live in ``licita.tenders.queries``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import delete, select

from licita.audit.service import Actor, record
from licita.core.config import get_settings
from licita.core.errors import Conflict, NotFound, ServiceUnavailable, ValidationFailed
from licita.core.http import to_jsonable
from licita.core.security.principal import Principal
from licita.platform.db.engine import tenant_transaction
from licita.platform.db.lookup import company_of, company_transaction
from licita.platform.queues import publish_quietly, send
from licita.platform.storage import ObjectStorage, StorageError, uploads_storage
from licita.tenders.access import find_tender, main_document
from licita.tenders.analysis.deadlines import rebuild_deadlines
from licita.tenders.analysis.messages import reanalysis_message
from licita.tenders.fields import (
    DEADLINE_FIELDS,
    FIELD_NAMES,
    FIELD_SPECS,
    apply_columns,
    convert_field,
    effective_value,
)
from licita.tenders.models import (
    AnalysisDeadLetter,
    Deadline,
    IntentStatus,
    Tender,
    TenderDocument,
    TenderItem,
    TenderStatus,
    UploadIntent,
)
from licita.tenders.queries import field_out
from licita.tenders.schemas import (
    FieldCorrectionRequest,
    FieldOut,
    PresignedPost,
    ReanalyzeResponse,
    TenderUploadRequest,
    TenderUploadResponse,
)
from licita.tenders.uploads import UPLOAD_URL_TTL, check_upload, document_key, max_upload_bytes, sanitize_filename

# sanitize_filename moved to licita.tenders.uploads (the upload policy); re-exported for existing callers.
__all__ = ["correct_field", "create_upload", "delete_tender", "reanalyze", "sanitize_filename"]


# ------------------------------------------------------------------------------------------ uploads
def create_upload(principal: Principal, body: TenderUploadRequest, actor: Actor, *,
                  storage: ObjectStorage | None = None) -> TenderUploadResponse:
    """Create the tender (UPLOADING), the upload intent and a presigned POST bound to this key, type and size.

    The intent is what the pipeline later admits (licita.tenders.rules.admit): any other write is refused.
    """
    kind, ctype = check_upload(body.filename, body.content_type, body.size)
    store = storage or uploads_storage()
    company_id = company_of(principal)
    tender_id, document_id = uuid.uuid4(), uuid.uuid4()
    key = document_key(company_id, tender_id, sanitize_filename(body.filename))
    display_name = " ".join(body.filename.split())[:200]
    limit = max_upload_bytes()
    low, high = (body.size, body.size) if body.size is not None else (1, limit)
    try:
        post = store.presign_post(key, content_type=ctype, min_size=low, max_size=high, expires_in=UPLOAD_URL_TTL)
    except Exception as exc:  # credentials/endpoint problems: the client may retry
        raise ServiceUnavailable("Armazenamento indisponível; tente novamente.") from exc

    existing: uuid.UUID | None = None
    user_id = uuid.UUID(principal.user_id)
    with tenant_transaction(company_id) as db:
        if body.sha256:
            existing = db.scalar(
                select(TenderDocument.tender_id)
                .where(TenderDocument.company_id == company_id, TenderDocument.sha256 == body.sha256.lower())
                .order_by(TenderDocument.created_at).limit(1)
            )
        db.add(Tender(id=tender_id, company_id=company_id, status=TenderStatus.UPLOADING,
                      title=display_name.rsplit(".", 1)[0][:300], created_by=user_id,
                      fields={}, corrections={}, risk={}, details={}, review_reasons=[]))
        db.flush()
        db.add(TenderDocument(id=document_id, company_id=company_id, tender_id=tender_id, s3_key=key,
                              filename=display_name, content_type=ctype, size=body.size, file_kind=kind,
                              status=TenderStatus.UPLOADING, created_by=user_id))
        db.flush()
        db.add(UploadIntent(company_id=company_id, tender_id=tender_id, document_id=document_id, s3_key=key,
                            content_type=ctype, expected_size=body.size, max_bytes=high,
                            status=IntentStatus.PENDING, expires_at=post.expires_at))
        record(db, actor, "tender.upload_created", "tender", tender_id, company_id=company_id,
               after={"filename": display_name, "key": key, "content_type": ctype, "size": body.size})
    return TenderUploadResponse(
        tender_id=tender_id, document_id=document_id, status="UPLOADING", key=key, filename=display_name,
        content_type=ctype, max_bytes=limit, expires_at=post.expires_at,
        upload=PresignedPost(url=post.url, fields=post.fields), existing_tender_id=existing,
    )


# ------------------------------------------------------------------------------------------ corrections
def correct_field(principal: Principal, tender_id: str, field: str, body: FieldCorrectionRequest,
                  actor: Actor) -> FieldOut:
    """Keep the person's value beside the extractor's; the typed column follows the correction."""
    if field not in FIELD_SPECS:
        raise NotFound(f"Campo desconhecido: {field}.", code="field_not_found",
                       details={"field": field, "allowed": list(FIELD_NAMES)})
    try:
        stored = to_jsonable(convert_field(field, body.value))  # as JSONB stores it
    except ValueError as exc:
        raise ValidationFailed(f"Valor inválido para {field}: {exc}.", code="invalid_field_value",
                               details=[{"field": "value", "message": str(exc)}]) from None
    with company_transaction(principal) as (db, company_id):
        tender = find_tender(db, company_id, tender_id, lock=True)
        if tender.status in (TenderStatus.UPLOADING, TenderStatus.PROCESSING):
            raise Conflict("Aguarde o fim da análise para corrigir campos.", code="analysis_in_progress")
        before = {"value": effective_value(tender, field), "correction": (tender.corrections or {}).get(field)}
        correction = {"value": stored, "reason": body.reason, "by": principal.user_id,
                      "at": datetime.now(UTC).isoformat(), "previous": before["value"]}
        tender.corrections = {**(tender.corrections or {}), field: correction}
        apply_columns(tender)
        if field in DEADLINE_FIELDS:
            rebuild_deadlines(db, tender)
        record(db, actor, "tender.field_corrected", "tender", tender.id, company_id=company_id,
               before={"field": field, **before}, after={"field": field, "value": stored, "reason": body.reason})
        db.flush()
        out = field_out(tender, field)
        title = tender.title
    publish_quietly("tender.field_corrected", str(company_id),
                    {"tender_id": str(tender_id), "title": title, "field": field},
                    user_id=principal.user_id)
    return out


# ------------------------------------------------------------------------------------------ re-analysis
def reanalyze(principal: Principal, tender_id: str, actor: Actor, *,
              storage: ObjectStorage | None = None) -> ReanalyzeResponse:
    settings = get_settings()
    store = storage or uploads_storage()
    company_id = company_of(principal)
    request_id = uuid.uuid4().hex
    with tenant_transaction(company_id) as db:
        tender = find_tender(db, company_id, tender_id, lock=True)
        if not settings.analysis_queue_url:
            raise ServiceUnavailable("Fila de análise não configurada.", code="analysis_queue_unavailable")
        document = main_document(db, tender)
        if document is None:
            raise NotFound("Esta licitação não tem arquivo.", code="document_not_found")
        if document.etag is None and store.head(document.s3_key) is None:
            raise Conflict("O arquivo ainda não foi enviado; envie-o antes de pedir nova análise.",
                           code="upload_pending")
        if tender.status == TenderStatus.PROCESSING:
            raise Conflict("A análise já está em andamento.", code="analysis_in_progress")
        message = reanalysis_message(settings.uploads_bucket, document.s3_key, size=document.size or 0,
                                     etag=document.etag or "", request_id=request_id,
                                     requested_by=principal.user_id)
        before = {"status": tender.status}
        tender.status = TenderStatus.QUEUED
        document.status = TenderStatus.QUEUED
        record(db, actor, "tender.reanalysis_requested", "tender", tender.id, company_id=company_id,
               before=before, after={"status": "QUEUED", "request_id": request_id})
        db.flush()
        # Sent inside the transaction: if SQS refuses, nothing changes and the caller sees a 503.
        try:
            message_id = send(settings.analysis_queue_url, message)
        except Exception as exc:
            raise ServiceUnavailable("Fila de análise indisponível; tente novamente.") from exc
        return ReanalyzeResponse(tender_id=tender.id, document_id=document.id, status="QUEUED",
                                 message_id=message_id or request_id)


# ------------------------------------------------------------------------------------------ deletion
def delete_tender(principal: Principal, tender_id: str, actor: Actor, *, storage: ObjectStorage | None = None) -> None:
    """Rows and stored objects go together: the objects are deleted before the transaction commits."""
    store = storage or uploads_storage()
    with company_transaction(principal) as (db, company_id):
        tender = find_tender(db, company_id, tender_id, lock=True)
        documents = db.scalars(select(TenderDocument).where(
            TenderDocument.tender_id == tender.id, TenderDocument.company_id == company_id)).all()
        keys = [d.s3_key for d in documents]
        snapshot = {"status": tender.status, "title": tender.title, "number": tender.number,
                    "agency": tender.agency, "documents": [{"filename": d.filename, "sha256": d.sha256,
                                                            "key": d.s3_key} for d in documents]}
        for model in (AnalysisDeadLetter, UploadIntent, Deadline, TenderItem, TenderDocument):
            db.execute(delete(model).where(model.tender_id == tender.id, model.company_id == company_id))
        db.delete(tender)
        record(db, actor, "tender.deleted", "tender", tender.id, company_id=company_id, before=snapshot)
        db.flush()
        try:
            store.delete_many(keys, prefix=f"companies/{company_id}/tenders/{tender.id}/")
        except StorageError as exc:
            raise ServiceUnavailable("Não foi possível apagar o arquivo; a licitação não foi excluída.",
                                     details={"errors": str(exc)[:500]}) from exc
        except Exception as exc:
            raise ServiceUnavailable("Armazenamento indisponível; a licitação não foi excluída.") from exc
