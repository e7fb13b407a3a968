"""Vault function: the company's habilitação documents (presigned upload, validity), the check of a tender's
requirements against them, and the daily expiry reminders (schedule). Thin: parse, authorize, call
licita.vault.service."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from licita.api import Api, Collection, RequestContext, Resource
from licita.core.lazy import lazy_import
from licita.vault import schemas as s

if TYPE_CHECKING:
    from licita.vault import service as vault
else:
    vault = lazy_import("licita.vault.service")

log = logging.getLogger("licita.vault")
api = Api("vault", tags=["vault"])
app = api.app


documents = Collection(api, "/vault/documents", read="vault:read", write="vault:write")
documents.create("create_document", s.VaultUploadRequest, s.VaultUploadResponse, lambda: vault.create_document,
                 "Register a document (kind, issue and expiry dates) and get a presigned POST to upload its file.",
                 errors=(413, 415, 422))


@api.get("/vault/documents", response=s.VaultList, permission="vault:read")
def list_documents(ctx: RequestContext[None, None]) -> s.VaultList:
    """Every document of the company, with whether it has expired."""
    return vault.list_documents(ctx.user)


document = Resource(api, "/vault/documents/{document_id}", read="vault:read", write="vault:write")
document.write("update_document", s.VaultUpdate, s.VaultDocumentOut, lambda: vault.update_document,
               "Change a document's title, dates or notes (a new expiry date resets its reminders).")
document.delete("delete_document", lambda: vault.delete_document, "Delete a document and its file.")
document.read("download", s.DownloadOut, lambda: vault.download_link, "A short-lived link to the file.",
              sub="/download")
Resource(api, "/vault/tenders/{tender_id}", read="vault:read", write="vault:write").read(
    "check_tender", s.TenderCheck, lambda: vault.check_tender,
    "The tender's habilitação requirements against the vault: what is missing, what expires before the session.",
    sub="/check")


def handler(event: dict[str, Any], context: Any) -> Any:
    """API Gateway events go to the Chalice app; the daily schedule sends the expiry reminders."""
    if isinstance(event, dict) and event.get("task") == "expiry_reminders":
        sent = vault.send_reminders()
        log.info("vault reminders sent: %d", sent)
        return {"task": "expiry_reminders", "sent": sent}
    return app(event, context)
