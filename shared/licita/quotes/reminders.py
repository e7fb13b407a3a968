"""Schedule: remind suppliers who have not answered before a quote expires; close quotes past their deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from licita.audit.service import Actor, record
from licita.core.events import format_when
from licita.platform.db.engine import system_transaction
from licita.quotes import mail
from licita.quotes.models import Quote, QuoteLink, QuoteStatus
from licita.quotes.service import company_name, supplier_name
from licita.suppliers.models import Supplier

REMIND_BEFORE = timedelta(hours=24)


def run(now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    closed = 0
    with system_transaction() as db:
        due = db.execute(
            select(QuoteLink, Quote, Supplier).join(Quote, Quote.id == QuoteLink.quote_id)
            .join(Supplier, Supplier.id == QuoteLink.supplier_id)
            .where(Quote.status == QuoteStatus.OPEN, Quote.deadline_at > now,
                   Quote.deadline_at <= now + REMIND_BEFORE, QuoteLink.sent_at.is_not(None),
                   QuoteLink.submitted_at.is_(None), QuoteLink.revoked_at.is_(None), QuoteLink.reminded_at.is_(None))
            .with_for_update(of=QuoteLink, skip_locked=True).limit(500)).all()
        names: dict[Any, str] = {}
        for link, quote, supplier in due:
            if not link.email:
                continue
            company = names.setdefault(quote.company_id, company_name(db, quote.company_id))
            link.reminded_at = now
            rows.append(mail.outbox_row(
                f"quote-reminder:{link.id}", "quote.reminder", link.email, supplier_name(supplier),
                f"Lembrete: cotação “{quote.title}” vence em {format_when(quote.deadline_at)}",
                {"supplier_name": supplier_name(supplier), "company_name": company, "quote_title": quote.title,
                 "deadline": format_when(quote.deadline_at), "sent": format_when(link.sent_at)},
                str(quote.company_id)))
        expired = db.scalars(select(Quote).where(Quote.status == QuoteStatus.OPEN, Quote.deadline_at <= now)
                             .with_for_update(skip_locked=True).limit(500)).all()
        for quote in expired:
            quote.status = QuoteStatus.CLOSED
            record(db, Actor(None, str(quote.company_id), None, "schedule", None), "quote.expired", "quote",
                   quote.id, company_id=quote.company_id, before={"status": "OPEN"}, after={"status": "CLOSED"})
            closed += 1
    sent = mail.send(rows) if rows else 0
    return {"reminders": len(rows), "reminders_sent": sent, "quotes_closed": closed}
