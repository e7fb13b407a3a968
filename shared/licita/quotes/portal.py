"""The supplier's side of a quote: a link (token in the path, no login) to read, save and submit answers.

The token is looked up by its SHA-256 in a cross-tenant transaction that reads only that one link; everything
after runs in the link's company scope. A link serves one supplier and one quote: item ids of any other quote
are refused. Each submission is audited (actor = the supplier link) and notifies the company
(``quote.received`` → WebSocket, inbox, e-mail per preferences).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from licita.audit.service import Actor, record
from licita.core.config import get_settings
from licita.core.errors import AppError, NotFound, TooManyRequests, ValidationFailed
from licita.platform import ratelimit
from licita.platform.db.engine import system_transaction, tenant_transaction
from licita.platform.queues import publish_quietly
from licita.products.service import record_quoted_price
from licita.quotes.models import Quote, QuoteAnswer, QuoteItem, QuoteLink
from licita.quotes.rules import link_problem, looks_like_token, token_hash
from licita.quotes.schemas import AnswerRequest, AttachmentRequest, AttachmentTicket, PortalItem, PortalView
from licita.quotes.service import company_name, items_of, supplier_name
from licita.suppliers import storage
from licita.suppliers.models import Supplier
from licita.tenders.uploads import check_upload, max_upload_bytes, sanitize_filename

MAX_ATTACHMENTS = 10


class LinkRefused(AppError):
    """A link that exists but cannot be used now (revoked 410, expired 410, closed 409)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, code=code)
        self.status = status


@dataclass(frozen=True)
class LinkRef:
    link_id: uuid.UUID
    company_id: uuid.UUID
    quote_id: uuid.UUID


def throttle(token: str, ip: str | None) -> None:
    """The portal is public: a client address and a link each get a budget per minute, so nobody can
    enumerate tokens or hammer one supplier's page. Counted before the token is even looked up."""
    settings = get_settings()
    by_ip = ratelimit.hit(f"portal:ip:{ip or '-'}", settings.portal_max_per_ip, 60)
    if not by_ip.allowed:
        raise TooManyRequests("Muitas requisições deste endereço. Aguarde um minuto e tente de novo.",
                              retry_after=by_ip.retry_after, details={"scope": "ip"})
    by_link = ratelimit.hit(f"portal:link:{token_hash(token)}", settings.portal_max_per_link, 60)
    if not by_link.allowed:
        raise TooManyRequests("Muitas requisições para este link. Aguarde um minuto e tente de novo.",
                              retry_after=by_link.retry_after, details={"scope": "link"})


def resolve(token: str) -> LinkRef:
    """The link a token opens, or 404 (unknown or malformed: the same answer, nothing to probe)."""
    if not looks_like_token(token):
        raise NotFound("Link de cotação inválido.", code="link_not_found")
    with system_transaction() as db:
        row = db.execute(select(QuoteLink.id, QuoteLink.company_id, QuoteLink.quote_id)
                         .where(QuoteLink.token_hash == token_hash(token))).first()
    if row is None:
        raise NotFound("Link de cotação inválido.", code="link_not_found")
    return LinkRef(row[0], row[1], row[2])


def supplier_actor(ref: LinkRef, link: QuoteLink, ip: str | None, user_agent: str | None,
                   request_id: str | None) -> Actor:
    """Audit actor for the supplier: no user; the link is named in the entry itself."""
    return Actor(None, str(ref.company_id), ip, f"supplier-link:{link.id} {user_agent or ''}"[:512], request_id)


def _load(db: Session, ref: LinkRef, *, lock: bool = False) -> tuple[QuoteLink, Quote, Supplier]:
    stmt = select(QuoteLink).where(QuoteLink.id == ref.link_id, QuoteLink.company_id == ref.company_id)
    link = db.scalar(stmt.with_for_update() if lock else stmt)
    quote = db.scalar(select(Quote).where(Quote.id == ref.quote_id, Quote.company_id == ref.company_id))
    supplier = None if link is None else db.scalar(
        select(Supplier).where(Supplier.id == link.supplier_id, Supplier.company_id == ref.company_id))
    if link is None or quote is None or supplier is None:
        raise NotFound("Link de cotação inválido.", code="link_not_found")
    return link, quote, supplier


def check_usable(link: QuoteLink, quote: Quote, now: datetime | None = None) -> None:
    problem = link_problem(revoked_at=link.revoked_at, expires_at=link.expires_at, quote_status=quote.status,
                           deadline_at=quote.deadline_at, now=now or datetime.now(UTC))
    if problem:
        raise LinkRefused(*problem)


def _view(db: Session, link: QuoteLink, quote: Quote, supplier: Supplier) -> PortalView:
    answers = {a.item_id: a for a in db.scalars(select(QuoteAnswer).where(
        QuoteAnswer.link_id == link.id, QuoteAnswer.company_id == link.company_id))}
    items = []
    for item in items_of(db, quote):
        a = answers.get(item.id)
        items.append(PortalItem(
            id=item.id, position=item.position, description=item.description, unit=item.unit,
            quantity=float(item.quantity),
            unit_price=None if a is None or a.unit_price is None else float(a.unit_price),
            brand=a.brand if a else None, model=a.model if a else None,
            delivery_days=a.delivery_days if a else None, validity_days=a.validity_days if a else None,
            notes=a.notes if a else None))
    return PortalView(quote_title=quote.title, company_name=company_name(db, quote.company_id),
                      supplier_name=supplier_name(supplier), message=quote.message, deadline_at=quote.deadline_at,
                      submitted_at=link.submitted_at, saved_at=link.saved_at, notes=link.notes,
                      attachments=[{"filename": a.get("filename"), "size": a.get("size")}
                                   for a in link.attachments or []],
                      items=items, state="submitted" if link.submitted_at else "open")


