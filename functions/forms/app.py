"""Forms function: JSON Schema 2020-12 templates (versioned, two built-ins), submissions validated against the
exact version and attached to a tender or a card, listing and CSV export. Thin: parse, authorize, call
licita.forms.service."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from chalice.app import Response

from licita.api import Api, RequestContext
from licita.core.errors import AppError
from licita.core.http import RouteSpec, error_response
from licita.core.lazy import lazy_import
from licita.core.schemas import StrictModel
from licita.forms import schemas as s

if TYPE_CHECKING:
    from licita.forms import service
else:  # SQLAlchemy and jsonschema load on the first request that needs them (cold start)
    service = lazy_import("licita.forms.service")

api = Api("forms", tags=["forms"])
app = api.app


class TemplatesQuery(StrictModel):
    all_versions: bool = False


@api.get("/forms/templates", query=TemplatesQuery, response=s.TemplateList, permission="forms:read", errors=(422,))
def list_templates(ctx: RequestContext[None, TemplatesQuery]) -> s.TemplateList:
    """Templates (latest version of each; ?all_versions=true for every one), built-ins included."""
    return service.list_templates(ctx.user, ctx.query.all_versions)


@api.post("/forms/templates", body=s.TemplateCreate, response=s.TemplateOut, status=201, permission="forms:write",
          errors=(409, 422))
def create_template(ctx: RequestContext[s.TemplateCreate, None]) -> s.TemplateOut:
    """A new template (version 1) from a JSON Schema draft 2020-12."""
    return service.create_template(ctx.user, ctx.body, ctx.actor)


@api.post("/forms/templates/{template_id}/versions", body=s.VersionCreate, response=s.TemplateOut, status=201,
          permission="forms:write", errors=(404, 422))
def new_version(ctx: RequestContext[s.VersionCreate, None]) -> s.TemplateOut:
    """Publish a new version of the template this version belongs to (earlier submissions keep theirs)."""
    return service.new_version(ctx.user, ctx.path_params["template_id"], ctx.body, ctx.actor)


@api.get("/forms/templates/{template_id}", response=s.TemplateOut, permission="forms:read", errors=(404,))
def get_template(ctx: RequestContext[None, None]) -> s.TemplateOut:
    """One template version."""
    return service.get_template(ctx.user, ctx.path_params["template_id"])


@api.post("/forms/templates/{template_id}/submissions", body=s.SubmissionCreate, response=s.SubmissionOut, status=201,
          permission="forms:write", errors=(404, 422))
def submit(ctx: RequestContext[s.SubmissionCreate, None]) -> s.SubmissionOut:
    """Fill a template version for a tender or a card; errors name each field and rule."""
    return service.submit(ctx.user, ctx.path_params["template_id"], ctx.body, ctx.actor)


@api.get("/forms/submissions", query=s.SubmissionQuery, response=s.SubmissionPage, permission="forms:read",
         errors=(422,))
def list_submissions(ctx: RequestContext[None, s.SubmissionQuery]) -> s.SubmissionPage:
    """Submissions filtered by form, version, tender, card or author."""
    return service.list_submissions(ctx.user, ctx.query)


# CSV, not JSON: registered on Chalice directly and declared in the route table (OpenAPI, template check).
EXPORT = RouteSpec(path="/forms/submissions/export", method="GET", handler_name="export_submissions",
                            summary="CSV of one form's submissions (?template_key=).", body=None, query=s.ExportQuery,
                            response=None, status=200, public=False, permission="forms:read", errors=(404, 422),
                            tags=api.tags)
api.routes.append(EXPORT)


@app.route("/forms/submissions/export", methods=["GET"])
def export_submissions() -> Response:
    try:
        ctx = api._build_context(EXPORT, app.current_request, {})
        query = cast(s.ExportQuery, ctx.query)
        text = service.export_csv(ctx.user, query)
    except AppError as exc:
        return error_response(exc)
    return Response(body=text, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{query.template_key}.csv"'})
