"""Quote portal: the PUBLIC link a supplier receives (no login; the token in the path is the credential).

``GET /cotacao/{token}`` renders the Portuguese page (or the same data as JSON with ``Accept: application/json``);
``POST /cotacao/{token}`` takes the HTML form (urlencoded) or a JSON body and saves/submits the answers;
``POST /cotacao/{token}/anexos`` gives a presigned POST for the proposal file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from licita.api import Api, RequestContext
from licita.core.errors import AppError, UnsupportedMediaType
from licita.core.http import RawResponse, parse_json_body, parse_model
from licita.core.lazy import lazy_imports
from licita.quotes.schemas import AnswerRequest, AttachmentRequest, AttachmentTicket, PortalView

if TYPE_CHECKING:
    from licita.quotes import page, portal
else:  # loaded on the first request (cold start)
    page, portal = lazy_imports("licita.quotes", "page", "portal")

api = Api("quote_portal", tags=["quote-portal"])
app = api.app

# The page needs no third party: inline styles and the small upload script, storage for the file, this API.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                               "connect-src 'self' https: http:; form-action 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the URL: never leak it to another site
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
SUBMITTED = "Cotação enviada com sucesso. {company} foi avisada. Você pode alterar os valores e reenviar até o prazo."
SAVED = "Rascunho salvo. Volte pelo mesmo link para concluir e enviar até o prazo."
MAX_FORM_BYTES = 1_048_576


def wants_json(ctx: RequestContext[Any, Any]) -> bool:
    """A GET answers JSON when the client asks for it (``Accept``) and not for HTML; browsers ask for HTML."""
    accept = (ctx.headers.get("accept") or "").lower()
    return "application/json" in accept and "text/html" not in accept


def html(body: str, status: int = 200) -> RawResponse:
    return RawResponse(body, status, headers=SECURITY_HEADERS)


def action_for(ctx: RequestContext[Any, Any]) -> str:
    return ctx.path_params["token"]  # relative to /cotacao/: works with or without a stage prefix


def error_page(ctx: RequestContext[Any, Any], exc: AppError) -> RawResponse:
    return html(page.render(action=action_for(ctx), error=exc.message, title="Cotação indisponível"), exc.status)


@api.get("/cotacao/{token}", response=PortalView, public=True, errors=(404, 409, 410, 429))
def open_quote(ctx: RequestContext[None, None]) -> Any:
    """The supplier's page for this quote (HTML), or the same data as JSON."""
    if wants_json(ctx):
        portal.throttle(ctx.path_params["token"], ctx.source_ip)
        return portal.view(ctx.path_params["token"])
    try:
        portal.throttle(ctx.path_params["token"], ctx.source_ip)
        view = portal.view(ctx.path_params["token"])
    except AppError as exc:
        return error_page(ctx, exc)
    notice = SUBMITTED.format(company=view.company_name) if view.submitted_at else None
    return html(page.render(action=action_for(ctx), view=view, notice=notice))


@api.post("/cotacao/{token}", response=PortalView, public=True, errors=(400, 404, 409, 410, 413, 415, 422, 429))
def answer_quote(ctx: RequestContext[None, None]) -> Any:
    """Save (``submit: false`` / "Salvar rascunho") or submit the answers; JSON in, JSON out, or the form."""
    token = ctx.path_params["token"]
    ctype = (ctx.headers.get("content-type") or "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        portal.throttle(token, ctx.source_ip)
    if ctype == "application/json":
        body = parse_model(AnswerRequest, parse_json_body(ctx.raw_body, MAX_FORM_BYTES), where="body")
        return portal.answer(token, body, ctx.source_ip, ctx.user_agent, ctx.request_id)
    if ctype != "application/x-www-form-urlencoded":
        raise UnsupportedMediaType("Envie o formulário da página ou JSON.", details={"content_type": ctype})
    try:
        portal.throttle(token, ctx.source_ip)
        current = portal.view(token)
    except AppError as exc:
        return error_page(ctx, exc)
    answers, form, errors = page.parse_form(ctx.raw_body, [i.id for i in current.items])
    if answers is None:
        message = errors.get("_", {}).get("form") or "Corrija os campos indicados e envie novamente."
        return html(page.render(action=action_for(ctx), view=current, form=form, errors=errors, error=message), 422)
    try:
        view = portal.answer(token, answers, ctx.source_ip, ctx.user_agent, ctx.request_id)
    except AppError as exc:
        if exc.status == 422:
            return html(page.render(action=action_for(ctx), view=current, form=form, error=exc.message), 422)
        return error_page(ctx, exc)
    notice = SUBMITTED.format(company=view.company_name) if answers.submit else SAVED
    return html(page.render(action=action_for(ctx), view=view, notice=notice))


@api.post("/cotacao/{token}/anexos", body=AttachmentRequest, response=AttachmentTicket, status=201, public=True,
          errors=(404, 409, 410, 413, 415, 422, 429))
def attachment_upload(ctx: RequestContext[AttachmentRequest, None]) -> AttachmentTicket:
    """A presigned POST for the proposal file (PDF, DOCX or ZIP; same checks as editais)."""
    portal.throttle(ctx.path_params["token"], ctx.source_ip)
    return portal.attachment(ctx.path_params["token"], ctx.body, ctx.source_ip, ctx.user_agent, ctx.request_id)
