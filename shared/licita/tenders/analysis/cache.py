"""The analysis of identical bytes (sha256) the company already has: the same file is never read twice."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from licita.platform.db.engine import tenant_transaction
from licita.tenders.models import TenderDocument, TenderStatus


def cached_analysis(company_id: uuid.UUID, sha256: str,
                    document_id: uuid.UUID) -> tuple[dict[str, Any], int | None, int | None, uuid.UUID] | None:
    """(analysis, pages, ocr pages, source document) of the latest good analysis of these bytes, or None."""
    with tenant_transaction(company_id) as db:
        source = db.scalar(
            select(TenderDocument)
            .where(TenderDocument.company_id == company_id, TenderDocument.sha256 == sha256,
                   TenderDocument.id != document_id, TenderDocument.analysis.is_not(None),
                   TenderDocument.status.in_([TenderStatus.READY, TenderStatus.NEEDS_REVIEW]))
            .order_by(TenderDocument.analysed_at.desc().nulls_last())
            .limit(1)
        )
        if source is None or source.analysis is None:
            return None
        return dict(source.analysis), source.pages, source.ocr_pages, source.id
