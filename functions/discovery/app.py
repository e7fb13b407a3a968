"""Discovery function: saved searches and synonyms, matches, PNCP import, change log and version diff of
watched tenders, price history. Thin: parse, authorize, call licita.discovery."""

from __future__ import annotations

from typing import TYPE_CHECKING

from licita.api import Api, RequestContext
from licita.core.lazy import lazy_imports
from licita.discovery import schemas as s

if TYPE_CHECKING:
    from licita.discovery import imports, prices, searches, service, watch
else:  # SQLAlchemy, httpx and friends load on the first request that needs them (cold start)
    searches, service, imports, watch, prices = lazy_imports(
        "licita.discovery", "searches", "service", "imports", "watch", "prices")

api = Api("discovery", tags=["discovery"])
app = api.app


@api.post("/discovery/searches", body=s.SavedSearchIn, response=s.SavedSearchOut, status=201,
          permission="discovery:write", errors=(422,))
def create_search(ctx: RequestContext[s.SavedSearchIn, None]) -> s.SavedSearchOut:
    """Save a search (keywords with OR, "phrase", -exclusion; filters); personal or for the whole company."""
    return searches.create_search(ctx.user, ctx.body, ctx.actor)


@api.get("/discovery/searches", response=s.SavedSearchList, permission="discovery:read")
def list_searches(ctx: RequestContext[None, None]) -> s.SavedSearchList:
    """The company's saved searches and the caller's personal ones."""
    return searches.list_searches(ctx.user)


@api.get("/discovery/searches/{search_id}", response=s.SavedSearchOut, permission="discovery:read", errors=(404,))
def get_search(ctx: RequestContext[None, None]) -> s.SavedSearchOut:
    """One saved search with its parsed terms (synonyms included)."""
    return searches.get_search(ctx.user, ctx.path_params["search_id"])


@api.put("/discovery/searches/{search_id}", body=s.SavedSearchIn, response=s.SavedSearchOut,
         permission="discovery:write", errors=(404, 422))
def update_search(ctx: RequestContext[s.SavedSearchIn, None]) -> s.SavedSearchOut:
    """Replace a saved search (it is compiled again)."""
    return searches.update_search(ctx.user, ctx.path_params["search_id"], ctx.body, ctx.actor)


@api.delete("/discovery/searches/{search_id}", status=204, permission="discovery:write", errors=(404,))
def delete_search(ctx: RequestContext[None, None]) -> None:
    """Delete a saved search and its matches."""
    searches.delete_search(ctx.user, ctx.path_params["search_id"], ctx.actor)


@api.get("/discovery/synonyms", response=s.SynonymList, permission="discovery:read")
def list_synonyms(ctx: RequestContext[None, None]) -> s.SynonymList:
    """The company's synonyms and the built-in ones."""
    return searches.list_synonyms(ctx.user)


@api.put("/discovery/synonyms", body=s.SynonymIn, response=s.SynonymOut, permission="discovery:write", errors=(422,))
def put_synonym(ctx: RequestContext[s.SynonymIn, None]) -> s.SynonymOut:
    """Create or replace the synonyms of a term; every saved search of the company is compiled again."""
    return searches.put_synonym(ctx.user, ctx.body, ctx.actor)


@api.delete("/discovery/synonyms/{synonym_id}", status=204, permission="discovery:write", errors=(404,))
def delete_synonym(ctx: RequestContext[None, None]) -> None:
    """Delete a company synonym."""
    searches.delete_synonym(ctx.user, ctx.path_params["synonym_id"], ctx.actor)


@api.get("/discovery/matches", query=s.MatchQuery, response=s.MatchPage, permission="discovery:read", errors=(422,))
def list_matches(ctx: RequestContext[None, s.MatchQuery]) -> s.MatchPage:
    """Results of the saved searches, newest first, each with why it matched and a freshness flag."""
    return service.list_matches(ctx.user, ctx.query)


@api.post("/discovery/imports", body=s.ImportRequest, response=s.ImportResponse, status=201,
          permission="tenders:write", errors=(404, 409, 422, 503))
def import_compra(ctx: RequestContext[s.ImportRequest, None]) -> s.ImportResponse:
    """Import a PNCP compra as a watched tender (header, items, documents; the edital goes to analysis)."""
    return imports.import_compra(ctx.user, ctx.body, ctx.actor)


@api.get("/discovery/tenders/{tender_id}/changes", response=s.ChangeList, permission="tenders:read", errors=(404,))
def list_changes(ctx: RequestContext[None, None]) -> s.ChangeList:
    """What changed on PNCP for an imported tender (situação, dates, value, object, documents, history, items)."""
    return watch.list_changes(ctx.user, ctx.path_params["tender_id"])


@api.get("/discovery/tenders/{tender_id}/diff", response=s.VersionDiff, permission="tenders:read", errors=(404,))
def version_diff(ctx: RequestContext[None, None]) -> s.VersionDiff:
    """Field-by-field diff between the previous edital version's analysis and the current one."""
    return watch.version_diff(ctx.user, ctx.path_params["tender_id"])


@api.get("/discovery/prices", query=s.PriceQuery, response=s.PriceReference, permission="discovery:read",
         errors=(422,))
def price_history(ctx: RequestContext[None, s.PriceQuery]) -> s.PriceReference:
    """Homologated unit prices (median, p25, p75) for a description or CATMAT code, each with its PNCP link."""
    return prices.price_history(ctx.user, ctx.query)
