"""Tenders function: uploads, search, detail with evidence, items, deadlines, download, corrections,
re-analysis and deletion. Thin: parse, authorize, call licita.tenders.listing (the list), .queries (other reads)
or .service (changes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from licita.api import Api, Collection, RequestContext, Resource
from licita.core.lazy import lazy_imports
from licita.tenders import schemas as s

if TYPE_CHECKING:
    from licita.tenders import listing, queries
    from licita.tenders import service as tenders
else:  # SQLAlchemy, boto3 and friends load on the first request that needs them (cold start); GET /tenders,
    # the SPA's landing list, loads no SQLAlchemy (tenders.listing)
    listing, queries, tenders = lazy_imports("licita.tenders", "listing", "queries", "service")

api = Api("tenders", tags=["tenders"])
app = api.app


tender_rows = Collection(api, "/tenders", read="tenders:read", write="tenders:write")
tender_rows.create("create_upload", s.TenderUploadRequest, s.TenderUploadResponse, lambda: tenders.create_upload,
                   "Create a tender and a presigned POST to upload its document (PDF, DOCX or ZIP) straight to S3.",
                   sub="/uploads", errors=(413, 415, 422))
tender_rows.list("list_tenders", s.TenderListQuery, s.TenderPage, lambda: listing.list_tenders,
                 "Search, filter, sort and paginate the company's tenders.")
tender = Resource(api, "/tenders/{tender_id}", read="tenders:read", write="tenders:write")
tender.read("get_tender", s.TenderDetail, lambda: queries.get_tender,
            "A tender with every extracted field, its evidence (page + quote), corrections and risk.")
tender.read("list_items", s.ItemList, lambda: queries.list_items, "The tender's item table, in document order.",
            sub="/items")
tender.read("list_deadlines", s.DeadlineList, lambda: queries.list_deadlines,
            "Session, proposal, impugnação and esclarecimento deadlines (extracted or computed by law).",
            sub="/deadlines")
tender.read("download", s.DownloadLink, lambda: queries.download_link,
            "A short-lived link to download the original document.", sub="/download", errors=(404, 409))


@api.put("/tenders/{tender_id}/fields/{field}", body=s.FieldCorrectionRequest, response=s.FieldOut,
         permission="tenders:write", errors=(404, 409, 422))
def correct_field(ctx: RequestContext[s.FieldCorrectionRequest, None]) -> s.FieldOut:
    """Correct one extracted field; the extractor's value and evidence are kept beside the correction."""
    return tenders.correct_field(ctx.user, ctx.path_params["tender_id"], ctx.path_params["field"], ctx.body,
                                 ctx.actor)


tender.act("reanalyze", "/reanalyze", s.ReanalyzeResponse, lambda: tenders.reanalyze,
           "Queue the document for a fresh analysis (bypasses the cache of identical files).", status=202,
           errors=(404, 409, 503))
tender.delete("delete_tender", lambda: tenders.delete_tender,
              "Delete the tender, its items, deadlines and the stored file.", permission="tenders:delete")
