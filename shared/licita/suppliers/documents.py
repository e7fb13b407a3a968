"""A supplier's documents (certidões): presigned upload to S3, list with validity, download, delete."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from licita.audit.service import Actor, record
from licita.core.errors import Conflict
from licita.core.security.principal import Principal
from licita.core.time import BRT, utcnow
from licita.platform.db.lookup import company_transaction, get_owned
from licita.suppliers import storage
from licita.suppliers.models import Supplier, SupplierDocument
from licita.suppliers.rules import document_validity
from licita.suppliers.schemas import (
    DocumentCreate,
    DocumentList,
    DocumentOut,
    DocumentUpload,
    DownloadLink,
    PresignedPost,
)
from licita.suppliers.service import get_supplier
from licita.tenders.uploads import check_upload, max_upload_bytes, sanitize_filename


def today() -> date:
    return utcnow().astimezone(BRT).date()


def to_out(d: SupplierDocument, on: date | None = None) -> DocumentOut:
    return DocumentOut(id=d.id, supplier_id=d.supplier_id, kind=d.kind, description=d.description,
                       filename=d.filename, content_type=d.content_type, size=d.size, issued_on=d.issued_on,
                       expires_on=d.expires_on, validity=document_validity(d.expires_on, on or today()),  # type: ignore[arg-type]
                       created_at=d.created_at)


def document_keys(db: Session, supplier: Supplier) -> list[str]:
    return list(db.scalars(select(SupplierDocument.s3_key).where(
        SupplierDocument.supplier_id == supplier.id, SupplierDocument.company_id == supplier.company_id)))


def _get(db: Session, supplier: Supplier, document_id: str) -> SupplierDocument:
    return get_owned(db, SupplierDocument, supplier.company_id, document_id, code="document_not_found",
                     message="Documento não encontrado.", where=[SupplierDocument.supplier_id == supplier.id])


def create(principal: Principal, supplier_id: str, body: DocumentCreate, actor: Actor) -> DocumentUpload:
    limit = max_upload_bytes()
    _, ctype = check_upload(body.filename, body.content_type, body.size)
    with company_transaction(principal) as (db, company_id):
        supplier = get_supplier(db, company_id, supplier_id)
        doc_id = uuid.uuid4()
        key = storage.key_for(company_id, "suppliers", str(supplier.id), str(doc_id),
                              sanitize_filename(body.filename))
        post, expires = storage.presign_post(key, ctype, limit)
        doc = SupplierDocument(id=doc_id, company_id=company_id, supplier_id=supplier.id, kind=body.kind,
                               description=body.description, filename=" ".join(body.filename.split())[:200],
                               content_type=ctype, size=body.size, s3_key=key, issued_on=body.issued_on,
                               expires_on=body.expires_on, created_by=uuid.UUID(principal.user_id))
        db.add(doc)
        db.flush()
        db.refresh(doc)
        record(db, actor, "supplier.document_added", "supplier_document", doc.id, company_id=company_id,
               after={"supplier_id": str(supplier.id), "kind": body.kind, "filename": doc.filename,
                      "expires_on": body.expires_on.isoformat() if body.expires_on else None})
        return DocumentUpload(document=to_out(doc), upload=PresignedPost(**post), max_bytes=limit,
                              expires_at=expires)


def list_documents(principal: Principal, supplier_id: str) -> DocumentList:
    with company_transaction(principal) as (db, company_id):
        supplier = get_supplier(db, company_id, supplier_id)
        docs = db.scalars(select(SupplierDocument).where(
            SupplierDocument.supplier_id == supplier.id, SupplierDocument.company_id == company_id)
            .order_by(SupplierDocument.expires_on.asc().nulls_last(), SupplierDocument.created_at)).all()
        on = today()
        return DocumentList(items=[to_out(d, on) for d in docs])


def download(principal: Principal, supplier_id: str, document_id: str) -> DownloadLink:
    with company_transaction(principal) as (db, company_id):
        doc = _get(db, get_supplier(db, company_id, supplier_id), document_id)
        key, filename, ctype = doc.s3_key, doc.filename, doc.content_type
    if not storage.exists(key):
        raise Conflict("O arquivo ainda não foi enviado.", code="upload_pending")
    url, expires = storage.presign_get(key, filename, ctype)
    return DownloadLink(url=url, filename=filename, content_type=ctype, expires_at=expires)


def delete(principal: Principal, supplier_id: str, document_id: str, actor: Actor) -> None:
    with company_transaction(principal) as (db, company_id):
        doc = _get(db, get_supplier(db, company_id, supplier_id), document_id)
        record(db, actor, "supplier.document_deleted", "supplier_document", doc.id, company_id=company_id,
               before={"supplier_id": supplier_id, "kind": doc.kind, "filename": doc.filename})
        db.delete(doc)
        db.flush()
        storage.delete([doc.s3_key])
