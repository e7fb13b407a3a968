"""The product catalogue of one company and its supplier links (last quoted price per supplier).

Tenant-scoped like every area: ``tenant_transaction`` (RLS) plus an explicit ``company_id`` filter.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from licita.audit.service import Actor, record
from licita.core.errors import NotFound, ValidationFailed
from licita.core.security.principal import Principal
from licita.platform.db.engine import tenant_transaction
from licita.platform.db.listing import contains_any, paginate, sort_clause, where_flag
from licita.platform.db.lookup import company_of, company_transaction, get_owned, read_owned
from licita.products.models import Product, SupplierProduct
from licita.products.rules import PRODUCT_COLUMNS, PRODUCT_EXPORT_HEADERS, finish_row
from licita.products.schemas import (
    LinkList,
    LinkOut,
    LinkRequest,
    ProductCreate,
    ProductListQuery,
    ProductOut,
    ProductPage,
    ProductUpdate,
)
from licita.suppliers import imports
from licita.suppliers.models import Supplier
from licita.suppliers.schemas import DownloadLink, ImportRequest, ImportResult, RowError
from licita.suppliers.service import get_supplier, store_export

SNAPSHOT = ("description", "unit", "code_kind", "code", "brand", "model", "category", "active")
SORTS = {"description": Product.description, "created_at": Product.created_at, "category": Product.category,
         "code": Product.code}


def get_product(db: Session, company_id: uuid.UUID, product_id: str, *, lock: bool = False) -> Product:
    return get_owned(db, Product, company_id, product_id, code="product_not_found", message="Produto não encontrado.",
                     lock=lock)


def to_out(p: Product) -> ProductOut:
    return ProductOut(id=p.id, description=p.description, unit=p.unit, code_kind=p.code_kind, code=p.code,
                      brand=p.brand, model=p.model, category=p.category, active=p.active, created_at=p.created_at,
                      updated_at=p.updated_at)


def _snapshot(p: Product) -> dict[str, Any]:
    return {k: getattr(p, k) for k in SNAPSHOT}


def create(principal: Principal, body: ProductCreate, actor: Actor) -> ProductOut:
    with company_transaction(principal) as (db, company_id):
        product = Product(id=uuid.uuid4(), company_id=company_id, created_by=uuid.UUID(principal.user_id),
                          **body.model_dump())
        db.add(product)
        db.flush()
        db.refresh(product)
        record(db, actor, "product.created", "product", product.id, company_id=company_id, after=_snapshot(product))
        return to_out(product)


def get(principal: Principal, product_id: str) -> ProductOut:
    return read_owned(principal, get_product, product_id, to_out)


def update(principal: Principal, product_id: str, body: ProductUpdate, actor: Actor) -> ProductOut:
    company_id = company_of(principal)
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    with tenant_transaction(company_id) as db:
        product = get_product(db, company_id, product_id, lock=True)
        before = _snapshot(product)
        for name, value in changes.items():
            setattr(product, name, value)
        if product.code and not product.code_kind:
            raise ValidationFailed("Informe code_kind junto com o código.", code="code_kind_required")
        product.updated_at = datetime.now(UTC)
        db.flush()
        record(db, actor, "product.updated", "product", product.id, company_id=company_id, before=before,
               after=changes)
        return to_out(product)


def delete(principal: Principal, product_id: str, actor: Actor) -> None:
    with company_transaction(principal) as (db, company_id):
        product = get_product(db, company_id, product_id, lock=True)
        record(db, actor, "product.deleted", "product", product.id, company_id=company_id, before=_snapshot(product))
        db.delete(product)


def list_products(principal: Principal, query: ProductListQuery) -> ProductPage:
    company_id = company_of(principal)
    stmt = select(Product).where(Product.company_id == company_id)
    if query.q:
        stmt = stmt.where(contains_any(query.q, Product.description, Product.brand, Product.model))
    if query.code:
        stmt = stmt.where(Product.code == query.code.replace(".", "").replace("-", "").strip())
    if query.category:
        stmt = stmt.where(Product.category.ilike(query.category.replace("%", "").replace("_", "")))
    stmt = where_flag(stmt, Product.active, query.active)
    stmt = stmt.order_by(*sort_clause(query.sort, SORTS, "description"), Product.id)
    with tenant_transaction(company_id) as db:
        rows, page = paginate(db, stmt, query.page, query.page_size)
        return ProductPage(items=[to_out(p) for p in rows], page=page)


# ------------------------------------------------------------------------------ import / export
def import_products(principal: Principal, body: ImportRequest, actor: Actor) -> ImportResult:
    """Rows with a CATMAT/CATSER/NCM code update the product holding that code; the others are created."""
    company_id = company_of(principal)
    data = imports.load_bytes(company_id, body)
    table, good, errors = imports.parse(body.filename, data, PRODUCT_COLUMNS)
    header_kind = next((h for h in ("catmat", "catser", "ncm") if h in table.headers), None)
    ready: list[tuple[int, dict[str, Any]]] = []
    for number, values in good:
        try:
            ready.append((number, finish_row(values, header_kind)))
        except ValueError as exc:
            errors.append(RowError(row=number, column="Código", message=str(exc)))
    created = updated = 0
    with tenant_transaction(company_id) as db:
        codes = {(v["code_kind"], v["code"]) for _, v in ready if v.get("code")}
        existing: dict[tuple[str | None, str | None], Product] = {}
        if codes:
            for p in db.scalars(select(Product).where(Product.company_id == company_id,
                                                      Product.code.in_([c for _, c in codes]))):
                existing[(p.code_kind, p.code)] = p
        user = uuid.UUID(principal.user_id)
        for number, values in ready:
            if body.mode == "create" and (values.get("code_kind"), values.get("code")) in existing:
                errors.append(RowError(row=number, column="Código", message="código já cadastrado"))
                continue
            found = existing.get((values.get("code_kind"), values.get("code"))) if values.get("code") else None
            if found is not None:
                for k, v in values.items():
                    setattr(found, k, v)
                updated += 1
            else:
                product = Product(id=uuid.uuid4(), company_id=company_id, created_by=user, active=True, **values)
                db.add(product)
                if values.get("code"):
                    existing[(values.get("code_kind"), values.get("code"))] = product
                created += 1
        db.flush()
        record(db, actor, "product.imported", "product", None, company_id=company_id,
               after=imports.summary(body.filename, table, errors, created, updated))
    return imports.result(table, errors, created, updated)


def export(principal: Principal, fmt: str) -> DownloadLink:
    with company_transaction(principal) as (db, company_id):
        rows = [[p.description, p.unit, (p.code_kind or "").upper(), p.code or "", p.brand or "", p.model or "",
                 p.category or "", "Sim" if p.active else "Não"]
                for p in db.scalars(select(Product).where(Product.company_id == company_id)
                                    .order_by(Product.description, Product.id))]
    return store_export(company_id, "produtos", fmt, PRODUCT_EXPORT_HEADERS, rows, "Produtos")


# ------------------------------------------------------------------------------ supplier links
def _link_out(link: SupplierProduct, supplier: Supplier, product: Product) -> LinkOut:
    return LinkOut(supplier_id=supplier.id, supplier_name=supplier.trade_name or supplier.legal_name,
                   product_id=product.id, product_description=product.description,
                   supplier_code=link.supplier_code,
                   last_price=None if link.last_price is None else float(link.last_price),
                   last_quoted_at=link.last_quoted_at)


def _pair(db: Session, company_id: uuid.UUID, supplier_id: str, product_id: str, *,
          lock: bool = False) -> tuple[Supplier, Product, SupplierProduct | None]:
    """The company's supplier and product (404 each) and their link, if any (``FOR UPDATE`` with ``lock``)."""
    supplier = get_supplier(db, company_id, supplier_id)
    product = get_product(db, company_id, product_id)
    stmt = select(SupplierProduct).where(SupplierProduct.company_id == company_id,
                                         SupplierProduct.supplier_id == supplier.id,
                                         SupplierProduct.product_id == product.id)
    return supplier, product, db.scalar(stmt.with_for_update() if lock else stmt)


