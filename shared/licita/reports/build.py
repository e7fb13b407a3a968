"""What each report reads (tenant-scoped) and turns into a file."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select

from licita.core.errors import NotFound
from licita.core.time import BRT, utcnow
from licita.platform.db.engine import tenant_transaction
from licita.quotes.comparison import comparison_xlsx, load
from licita.quotes.models import Quote
from licita.quotes.service import get_quote
from licita.reports.render import pipeline_xlsx, tender_summary_pdf
from licita.reports.rules import period_bounds
from licita.tenders.models import Deadline, Tender, TenderItem


def generate(kind: str, company_id: uuid.UUID, params: dict[str, Any], progress: Callable[[int], None]) -> bytes:
    if kind == "tender_summary":
        return tender_summary(company_id, str(params["tender_id"]), progress)
    if kind == "quote_comparison":
        return quote_comparison(company_id, str(params["quote_id"]))
    if kind == "pipeline":
        return pipeline(company_id, date.fromisoformat(str(params["period_from"])),
                        date.fromisoformat(str(params["period_to"])))
    raise ValueError(f"unknown report kind {kind!r}")


def tender_data(company_id: uuid.UUID, tender_id: str) -> dict[str, Any]:
    with tenant_transaction(company_id) as db:
        tender = db.scalar(select(Tender).where(Tender.id == uuid.UUID(tender_id), Tender.company_id == company_id))
        if tender is None:
            raise NotFound("Licitação não encontrada.", code="tender_not_found")
        fields = {name: {**(value or {})} for name, value in (tender.fields or {}).items()}
        for name, correction in (tender.corrections or {}).items():  # a person's correction wins
            fields[name] = {**fields.get(name, {}), "value": (correction or {}).get("value")}
        items = [{"number": i.number, "position": i.position, "description": i.description, "quantity": i.quantity,
                  "unit": i.unit, "unit_price": i.unit_price, "total_price": i.total_price}
                 for i in db.scalars(select(TenderItem).where(TenderItem.tender_id == tender.id,
                                                              TenderItem.company_id == company_id)
                                     .order_by(TenderItem.position))]
        deadlines = [{"kind": d.kind, "due_at": d.due_at, "basis": d.basis}
                     for d in db.scalars(select(Deadline).where(Deadline.tender_id == tender.id,
                                                                Deadline.company_id == company_id)
                                         .order_by(Deadline.due_at))]
        return {"title": tender.title, "agency": tender.agency, "fields": fields, "risk": tender.risk or {},
                "items": items, "deadlines": deadlines,
                "requirements": list((tender.details or {}).get("requirements") or [])}


def tender_summary(company_id: uuid.UUID, tender_id: str, progress: Callable[[int], None]) -> bytes:
    data = tender_data(company_id, tender_id)
    progress(25)
    return tender_summary_pdf(data, utcnow().astimezone(BRT).date(), progress)


def quote_comparison(company_id: uuid.UUID, quote_id: str) -> bytes:
    with tenant_transaction(company_id) as db:
        return comparison_xlsx(load(db, get_quote(db, company_id, quote_id)))


def pipeline(company_id: uuid.UUID, start: date, end: date) -> bytes:
    low, high = period_bounds(start, end)
    with tenant_transaction(company_id) as db:
        tenders = db.scalars(select(Tender).where(Tender.company_id == company_id, Tender.created_at >= low,
                                                  Tender.created_at < high).order_by(Tender.created_at)).all()
        quotes: dict[uuid.UUID | None, set[str]] = {}
        for tender_id, status in db.execute(select(Quote.tender_id, Quote.status).where(
                Quote.company_id == company_id, Quote.tender_id.in_([t.id for t in tenders]))):
            quotes.setdefault(tender_id, set()).add(status)
        rows = [{"title": t.title, "agency": t.agency, "status": t.status, "estimated_value": t.estimated_value,
                 "session_at": t.session_at, "created_at": t.created_at, "result": _result(quotes.get(t.id))}
                for t in tenders]
    return pipeline_xlsx(rows, (start, end))


def _result(statuses: set[str] | None) -> str:
    if not statuses:
        return "Sem cotação"
    if "CLOSED" in statuses:
        return "Cotação concluída"
    return "Cotação em andamento"
