"""Suppliers of one company: CRUD, search, imports and exports.

Every query runs in ``tenant_transaction(company)`` (row-level security) AND filters on ``company_id``; an id of
another company is "not found". Every mutation writes the audit log in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exists, func, literal_column, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from licita.audit.service import Actor, record
from licita.core.brazil import format_cnpj, only_digits
from licita.core.errors import Conflict
from licita.core.security.principal import Principal
from licita.platform.db.engine import tenant_transaction
from licita.platform.db.listing import contains, paginate, sort_clause, where_flag, where_given
from licita.platform.db.lookup import company_of as company_of  # noqa: PLC0414  (re-exported: functions/suppliers)
from licita.platform.db.lookup import company_transaction, get_owned, read_owned
from licita.suppliers import imports, storage
from licita.suppliers.models import Supplier
from licita.suppliers.rules import SUPPLIER_COLUMNS, SUPPLIER_EXPORT_HEADERS, supplier_export_row
from licita.suppliers.schemas import (
    DownloadLink,
    ImportRequest,
    ImportResult,
    RowError,
    SupplierCreate,
    SupplierListQuery,
    SupplierOut,
    SupplierPage,
    SupplierUpdate,
)
from licita.suppliers.tabular import write_csv, write_xlsx

CHUNK = 1000
SNAPSHOT_FIELDS = ("cnpj", "legal_name", "trade_name", "categories", "email", "uf", "rating", "active")
EXPORT_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def get_supplier(db: Session, company_id: uuid.UUID, supplier_id: str, *, lock: bool = False) -> Supplier:
    return get_owned(db, Supplier, company_id, supplier_id, code="supplier_not_found",
                     message="Fornecedor não encontrado.", lock=lock)


def to_out(s: Supplier) -> SupplierOut:
    return SupplierOut(
        id=s.id, cnpj=s.cnpj, cnpj_formatted=format_cnpj(s.cnpj), legal_name=s.legal_name, trade_name=s.trade_name,
        categories=list(s.categories or []), contacts=list(s.contacts or []), email=s.email, phone=s.phone,
        address=s.address, city=s.city, uf=s.uf, notes=s.notes, rating=s.rating, active=s.active,
        created_at=s.created_at, updated_at=s.updated_at)


def _snapshot(s: Supplier) -> dict[str, Any]:
    return {k: getattr(s, k) for k in SNAPSHOT_FIELDS}


def _duplicate(cnpj: str) -> Conflict:
    return Conflict(f"Já existe um fornecedor com o CNPJ {format_cnpj(cnpj)}.", code="supplier_cnpj_taken",
                    details={"cnpj": cnpj})


def _taken(db: Session, company_id: uuid.UUID, cnpj: str, exclude: uuid.UUID | None = None) -> bool:
    stmt = select(Supplier.id).where(Supplier.company_id == company_id, Supplier.cnpj == cnpj)
    if exclude is not None:
        stmt = stmt.where(Supplier.id != exclude)
    return db.scalar(stmt.limit(1)) is not None


# ------------------------------------------------------------------------------ CRUD
def create(principal: Principal, body: SupplierCreate, actor: Actor) -> SupplierOut:
    company_id = company_of(principal)
    data = body.model_dump()
    data["contacts"] = [c.model_dump(exclude_none=True) for c in body.contacts]
    try:
        with tenant_transaction(company_id) as db:
            if _taken(db, company_id, body.cnpj):
                raise _duplicate(body.cnpj)
            supplier = Supplier(id=uuid.uuid4(), company_id=company_id, created_by=uuid.UUID(principal.user_id),
                                **data)
            db.add(supplier)
            db.flush()
            db.refresh(supplier)
            record(db, actor, "supplier.created", "supplier", supplier.id, company_id=company_id,
                   after=_snapshot(supplier))
            return to_out(supplier)
    except IntegrityError:  # a concurrent create with the same CNPJ won the race
        raise _duplicate(body.cnpj) from None


def get(principal: Principal, supplier_id: str) -> SupplierOut:
    return read_owned(principal, get_supplier, supplier_id, to_out)


def update(principal: Principal, supplier_id: str, body: SupplierUpdate, actor: Actor) -> SupplierOut:
    company_id = company_of(principal)
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    if "contacts" in changes:
        changes["contacts"] = [c.model_dump(exclude_none=True) for c in body.contacts or []]
    try:
        with tenant_transaction(company_id) as db:
            supplier = get_supplier(db, company_id, supplier_id, lock=True)
            if "cnpj" in changes and _taken(db, company_id, changes["cnpj"], exclude=supplier.id):
                raise _duplicate(changes["cnpj"])
            before = _snapshot(supplier)
            for name, value in changes.items():
                setattr(supplier, name, value)
            supplier.updated_at = datetime.now(UTC)
            db.flush()
            record(db, actor, "supplier.updated", "supplier", supplier.id, company_id=company_id, before=before,
                   after={k: (v if k != "contacts" else len(v)) for k, v in changes.items()})
            return to_out(supplier)
    except IntegrityError:
        raise _duplicate(str(changes.get("cnpj"))) from None


def delete(principal: Principal, supplier_id: str, actor: Actor) -> None:
    """The supplier, its documents (rows and files) and its product links go; past quotes keep their answers
    only while the supplier exists, so a supplier with quote links is deactivated instead (409 says so)."""
    with company_transaction(principal) as (db, company_id):
        supplier = get_supplier(db, company_id, supplier_id, lock=True)
        if _has_quotes(db, supplier):
            raise Conflict("Este fornecedor participa de cotações; desative-o em vez de excluir.",
                           code="supplier_in_use")
        from licita.suppliers.documents import document_keys  # noqa: PLC0415  (cycle: suppliers.service → suppliers.documents → suppliers.service)

        keys = document_keys(db, supplier)
        record(db, actor, "supplier.deleted", "supplier", supplier.id, company_id=company_id,
               before=_snapshot(supplier))
        db.delete(supplier)
        db.flush()
        storage.delete(keys)


def _has_quotes(db: Session, supplier: Supplier) -> bool:
    found = db.execute(text("SELECT 1 FROM quote_links WHERE supplier_id = :s AND company_id = :c LIMIT 1"),
                       {"s": supplier.id, "c": supplier.company_id}).first()
    return found is not None


# ------------------------------------------------------------------------------ search
SORTS = {"legal_name": Supplier.legal_name, "trade_name": Supplier.trade_name, "created_at": Supplier.created_at,
         "rating": Supplier.rating, "uf": Supplier.uf, "cnpj": Supplier.cnpj}


def list_suppliers(principal: Principal, query: SupplierListQuery) -> SupplierPage:
    company_id = company_of(principal)
    stmt = select(Supplier).where(Supplier.company_id == company_id)
    if query.q:
        digits = only_digits(query.q)
        conditions = [contains(Supplier.legal_name, query.q), contains(Supplier.trade_name, query.q)]
        if len(digits) >= 3:
            conditions.append(Supplier.cnpj.contains(digits))
        stmt = stmt.where(or_(*conditions))
    if query.cnpj:
        stmt = stmt.where(Supplier.cnpj.startswith(only_digits(query.cnpj)))
    if query.category:
        stmt = stmt.where(_category_ci(query.category))
    stmt = where_given(stmt, (Supplier.uf, query.uf))
    stmt = where_flag(stmt, Supplier.active, query.active)
    stmt = stmt.order_by(*sort_clause(query.sort, SORTS, "legal_name"), Supplier.id)
    with tenant_transaction(company_id) as db:
        rows, page = paginate(db, stmt, query.page, query.page_size)
        return SupplierPage(items=[to_out(s) for s in rows], page=page)


def _category_ci(category: str) -> Any:
    """Case-insensitive membership in the JSONB categories list."""
    element = func.jsonb_array_elements_text(Supplier.categories).table_valued("value").alias("c")
    return exists(select(literal_column("1")).select_from(element).where(
        func.lower(element.c.value) == category.lower()))


# ------------------------------------------------------------------------------ import / export
def import_suppliers(principal: Principal, body: ImportRequest, actor: Actor) -> ImportResult:
    company_id = company_of(principal)
    data = imports.load_bytes(company_id, body)
    table, good, errors = imports.parse(body.filename, data, SUPPLIER_COLUMNS)
    first_row: dict[str, int] = {}
    unique: list[tuple[int, dict[str, Any]]] = []
    for number, values in good:
        cnpj = values["cnpj"]
        if cnpj in first_row:
            errors.append(RowError(row=number, column="CNPJ",
                                   message=f"CNPJ repetido no arquivo (já na linha {first_row[cnpj]})"))
            continue
        first_row[cnpj] = number
        unique.append((number, values))
    created = updated = 0
    with tenant_transaction(company_id) as db:
        existing = set(db.scalars(select(Supplier.cnpj).where(Supplier.company_id == company_id,
                                                               Supplier.cnpj.in_(list(first_row)))))
        rows: list[dict[str, Any]] = []
        for number, values in unique:
            if values["cnpj"] in existing and body.mode == "create":
                errors.append(RowError(row=number, column="CNPJ", message="CNPJ já cadastrado"))
                continue
            rows.append(values)
        user = uuid.UUID(principal.user_id)
        for start in range(0, len(rows), CHUNK):
            _upsert(db, company_id, user, rows[start:start + CHUNK])
        updated = sum(1 for r in rows if r["cnpj"] in existing)
        created = len(rows) - updated
        record(db, actor, "supplier.imported", "supplier", None, company_id=company_id,
               after=imports.summary(body.filename, table, errors, created, updated))
    return imports.result(table, errors, created, updated)


def _upsert(db: Session, company_id: uuid.UUID, user: uuid.UUID, rows: list[dict[str, Any]]) -> None:
    """INSERT … ON CONFLICT (company_id, cnpj) DO UPDATE, per group of rows sharing the same columns (a column
    absent from the file is never overwritten)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for values in rows:
        groups.setdefault(tuple(sorted(values)), []).append(values)
    now = datetime.now(UTC)
    for columns, group in groups.items():
        # executemany: compiled once, sent in batches (insertmanyvalues) — not one giant VALUES list
        stmt = insert(Supplier)
        update_cols: dict[str, Any] = {c: stmt.excluded[c] for c in columns if c != "cnpj"}
        update_cols["updated_at"] = now
        stmt = stmt.on_conflict_do_update(index_elements=["company_id", "cnpj"], set_=update_cols)
        db.execute(stmt, [{"id": uuid.uuid4(), "company_id": company_id, "created_by": user, "categories": [],
                           "contacts": [], "active": True, **v} for v in group])


