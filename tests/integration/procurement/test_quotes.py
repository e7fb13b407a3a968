"""The quote flow with real services: create from a tender's items, send links (e-mail in the SMTP sink),
supplier answers as JSON and through the HTML form, the company notified (queue → notify → WebSocket frame),
audit with the supplier link as actor, comparison statistics, winners, BDI pricing, XLSX read back, and the
expired / revoked / closed / foreign links refused."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from procurement_helpers import seed_tender, supplier_body, token_of
from procurement_support import Proc, call, make_caller, raw, same_company
from sqlalchemy import select, update

from licita.audit.models import AuditLog
from licita.platform.db.engine import system_transaction
from licita.quotes.models import Quote, QuoteLink

ITEMS = [("Papel A4 75g", 100, 25.0), ("Caneta azul", 50, 2.0), ("Grampeador", 10, 30.0), ("Clips", 200, None)]


def setup_quote(suppliers_app: Any, quotes_app: Any, n_suppliers: int = 4, *, items: Any = None,
                caller: Any = None) -> dict[str, Any]:
    caller = caller or make_caller("MANAGER")
    tender_id, item_ids = seed_tender(caller.company_id, items or ITEMS)
    suppliers = []
    for i in range(n_suppliers):
        status, s = call(suppliers_app, "POST", "/suppliers", caller,
                         body=supplier_body(legal_name=f"Fornecedor {i} Ltda", trade_name=f"Forn {i}",
                                            email=f"f{i}-{uuid.uuid4().hex[:6]}@fornecedor.com.br"))
        assert status == 201, s
        suppliers.append(s)
    deadline = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    status, quote = call(quotes_app, "POST", "/quotes", caller, body={
        "title": "Material de expediente", "deadline_at": deadline, "tender_id": tender_id,
        "supplier_ids": [s["id"] for s in suppliers], "message": "Favor cotar com frete CIF.",
        "items": [{"description": "Item livre: toner", "quantity": 3, "unit": "UN"}],
        "pricing": {"taxes_pct": 10, "margin_pct": 20}})
    assert status == 201, quote
    status, sent = call(quotes_app, "POST", "/quotes/{quote_id}/send", caller, path_params={"quote_id": quote["id"]},
                        body={}, headers={"host": "api.licita.test", "x-forwarded-proto": "https"})
    assert status == 200, sent
    tokens = {link["supplier_id"]: token_of(link["url"]) for link in sent["links"]}
    return {"caller": caller, "quote": quote, "suppliers": suppliers, "tokens": tokens, "sent": sent,
            "tender_id": tender_id, "tender_item_ids": item_ids}


def answer(portal_app: Any, token: str, prices: list[float | None], *, submit: bool = True,
           items: list[dict[str, Any]] | None = None) -> tuple[int, Any]:
    status, view = call(portal_app, "GET", "/cotacao/{token}", None, path_params={"token": token},
                        headers={"accept": "application/json"})
    assert status == 200, view
    body_items = items or [{"item_id": item["id"], "unit_price": price, "brand": "Marca X", "delivery_days": 5,
                            "validity_days": 60} for item, price in zip(view["items"], prices, strict=False)]
    return call(portal_app, "POST", "/cotacao/{token}", None, path_params={"token": token},
                body={"items": body_items, "submit": submit, "notes": "Frete incluso"})


def test_create_send_answer_compare_price_export(suppliers_app: Any, quotes_app: Any, portal_app: Any,
                                                 proc: Proc) -> None:
    env = setup_quote(suppliers_app, quotes_app)
    caller, quote, suppliers, tokens = env["caller"], env["quote"], env["suppliers"], env["tokens"]
    assert [i["description"] for i in quote["items"]] == [*(d for d, _, _ in ITEMS), "Item livre: toner"]
    assert quote["items"][0]["estimated_unit_price"] == 25.0
    assert all(link["url"].startswith("https://api.licita.test/cotacao/") for link in env["sent"]["links"])
    # each supplier got its own e-mail with its own link (Jinja2 template, Portuguese)
    mails = [m for m in proc.notify.sink.list() if "Pedido de cotação: Material de expediente" in str(m.get("subject"))
             and any(s["email"] in str(m.get("to")) for s in suppliers)]
    assert len(mails) == 4, mails
    for link in env["sent"]["links"]:
        mail = next(m for m in mails if link["email"] in str(m.get("to")))
        assert link["url"] in str(mail.get("text")) and "Responda até" in str(mail.get("text"))
    # only hashes are stored
    with system_transaction() as db:
        hashes = set(db.scalars(select(QuoteLink.token_hash).where(QuoteLink.quote_id == uuid.UUID(quote["id"]))))
    assert len(hashes) == 4 and not (hashes & set(tokens.values()))

    prices = {0: [24.0, 2.1, 28.0, 0.1, 300.0], 1: [26.0, 1.9, 35.0, 0.12, 320.0],
              2: [25.0, 2.0, 31.0, None, 310.0], 3: [90.0, 2.05, 29.0, 0.11, 305.0]}
    for i, s in enumerate(suppliers[:3]):
        status, view = answer(portal_app, tokens[s["id"]], prices[i])
        assert status == 200 and view["state"] == "submitted", view
    # the fourth only saves a draft: it does not count yet
    status, view = answer(portal_app, tokens[suppliers[3]["id"]], prices[3], submit=False)
    assert status == 200 and view["state"] == "open" and view["items"][0]["unit_price"] == 90.0

    status, comp = call(quotes_app, "GET", "/quotes/{quote_id}/comparison", caller,
                        path_params={"quote_id": quote["id"]})
    assert status == 200, comp
    paper = comp["items"][0]
    assert (paper["lowest"], paper["median"], paper["spread"]) == (24.0, 25.0, 2.0)
    assert paper["no_answer"] == ["Forn 3"] and paper["suggested_supplier_id"] == suppliers[0]["id"]
    clips = comp["items"][3]
    assert sorted(clips["no_answer"]) == ["Forn 2", "Forn 3"]
    # now the fourth submits, with an absurd paper price: flagged as an outlier, never suggested
    status, view = answer(portal_app, tokens[suppliers[3]["id"]], prices[3])
    assert status == 200
    comp = call(quotes_app, "GET", "/quotes/{quote_id}/comparison", caller, path_params={"quote_id": quote["id"]})[1]
    paper = comp["items"][0]
    assert [o["outlier"] for o in paper["offers"]] == [False, False, False, True]
    assert paper["offers"][-1]["supplier_name"] == "Forn 3" and paper["spread_pct"] == 275.0

    # winner per item (approve permission), then pricing: bid = cost × (1+BDI); BDI = 1.2/0.9 − 1
    item = quote["items"][2]["id"]  # grampeador, estimated 30.00
    status, body = call(quotes_app, "PUT", "/quotes/{quote_id}/items/{item_id}/winner", caller,
                        path_params={"quote_id": quote["id"], "item_id": item},
                        body={"supplier_id": suppliers[3]["id"]})
    assert status == 200 and body["winner_supplier_id"] == suppliers[3]["id"], body
    user = same_company(caller, "USER")
    assert call(quotes_app, "PUT", "/quotes/{quote_id}/items/{item_id}/winner", user,
                path_params={"quote_id": quote["id"], "item_id": item}, body={"supplier_id": None})[0] == 403
    status, body = call(quotes_app, "PUT", "/quotes/{quote_id}/items/{item_id}/winner", caller,
                        path_params={"quote_id": quote["id"], "item_id": quote["items"][3]["id"]},
                        body={"supplier_id": suppliers[2]["id"]})
    assert status == 422 and body["error"]["code"] == "supplier_without_offer"
    status, priced = call(quotes_app, "GET", "/quotes/{quote_id}/pricing", caller,
                          path_params={"quote_id": quote["id"]})
    assert status == 200, priced
    rows = {p["description"]: p for p in priced["items"]}
    assert rows["Papel A4 75g"]["cost"] == 24.0 and rows["Papel A4 75g"]["bid_unit_price"] == 32.0
    assert rows["Papel A4 75g"]["above_estimate"] is True  # 32.00 > 25.00
    assert rows["Grampeador"]["cost"] == 29.0 and rows["Grampeador"]["bid_unit_price"] == 38.67
    assert abs(rows["Grampeador"]["bdi_pct"] - 33.3333) < 0.001
    assert rows["Clips"]["above_estimate"] is False and rows["Clips"]["estimated_unit_price"] is None
    status, priced = call(quotes_app, "PUT", "/quotes/{quote_id}/pricing", caller,
                          path_params={"quote_id": quote["id"]},
                          body={"pricing": {"taxes_pct": 0, "margin_pct": 0},
                                "items": [{"item_id": quote["items"][1]["id"], "freight_pct": 10}]})
    assert status == 200, priced
    rows = {p["description"]: p for p in priced["items"]}
    assert rows["Papel A4 75g"]["bid_unit_price"] == 24.0 and rows["Caneta azul"]["bid_unit_price"] == 2.09
    assert priced["items_above_estimate"] == 1  # canetas: 2.09 > 2.00
    assert call(quotes_app, "PUT", "/quotes/{quote_id}/pricing", caller, path_params={"quote_id": quote["id"]},
                body={"pricing": {"taxes_pct": 100}})[0] == 422

    # XLSX read back with openpyxl: Brazilian money, the outlier and the alert
    from openpyxl import load_workbook

    status, link = call(quotes_app, "GET", "/quotes/{quote_id}/comparison/export", caller,
                        path_params={"quote_id": quote["id"]})
    assert status == 200, link
    book = load_workbook(io.BytesIO(requests.get(link["url"], timeout=30).content))
    assert book.sheetnames == ["Comparativo", "Propostas", "Preço de lance"]
    first = [c.value for c in book["Comparativo"][2]]
    assert first[:9] == [1, "Papel A4 75g", "UN", 100, "R$ 25,00", 4, "R$ 24,00", "R$ 25,50", "R$ 66,00"]
    assert first[10] == "Forn 3"
    bids = {r[1]: r for r in book["Preço de lance"].iter_rows(min_row=2, values_only=True)}
    assert bids["Caneta azul"][5] == "R$ 2,09" and bids["Caneta azul"][8] == "ACIMA DO ESTIMADO"

    # audit: the supplier link is the actor of the answers
    with system_transaction() as db:
        audits = db.scalars(select(AuditLog).where(AuditLog.entity_id == quote["id"])).all()
    submitted = [a for a in audits if a.action == "quote.answer_submitted"]
    assert len(submitted) == 4 and all(a.user_id is None and a.after["actor"]["type"] == "supplier_link"
                                       for a in submitted)
    assert {a.action for a in audits} >= {"quote.created", "quote.sent", "quote.answer_saved", "quote.pricing_updated"}


def test_answer_notifies_the_company_over_the_socket_inbox_and_email(suppliers_app: Any, quotes_app: Any,
                                                                     portal_app: Any, proc: Proc) -> None:
    from licita.accounts.models import User
    from notify_helpers import connect
    from tenders_helpers import load_function

    env = setup_quote(suppliers_app, quotes_app, 1)
    with system_transaction() as db:
        user = db.get(User, uuid.UUID(env["caller"].user_id))
    connection = connect(user)
    from tenders_helpers import drain

    drain(proc.sqs, proc.notify.queue_url)
    status, _ = answer(portal_app, next(iter(env["tokens"].values())), [10.0, 1.0, 5.0, 0.1, 100.0])
    assert status == 200
    messages = drain(proc.sqs, proc.notify.queue_url)
    events = [json.loads(m["Body"]) for m in messages]
    assert [e["type"] for e in events] == ["quote.received"]
    assert events[0]["payload"]["quote_id"] == env["quote"]["id"]
    notify = load_function("notify")
    result = notify.handler({"Records": [{"messageId": m["MessageId"], "body": m["Body"], "receiptHandle": "x",
                                          "attributes": {"ApproximateReceiveCount": "1"}} for m in messages]}, None)
    assert result["batchItemFailures"] == []
    frames = proc.notify.connections.frames(connection, "notification")
    assert frames and frames[-1]["kind"] == "quote.received"
    assert frames[-1]["title"] == "Cotação respondida: Material de expediente"


def test_form_post_html_page_and_field_errors(suppliers_app: Any, quotes_app: Any, portal_app: Any) -> None:
    env = setup_quote(suppliers_app, quotes_app, 1)
    token = next(iter(env["tokens"].values()))
    response = raw(portal_app, "GET", "/cotacao/{token}", None, path_params={"token": token},
                   headers={"accept": "text/html"})
    assert response["statusCode"] == 200
    page = response["body"]
    assert response["headers"]["Content-Type"].startswith("text/html")
    assert response["headers"]["Referrer-Policy"] == "no-referrer"
    assert '<html lang="pt-BR">' in page and "Material de expediente" in page and "Prazo:" in page
    items = env["quote"]["items"]
    for item in items:
        assert f'<label for="preco-{item["id"]}">Preço unitário (R$)</label>' in page
    form = {f"preco-{items[0]['id']}": "1.234,56", f"marca-{items[0]['id']}": "Chamex",
            f"entrega-{items[0]['id']}": "abc", "acao": "enviar"}
    response = raw(portal_app, "POST", "/cotacao/{token}", None, path_params={"token": token}, raw_body=urlencode(form),
                   headers={"content-type": "application/x-www-form-urlencoded"})
    assert response["statusCode"] == 422
    assert 'aria-invalid="true"' in response["body"] and "Informe um número inteiro de dias" in response["body"]
    assert 'value="1.234,56"' in response["body"]  # what was typed is kept
    form[f"entrega-{items[0]['id']}"] = "7"
    response = raw(portal_app, "POST", "/cotacao/{token}", None, path_params={"token": token}, raw_body=urlencode(form),
                   headers={"content-type": "application/x-www-form-urlencoded"})
    assert response["statusCode"] == 200, response["body"][:2000]
    assert 'role="status" id="confirmacao">Cotação enviada com sucesso' in response["body"]
    _status, view = call(portal_app, "GET", "/cotacao/{token}", None, path_params={"token": token},
                        headers={"accept": "application/json"})
    assert view["items"][0]["unit_price"] == 1234.56 and view["items"][0]["delivery_days"] == 7
    assert view["state"] == "submitted"


def test_portal_budgets_per_link_and_per_address(suppliers_app: Any, quotes_app: Any, portal_app: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from licita.core.config import reset_settings

    env = setup_quote(suppliers_app, quotes_app, 2)
    first, second = env["tokens"].values()
    monkeypatch.setenv("PORTAL_MAX_PER_LINK", "3")
    monkeypatch.setenv("PORTAL_MAX_PER_IP", "1000")
    reset_settings()
    try:
        json_get = {"headers": {"accept": "application/json"}}
        statuses = [call(portal_app, "GET", "/cotacao/{token}", None, path_params={"token": first}, **json_get)[0]
                    for _ in range(3)]
        assert statuses == [200, 200, 200]
        response = raw(portal_app, "GET", "/cotacao/{token}", None, path_params={"token": first}, **json_get)
        body = json.loads(response["body"])
        assert response["statusCode"] == 429 and body["error"]["code"] == "rate_limited"
        assert body["error"]["details"]["scope"] == "link" and int(response["headers"]["Retry-After"]) >= 1
        assert "Aguarde" in body["error"]["message"]
        page = raw(portal_app, "GET", "/cotacao/{token}", None, path_params={"token": first},
                   headers={"accept": "text/html"})
        assert page["statusCode"] == 429 and "Aguarde" in page["body"]  # the supplier sees a page, not JSON
        assert call(portal_app, "GET", "/cotacao/{token}", None, path_params={"token": second}, **json_get)[0] == 200

        monkeypatch.setenv("PORTAL_MAX_PER_IP", "2")
        reset_settings()
        ip = f"192.0.2.{uuid.uuid4().int % 254 + 1}"
        got = [call(portal_app, "POST", "/cotacao/{token}/anexos", None, path_params={"token": second}, source_ip=ip,
                    body={"filename": "proposta.pdf", "content_type": "application/pdf", "size": 1000})
               for _ in range(3)]
        assert [s for s, _ in got] == [201, 201, 429], got
        assert got[2][1]["error"]["details"]["scope"] == "ip"
    finally:
        monkeypatch.undo()
        reset_settings()


def test_attachment_presigned_post_with_edital_checks(suppliers_app: Any, quotes_app: Any, portal_app: Any) -> None:
    env = setup_quote(suppliers_app, quotes_app, 1)
    token = next(iter(env["tokens"].values()))
    path = {"token": token}
    status, body = call(portal_app, "POST", "/cotacao/{token}/anexos", None, path_params=path,
                        body={"filename": "proposta.exe", "content_type": "application/octet-stream"})
    assert status == 415 and body["error"]["code"] == "unsupported_file_type"
    status, body = call(portal_app, "POST", "/cotacao/{token}/anexos", None, path_params=path,
                        body={"filename": "proposta.pdf", "content_type": "application/pdf", "size": 10**12})
    assert status == 413
    status, ticket = call(portal_app, "POST", "/cotacao/{token}/anexos", None, path_params=path,
                          body={"filename": "Proposta Comercial.pdf", "content_type": "application/pdf", "size": 9})
    assert status == 201, ticket
    assert ticket["key"].startswith(f"procurement/{env['caller'].company_id}/quotes/{env['quote']['id']}/")
    posted = requests.post(ticket["url"], data=ticket["fields"],
                           files={"file": ("p.pdf", b"%PDF-1.7\n", "application/pdf")}, timeout=30)
    assert posted.status_code in (200, 204)
    status, quote = call(quotes_app, "GET", "/quotes/{quote_id}", env["caller"],
                         path_params={"quote_id": env["quote"]["id"]})
    assert quote["suppliers"][0]["attachments"][0]["filename"] == "Proposta Comercial.pdf"
    assert "key" not in quote["suppliers"][0]["attachments"][0]


def test_expired_revoked_closed_unknown_and_foreign_links(suppliers_app: Any, quotes_app: Any, portal_app: Any) -> None:
    env = setup_quote(suppliers_app, quotes_app, 3)
    s0, s1, s2 = env["suppliers"]
    caller, quote = env["caller"], env["quote"]
    other = setup_quote(suppliers_app, quotes_app, 1)

    def status_of(token: str, **kw: Any) -> tuple[int, Any]:
        return call(portal_app, "POST", "/cotacao/{token}", None, path_params={"token": token},
                    body={"items": kw.get("items", []), "submit": False})

    # unknown and malformed tokens: 404 without telling which
    for token in ("x" * 43, "short", "a" * 43 + "%00"):
        status, body = status_of(token)
        assert status == 404 and body["error"]["code"] == "link_not_found", token
    # a foreign item (another company's quote) through a valid link: refused, nothing written
    foreign_item = other["quote"]["items"][0]["id"]
    status, body = status_of(env["tokens"][s0["id"]], items=[{"item_id": foreign_item, "unit_price": 1}])
    assert status == 422 and body["error"]["code"] == "unknown_items"
    # revoked
    status, _ = call(quotes_app, "POST", "/quotes/{quote_id}/suppliers/{supplier_id}/revoke", caller,
                     path_params={"quote_id": quote["id"], "supplier_id": s1["id"]})
    assert status == 200
    status, body = status_of(env["tokens"][s1["id"]])
    assert status == 410 and body["error"]["code"] == "link_revoked"
    response = raw(portal_app, "GET", "/cotacao/{token}", None, path_params={"token": env["tokens"][s1["id"]]})
    assert response["statusCode"] == 410 and "foi cancelado pela empresa" in response["body"]
    # a resend issues a new link; the old one stops working
    status, resent = call(quotes_app, "POST", "/quotes/{quote_id}/send", caller, path_params={"quote_id": quote["id"]},
                          body={"supplier_ids": [s1["id"]]})
    assert status == 200 and len(resent["links"]) == 1
    assert status_of(token_of(resent["links"][0]["url"]))[0] == 200
    # expired: the deadline passed
    with system_transaction() as db:
        db.execute(update(Quote).where(Quote.id == uuid.UUID(quote["id"]))
                   .values(deadline_at=datetime.now(UTC) - timedelta(minutes=1)))
    status, body = status_of(env["tokens"][s0["id"]])
    assert status == 410 and body["error"]["code"] == "quote_expired"
    assert "prazo desta cotação terminou" in body["error"]["message"]
    response = raw(portal_app, "POST", "/cotacao/{token}", None, path_params={"token": env["tokens"][s2["id"]]},
                   raw_body="acao=enviar", headers={"content-type": "application/x-www-form-urlencoded"})
    assert response["statusCode"] == 410 and "prazo desta cotação terminou" in response["body"]
    # closed by the company
    other_token = next(iter(other["tokens"].values()))
    assert call(quotes_app, "POST", "/quotes/{quote_id}/close", other["caller"],
                path_params={"quote_id": other["quote"]["id"]})[0] == 200
    status, body = status_of(other_token)
    assert status == 409 and body["error"]["code"] == "quote_closed"


@pytest.mark.parametrize("bad", [
    {"title": "x"}, {"deadline_at": "2020-01-01T00:00:00+00:00"}, {"deadline_at": "2030-01-01T00:00:00"},
    {"supplier_ids": []}, {"tender_id": None, "items": []}, {"title": "Cotação\x00"},
    {"tender_item_ids": [str(uuid.uuid4())]},
])
def test_create_validation(suppliers_app: Any, quotes_app: Any, bad: dict[str, Any]) -> None:
    caller = make_caller("USER")
    tender_id, _ = seed_tender(caller.company_id, ITEMS)
    status, s = call(suppliers_app, "POST", "/suppliers", caller, body=supplier_body())
    body = {"title": "Cotação válida", "deadline_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
            "tender_id": tender_id, "supplier_ids": [s["id"]], **bad}
    status, out = call(quotes_app, "POST", "/quotes", caller, body=body)
    assert status == 422, out
