"""Every procurement route with an id, called by another company with this company's ids: 404, nothing
changed. Lists never show another company's rows. The table is checked against the apps' route tables, so a
new route without a cross-tenant case fails here."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from procurement_helpers import supplier_body
from procurement_support import call, make_caller
from test_quotes import answer, setup_quote

from tenders_helpers import load_function

BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/suppliers/{supplier_id}"): {"rating": 1},
    ("POST", "/suppliers/{supplier_id}/documents"): {"kind": "fgts", "filename": "a.pdf",
                                                     "content_type": "application/pdf"},
    ("PATCH", "/products/{product_id}"): {"unit": "cx"},
    ("PUT", "/suppliers/{supplier_id}/products/{product_id}"): {"last_price": "1.00"},
    ("POST", "/quotes/{quote_id}/send"): {},
    ("PUT", "/quotes/{quote_id}/items/{item_id}/winner"): {"supplier_id": None},
    ("PUT", "/quotes/{quote_id}/pricing"): {"pricing": {"margin_pct": 1}},
}


@pytest.fixture(scope="module")
def world(suppliers_app: Any, quotes_app: Any, portal_app: Any, reports_app: Any, proc: Any) -> dict[str, Any]:
    env = setup_quote(suppliers_app, quotes_app, 1)
    owner = env["caller"]
    answer(portal_app, next(iter(env["tokens"].values())), [1.0])
    supplier = env["suppliers"][0]
    _, doc = call(suppliers_app, "POST", "/suppliers/{supplier_id}/documents", owner,
                  path_params={"supplier_id": supplier["id"]},
                  body={"kind": "fgts", "filename": "a.pdf", "content_type": "application/pdf"})
    _, product = call(suppliers_app, "POST", "/products", owner, body={"description": "Papel", "unit": "resma"})
    call(suppliers_app, "PUT", "/suppliers/{supplier_id}/products/{product_id}", owner,
         path_params={"supplier_id": supplier["id"], "product_id": product["id"]}, body={"last_price": "2"})
    _, report = call(reports_app, "POST", "/reports", owner, body={"kind": "quote_comparison",
                                                                     "quote_id": env["quote"]["id"]})
    ids = {"supplier_id": supplier["id"], "document_id": doc["document"]["id"], "product_id": product["id"],
           "quote_id": env["quote"]["id"], "item_id": env["quote"]["items"][0]["id"], "report_id": report["id"]}
    return {"owner": owner, "ids": ids, "env": env}


def routes() -> list[tuple[str, str, str]]:
    found = []
    for function in ("suppliers", "quotes", "reports"):
        for spec in load_function(function).api.routes:
            found.append((function, spec.method, spec.path))
    return found


@pytest.mark.parametrize(("function", "method", "path"), [r for r in routes() if "{" in r[2]])
def test_foreign_ids_are_not_found(world: dict[str, Any], function: str, method: str, path: str) -> None:
    intruder = make_caller("ADMIN_EMPRESA")
    app = load_function(function).app
    params = {k: v for k, v in world["ids"].items() if "{" + k + "}" in path}
    assert len(params) == path.count("{"), f"no id fixture for {path}"
    body = BODIES.get((method, path))
    status, out = call(app, method, path, intruder, path_params=params, body=body)
    assert status == 404, (method, path, out)
    # and the owner still sees its own resource intact
    if method == "GET":
        assert call(app, method, path, world["owner"], path_params=params)[0] in (200, 409)


@pytest.mark.parametrize(("function", "path", "query"), [
    ("suppliers", "/suppliers", {}), ("suppliers", "/products", {}), ("quotes", "/quotes", {}),
    ("reports", "/reports", {})])
def test_lists_show_only_own_rows(world: dict[str, Any], function: str, path: str, query: dict[str, str]) -> None:
    app = load_function(function).app
    status, own = call(app, "GET", path, world["owner"], query=query)
    assert status == 200 and own["page"]["total"] >= 1
    status, other = call(app, "GET", path, make_caller("ADMIN_EMPRESA"), query=query)
    assert status == 200 and other["page"]["total"] == 0 and other["items"] == []


def test_foreign_tender_and_suppliers_cannot_be_used_in_a_quote(world: dict[str, Any], quotes_app: Any,
                                                                suppliers_app: Any, reports_app: Any) -> None:
    intruder = make_caller("MANAGER")
    _, mine = call(suppliers_app, "POST", "/suppliers", intruder, body=supplier_body())
    deadline = "2099-01-01T00:00:00+00:00"
    status, body = call(quotes_app, "POST", "/quotes", intruder, body={
        "title": "Roubo", "deadline_at": deadline, "tender_id": world["env"]["tender_id"],
        "supplier_ids": [mine["id"]]})
    assert status == 404 and body["error"]["code"] == "tender_not_found"
    status, body = call(quotes_app, "POST", "/quotes", intruder, body={
        "title": "Roubo", "deadline_at": deadline, "items": [{"description": "x y", "quantity": 1}],
        "supplier_ids": [world["ids"]["supplier_id"]]})
    assert status == 422 and body["error"]["code"] == "unknown_suppliers"
    status, body = call(quotes_app, "POST", "/quotes", intruder, body={
        "title": "Roubo", "deadline_at": deadline, "supplier_ids": [mine["id"]],
        "items": [{"description": "x y", "quantity": 1, "product_id": world["ids"]["product_id"]}]})
    assert status == 422 and body["error"]["code"] == "unknown_products"
    for kind, key in (("tender_summary", "tender_id"), ("quote_comparison", "quote_id")):
        value = world["env"]["tender_id"] if key == "tender_id" else world["ids"]["quote_id"]
        status, body = call(reports_app, "POST", "/reports", intruder, body={"kind": kind, key: value})
        assert status == 404, body
    # a supplier link of company A cannot reach company B's quote items (and vice versa): see test_quotes
    assert uuid.UUID(world["ids"]["quote_id"])