def view(token: str) -> PortalView:
    """What the supplier sees; opening the page is recorded once (``opened_at``)."""
    ref = resolve(token)
    with tenant_transaction(ref.company_id) as db:
        link, quote, supplier = _load(db, ref, lock=True)
        check_usable(link, quote)
        if link.opened_at is None:
            link.opened_at = datetime.now(UTC)
        return _view(db, link, quote, supplier)


def answer(token: str, body: AnswerRequest, ip: str | None, user_agent: str | None,
           request_id: str | None) -> PortalView:
    """Save (``submit`` false) or submit the answers. Items not sent keep what was saved before."""
    ref = resolve(token)
    now = datetime.now(UTC)
    with tenant_transaction(ref.company_id) as db:
        link, quote, supplier = _load(db, ref, lock=True)
        check_usable(link, quote, now)
        items = {i.id: i for i in items_of(db, quote)}
        foreign = [str(a.item_id) for a in body.items if a.item_id not in items]
        if foreign:
            raise ValidationFailed("Itens que não pertencem a esta cotação.", code="unknown_items",
                                   details={"item_ids": foreign})
        existing = {a.item_id: a for a in db.scalars(select(QuoteAnswer).where(
            QuoteAnswer.link_id == link.id, QuoteAnswer.company_id == link.company_id))}
        for given in body.items:
            row = existing.get(given.item_id)
            if row is None:
                row = QuoteAnswer(id=uuid.uuid4(), company_id=ref.company_id, quote_id=quote.id, link_id=link.id,
                                  item_id=given.item_id)
                db.add(row)
                existing[given.item_id] = row
            for name in ("unit_price", "brand", "model", "delivery_days", "validity_days", "notes"):
                setattr(row, name, getattr(given, name))
            row.updated_at = now
        if body.notes is not None or "notes" in body.model_fields_set:
            link.notes = body.notes
        priced = sum(1 for a in existing.values() if a.unit_price is not None)
        if body.submit and priced == 0:
            raise ValidationFailed("Informe o preço de pelo menos um item antes de enviar.", code="no_prices")
        link.saved_at = now
        first_submission = body.submit and link.submitted_at is None
        if body.submit:
            link.submitted_at = now
            _remember_prices(db, link, items, existing, now)
        actor = supplier_actor(ref, link, ip, user_agent, request_id)
        record(db, actor, "quote.answer_submitted" if body.submit else "quote.answer_saved", "quote", quote.id,
               company_id=ref.company_id,
               after={"actor": {"type": "supplier_link", "link_id": str(link.id), "supplier_id": str(supplier.id)},
                      "items_priced": priced, "items_sent": len(body.items)})
        db.flush()
        result = _view(db, link, quote, supplier)
        payload = {"quote_id": str(quote.id), "quote_title": quote.title, "supplier_id": str(supplier.id),
                   "supplier_name": supplier_name(supplier), "items_priced": priced, "items": len(items),
                   "first": first_submission}
    if body.submit:
        publish_quietly("quote.received", str(ref.company_id), payload)
    return result


def _remember_prices(db: Session, link: QuoteLink, items: dict[uuid.UUID, QuoteItem],
                     answers: dict[uuid.UUID, QuoteAnswer], now: datetime) -> None:
    for item_id, a in answers.items():
        product = items[item_id].product_id
        if product is not None and a.unit_price is not None:
            record_quoted_price(db, link.company_id, link.supplier_id, product, a.unit_price, now)


def attachment(token: str, body: AttachmentRequest, ip: str | None, user_agent: str | None,
               request_id: str | None) -> AttachmentTicket:
    """A presigned POST for the supplier's proposal file (same checks as editais: PDF/DOCX/ZIP, size)."""
    _, ctype = check_upload(body.filename, body.content_type, body.size)
    ref = resolve(token)
    limit = max_upload_bytes()
    with tenant_transaction(ref.company_id) as db:
        link, quote, _supplier = _load(db, ref, lock=True)
        check_usable(link, quote)
        if len(link.attachments or []) >= MAX_ATTACHMENTS:
            raise ValidationFailed(f"No máximo {MAX_ATTACHMENTS} anexos por resposta.", code="too_many_attachments")
        key = storage.key_for(ref.company_id, "quotes", str(quote.id), str(link.id), uuid.uuid4().hex,
                              sanitize_filename(body.filename))
        post, expires = storage.presign_post(key, ctype, limit)
        entry: dict[str, Any] = {"key": key, "filename": " ".join(body.filename.split())[:200], "content_type": ctype,
                                 "size": body.size, "requested_at": datetime.now(UTC).isoformat()}
        link.attachments = [*(link.attachments or []), entry]
        record(db, supplier_actor(ref, link, ip, user_agent, request_id), "quote.attachment_requested", "quote",
               quote.id, company_id=ref.company_id,
               after={"actor": {"type": "supplier_link", "link_id": str(link.id)}, "filename": entry["filename"]})
    return AttachmentTicket(key=key, url=post["url"], fields=post["fields"], max_bytes=limit, expires_at=expires)
