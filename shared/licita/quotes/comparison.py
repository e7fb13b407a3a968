"""Per-item comparison of the answers, the winner per item, bid pricing (BDI) and the comparison XLSX."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from licita.audit.service import Actor, record
from licita.core.brazil import format_brl, format_date_br, format_percent
from licita.core.errors import NotFound, ValidationFailed
from licita.core.security.principal import Principal
from licita.core.time import utcnow
from licita.platform.db.lookup import company_transaction, parse_id
from licita.quotes import rules
from licita.quotes.models import Quote, QuoteAnswer, QuoteItem, QuoteLink
from licita.quotes.schemas import (
    Comparison,
    ComparisonItem,
    DownloadLink,
    OfferOut,
    PricedItem,
    PricingOut,
    PricingUpdate,
    WinnerRequest,
)
from licita.quotes.service import get_quote, items_of, link_status, links_of, supplier_name
from licita.suppliers import storage
from licita.suppliers.models import Supplier
from licita.suppliers.tabular import write_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class Answer:
    unit_price: Decimal | None
    brand: str | None
    model: str | None
    delivery_days: int | None
    validity_days: int | None
    notes: str | None


@dataclass
class Loaded:
    quote: Quote
    items: list[QuoteItem]
    links: list[tuple[QuoteLink, Supplier]]
    answers: dict[tuple[uuid.UUID, uuid.UUID], Answer]  # (item, link) -> answer (submitted links only)


def load(db: Session, quote: Quote) -> Loaded:
    """Three queries; answers as plain rows (no ORM identity map: a 131 × 5 comparison stays cheap)."""
    links = links_of(db, quote)
    answered = {link.id for link, _ in links if link.submitted_at is not None}
    rows = db.execute(select(QuoteAnswer.item_id, QuoteAnswer.link_id, QuoteAnswer.unit_price, QuoteAnswer.brand,
                             QuoteAnswer.model, QuoteAnswer.delivery_days, QuoteAnswer.validity_days,
                             QuoteAnswer.notes)
                      .where(QuoteAnswer.quote_id == quote.id, QuoteAnswer.company_id == quote.company_id)).all()
    answers = {(r[0], r[1]): Answer(*r[2:]) for r in rows if r[1] in answered}
    return Loaded(quote, items_of(db, quote), links, answers)


def build(data: Loaded) -> Comparison:
    by_link = {str(link.id): (link, s) for link, s in data.links}
    names = {key: supplier_name(s) for key, (_, s) in by_link.items()}
    items: list[ComparisonItem] = []
    for item in data.items:
        offers = [rules.Offer(key, names[key], a.unit_price) for key, (link, _) in by_link.items()
                  if (a := data.answers.get((item.id, link.id))) is not None and a.unit_price is not None]
        stats = rules.item_stats(offers)
        out: list[OfferOut] = []
        for offer in stats.offers:
            link, supplier = by_link[offer.link_id]
            a = data.answers[(item.id, link.id)]
            out.append(OfferOut.model_construct(
                supplier_id=supplier.id, supplier_name=offer.supplier, unit_price=float(offer.unit_price),
                total=float((offer.unit_price * item.quantity).quantize(Decimal("0.01"))), brand=a.brand,
                model=a.model, delivery_days=a.delivery_days, validity_days=a.validity_days, notes=a.notes,
                outlier=offer.link_id in stats.outliers))
        priced = {o.link_id for o in offers}
        winner = by_link.get(str(item.winner_link_id)) if item.winner_link_id else None
        suggested = by_link.get(stats.suggested) if stats.suggested else None
        items.append(ComparisonItem.model_construct(
            item_id=item.id, position=item.position, description=item.description, unit=item.unit,
            quantity=float(item.quantity), estimated_unit_price=_f(item.estimated_unit_price), offers=out,
            lowest=_f(stats.lowest), median=_f(stats.median), spread=_f(stats.spread),
            spread_pct=_f(stats.spread_pct), no_answer=[names[k] for k in by_link if k not in priced],
            suggested_supplier_id=suggested[1].id if suggested else None,
            winner_supplier_id=winner[1].id if winner else None))
    return Comparison(quote_id=data.quote.id, title=data.quote.title,
                      suppliers=[link_status(link, s) for link, s in data.links], items=items)


def comparison(principal: Principal, quote_id: str) -> Comparison:
    with company_transaction(principal) as (db, company_id):
        return build(load(db, get_quote(db, company_id, quote_id)))


def _item(db: Session, quote: Quote, item_id: str) -> QuoteItem:
    item = db.scalar(select(QuoteItem).where(
        QuoteItem.id == parse_id(item_id, "Item", "item_not_found"), QuoteItem.quote_id == quote.id,
        QuoteItem.company_id == quote.company_id).with_for_update())
    if item is None:
        raise NotFound("Item não encontrado nesta cotação.", code="item_not_found")
    return item


def set_winner(principal: Principal, quote_id: str, item_id: str, body: WinnerRequest, actor: Actor) -> ComparisonItem:
    """Pick (or clear) the supplier whose answer becomes the item's cost; it must have priced the item."""
    with company_transaction(principal) as (db, company_id):
        quote = get_quote(db, company_id, quote_id, lock=True)
        item = _item(db, quote, item_id)
        before = str(item.winner_link_id) if item.winner_link_id else None
        if body.supplier_id is None:
            item.winner_link_id = None
        else:
            link = db.scalar(select(QuoteLink).where(QuoteLink.quote_id == quote.id,
                                                     QuoteLink.supplier_id == body.supplier_id,
                                                     QuoteLink.company_id == company_id))
            answer = None if link is None or link.submitted_at is None else db.scalar(
                select(QuoteAnswer).where(QuoteAnswer.link_id == link.id, QuoteAnswer.item_id == item.id))
            if link is None or answer is None or answer.unit_price is None:
                raise ValidationFailed("Este fornecedor não cotou o item.", code="supplier_without_offer",
                                       details={"supplier_id": str(body.supplier_id)})
            item.winner_link_id = link.id
        record(db, actor, "quote.winner_set", "quote_item", item.id, company_id=company_id,
               before={"winner_link_id": before},
               after={"supplier_id": str(body.supplier_id) if body.supplier_id else None, "quote_id": str(quote.id)})
        db.flush()
        result = build(load(db, quote))
    return next(i for i in result.items if i.item_id == item.id)


