"""The habilitação vault of one company: documents with validity (presigned upload, same file checks as
editais), the check of a tender's extracted requirements, and expiry reminders (daily schedule).

Files live under ``vault/<company>/<document>/`` in the uploads bucket, outside the ``companies/`` prefix the
analysis queue listens to, so a certidão is stored, never analysed as an edital.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from licita.audit.service import record
from licita.core.actor import Actor
from licita.core.config import get_settings
from licita.core.errors import ServiceUnavailable
from licita.core.security.principal import Principal
from licita.core.time import BRT
from licita.platform.clients import aws_client
from licita.platform.db.engine import system_transaction, tenant_transaction
from licita.platform.db.lookup import company_of, company_transaction, get_owned
from licita.platform.queues import publish_quietly
from licita.platform.storage import uploads_storage
from licita.tenders.access import find_tender
from licita.tenders.models import TERMINAL_STATUSES
from licita.tenders.uploads import UPLOAD_URL_TTL, check_upload, max_upload_bytes, sanitize_filename
from licita.vault import rules
from licita.vault.models import VaultDocument
from licita.vault.schemas import (
    DownloadOut,
    PresignedUpload,
    RequirementState,
    TenderCheck,
    VaultDocumentOut,
    VaultList,
    VaultUpdate,
    VaultUploadRequest,
    VaultUploadResponse,
)

DOWNLOAD_TTL = 300


def _today() -> date:
    return datetime.now(BRT).date()


def _out(d: VaultDocument) -> VaultDocumentOut:
    return VaultDocumentOut(id=d.id, kind=d.kind, kind_label=rules.KINDS.get(d.kind, d.kind), title=d.title,
                            issuer=d.issuer, number=d.number, issued_on=d.issued_on, expires_on=d.expires_on,
                            expired=d.expires_on is not None and d.expires_on < _today(), status=d.status,
                            filename=d.filename, content_type=d.content_type, size=d.size, created_at=d.created_at)


def _get(db: Session, company_id: uuid.UUID, document_id: str) -> VaultDocument:
    return get_owned(db, VaultDocument, company_id, document_id, code="vault_document_not_found",
                     message="Documento não encontrado.")


def create_document(principal: Principal, body: VaultUploadRequest, actor: Actor) -> VaultUploadResponse:
    """The row (validity, kind) and a presigned POST bound to its key, type and size limit."""
    _, ctype = check_upload(body.filename, body.content_type, body.size)
    company_id = company_of(principal)
    document_id = uuid.uuid4()
    key = f"vault/{company_id}/{document_id}/{sanitize_filename(body.filename)}"
    try:
        upload = uploads_storage().presign_post(key, content_type=ctype, min_size=1, max_size=max_upload_bytes(),
                                                expires_in=UPLOAD_URL_TTL)
    except Exception as exc:
        raise ServiceUnavailable("Armazenamento indisponível; tente novamente.") from exc
    with tenant_transaction(company_id) as db:
        doc = VaultDocument(id=document_id, company_id=company_id, kind=body.kind, title=" ".join(body.title.split()),
                            issuer=body.issuer, number=body.number, issued_on=body.issued_on,
                            expires_on=body.expires_on, notes=body.notes, s3_key=key,
                            filename=" ".join(body.filename.split())[:200], content_type=ctype, size=body.size,
                            status="UPLOADING", notified={}, created_by=uuid.UUID(principal.user_id))
        db.add(doc)
        record(db, actor, "vault.document_created", "vault_document", document_id, company_id=company_id,
               after={"kind": body.kind, "title": doc.title, "expires_on": str(body.expires_on or "")})
        db.flush()
        db.refresh(doc)
        return VaultUploadResponse(document=_out(doc), expires_at=upload.expires_at,
                                   upload=PresignedUpload(url=upload.url, fields=upload.fields))


def list_documents(principal: Principal) -> VaultList:
    with company_transaction(principal) as (db, company_id):
        rows = db.scalars(select(VaultDocument).where(VaultDocument.company_id == company_id)
                          .order_by(VaultDocument.kind, VaultDocument.expires_on.desc().nulls_last())).all()
        return VaultList(items=[_out(d) for d in rows])


def _snapshot(doc: VaultDocument) -> dict[str, str]:
    """What the audit log keeps of an edit: the title and validity dates."""
    return {"title": doc.title, "issued_on": str(doc.issued_on or ""), "expires_on": str(doc.expires_on or "")}


def update_document(principal: Principal, document_id: str, body: VaultUpdate, actor: Actor) -> VaultDocumentOut:
    with company_transaction(principal) as (db, company_id):
        doc = _get(db, company_id, document_id)
        before = _snapshot(doc)
        for name in ("title", "issued_on", "expires_on", "notes"):
            if name in body.model_fields_set:
                setattr(doc, name, getattr(body, name))
        if "expires_on" in body.model_fields_set:
            doc.notified = {}  # a renewed document is reminded again
        record(db, actor, "vault.document_updated", "vault_document", doc.id, company_id=company_id, before=before,
               after=_snapshot(doc))
        db.flush()
        db.refresh(doc)
        return _out(doc)


def delete_document(principal: Principal, document_id: str, actor: Actor) -> None:
    with company_transaction(principal) as (db, company_id):
        doc = _get(db, company_id, document_id)
        try:
            aws_client("s3").delete_object(Bucket=get_settings().uploads_bucket, Key=doc.s3_key)
        except Exception as exc:
            raise ServiceUnavailable("Armazenamento indisponível; o documento não foi excluído.") from exc
        record(db, actor, "vault.document_deleted", "vault_document", doc.id, company_id=company_id,
               before={"kind": doc.kind, "title": doc.title})
        db.delete(doc)


def download_link(principal: Principal, document_id: str) -> DownloadOut:
    with company_transaction(principal) as (db, company_id):
        doc = _get(db, company_id, document_id)
        key, name = doc.s3_key, doc.filename
    try:
        url = aws_client("s3").generate_presigned_url("get_object", ExpiresIn=DOWNLOAD_TTL, Params={
            "Bucket": get_settings().uploads_bucket, "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{sanitize_filename(name)}"'})
    except Exception as exc:
        raise ServiceUnavailable("Armazenamento indisponível; tente novamente.") from exc
    return DownloadOut(url=url, expires_in=DOWNLOAD_TTL)


def check_tender(principal: Principal, tender_id: str) -> TenderCheck:
    """The tender's extracted habilitação requirements against the vault: missing, and expiring before the session."""
    with company_transaction(principal) as (db, company_id):
        tender = find_tender(db, company_id, tender_id)
        requirements = [r for r in (tender.details or {}).get("requirements") or [] if isinstance(r, dict)]
        docs = [{"id": d.id, "kind": d.kind, "title": d.title, "expires_on": d.expires_on}
                for d in db.scalars(select(VaultDocument).where(VaultDocument.company_id == company_id,
                                                                VaultDocument.status != "DELETED")).all()]
        tid, session_at, status = tender.id, tender.session_at, tender.status
    session_day = session_at.astimezone(BRT).date() if session_at else None
    result = rules.check(requirements, docs, session_day, _today())
    return TenderCheck(tender_id=tid, session_at=session_at, analysed=status in TERMINAL_STATUSES,
                       ok=[RequirementState(**e) for e in result["ok"]],
                       missing=[RequirementState(**e) for e in result["missing"]],
                       expiring=[RequirementState(**e) for e in result["expiring"]],
                       details={"requirements": len(requirements)})


