"""Finding a tender of the caller's company: an id of another company is simply "not found"."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from licita.core.errors import NotFound
from licita.core.security.principal import Principal
from licita.tenders.models import Tender, TenderDocument


def company_of(principal: Principal) -> uuid.UUID:
    return uuid.UUID(principal.company_id)


def parse_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except (ValueError, AttributeError, TypeError):
        raise NotFound("Licitação não encontrada.", code="tender_not_found") from None


def find_tender(db: Session, company_id: uuid.UUID, tender_id: str, *, lock: bool = False) -> Tender:
    """The tender, filtered on company_id explicitly (row-level security is the second layer)."""
    stmt = select(Tender).where(Tender.id == parse_id(tender_id), Tender.company_id == company_id)
    if lock:
        stmt = stmt.with_for_update()
    tender = db.scalar(stmt)
    if tender is None:
        raise NotFound("Licitação não encontrada.", code="tender_not_found")
    return tender


def main_document(db: Session, tender: Tender) -> TenderDocument | None:
    return db.scalar(
        select(TenderDocument)
        .where(TenderDocument.tender_id == tender.id, TenderDocument.company_id == tender.company_id)
        .order_by(TenderDocument.created_at.desc())
        .limit(1)
    )