# ------------------------------------------------------------------------------ pricing
def priced(data: Loaded, comp: Comparison | None = None) -> PricingOut:
    comp = comp or build(data)
    quote_pricing = {k: (data.quote.pricing or {}).get(k) for k in rules.PRICING_KEYS}
    items: list[PricedItem] = []
    total_cost = total_bid = Decimal(0)
    for item, row in zip(data.items, comp.items, strict=True):
        pricing = rules.effective_pricing(data.quote.pricing, item.pricing)
        chosen = row.winner_supplier_id or row.suggested_supplier_id
        offer = next((o for o in row.offers if o.supplier_id == chosen), None)
        cost = Decimal(str(offer.unit_price)) if offer else None
        bid = rules.bid_price(cost, pricing) if cost is not None else None
        if cost is not None and bid is not None:
            total_cost += cost * item.quantity
            total_bid += bid * item.quantity
        items.append(PricedItem(
            item_id=item.id, position=item.position, description=item.description, quantity=float(item.quantity),
            supplier_id=offer.supplier_id if offer else None, supplier_name=offer.supplier_name if offer else None,
            cost=_f(cost), bdi_pct=float((rules.bdi(pricing) * 100).quantize(Decimal("0.0001"))),
            bid_unit_price=_f(bid),
            bid_total=_f((bid * item.quantity).quantize(Decimal("0.01"))) if bid is not None else None,
            estimated_unit_price=_f(item.estimated_unit_price),
            above_estimate=rules.above_estimate(bid, item.estimated_unit_price),
            pricing={k: float(v) for k, v in pricing.items()}))
    return PricingOut(quote_id=data.quote.id,
                      pricing={k: float(v) for k, v in rules.effective_pricing(quote_pricing, None).items()},
                      items=items,
                      total_cost=float(total_cost.quantize(Decimal("0.01"))),
                      total_bid=float(total_bid.quantize(Decimal("0.01"))),
                      items_above_estimate=sum(1 for i in items if i.above_estimate))


def pricing(principal: Principal, quote_id: str) -> PricingOut:
    with company_transaction(principal) as (db, company_id):
        return priced(load(db, get_quote(db, company_id, quote_id)))


