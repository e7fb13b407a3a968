"""Quote requests of one company: create from a tender's items or free items, send links, revoke, close.

Tenant-scoped like every area (``tenant_transaction`` + explicit ``company_id``); every mutation audited.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from licita.accounts.models import Company
from licita.audit.service import Actor, record
from licita.core.errors import Conflict, NotFound, ValidationFailed
from licita.core.events import format_when
from licita.core.security.principal import Principal
from licita.platform.db.engine import tenant_transaction
from licita.platform.db.listing import contains_any, paginate, sort_clause, where_given
from licita.platform.db.lookup import company_of, company_transaction, get_owned, parse_id
from licita.products.models import Product
from licita.quotes import mail
from licita.quotes.models import Quote, QuoteItem, QuoteLink, QuoteStatus
from licita.quotes.rules import PRICING_KEYS, new_token, token_hash
from licita.quotes.schemas import (
    LinkStatus,
    QuoteCreate,
    QuoteItemOut,
    QuoteListQuery,
    QuoteOut,
    QuotePage,
    QuoteSummary,
    SendRequest,
    SendResult,
    SentLink,
)
from licita.suppliers.models import Supplier
from licita.tenders.access import find_tender
from licita.tenders.models import TenderItem

PORTAL_PATH = "/cotacao/"


def get_quote(db: Session, company_id: uuid.UUID, quote_id: str, *, lock: bool = False) -> Quote:
    return get_owned(db, Quote, company_id, quote_id, code="quote_not_found", message="Cotação não encontrada.",
                     lock=lock)


def items_of(db: Session, quote: Quote) -> list[QuoteItem]:
    return list(db.scalars(select(QuoteItem).where(QuoteItem.quote_id == quote.id,
                                                   QuoteItem.company_id == quote.company_id)
                           .order_by(QuoteItem.position)))


def links_of(db: Session, quote: Quote) -> list[tuple[QuoteLink, Supplier]]:
    rows = db.execute(select(QuoteLink, Supplier).join(Supplier, Supplier.id == QuoteLink.supplier_id)
                      .where(QuoteLink.quote_id == quote.id, QuoteLink.company_id == quote.company_id)
                      .order_by(Supplier.legal_name)).all()
    return [(link, supplier) for link, supplier in rows]


def supplier_name(s: Supplier) -> str:
    return s.trade_name or s.legal_name


def link_state(link: QuoteLink) -> str:
    if link.revoked_at is not None:
        return "revoked"
    if link.submitted_at is not None:
        return "answered"
    if link.saved_at is not None:
        return "saved"
    if link.opened_at is not None:
        return "opened"
    return "sent" if link.sent_at is not None else "pending"


def link_status(link: QuoteLink, supplier: Supplier) -> LinkStatus:
    return LinkStatus(supplier_id=supplier.id, supplier_name=supplier_name(supplier), email=link.email,
                      state=link_state(link), sent_at=link.sent_at, opened_at=link.opened_at,  # type: ignore[arg-type]
                      submitted_at=link.submitted_at, expires_at=link.expires_at,
                      attachments=[{k: v for k, v in a.items() if k != "key"} for a in link.attachments or []])


def _item_out(item: QuoteItem, winners: dict[uuid.UUID, uuid.UUID]) -> QuoteItemOut:
    return QuoteItemOut(
        id=item.id, position=item.position, number=item.number, description=item.description, unit=item.unit,
        quantity=float(item.quantity),
        estimated_unit_price=None if item.estimated_unit_price is None else float(item.estimated_unit_price),
        tender_item_id=item.tender_item_id, product_id=item.product_id,
        winner_supplier_id=winners.get(item.winner_link_id) if item.winner_link_id else None)


def _detail(db: Session, quote: Quote) -> QuoteOut:
    links = links_of(db, quote)
    winners = {link.id: supplier.id for link, supplier in links}
    return QuoteOut(id=quote.id, title=quote.title, message=quote.message, status=quote.status,
                    deadline_at=quote.deadline_at, tender_id=quote.tender_id, pricing=dict(quote.pricing or {}),
                    items=[_item_out(i, winners) for i in items_of(db, quote)],
                    suppliers=[link_status(link, s) for link, s in links], created_at=quote.created_at)


# ------------------------------------------------------------------------------ create
def _tender_items(db: Session, company_id: uuid.UUID, body: QuoteCreate) -> list[TenderItem]:
    tender = find_tender(db, company_id, str(body.tender_id))
    stmt = select(TenderItem).where(TenderItem.tender_id == tender.id, TenderItem.company_id == company_id)
    if body.tender_item_ids is not None:
        stmt = stmt.where(TenderItem.id.in_(body.tender_item_ids))
    rows = list(db.scalars(stmt.order_by(TenderItem.position)))
    if body.tender_item_ids is not None and len(rows) != len(set(body.tender_item_ids)):
        missing = sorted(str(i) for i in set(body.tender_item_ids) - {r.id for r in rows})
        raise ValidationFailed("Itens que não pertencem a esta licitação.", code="unknown_tender_items",
                               details={"tender_item_ids": missing})
    return rows


def create(principal: Principal, body: QuoteCreate, actor: Actor) -> QuoteOut:
    company_id = company_of(principal)
    if body.deadline_at <= datetime.now(UTC):
        raise ValidationFailed("O prazo da cotação deve estar no futuro.", code="deadline_in_past",
                               details=[{"field": "deadline_at", "message": "deve estar no futuro"}])
    with tenant_transaction(company_id) as db:
        sources = _tender_items(db, company_id, body) if body.tender_id else []
        if not sources and not body.items:
            raise ValidationFailed("A licitação não tem itens; informe itens livres.", code="no_items")
        supplier_ids = list(dict.fromkeys(body.supplier_ids))
        suppliers = {s.id: s for s in db.scalars(select(Supplier).where(
            Supplier.company_id == company_id, Supplier.id.in_(supplier_ids)))}
        unknown = [str(i) for i in supplier_ids if i not in suppliers]
        if unknown:
            raise ValidationFailed("Fornecedores não encontrados.", code="unknown_suppliers",
                                   details={"supplier_ids": unknown})
        unusable = [supplier_name(s) for s in suppliers.values() if not s.active or not s.email]
        if unusable:
            raise ValidationFailed("Fornecedores inativos ou sem e-mail não podem receber cotação.",
                                   code="suppliers_unreachable", details={"suppliers": unusable})
        product_ids = {i.product_id for i in body.items if i.product_id}
        if product_ids:
            known = set(db.scalars(select(Product.id).where(Product.company_id == company_id,
                                                            Product.id.in_(product_ids))))
            if product_ids - known:
                raise ValidationFailed("Produtos não encontrados.", code="unknown_products",
                                       details={"product_ids": sorted(str(p) for p in product_ids - known)})
        pricing = {k: v for k, v in (body.pricing.model_dump() if body.pricing else {}).items() if v is not None}
        quote = Quote(id=uuid.uuid4(), company_id=company_id, tender_id=body.tender_id, title=body.title,
                      message=body.message, status=QuoteStatus.DRAFT, deadline_at=body.deadline_at,
                      pricing=pricing, created_by=uuid.UUID(principal.user_id))
        db.add(quote)
        db.flush()
        position = 0
        for t in sources:
            position += 1
            db.add(QuoteItem(id=uuid.uuid4(), company_id=company_id, quote_id=quote.id, position=position,
                             tender_item_id=t.id, number=t.number, description=t.description, unit=t.unit,
                             quantity=t.quantity if t.quantity is not None else Decimal(1),
                             estimated_unit_price=t.unit_price, pricing={}))
        for free in body.items:
            position += 1
            db.add(QuoteItem(id=uuid.uuid4(), company_id=company_id, quote_id=quote.id, position=position,
                             product_id=free.product_id, description=free.description, unit=free.unit,
                             quantity=free.quantity, estimated_unit_price=free.estimated_unit_price, pricing={}))
        for sid in supplier_ids:
            db.add(QuoteLink(id=uuid.uuid4(), company_id=company_id, quote_id=quote.id, supplier_id=sid,
                             email=suppliers[sid].email, attachments=[]))
        db.flush()
        record(db, actor, "quote.created", "quote", quote.id, company_id=company_id,
               after={"title": quote.title, "tender_id": str(body.tender_id) if body.tender_id else None,
                      "items": position, "suppliers": len(supplier_ids),
                      "deadline_at": body.deadline_at.isoformat()})
        db.refresh(quote)
        return _detail(db, quote)


def get(principal: Principal, quote_id: str) -> QuoteOut:
    with company_transaction(principal) as (db, company_id):
        return _detail(db, get_quote(db, company_id, quote_id))


SORTS = {"created_at": Quote.created_at, "deadline_at": Quote.deadline_at, "title": Quote.title}


def list_quotes(principal: Principal, query: QuoteListQuery) -> QuotePage:
    company_id = company_of(principal)
    stmt = where_given(select(Quote).where(Quote.company_id == company_id),
                       (Quote.status, query.status), (Quote.tender_id, query.tender_id))
    if query.q:
        stmt = stmt.where(contains_any(query.q, Quote.title, Quote.message))
    stmt = stmt.order_by(*sort_clause(query.sort, SORTS, "-created_at"), Quote.id)
    with tenant_transaction(company_id) as db:
        rows, page = paginate(db, stmt, query.page, query.page_size)
        ids = [q.id for q in rows]
        items = dict(db.execute(select(QuoteItem.quote_id, func.count()).where(QuoteItem.quote_id.in_(ids))
                                .group_by(QuoteItem.quote_id)).all())
        links = {qid: (total, answered) for qid, total, answered in db.execute(
            select(QuoteLink.quote_id, func.count(), func.count(QuoteLink.submitted_at))
            .where(QuoteLink.quote_id.in_(ids)).group_by(QuoteLink.quote_id)).all()}
        summaries = [QuoteSummary(id=q.id, title=q.title, status=q.status, deadline_at=q.deadline_at,
                                  tender_id=q.tender_id, items=items.get(q.id, 0),
                                  suppliers=links.get(q.id, (0, 0))[0], answered=links.get(q.id, (0, 0))[1],
                                  created_at=q.created_at) for q in rows]
    return QuotePage(items=summaries, page=page)


# ------------------------------------------------------------------------------ send, revoke, close
def company_name(db: Session, company_id: uuid.UUID) -> str:
    company = db.get(Company, company_id)
    return (company.trade_name or company.legal_name) if company else "Empresa"


def send(principal: Principal, quote_id: str, body: SendRequest | None, base_url: str, actor: Actor) -> SendResult:
    """Issue a fresh link per chosen supplier (a resend invalidates the previous one) and e-mail it."""
    company_id = company_of(principal)
    wanted = set(body.supplier_ids) if body and body.supplier_ids else None
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    sent: list[SentLink] = []
    with tenant_transaction(company_id) as db:
        quote = get_quote(db, company_id, quote_id, lock=True)
        if quote.status not in (QuoteStatus.DRAFT, QuoteStatus.OPEN):
            raise Conflict("Cotação encerrada; não é possível enviar links.", code="quote_closed")
        if quote.deadline_at <= now:
            raise Conflict("O prazo da cotação já passou.", code="quote_expired")
        links = links_of(db, quote)
        if wanted is not None and wanted - {s.id for _, s in links}:
            raise ValidationFailed("Fornecedores que não fazem parte desta cotação.", code="unknown_suppliers",
                                   details={"supplier_ids": sorted(str(i) for i in wanted - {s.id for _, s in links})})
        targets = [(link, s) for link, s in links
                   if (wanted is not None and s.id in wanted) or (wanted is None and link.sent_at is None)]
        items = len(items_of(db, quote))
        company = company_name(db, company_id)
        for link, supplier in targets:
            if not supplier.email:
                raise ValidationFailed(f"{supplier_name(supplier)} não tem e-mail.", code="suppliers_unreachable")
            token = new_token()
            link.token_hash, link.expires_at, link.revoked_at = token_hash(token), quote.deadline_at, None
            link.sent_at, link.email = now, supplier.email
            url = f"{base_url.rstrip('/')}{PORTAL_PATH}{token}"
            sent.append(SentLink(supplier_id=supplier.id, supplier_name=supplier_name(supplier),
                                 email=supplier.email, url=url))
            rows.append(mail.outbox_row(
                f"quote-request:{link.id}:{token_hash(token)[:16]}", "quote.request", supplier.email,
                supplier_name(supplier), f"Pedido de cotação: {quote.title}",
                {"supplier_name": supplier_name(supplier), "company_name": company, "quote_title": quote.title,
                 "items": items, "message": quote.message or "", "deadline": format_when(quote.deadline_at),
                 "url": url}, str(company_id)))
        quote.status = QuoteStatus.OPEN
        record(db, actor, "quote.sent", "quote", quote.id, company_id=company_id,
               after={"suppliers": [str(s.supplier_id) for s in sent]})
        status = quote.status
    mail.send(rows)  # after commit: a link is never e-mailed for a send that rolled back
    return SendResult(quote_id=uuid.UUID(str(quote_id)), status=status, links=sent)


def _link_for(db: Session, quote: Quote, supplier_id: str) -> QuoteLink:
    sid = parse_id(supplier_id)
    link = db.scalar(select(QuoteLink).where(QuoteLink.quote_id == quote.id, QuoteLink.supplier_id == sid,
                                             QuoteLink.company_id == quote.company_id).with_for_update())
    if link is None:
        raise NotFound("Este fornecedor não faz parte da cotação.", code="supplier_not_in_quote")
    return link


def revoke(principal: Principal, quote_id: str, supplier_id: str, actor: Actor) -> QuoteOut:
    """The supplier's link stops working at once (its answers so far are kept)."""
    with company_transaction(principal) as (db, company_id):
        quote = get_quote(db, company_id, quote_id, lock=True)
        link = _link_for(db, quote, supplier_id)
        link.revoked_at = datetime.now(UTC)
        record(db, actor, "quote.link_revoked", "quote", quote.id, company_id=company_id,
               after={"supplier_id": supplier_id})
        db.flush()
        return _detail(db, quote)


def close(principal: Principal, quote_id: str, actor: Actor) -> QuoteOut:
    with company_transaction(principal) as (db, company_id):
        quote = get_quote(db, company_id, quote_id, lock=True)
        if quote.status in (QuoteStatus.CLOSED, QuoteStatus.CANCELLED):
            raise Conflict("A cotação já está encerrada.", code="quote_closed")
        before = quote.status
        quote.status = QuoteStatus.CLOSED
        record(db, actor, "quote.closed", "quote", quote.id, company_id=company_id, before={"status": before},
               after={"status": "CLOSED"})
        db.flush()
        return _detail(db, quote)


def pricing_of(quote: Quote) -> dict[str, Any]:
    return {k: quote.pricing.get(k) for k in PRICING_KEYS if (quote.pricing or {}).get(k) is not None}
