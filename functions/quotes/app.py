"""Quotes function (company side): create quote requests from a tender's items or free items, send each
supplier its own link, revoke, close, compare answers per item, pick winners, price bids (BDI), export XLSX.
Thin: parse, authorize, call the quotes services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from licita.api import Api, RequestContext
from licita.core.config import get_settings
from licita.core.lazy import lazy_imports
from licita.quotes import schemas as s

if TYPE_CHECKING:
    from licita.quotes import comparison
    from licita.quotes import service as quotes
else:  # SQLAlchemy, boto3 and openpyxl load on the first request that needs them (cold start)
    comparison, quotes = lazy_imports("licita.quotes", "comparison", "service")

api = Api("quotes", tags=["quotes"])
app = api.app


def public_base_url(ctx: RequestContext[Any, Any]) -> str:
    """Where suppliers reach the API: PUBLIC_API_URL, else this request's host (plus the stage on the
    execute-api domain, as API Gateway routes it; custom domains and the local runtime have none)."""
    configured = get_settings().public_api_url
    if configured:
        return configured.rstrip("/")
    host = ctx.headers.get("host") or "localhost"
    proto = (ctx.headers.get("x-forwarded-proto") or "https").split(",")[0].strip()
    stage = ((app.current_request.context or {}).get("stage") if app.current_request else None) or ""
    prefix = f"/{stage}" if stage and host.endswith(".amazonaws.com") else ""
    return f"{proto}://{host}{prefix}"


@api.post("/quotes", body=s.QuoteCreate, response=s.QuoteOut, status=201, permission="quotes:write",
          errors=(404, 422))
def create_quote(ctx: RequestContext[s.QuoteCreate, None]) -> s.QuoteOut:
    """Create a quote request from a tender's items (all or some) and/or free items, for chosen suppliers."""
    return quotes.create(ctx.user, ctx.body, ctx.actor)


@api.get("/quotes", query=s.QuoteListQuery, response=s.QuotePage, permission="quotes:read", errors=(422,))
def list_quotes(ctx: RequestContext[None, s.QuoteListQuery]) -> s.QuotePage:
    """The company's quote requests, with how many suppliers answered."""
    return quotes.list_quotes(ctx.user, ctx.query)


@api.get("/quotes/{quote_id}", response=s.QuoteOut, permission="quotes:read", errors=(404,))
def get_quote(ctx: RequestContext[None, None]) -> s.QuoteOut:
    """A quote with its items and each supplier's link state (sent, opened, answered, revoked)."""
    return quotes.get(ctx.user, ctx.path_params["quote_id"])


@api.post("/quotes/{quote_id}/send", body=s.SendRequest, response=s.SendResult, permission="quotes:write",
          errors=(404, 409, 422))
def send_quote(ctx: RequestContext[s.SendRequest, None]) -> s.SendResult:
    """E-mail each supplier its own link (a resend replaces the previous link); the links are shown once."""
    return quotes.send(ctx.user, ctx.path_params["quote_id"], ctx.body, public_base_url(ctx), ctx.actor)


@api.post("/quotes/{quote_id}/suppliers/{supplier_id}/revoke", response=s.QuoteOut, permission="quotes:write",
          errors=(404,))
def revoke_link(ctx: RequestContext[None, None]) -> s.QuoteOut:
    """Cancel a supplier's link at once."""
    return quotes.revoke(ctx.user, ctx.path_params["quote_id"], ctx.path_params["supplier_id"], ctx.actor)


@api.post("/quotes/{quote_id}/close", response=s.QuoteOut, permission="quotes:write", errors=(404, 409))
def close_quote(ctx: RequestContext[None, None]) -> s.QuoteOut:
    """Stop accepting answers."""
    return quotes.close(ctx.user, ctx.path_params["quote_id"], ctx.actor)


@api.get("/quotes/{quote_id}/comparison", response=s.Comparison, permission="quotes:read", errors=(404,))
def get_comparison(ctx: RequestContext[None, None]) -> s.Comparison:
    """Per item: offers, lowest, median, spread, outliers and who did not answer."""
    return comparison.comparison(ctx.user, ctx.path_params["quote_id"])


@api.get("/quotes/{quote_id}/comparison/export", response=s.DownloadLink, permission="quotes:read", errors=(404,))
def export_comparison(ctx: RequestContext[None, None]) -> s.DownloadLink:
    """The comparison and bid prices as XLSX (a short-lived download link)."""
    return comparison.export_xlsx(ctx.user, ctx.path_params["quote_id"])


@api.put("/quotes/{quote_id}/items/{item_id}/winner", body=s.WinnerRequest, response=s.ComparisonItem,
         permission="quotes:approve", errors=(404, 422))
def set_winner(ctx: RequestContext[s.WinnerRequest, None]) -> s.ComparisonItem:
    """Pick the supplier whose price becomes the item's cost (null clears the choice)."""
    return comparison.set_winner(ctx.user, ctx.path_params["quote_id"], ctx.path_params["item_id"], ctx.body,
                                 ctx.actor)


@api.get("/quotes/{quote_id}/pricing", response=s.PricingOut, permission="quotes:read", errors=(404,))
def get_pricing(ctx: RequestContext[None, None]) -> s.PricingOut:
    """Bid price per item (cost × (1 + BDI)), flagging bids above the tender's estimated unit price."""
    return comparison.pricing(ctx.user, ctx.path_params["quote_id"])


@api.put("/quotes/{quote_id}/pricing", body=s.PricingUpdate, response=s.PricingOut, permission="quotes:approve",
         errors=(404, 422))
def update_pricing(ctx: RequestContext[s.PricingUpdate, None]) -> s.PricingOut:
    """Set the quote's BDI percentages (admin, freight, taxes, margin) and per-item overrides."""
    return comparison.update_pricing(ctx.user, ctx.path_params["quote_id"], ctx.body, ctx.actor)
