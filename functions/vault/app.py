"""Vault function: the company's habilitação documents (presigned upload, validity), the check of a tender's
requirements against them, and the daily expiry reminders (schedule). Thin: parse, authorize, call
licita.vault.service."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from licita.api import Api, RequestContext
from licita.core.lazy import lazy_import
from licita.vault import schemas as s

if TYPE_CHECKING:
    from licita.vault import service as vault
else:
    vault = lazy_import("licita.vault.service")

log = logging.getLogger("licita.vault")
api = Api("vault", tags=["vault"])
app = api.app


@api.post("/vault/documents", body=s.VaultUploadRequest, response=s.VaultUploadResponse, status=201,
          permission="vault:write", errors=(413, 415, 422))
def create_document(ctx: RequestContext[s.VaultUploadRequest, None]) -> s.VaultUploadResponse:
    """Register a document (kind, issue and expiry dates) and get a presigned POST to upload its file."""
    return vault.create_document(ctx.user, ctx.body, ctx.actor)


@api.get("/vault/documents", response=s.VaultList, permission="vault:read")
def list_documents(ctx: RequestContext[None, None]) -> s.VaultList:
    """Every document of the company, with whether it has expired."""
    return vault.list_documents(ctx.user)


@api.patch("/vault/documents/{document_id}", body=s.VaultUpdate, response=s.VaultDocumentOut,
           permission="vault:write", errors=(404, 422))
def update_document(ctx: RequestContext[s.VaultUpdate, None]) -> s.VaultDocumentOut:
    """Change a document's title, dates or notes (a new expiry date resets its reminders)."""
    return vault.update_document(ctx.user, ctx.path_params["document_id"], ctx.body, ctx.actor)


@api.delete("/vault/documents/{document_id}", status=204, permission="vault:write", errors=(404,))
def delete_document(ctx: RequestContext[None, None]) -> None:
    """Delete a document and its file."""
    vault.delete_document(ctx.user, ctx.path_params["document_id"], ctx.actor)


@api.get("/vault/documents/{document_id}/download", response=s.DownloadOut, permission="vault:read", errors=(404,))
def download(ctx: RequestContext[None, None]) -> s.DownloadOut:
    """A short-lived link to the file."""
    return vault.download_link(ctx.user, ctx.path_params["document_id"])


@api.get("/vault/tenders/{tender_id}/check", response=s.TenderCheck, permission="vault:read", errors=(404,))
def check_tender(ctx: RequestContext[None, None]) -> s.TenderCheck:
    """The tender's habilitação requirements against the vault: what is missing, what expires before the session."""
    return vault.check_tender(ctx.user, ctx.path_params["tender_id"])


def handler(event: dict[str, Any], context: Any) -> Any:
    """API Gateway events go to the Chalice app; the daily schedule sends the expiry reminders."""
    if isinstance(event, dict) and event.get("task") == "expiry_reminders":
        sent = vault.send_reminders()
        log.info("vault reminders sent: %d", sent)
        return {"task": "expiry_reminders", "sent": sent}
    return app(event, context)
