"""Suppliers function: suppliers, their documents, the product catalogue, supplier–product links, imports and
exports. Thin: parse, authorize, call the suppliers/products services."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from licita.api import Api, Collection, RequestContext, Resource
from licita.core.actor import Actor
from licita.core.lazy import lazy_imports
from licita.core.resources import Load, add_route
from licita.core.security.principal import Principal
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


def spreadsheet_pair(rows: Collection, kind: str, export: Load[Callable[[Principal, str], s.DownloadLink]],
                     import_rows: Load[Callable[[Principal, s.ImportRequest, Actor], s.ImportResult]],
                     summaries: tuple[str, str]) -> None:
    """``GET <rows>/export`` (a CSV or XLSX link) and ``POST <rows>/imports``: one pair for suppliers and products."""

    def export_rows(ctx: RequestContext[None, s.ExportQuery]) -> s.DownloadLink:
        return export()(ctx.user, ctx.query.format)

    add_route(api, "GET", f"{rows.path}/export", f"export_{kind}", summaries[0], export_rows, query=s.ExportQuery,
              response=s.DownloadLink, permission=rows.read_permission, errors=(422,))
    rows.create(f"import_{kind}", s.ImportRequest, s.ImportResult, import_rows, summaries[1], sub="/imports",
                status=200, errors=(404, 413, 422))


# ------------------------------------------------------------------------------ suppliers
supplier_rows = Collection(api, "/suppliers", read="suppliers:read", write="suppliers:write")
supplier_rows.create("create_supplier", s.SupplierCreate, s.SupplierOut, lambda: suppliers.create,
                     "Register a supplier (CNPJ validated, unique in the company).", errors=(409, 422))
supplier_rows.list("list_suppliers", s.SupplierListQuery, s.SupplierPage, lambda: suppliers.list_suppliers,
                   "Search by name, CNPJ, category and UF; sort (``legal_name``, ``-rating``…) and paginate.")
spreadsheet_pair(supplier_rows, "suppliers", lambda: suppliers.export, lambda: suppliers.import_suppliers,
                 ("Every supplier as CSV or XLSX (a short-lived download link).",
                  "Import a CSV/XLSX: good rows saved together, bad rows reported (row, column, why)."))


@api.post("/imports/uploads", body=s.ImportUploadRequest, response=s.UploadTicket, status=201,
          permission="suppliers:write", errors=(413, 415, 422))
def import_upload(ctx: RequestContext[s.ImportUploadRequest, None]) -> s.UploadTicket:
    """A presigned POST for a large import spreadsheet (then pass its key as ``upload_key``)."""
    return imports_.upload_ticket(suppliers.company_of(ctx.user), ctx.body)


supplier = Resource(api, "/suppliers/{supplier_id}", read="suppliers:read", write="suppliers:write")
supplier.read("get_supplier", s.SupplierOut, lambda: suppliers.get, "One supplier.")
supplier.write("update_supplier", s.SupplierUpdate, s.SupplierOut, lambda: suppliers.update, "Change the fields sent.")
supplier.delete("delete_supplier", lambda: suppliers.delete,
                "Delete a supplier with its documents (one already in quotes is deactivated instead).",
                errors=(404, 409))


# ------------------------------------------------------------------------------ documents (certidões)
supplier.write("create_document", s.DocumentCreate, s.DocumentUpload, lambda: documents.create,
               "Register a document (issue/expiry dates) and get a presigned POST to upload its file.",
               sub="/documents", method="POST", status=201, errors=(404, 413, 415, 422))
supplier.read("list_documents", s.DocumentList, lambda: documents.list_documents,
              "The supplier's documents, soonest expiry first, each marked valid/expiring/expired.", sub="/documents")


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
product_rows = Collection(api, "/products", read="products:read", write="products:write")
product_rows.create("create_product", ps.ProductCreate, ps.ProductOut, lambda: products.create,
                    "Add a catalogue product (CATMAT/CATSER or NCM code checked).")
product_rows.list("list_products", ps.ProductListQuery, ps.ProductPage, lambda: products.list_products,
                  "Search the catalogue by text, code and category; sort and paginate.")
spreadsheet_pair(product_rows, "products", lambda: products.export, lambda: products.import_products,
                 ("The catalogue as CSV or XLSX.",
                  "Import a CSV/XLSX catalogue (rows with a known code update that product)."))
product = Resource(api, "/products/{product_id}", read="products:read", write="products:write")
product.read("get_product", ps.ProductOut, lambda: products.get, "One product.")
product.write("update_product", ps.ProductUpdate, ps.ProductOut, lambda: products.update, "Change the fields sent.")
product.delete("delete_product", lambda: products.delete, "Remove a product from the catalogue.")
product.read("product_suppliers", ps.LinkList, lambda: products.product_suppliers,
             "Who supplies this product, cheapest last quoted price first.", sub="/suppliers")
supplier.read("supplier_products", ps.LinkList, lambda: products.supplier_products,
              "What this supplier supplies, with the last quoted prices.", sub="/products", permission="products:read")


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
