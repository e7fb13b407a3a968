"""Reading tenders: detail with evidence, items, deadlines, the download link (the list is ``listing``).

Every query runs in ``tenant_transaction(company)`` (row-level security) AND filters on ``company_id``
explicitly, so a bug in one layer is caught by the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from licita.core.errors import Conflict, NotFound
from licita.core.security.principal import Principal
from licita.platform.db.lookup import company_transaction
from licita.platform.storage import ObjectStorage, uploads_storage
from licita.tenders.access import find_tender, main_document
from licita.tenders.fields import FIELD_NAMES, effective_value
from licita.tenders.listing import COLUMNS, summary_of
from licita.tenders.models import Deadline, Tender, TenderDocument, TenderItem
from licita.tenders.schemas import (
    Correction,
    DeadlineList,
    DeadlineOut,
    DocumentOut,
    DownloadLink,
    Evidence,
    FieldOut,
    FieldSource,
    ItemList,
    ItemOut,
    TenderDetail,
    TenderSummary,
)
from licita.tenders.uploads import DOWNLOAD_URL_TTL, sanitize_filename

Child = TypeVar("Child", TenderDocument, TenderItem, Deadline)


# ------------------------------------------------------------------------------------------ detail
def summary(t: Tender) -> TenderSummary:
    return summary_of({name: getattr(t, name) for name in COLUMNS}, (t.risk or {}).get("score"))


_SOURCES: dict[str, FieldSource] = {"rules": "rules", "llm": "llm", "both": "both"}


def field_out(tender: Tender, name: str) -> FieldOut:
    extracted_raw = (tender.fields or {}).get(name)
    correction_raw = (tender.corrections or {}).get(name)
    extracted = Evidence.model_validate(extracted_raw) if isinstance(extracted_raw, dict) else None
    correction = Correction.model_validate(correction_raw) if isinstance(correction_raw, dict) else None
    source: FieldSource | None = "human" if correction is not None else \
        _SOURCES.get(str(extracted.source)) if extracted is not None else None
    return FieldOut(name=name, value=effective_value(tender, name), corrected=correction is not None,
                    extracted=extracted, correction=correction, source=source)


def _document_out(d: TenderDocument) -> DocumentOut:
    return DocumentOut(
        id=d.id, filename=d.filename, content_type=d.content_type, size=d.size, sha256=d.sha256,
        status=d.status, failure_reason=d.failure_reason, failure_code=d.failure_code,  # type: ignore[arg-type]
        file_kind=d.file_kind, pages=d.pages, ocr_pages=d.ocr_pages, cache_hit=d.cache_hit,
        analysed_at=d.analysed_at, created_at=d.created_at,
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _children(db: Session, tender: Tender, model: type[Child], *order: Any) -> Sequence[Child]:
    """The tender's rows of ``model`` in ``order`` (the company filter stated too, like everywhere)."""
    return db.scalars(select(model).where(model.tender_id == tender.id, model.company_id == tender.company_id)
                      .order_by(*order)).all()


def _detail(db: Session, tender: Tender) -> TenderDetail:
    documents = _children(db, tender, TenderDocument, TenderDocument.created_at)
    details = tender.details or {}
    return TenderDetail(
        **summary(tender).model_dump(),
        process_number=tender.process_number, agency_cnpj=tender.agency_cnpj, uasg=tender.uasg, srp=tender.srp,
        me_epp=tender.me_epp, award_criterion=tender.award_criterion, dispute_mode=tender.dispute_mode,
        legal_basis=tender.legal_basis, review_reasons=list(tender.review_reasons or []),
        fields={name: field_out(tender, name) for name in FIELD_NAMES},
        risk=tender.risk or {}, requirements=_list(details.get("requirements")),
        penalties=_list(details.get("penalties")), guarantees=_list(details.get("guarantees")),
        dates=_list(details.get("dates")),
        notes=_list(details.get("notes")) + _list(details.get("warnings")),
        documents=[_document_out(d) for d in documents], duplicate_of=tender.duplicate_of,
        analysed_at=tender.analysed_at, created_by=tender.created_by,
    )


def get_tender(principal: Principal, tender_id: str) -> TenderDetail:
    with company_transaction(principal) as (db, company_id):
        return _detail(db, find_tender(db, company_id, tender_id))


def list_items(principal: Principal, tender_id: str) -> ItemList:
    with company_transaction(principal) as (db, company_id):
        tender = find_tender(db, company_id, tender_id)
        rows = _children(db, tender, TenderItem, TenderItem.position)
        items = [ItemOut(
            id=i.id, position=i.position, number=i.number, lot=i.lot, description=i.description,
            quantity=None if i.quantity is None else float(i.quantity), unit=i.unit,
            unit_price=None if i.unit_price is None else float(i.unit_price),
            total_price=None if i.total_price is None else float(i.total_price),
            me_epp_exclusive=i.me_epp_exclusive, page=i.page,
        ) for i in rows]
    return ItemList(tender_id=tender.id, items=items, total=len(items))


def list_deadlines(principal: Principal, tender_id: str) -> DeadlineList:
    with company_transaction(principal) as (db, company_id):
        tender = find_tender(db, company_id, tender_id)
        rows = _children(db, tender, Deadline, Deadline.due_at, Deadline.kind)
        items = [DeadlineOut(id=d.id, kind=d.kind, due_at=d.due_at, basis=d.basis,  # type: ignore[arg-type]
                             source=d.source, page=d.page, quote=d.quote) for d in rows]  # type: ignore[arg-type]
    return DeadlineList(tender_id=tender.id, items=items)


def download_link(principal: Principal, tender_id: str, *, storage: ObjectStorage | None = None) -> DownloadLink:
    """A short-lived GET link that downloads the original with its original (UTF-8) name."""
    store = storage or uploads_storage()
    with company_transaction(principal) as (db, company_id):
        tender = find_tender(db, company_id, tender_id)
        document = main_document(db, tender)
        if document is None:
            raise NotFound("Esta licitação não tem arquivo.", code="document_not_found")
        key, filename, ctype, seen = document.s3_key, document.filename, document.content_type, document.etag
    if seen is None and store.head(key) is None:
        raise Conflict("O arquivo ainda não foi enviado.", code="upload_pending")
    disposition = f"attachment; filename=\"{sanitize_filename(filename)}\"; filename*=UTF-8''{quote(filename)}"
    url = store.presign_get(key, expires_in=DOWNLOAD_URL_TTL, disposition=disposition, content_type=ctype)
    return DownloadLink(url=url, filename=filename, content_type=ctype,
                        expires_at=datetime.now(UTC) + timedelta(seconds=DOWNLOAD_URL_TTL))
