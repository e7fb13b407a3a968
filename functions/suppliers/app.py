"""Suppliers function: suppliers, their documents, the product catalogue, supplier–product links, imports and
exports. Thin: parse, authorize, call the suppliers/products services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from licita.api import Api, RequestContext
from licita.core.lazy import lazy_imports
from licita.products import schemas as ps
from licita.suppliers import schemas as s

if TYPE_CHECKING:
    from licita.products import service as products
    from licita.suppliers import documents
    from licita.suppliers import imports as imports_
    from licita.suppliers import service as suppliers
else:  # SQLAlchemy, boto3 and openpyxl load on the first request that needs them (cold start)
    products, documents, imports_, suppliers = lazy_imports(
        "licita", "products.service", "suppliers.documents", "suppliers.imports", "suppliers.service")

api = Api("suppliers", tags=["suppliers"])
app = api.app


# ------------------------------------------------------------------------------ suppliers
@api.post("/suppliers", body=s.SupplierCreate, response=s.SupplierOut, status=201, permission="suppliers:write",
          errors=(409, 422))
def create_supplier(ctx: RequestContext[s.SupplierCreate, None]) -> s.SupplierOut:
    """Register a supplier (CNPJ validated, unique in the company)."""
    return suppliers.create(ctx.user, ctx.body, ctx.actor)


@api.get("/suppliers", query=s.SupplierListQuery, response=s.SupplierPage, permission="suppliers:read", errors=(422,))
def list_suppliers(ctx: RequestContext[None, s.SupplierListQuery]) -> s.SupplierPage:
    """Search by name, CNPJ, category and UF; sort (``legal_name``, ``-rating``…) and paginate."""
    return suppliers.list_suppliers(ctx.user, ctx.query)


@api.get("/suppliers/export", query=s.ExportQuery, response=s.DownloadLink, permission="suppliers:read",
         errors=(422,))
def export_suppliers(ctx: RequestContext[None, s.ExportQuery]) -> s.DownloadLink:
    """Every supplier as CSV or XLSX (a short-lived download link)."""
    return suppliers.export(ctx.user, ctx.query.format)


@api.post("/suppliers/imports", body=s.ImportRequest, response=s.ImportResult, permission="suppliers:write",
          errors=(404, 413, 422))
def import_suppliers(ctx: RequestContext[s.ImportRequest, None]) -> s.ImportResult:
    """Import a CSV/XLSX: good rows saved together, bad rows reported (row, column, why)."""
    return suppliers.import_suppliers(ctx.user, ctx.body, ctx.actor)


@api.post("/imports/uploads", body=s.ImportUploadRequest, response=s.UploadTicket, status=201,
          permission="suppliers:write", errors=(413, 415, 422))
def import_upload(ctx: RequestContext[s.ImportUploadRequest, None]) -> s.UploadTicket:
    """A presigned POST for a large import spreadsheet (then pass its key as ``upload_key``)."""
    return imports_.upload_ticket(suppliers.company_of(ctx.user), ctx.body)


@api.get("/suppliers/{supplier_id}", response=s.SupplierOut, permission="suppliers:read", errors=(404,))
def get_supplier(ctx: RequestContext[None, None]) -> s.SupplierOut:
    """One supplier."""
    return suppliers.get(ctx.user, ctx.path_params["supplier_id"])


@api.patch("/suppliers/{supplier_id}", body=s.SupplierUpdate, response=s.SupplierOut, permission="suppliers:write",
           errors=(404, 409, 422))
def update_supplier(ctx: RequestContext[s.SupplierUpdate, None]) -> s.SupplierOut:
    """Change the fields sent."""
    return suppliers.update(ctx.user, ctx.path_params["supplier_id"], ctx.body, ctx.actor)


@api.delete("/suppliers/{supplier_id}", status=204, permission="suppliers:write", errors=(404, 409))
def delete_supplier(ctx: RequestContext[None, None]) -> None:
    """Delete a supplier with its documents (one already in quotes is deactivated instead)."""
    suppliers.delete(ctx.user, ctx.path_params["supplier_id"], ctx.actor)


# ------------------------------------------------------------------------------ documents (certidões)
@api.post("/suppliers/{supplier_id}/documents", body=s.DocumentCreate, response=s.DocumentUpload, status=201,
          permission="suppliers:write", errors=(404, 413, 415, 422))
def create_document(ctx: RequestContext[s.DocumentCreate, None]) -> s.DocumentUpload:
    """Register a document (issue/expiry dates) and get a presigned POST to upload its file."""
    return documents.create(ctx.user, ctx.path_params["supplier_id"], ctx.body, ctx.actor)


@api.get("/suppliers/{supplier_id}/documents", response=s.DocumentList, permission="suppliers:read", errors=(404,))
def list_documents(ctx: RequestContext[None, None]) -> s.DocumentList:
    """The supplier's documents, soonest expiry first, each marked valid/expiring/expired."""
    return documents.list_documents(ctx.user, ctx.path_params["supplier_id"])