def update_pricing(principal: Principal, quote_id: str, body: PricingUpdate, actor: Actor) -> PricingOut:
    with company_transaction(principal) as (db, company_id):
        quote = get_quote(db, company_id, quote_id, lock=True)
        before = dict(quote.pricing or {})
        if body.pricing is not None:
            quote.pricing = {**before, **{k: v for k, v in body.pricing.model_dump().items() if v is not None}}
        items = {i.id: i for i in items_of(db, quote)}
        unknown = [str(p.item_id) for p in body.items if p.item_id not in items]
        if unknown:
            raise ValidationFailed("Itens que não pertencem a esta cotação.", code="item_not_found",
                                   details={"item_ids": unknown})
        for p in body.items:
            values = {k: v for k, v in p.model_dump(include=set(rules.PRICING_KEYS)).items() if v is not None}
            items[p.item_id].pricing = {} if p.clear else {**(items[p.item_id].pricing or {}), **values}
        for item in items.values():
            try:
                rules.bdi(rules.effective_pricing(quote.pricing, item.pricing))
            except ValueError as exc:
                raise ValidationFailed(str(exc), code="invalid_pricing") from None
        record(db, actor, "quote.pricing_updated", "quote", quote.id, company_id=company_id, before=before,
               after={"pricing": quote.pricing, "items": [str(p.item_id) for p in body.items]})
        db.flush()
        return priced(load(db, quote))


# ------------------------------------------------------------------------------ XLSX
def comparison_xlsx(data: Loaded) -> bytes:
    """Three sheets in Portuguese with Brazilian formats: per-item comparison, every offer, bid pricing."""
    comp = build(data)
    prices = priced(data, comp)
    summary = [[i.position, i.description, i.unit or "", i.quantity, format_brl(i.estimated_unit_price),
                len(i.offers), format_brl(i.lowest), format_brl(i.median), format_brl(i.spread),
                format_percent(i.spread_pct), ", ".join(o.supplier_name for o in i.offers if o.outlier),
                ", ".join(i.no_answer),
                next((o.supplier_name for o in i.offers if o.supplier_id == i.winner_supplier_id), "")]
               for i in comp.items]
    offers = [[i.position, i.description, o.supplier_name, format_brl(o.unit_price), format_brl(o.total),
               o.brand or "", o.model or "", "" if o.delivery_days is None else o.delivery_days,
               "" if o.validity_days is None else o.validity_days, "Sim" if o.outlier else "Não", o.notes or ""]
              for i in comp.items for o in i.offers]
    bids = [[p.position, p.description, p.supplier_name or "", format_brl(p.cost), format_percent(p.bdi_pct),
             format_brl(p.bid_unit_price), format_brl(p.bid_total), format_brl(p.estimated_unit_price),
             "ACIMA DO ESTIMADO" if p.above_estimate else ""] for p in prices.items]
    bids.append(["", "Total", "", "", "", "", format_brl(prices.total_bid), "",
                 f"{prices.items_above_estimate} item(ns) acima do estimado"])
    return write_xlsx([
        ("Comparativo", ["Item", "Descrição", "Unidade", "Quantidade", "Estimado (unit.)", "Respostas", "Menor preço",
                         "Mediana", "Amplitude", "Amplitude %", "Preços atípicos", "Sem resposta", "Vencedor"],
         summary),
        ("Propostas", ["Item", "Descrição", "Fornecedor", "Preço unitário", "Total", "Marca", "Modelo",
                       "Prazo de entrega (dias)", "Validade (dias)", "Atípico", "Observações"], offers),
        ("Preço de lance", ["Item", "Descrição", "Fornecedor", "Custo", "BDI", "Lance unitário", "Lance total",
                            "Estimado (unit.)", "Alerta"], bids),
    ])


def export_xlsx(principal: Principal, quote_id: str) -> DownloadLink:
    with company_transaction(principal) as (db, company_id):
        quote = get_quote(db, company_id, quote_id)
        data = comparison_xlsx(load(db, quote))
    filename = f"comparativo-cotacao-{format_date_br(utcnow()).replace('/', '-')}.xlsx"
    key = storage.key_for(company_id, "exports", uuid.uuid4().hex, filename)
    storage.put(key, data, XLSX)
    url, expires = storage.presign_get(key, filename, XLSX)
    return DownloadLink(url=url, filename=filename, content_type=XLSX, expires_at=expires)
