"""Discovery function: saved searches and synonyms, matches, PNCP import, change log and version diff of
watched tenders, price history. Thin: parse, authorize, call licita.discovery."""

from __future__ import annotations

from typing import TYPE_CHECKING

from licita.api import Api, Collection, RequestContext, Resource
from licita.core.lazy import lazy_imports
from licita.discovery import schemas as s

if TYPE_CHECKING:
    from licita.discovery import imports, prices, searches, service, watch
else:  # SQLAlchemy, httpx and friends load on the first request that needs them (cold start)
    searches, service, imports, watch, prices = lazy_imports(
        "licita.discovery", "searches", "service", "imports", "watch", "prices")

api = Api("discovery", tags=["discovery"])
app = api.app


searches_ = Collection(api, "/discovery/searches", read="discovery:read", write="discovery:write")
searches_.create("create_search", s.SavedSearchIn, s.SavedSearchOut, lambda: searches.create_search,
                 'Save a search (keywords with OR, "phrase", -exclusion; filters); personal or for the whole company.')


@api.get("/discovery/searches", response=s.SavedSearchList, permission="discovery:read")
def list_searches(ctx: RequestContext[None, None]) -> s.SavedSearchList:
    """The company's saved searches and the caller's personal ones."""
    return searches.list_searches(ctx.user)


search = Resource(api, "/discovery/searches/{search_id}", read="discovery:read", write="discovery:write")
search.read("get_search", s.SavedSearchOut, lambda: searches.get_search,
            "One saved search with its parsed terms (synonyms included).")
search.write("update_search", s.SavedSearchIn, s.SavedSearchOut, lambda: searches.update_search,
             "Replace a saved search (it is compiled again).", method="PUT")
search.delete("delete_search", lambda: searches.delete_search, "Delete a saved search and its matches.")


@api.get("/discovery/synonyms", response=s.SynonymList, permission="discovery:read")
def list_synonyms(ctx: RequestContext[None, None]) -> s.SynonymList:
    """The company's synonyms and the built-in ones."""
    return searches.list_synonyms(ctx.user)


@api.put("/discovery/synonyms", body=s.SynonymIn, response=s.SynonymOut, permission="discovery:write", errors=(422,))
def put_synonym(ctx: RequestContext[s.SynonymIn, None]) -> s.SynonymOut:
    """Create or replace the synonyms of a term; every saved search of the company is compiled again."""
    return searches.put_synonym(ctx.user, ctx.body, ctx.actor)


Resource(api, "/discovery/synonyms/{synonym_id}", read="discovery:read", write="discovery:write").delete(
    "delete_synonym", lambda: searches.delete_synonym, "Delete a company synonym.")
discovery = Collection(api, "/discovery", read="discovery:read", write="tenders:write")
discovery.list("list_matches", s.MatchQuery, s.MatchPage, lambda: service.list_matches,
               "Results of the saved searches, newest first, each with why it matched and a freshness flag.",
               sub="/matches")
discovery.create("import_compra", s.ImportRequest, s.ImportResponse, lambda: imports.import_compra,
                 "Import a PNCP compra as a watched tender (header, items, documents; the edital goes to analysis).",
                 sub="/imports", errors=(404, 409, 422, 503))
watched = Resource(api, "/discovery/tenders/{tender_id}", read="tenders:read", write="tenders:write")
watched.read("list_changes", s.ChangeList, lambda: watch.list_changes,
             "What changed on PNCP for an imported tender (situação, dates, value, object, documents, history, items).",
             sub="/changes")
watched.read("version_diff", s.VersionDiff, lambda: watch.version_diff,
             "Field-by-field diff between the previous edital version's analysis and the current one.", sub="/diff")
discovery.list("price_history", s.PriceQuery, s.PriceReference, lambda: prices.price_history,
               "Homologated unit prices (median, p25, p75) for a description or CATMAT code, each with its PNCP link.",
               sub="/prices")
