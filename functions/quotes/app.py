"""Quotes function (company side): create quote requests from a tender's items or free items, send each
supplier its own link, revoke, close, compare answers per item, pick winners, price bids (BDI), export XLSX.
Thin: parse, authorize, call the quotes services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from licita.api import Api, Collection, RequestContext, Resource
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


quote_rows = Collection(api, "/quotes", read="quotes:read", write="quotes:write")
quote_rows.create("create_quote", s.QuoteCreate, s.QuoteOut, lambda: quotes.create,
                  "Create a quote request from a tender's items (all or some) and/or free items, for chosen suppliers.",
                  errors=(404, 422))
quote_rows.list("list_quotes", s.QuoteListQuery, s.QuotePage, lambda: quotes.list_quotes,
                "The company's quote requests, with how many suppliers answered.")
quote = Resource(api, "/quotes/{quote_id}", read="quotes:read", write="quotes:write")
quote.read("get_quote", s.QuoteOut, lambda: quotes.get,
           "A quote with its items and each supplier's link state (sent, opened, answered, revoked).")


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


quote.act("close_quote", "/close", s.QuoteOut, lambda: quotes.close, "Stop accepting answers.", errors=(404, 409))
quote.read("get_comparison", s.Comparison, lambda: comparison.comparison,
           "Per item: offers, lowest, median, spread, outliers and who did not answer.", sub="/comparison")
quote.read("export_comparison", s.DownloadLink, lambda: comparison.export_xlsx,
           "The comparison and bid prices as XLSX (a short-lived download link).", sub="/comparison/export")


@api.put("/quotes/{quote_id}/items/{item_id}/winner", body=s.WinnerRequest, response=s.ComparisonItem,
         permission="quotes:approve", errors=(404, 422))
def set_winner(ctx: RequestContext[s.WinnerRequest, None]) -> s.ComparisonItem:
    """Pick the supplier whose price becomes the item's cost (null clears the choice)."""
    return comparison.set_winner(ctx.user, ctx.path_params["quote_id"], ctx.path_params["item_id"], ctx.body,
                                 ctx.actor)


quote.read("get_pricing", s.PricingOut, lambda: comparison.pricing,
           "Bid price per item (cost × (1 + BDI)), flagging bids above the tender's estimated unit price.",
           sub="/pricing")
quote.write("update_pricing", s.PricingUpdate, s.PricingOut, lambda: comparison.update_pricing,
            "Set the quote's BDI percentages (admin, freight, taxes, margin) and per-item overrides.", sub="/pricing",
            method="PUT", permission="quotes:approve")