@api.get("/suppliers/{supplier_id}/documents/{document_id}/download", response=s.DownloadLink,
         permission="suppliers:read", errors=(404, 409))
def download_document(ctx: RequestContext[None, None]) -> s.DownloadLink:
    """A short-lived link to the document's file."""
    return documents.download(ctx.user, ctx.path_params["supplier_id"], ctx.path_params["document_id"])


@api.delete("/suppliers/{supplier_id}/documents/{document_id}", status=204, permission="suppliers:write",
            errors=(404,))
def delete_document(ctx: RequestContext[None, None]) -> None:
    """Delete a document and its file."""
    documents.delete(ctx.user, ctx.path_params["supplier_id"], ctx.path_params["document_id"], ctx.actor)


# ------------------------------------------------------------------------------ products
@api.post("/products", body=ps.ProductCreate, response=ps.ProductOut, status=201, permission="products:write",
          errors=(422,))
def create_product(ctx: RequestContext[ps.ProductCreate, None]) -> ps.ProductOut:
    """Add a catalogue product (CATMAT/CATSER or NCM code checked)."""
    return products.create(ctx.user, ctx.body, ctx.actor)


@api.get("/products", query=ps.ProductListQuery, response=ps.ProductPage, permission="products:read", errors=(422,))
def list_products(ctx: RequestContext[None, ps.ProductListQuery]) -> ps.ProductPage:
    """Search the catalogue by text, code and category; sort and paginate."""
    return products.list_products(ctx.user, ctx.query)


@api.get("/products/export", query=s.ExportQuery, response=s.DownloadLink, permission="products:read", errors=(422,))
def export_products(ctx: RequestContext[None, s.ExportQuery]) -> s.DownloadLink:
    """The catalogue as CSV or XLSX."""
    return products.export(ctx.user, ctx.query.format)


@api.post("/products/imports", body=s.ImportRequest, response=s.ImportResult, permission="products:write",
          errors=(404, 413, 422))
def import_products(ctx: RequestContext[s.ImportRequest, None]) -> s.ImportResult:
    """Import a CSV/XLSX catalogue (rows with a known code update that product)."""
    return products.import_products(ctx.user, ctx.body, ctx.actor)


@api.get("/products/{product_id}", response=ps.ProductOut, permission="products:read", errors=(404,))
def get_product(ctx: RequestContext[None, None]) -> ps.ProductOut:
    """One product."""
    return products.get(ctx.user, ctx.path_params["product_id"])


@api.patch("/products/{product_id}", body=ps.ProductUpdate, response=ps.ProductOut, permission="products:write",
           errors=(404, 422))
def update_product(ctx: RequestContext[ps.ProductUpdate, None]) -> ps.ProductOut:
    """Change the fields sent."""
    return products.update(ctx.user, ctx.path_params["product_id"], ctx.body, ctx.actor)


@api.delete("/products/{product_id}", status=204, permission="products:write", errors=(404,))
def delete_product(ctx: RequestContext[None, None]) -> None:
    """Remove a product from the catalogue."""
    products.delete(ctx.user, ctx.path_params["product_id"], ctx.actor)


@api.get("/products/{product_id}/suppliers", response=ps.LinkList, permission="products:read", errors=(404,))
def product_suppliers(ctx: RequestContext[None, None]) -> ps.LinkList:
    """Who supplies this product, cheapest last quoted price first."""
    return products.product_suppliers(ctx.user, ctx.path_params["product_id"])


@api.get("/suppliers/{supplier_id}/products", response=ps.LinkList, permission="products:read", errors=(404,))
def supplier_products(ctx: RequestContext[None, None]) -> ps.LinkList:
    """What this supplier supplies, with the last quoted prices."""
    return products.supplier_products(ctx.user, ctx.path_params["supplier_id"])


@api.put("/suppliers/{supplier_id}/products/{product_id}", body=ps.LinkRequest, response=ps.LinkOut,
         permission="products:write", errors=(404, 422))
def link_product(ctx: RequestContext[ps.LinkRequest, None]) -> ps.LinkOut:
    """Link a supplier to a product (its code for it, a known price)."""
    return products.link(ctx.user, ctx.path_params["supplier_id"], ctx.path_params["product_id"], ctx.body,
                         ctx.actor)


@api.delete("/suppliers/{supplier_id}/products/{product_id}", status=204, permission="products:write",
            errors=(404,))
def unlink_product(ctx: RequestContext[None, None]) -> None:
    """Remove a supplier–product link."""
    products.unlink(ctx.user, ctx.path_params["supplier_id"], ctx.path_params["product_id"], ctx.actor)