def link(principal: Principal, supplier_id: str, product_id: str, body: LinkRequest, actor: Actor) -> LinkOut:
    with company_transaction(principal) as (db, company_id):
        supplier, product, row = _pair(db, company_id, supplier_id, product_id, lock=True)
        if row is None:
            row = SupplierProduct(id=uuid.uuid4(), company_id=company_id, supplier_id=supplier.id,
                                  product_id=product.id)
            db.add(row)
        if "supplier_code" in body.model_fields_set:
            row.supplier_code = body.supplier_code
        if "last_price" in body.model_fields_set:
            row.last_price = body.last_price
            row.last_quoted_at = datetime.now(UTC) if body.last_price is not None else None
        db.flush()
        record(db, actor, "product.linked", "supplier_product", row.id, company_id=company_id,
               after={"supplier_id": str(supplier.id), "product_id": str(product.id),
                      "supplier_code": row.supplier_code,
                      "last_price": None if row.last_price is None else str(row.last_price)})
        return _link_out(row, supplier, product)


def unlink(principal: Principal, supplier_id: str, product_id: str, actor: Actor) -> None:
    with company_transaction(principal) as (db, company_id):
        supplier, product, row = _pair(db, company_id, supplier_id, product_id)
        if row is None:
            raise NotFound("Este fornecedor não está vinculado ao produto.", code="link_not_found")
        record(db, actor, "product.unlinked", "supplier_product", row.id, company_id=company_id,
               before={"supplier_id": str(supplier.id), "product_id": str(product.id)})
        db.delete(row)


def _links(db: Session, company_id: uuid.UUID, **where: uuid.UUID) -> LinkList:
    stmt = (select(SupplierProduct, Supplier, Product)
            .join(Supplier, Supplier.id == SupplierProduct.supplier_id)
            .join(Product, Product.id == SupplierProduct.product_id)
            .where(SupplierProduct.company_id == company_id))
    for column, value in where.items():
        stmt = stmt.where(getattr(SupplierProduct, column) == value)
    stmt = stmt.order_by(SupplierProduct.last_price.asc().nulls_last(), Supplier.legal_name)
    return LinkList(items=[_link_out(link_, s, p) for link_, s, p in db.execute(stmt).all()])


def product_suppliers(principal: Principal, product_id: str) -> LinkList:
    with company_transaction(principal) as (db, company_id):
        return _links(db, company_id, product_id=get_product(db, company_id, product_id).id)


def supplier_products(principal: Principal, supplier_id: str) -> LinkList:
    with company_transaction(principal) as (db, company_id):
        return _links(db, company_id, supplier_id=get_supplier(db, company_id, supplier_id).id)


def record_quoted_price(db: Session, company_id: uuid.UUID, supplier_id: uuid.UUID, product_id: uuid.UUID,
                        price: Decimal, at: datetime) -> None:
    """A quote answer for a catalogue product refreshes the supplier's last price (creating the link)."""
    stmt = insert(SupplierProduct).values(id=uuid.uuid4(), company_id=company_id, supplier_id=supplier_id,
                                          product_id=product_id, last_price=price, last_quoted_at=at)
    db.execute(stmt.on_conflict_do_update(constraint="uq_supplier_products",
                                          set_={"last_price": price, "last_quoted_at": at}))
