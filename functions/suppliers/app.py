"""Suppliers function: suppliers, their documents, the product catalogue, supplier–product links, imports and
exports. Thin: parse, authorize, call the suppliers/products services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from licita.api import Api, RequestContext
from licita.core.lazy import lazy_import
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
from licita.suppliers.schemas import (
    DocumentCreate,
    DocumentList,
    DocumentUpload,
    DownloadLink,
    ExportQuery,
    ImportRequest,
    ImportResult,
    ImportUploadRequest,
    SupplierCreate,
    SupplierListQuery,
    SupplierOut,
    SupplierPage,
    SupplierUpdate,
    UploadTicket,
)

if TYPE_CHECKING:
    from licita.products import service as products
    from licita.suppliers import documents
    from licita.suppliers import imports as imports_
    from licita.suppliers import service as suppliers
else:  # SQLAlchemy, boto3 and openpyxl load on the first request that needs them (cold start)
    products = lazy_import("licita.products.service")
    documents = lazy_import("licita.suppliers.documents")
    imports_ = lazy_import("licita.suppliers.imports")
    suppliers = lazy_import("licita.suppliers.service")

api = Api("suppliers", tags=["suppliers"])
app = api.app


# ------------------------------------------------------------------------------ suppliers
@api.post("/suppliers", body=SupplierCreate, response=SupplierOut, status=201, permission="suppliers:write",
          errors=(409, 422))
def create_supplier(ctx: RequestContext[SupplierCreate, None]) -> SupplierOut:
    """Register a supplier (CNPJ validated, unique in the company)."""
    return suppliers.create(ctx.user, ctx.body, ctx.actor)


@api.get("/suppliers", query=SupplierListQuery, response=SupplierPage, permission="suppliers:read", errors=(422,))
def list_suppliers(ctx: RequestContext[None, SupplierListQuery]) -> SupplierPage:
    """Search by name, CNPJ, category and UF; sort (``legal_name``, ``-rating``…) and paginate."""
    return suppliers.list_suppliers(ctx.user, ctx.query)


@api.get("/suppliers/export", query=ExportQuery, response=DownloadLink, permission="suppliers:read",
         errors=(422,))
def export_suppliers(ctx: RequestContext[None, ExportQuery]) -> DownloadLink:
    """Every supplier as CSV or XLSX (a short-lived download link)."""
    return suppliers.export(ctx.user, ctx.query.format)


@api.post("/suppliers/imports", body=ImportRequest, response=ImportResult, permission="suppliers:write",
          errors=(404, 413, 422))
def import_suppliers(ctx: RequestContext[ImportRequest, None]) -> ImportResult:
    """Import a CSV/XLSX: good rows saved together, bad rows reported (row, column, why)."""
    return suppliers.import_suppliers(ctx.user, ctx.body, ctx.actor)


@api.post("/imports/uploads", body=ImportUploadRequest, response=UploadTicket, status=201,
          permission="suppliers:write", errors=(413, 415, 422))
def import_upload(ctx: RequestContext[ImportUploadRequest, None]) -> UploadTicket:
    """A presigned POST for a large import spreadsheet (then pass its key as ``upload_key``)."""
    return imports_.upload_ticket(suppliers.company_of(ctx.user), ctx.body)


@api.get("/suppliers/{supplier_id}", response=SupplierOut, permission="suppliers:read", errors=(404,))
def get_supplier(ctx: RequestContext[None, None]) -> SupplierOut:
    """One supplier."""
    return suppliers.get(ctx.user, ctx.path_params["supplier_id"])


@api.patch("/suppliers/{supplier_id}", body=SupplierUpdate, response=SupplierOut, permission="suppliers:write",
           errors=(404, 409, 422))
def update_supplier(ctx: RequestContext[SupplierUpdate, None]) -> SupplierOut:
    """Change the fields sent."""
    return suppliers.update(ctx.user, ctx.path_params["supplier_id"], ctx.body, ctx.actor)


@api.delete("/suppliers/{supplier_id}", status=204, permission="suppliers:write", errors=(404, 409))
def delete_supplier(ctx: RequestContext[None, None]) -> None:
    """Delete a supplier with its documents (one already in quotes is deactivated instead)."""
    suppliers.delete(ctx.user, ctx.path_params["supplier_id"], ctx.actor)


# ------------------------------------------------------------------------------ documents (certidões)
@api.post("/suppliers/{supplier_id}/documents", body=DocumentCreate, response=DocumentUpload, status=201,
          permission="suppliers:write", errors=(404, 413, 415, 422))
def create_document(ctx: RequestContext[DocumentCreate, None]) -> DocumentUpload:
    """Register a document (issue/expiry dates) and get a presigned POST to upload its file."""
    return documents.create(ctx.user, ctx.path_params["supplier_id"], ctx.body, ctx.actor)


@api.get("/suppliers/{supplier_id}/documents", response=DocumentList, permission="suppliers:read", errors=(404,))
def list_documents(ctx: RequestContext[None, None]) -> DocumentList:
    """The supplier's documents, soonest expiry first, each marked valid/expiring/expired."""
    return documents.list_documents(ctx.user, ctx.path_params["supplier_id"])