def send_reminders(today: date | None = None) -> int:
    """Daily: each document is reminded at 30, 15, 7 and 1 day(s) before it expires (each threshold once)."""
    if not get_settings().notifications_queue_url:
        return 0

    today = today or _today()
    horizon = today + timedelta(days=max(rules.REMINDER_DAYS))
    sent = 0
    with system_transaction() as db:
        rows = db.scalars(select(VaultDocument).where(VaultDocument.expires_on.is_not(None),
                                                      VaultDocument.expires_on >= today,
                                                      VaultDocument.expires_on <= horizon)
                          .with_for_update(skip_locked=True)).all()
        for doc in rows:
            assert doc.expires_on is not None
            days = rules.due_reminder(doc.expires_on, today, doc.notified or {})
            if days is None:
                continue
            payload = {"document_id": str(doc.id), "title": doc.title, "kind": doc.kind,
                       "kind_label": rules.KINDS.get(doc.kind, doc.kind), "expires_on": doc.expires_on.isoformat(),
                       "days": (doc.expires_on - today).days, "threshold": days,
                       "dedup_key": f"vault.expiring:{doc.id}:{days}:{doc.expires_on.isoformat()}"}
            if publish_quietly("vault.document_expiring", str(doc.company_id), payload):
                doc.notified = {**(doc.notified or {}), f"{days}d": datetime.now(UTC).isoformat()}
                sent += 1
    return sent
