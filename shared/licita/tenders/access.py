"""Finding a tender of the caller's company: an id of another company is simply "not found"."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from licita.platform.db.lookup import get_owned
from licita.tenders.models import Tender, TenderDocument


def find_tender(db: Session, company_id: uuid.UUID, tender_id: str, *, lock: bool = False) -> Tender:
    """The tender, filtered on company_id explicitly (row-level security is the second layer)."""
    return get_owned(db, Tender, company_id, tender_id, code="tender_not_found", message="Licitação não encontrada.",
                     lock=lock)


def main_document(db: Session, tender: Tender) -> TenderDocument | None:
    return db.scalar(
        select(TenderDocument)
        .where(TenderDocument.tender_id == tender.id, TenderDocument.company_id == tender.company_id)
        .order_by(TenderDocument.created_at.desc())
        .limit(1)
    )