@api.get("/suppliers/{supplier_id}/documents/{document_id}/download", response=DownloadLink,
         permission="suppliers:read", errors=(404, 409))
def download_document(ctx: RequestContext[None, None]) -> DownloadLink:
    """A short-lived link to the document's file."""
    return documents.download(ctx.user, ctx.path_params["supplier_id"], ctx.path_params["document_id"])


@api.delete("/suppliers/{supplier_id}/documents/{document_id}", status=204, permission="suppliers:write",
            errors=(404,))
def delete_document(ctx: RequestContext[None, None]) -> None:
    """Delete a document and its file."""
    documents.delete(ctx.user, ctx.path_params["supplier_id"], ctx.path_params["document_id"], ctx.actor)


# ------------------------------------------------------------------------------ products
@api.post("/products", body=ProductCreate, response=ProductOut, status=201, permission="products:write",
          errors=(422,))
def create_product(ctx: RequestContext[ProductCreate, None]) -> ProductOut:
    """Add a catalogue product (CATMAT/CATSER or NCM code checked)."""
    return products.create(ctx.user, ctx.body, ctx.actor)


@api.get("/products", query=ProductListQuery, response=ProductPage, permission="products:read", errors=(422,))
def list_products(ctx: RequestContext[None, ProductListQuery]) -> ProductPage:
    """Search the catalogue by text, code and category; sort and paginate."""
    return products.list_products(ctx.user, ctx.query)


@api.get("/products/export", query=ExportQuery, response=DownloadLink, permission="products:read", errors=(422,))
def export_products(ctx: RequestContext[None, ExportQuery]) -> DownloadLink:
    """The catalogue as CSV or XLSX."""
    return products.export(ctx.user, ctx.query.format)


@api.post("/products/imports", body=ImportRequest, response=ImportResult, permission="products:write",
          errors=(404, 413, 422))
def import_products(ctx: RequestContext[ImportRequest, None]) -> ImportResult:
    """Import a CSV/XLSX catalogue (rows with a known code update that product)."""
    return products.import_products(ctx.user, ctx.body, ctx.actor)


@api.get("/products/{product_id}", response=ProductOut, permission="products:read", errors=(404,))
def get_product(ctx: RequestContext[None, None]) -> ProductOut:
    """One product."""
    return products.get(ctx.user, ctx.path_params["product_id"])


@api.patch("/products/{product_id}", body=ProductUpdate, response=ProductOut, permission="products:write",
           errors=(404, 422))
def update_product(ctx: RequestContext[ProductUpdate, None]) -> ProductOut:
    """Change the fields sent."""
    return products.update(ctx.user, ctx.path_params["product_id"], ctx.body, ctx.actor)


@api.delete("/products/{product_id}", status=204, permission="products:write", errors=(404,))
def delete_product(ctx: RequestContext[None, None]) -> None:
    """Remove a product from the catalogue."""
    products.delete(ctx.user, ctx.path_params["product_id"], ctx.actor)


@api.get("/products/{product_id}/suppliers", response=LinkList, permission="products:read", errors=(404,))
def product_suppliers(ctx: RequestContext[None, None]) -> LinkList:
    """Who supplies this product, cheapest last quoted price first."""
    return products.product_suppliers(ctx.user, ctx.path_params["product_id"])


@api.get("/suppliers/{supplier_id}/products", response=LinkList, permission="products:read", errors=(404,))
def supplier_products(ctx: RequestContext[None, None]) -> LinkList:
    """What this supplier supplies, with the last quoted prices."""
    return products.supplier_products(ctx.user, ctx.path_params["supplier_id"])


@api.put("/suppliers/{supplier_id}/products/{product_id}", body=LinkRequest, response=LinkOut,
         permission="products:write", errors=(404, 422))
def link_product(ctx: RequestContext[LinkRequest, None]) -> LinkOut:
    """Link a supplier to a product (its code for it, a known price)."""
    return products.link(ctx.user, ctx.path_params["supplier_id"], ctx.path_params["product_id"], ctx.body,
                         ctx.actor)


@api.delete("/suppliers/{supplier_id}/products/{product_id}", status=204, permission="products:write",
            errors=(404,))
def unlink_product(ctx: RequestContext[None, None]) -> None:
    """Remove a supplier–product link."""
    products.unlink(ctx.user, ctx.path_params["supplier_id"], ctx.path_params["product_id"], ctx.actor)
