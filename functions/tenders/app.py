"""Tenders function: uploads, search, detail with evidence, items, deadlines, download, corrections,
re-analysis and deletion. Thin: parse, authorize, call licita.tenders.queries (reads) or .service (changes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from licita.api import Api, RequestContext
from licita.core.lazy import lazy_imports
from licita.tenders import schemas as s

if TYPE_CHECKING:
    from licita.tenders import queries
    from licita.tenders import service as tenders
else:  # SQLAlchemy, boto3 and friends load on the first request that needs them (cold start)
    queries, tenders = lazy_imports("licita.tenders", "queries", "service")

api = Api("tenders", tags=["tenders"])
app = api.app


@api.post("/tenders/uploads", body=s.TenderUploadRequest, response=s.TenderUploadResponse, status=201,
          permission="tenders:write", errors=(413, 415, 422))
def create_upload(ctx: RequestContext[s.TenderUploadRequest, None]) -> s.TenderUploadResponse:
    """Create a tender and a presigned POST to upload its document (PDF, DOCX or ZIP) straight to S3."""
    return tenders.create_upload(ctx.user, ctx.body, ctx.actor)


@api.get("/tenders", query=s.TenderListQuery, response=s.TenderPage, permission="tenders:read", errors=(422,))
def list_tenders(ctx: RequestContext[None, s.TenderListQuery]) -> s.TenderPage:
    """Search, filter, sort and paginate the company's tenders."""
    return queries.list_tenders(ctx.user, ctx.query)


@api.get("/tenders/{tender_id}", response=s.TenderDetail, permission="tenders:read", errors=(404,))
def get_tender(ctx: RequestContext[None, None]) -> s.TenderDetail:
    """A tender with every extracted field, its evidence (page + quote), corrections and risk."""
    return queries.get_tender(ctx.user, ctx.path_params["tender_id"])


@api.get("/tenders/{tender_id}/items", response=s.ItemList, permission="tenders:read", errors=(404,))
def list_items(ctx: RequestContext[None, None]) -> s.ItemList:
    """The tender's item table, in document order."""
    return queries.list_items(ctx.user, ctx.path_params["tender_id"])


@api.get("/tenders/{tender_id}/deadlines", response=s.DeadlineList, permission="tenders:read", errors=(404,))
def list_deadlines(ctx: RequestContext[None, None]) -> s.DeadlineList:
    """Session, proposal, impugnação and esclarecimento deadlines (extracted or computed by law)."""
    return queries.list_deadlines(ctx.user, ctx.path_params["tender_id"])


@api.get("/tenders/{tender_id}/download", response=s.DownloadLink, permission="tenders:read", errors=(404, 409))
def download(ctx: RequestContext[None, None]) -> s.DownloadLink:
    """A short-lived link to download the original document."""
    return queries.download_link(ctx.user, ctx.path_params["tender_id"])


@api.put("/tenders/{tender_id}/fields/{field}", body=s.FieldCorrectionRequest, response=s.FieldOut,
         permission="tenders:write", errors=(404, 409, 422))
def correct_field(ctx: RequestContext[s.FieldCorrectionRequest, None]) -> s.FieldOut:
    """Correct one extracted field; the extractor's value and evidence are kept beside the correction."""
    return tenders.correct_field(ctx.user, ctx.path_params["tender_id"], ctx.path_params["field"], ctx.body,
                                 ctx.actor)


@api.post("/tenders/{tender_id}/reanalyze", response=s.ReanalyzeResponse, status=202, permission="tenders:write",
          errors=(404, 409, 503))
def reanalyze(ctx: RequestContext[None, None]) -> s.ReanalyzeResponse:
    """Queue the document for a fresh analysis (bypasses the cache of identical files)."""
    return tenders.reanalyze(ctx.user, ctx.path_params["tender_id"], ctx.actor)


@api.delete("/tenders/{tender_id}", status=204, permission="tenders:delete", errors=(404,))
def delete_tender(ctx: RequestContext[None, None]) -> None:
    """Delete the tender, its items, deadlines and the stored file."""
    tenders.delete_tender(ctx.user, ctx.path_params["tender_id"], ctx.actor)
