"""Reports function: request a report (queued for the worker), follow its state, get a download link."""

from __future__ import annotations

from typing import TYPE_CHECKING

from licita.api import Api, RequestContext
from licita.core.lazy import lazy_import
from licita.reports.schemas import ReportDownload, ReportListQuery, ReportOut, ReportPage, ReportRequest

if TYPE_CHECKING:
    from licita.reports import service as reports
else:  # loaded on the first request (cold start)
    reports = lazy_import("licita.reports.service")

api = Api("reports", tags=["reports"])
app = api.app


@api.post("/reports", body=ReportRequest, response=ReportOut, status=202, permission="reports:read",
          errors=(403, 404, 422, 503))
def request_report(ctx: RequestContext[ReportRequest, None]) -> ReportOut:
    """Queue a tender summary (PDF), quote comparison (XLSX) or pipeline report (XLSX)."""
    return reports.request_report(ctx.user, ctx.body, ctx.actor)


@api.get("/reports", query=ReportListQuery, response=ReportPage, permission="reports:read", errors=(422,))
def list_reports(ctx: RequestContext[None, ReportListQuery]) -> ReportPage:
    """The company's reports, newest first."""
    return reports.list_reports(ctx.user, ctx.query)


@api.get("/reports/{report_id}", response=ReportOut, permission="reports:read", errors=(404,))
def get_report(ctx: RequestContext[None, None]) -> ReportOut:
    """State (QUEUED → RUNNING → READY/FAILED, EXPIRED) and progress of one report."""
    return reports.get(ctx.user, ctx.path_params["report_id"])


@api.get("/reports/{report_id}/download", response=ReportDownload, permission="reports:read",
         errors=(404, 409, 410))
def download_report(ctx: RequestContext[None, None]) -> ReportDownload:
    """A short-lived link to the report's file."""
    return reports.download(ctx.user, ctx.path_params["report_id"])
