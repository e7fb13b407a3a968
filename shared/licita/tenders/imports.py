"""Documents the platform itself fetched for a tender (a new edital version found on PNCP, say).

They go through the same wall as a person's upload: an upload intent is recorded for the exact object
before it is stored, so the pipeline admits it, and only it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from licita.audit.service import record
from licita.core.actor import Actor
from licita.platform.storage import ObjectStorage, uploads_storage
from licita.tenders.models import IntentStatus, Tender, TenderDocument, TenderStatus, UploadIntent
from licita.tenders.uploads import (
    CANONICAL_TYPES,
    UPLOAD_URL_TTL,
    document_key,
    kind_for,
    max_upload_bytes,
    sanitize_filename,
)


@dataclass(frozen=True)
class ImportedDocument:
    document_id: uuid.UUID
    key: str
    size: int
    content_type: str


def register_imported_document(db: Session, *, company_id: uuid.UUID, tender_id: uuid.UUID, content: bytes,
                               kind: str, filename: str | None, created_by: uuid.UUID | None,
                               label: str | None = None, storage: ObjectStorage | None = None) -> ImportedDocument:
    """Record and store ``content`` as the tender's newest document; the analysis queue takes it from S3.

    Runs inside the caller's transaction and locks the tender row first: the pipeline's claim waits on that
    lock, so it sees the intent once the caller commits. ``ValueError`` for a kind or size that is refused.
    """
    ext = f".{kind}"
    if ext not in CANONICAL_TYPES:
        raise ValueError(f"unsupported document kind {kind!r}")
    if not content or len(content) > max_upload_bytes():
        raise ValueError(f"document of {len(content)} bytes outside 1..{max_upload_bytes()}")
    tender = db.scalar(select(Tender).where(Tender.id == tender_id, Tender.company_id == company_id)
                       .with_for_update())
    if tender is None:
        raise LookupError(f"tender {tender_id} not found")
    name = " ".join((label or filename or f"documento{ext}").split())[:190]
    if kind_for(name) != kind:
        name = f"{name}{ext}"
    ctype = CANONICAL_TYPES[ext]
    key = document_key(company_id, tender_id, f"{uuid.uuid4().hex[:8]}-{sanitize_filename(name)}")
    doc = TenderDocument(company_id=company_id, tender_id=tender_id, s3_key=key, filename=name, content_type=ctype,
                         size=len(content), file_kind=kind, status=TenderStatus.QUEUED, created_by=created_by,
                         cache_hit=False)
    db.add(doc)
    db.flush()
    db.add(UploadIntent(company_id=company_id, tender_id=tender_id, document_id=doc.id, s3_key=key,
                        content_type=ctype, expected_size=len(content), max_bytes=len(content),
                        status=IntentStatus.PENDING,
                        expires_at=datetime.now(UTC) + timedelta(seconds=UPLOAD_URL_TTL)))
    before = {"status": tender.status}
    tender.status = TenderStatus.QUEUED
    record(db, Actor(company_id=str(company_id)), "tender.document_imported", "tender", tender_id,
           company_id=company_id, before=before, after={"key": key, "filename": name, "size": len(content)})
    db.flush()
    (storage or uploads_storage()).put_bytes(key, content, content_type=ctype)
    return ImportedDocument(doc.id, key, len(content), ctype)