def export(principal: Principal, fmt: str) -> DownloadLink:
    with company_transaction(principal) as (db, company_id):
        suppliers = db.scalars(select(Supplier).where(Supplier.company_id == company_id)
                               .order_by(Supplier.legal_name, Supplier.id)).all()
        rows = [supplier_export_row(s) for s in suppliers]
    return store_export(company_id, "fornecedores", fmt, SUPPLIER_EXPORT_HEADERS, rows, "Fornecedores")


def store_export(company_id: uuid.UUID, name: str, fmt: str, headers: list[str], rows: list[list[Any]],
                 sheet: str) -> DownloadLink:
    """Write the file to S3 (``procurement/<company>/exports/…``) and hand back a short-lived link."""
    data = write_csv(headers, rows) if fmt == "csv" else write_xlsx([(sheet, headers, rows)])
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    filename = f"{name}-{stamp}.{fmt}"
    key = storage.key_for(company_id, "exports", uuid.uuid4().hex, filename)
    storage.put(key, data, EXPORT_TYPES[fmt])
    url, expires = storage.presign_get(key, filename, EXPORT_TYPES[fmt])
    return DownloadLink(url=url, filename=filename, content_type=EXPORT_TYPES[fmt], expires_at=expires)


__all__ = ["create", "delete", "export", "get", "get_supplier", "import_suppliers",
           "list_suppliers", "store_export", "to_out", "update"]
