"""The inbox API through the real notifications function (API Gateway REST events), fed by the real pipeline."""

from __future__ import annotations

import uuid

from apigw import call, token_of
from notify_helpers import NotifyEnv, Tenant, event


def feed(t: Tenant, n_analyzed: int = 3) -> None:
    from licita.notifications.service import deliver

    for i in range(n_analyzed):
        deliver(event("tender.analyzed", t.company_id, {"tender_id": str(uuid.uuid4()), "title": f"PE {i}/2025"}))
    deliver(event("deadline.approaching", t.company_id, {"tender_id": str(uuid.uuid4()), "title": "PE 9/2025",
                                                          "deadline_kind": "proposal", "threshold": "24h",
                                                          "due_at": "2025-12-01T13:00:00+00:00"}))


def test_list_counts_read_delete(notify_env: NotifyEnv, tenant: Tenant) -> None:
    feed(tenant)
    token = token_of(tenant.member)

    status, page = call("notifications", "GET", "/notifications", token=token)
    assert status == 200, page
    assert page["page"] == {"page": 1, "page_size": 20, "total": 4} and page["unread"] == 4
    kinds = [i["kind"] for i in page["items"]]
    assert kinds[0] == "deadline.approaching"  # newest first
    assert page["items"][0]["title"] == "Envio de propostas em 24 h: PE 9/2025"
    assert "01/12/2025 às 10:00" in page["items"][0]["body"]

    status, small = call("notifications", "GET", "/notifications", token=token, query={"page_size": "2", "page": "2"})
    assert status == 200 and [i["id"] for i in small["items"]] == [i["id"] for i in page["items"][2:4]]

    status, only = call("notifications", "GET", "/notifications", token=token, query={"kinds": "tender.analyzed"})
    assert status == 200 and only["page"]["total"] == 3

    first = page["items"][0]["id"]
    status, read = call("notifications", "POST", f"/notifications/{first}/read", token=token)
    assert status == 200 and read["read"] is True and read["read_at"]
    assert call("notifications", "POST", f"/notifications/{first}/read", token=token)[0] == 200  # idempotent

    status, unread = call("notifications", "GET", "/notifications", token=token, query={"unread_only": "true"})
    assert status == 200 and unread["page"]["total"] == 3 and first not in [i["id"] for i in unread["items"]]

    status, counts = call("notifications", "GET", "/notifications/counts", token=token)
    assert status == 200 and counts == {"total": 4, "unread": 3, "unread_by_kind": {"tender.analyzed": 3}}

    status, updated = call("notifications", "POST", "/notifications/read-all", token=token,
                           query={"kinds": "tender.analyzed"})
    assert status == 200 and updated == {"updated": 3}
    assert call("notifications", "GET", "/notifications/counts", token=token)[1]["unread"] == 0

    assert call("notifications", "DELETE", f"/notifications/{first}", token=token)[0] == 204
    assert call("notifications", "DELETE", f"/notifications/{first}", token=token)[0] == 404
    assert call("notifications", "GET", "/notifications", token=token)[1]["page"]["total"] == 3


def test_someone_elses_notification_is_not_found(notify_env: NotifyEnv, tenant: Tenant) -> None:
    feed(tenant, 1)
    member_items = call("notifications", "GET", "/notifications", token=token_of(tenant.member))[1]["items"]
    viewer = token_of(tenant.viewer)
    target = member_items[0]["id"]
    assert call("notifications", "POST", f"/notifications/{target}/read", token=viewer)[0] == 404
    assert call("notifications", "DELETE", f"/notifications/{target}", token=viewer)[0] == 404
    # and it is still unread for its owner
    assert call("notifications", "GET", "/notifications/counts", token=token_of(tenant.member))[1]["unread"] == 2


def test_preferences_defaults_and_partial_update(notify_env: NotifyEnv, tenant: Tenant) -> None:
    token = token_of(tenant.member)
    status, prefs = call("notifications", "GET", "/notifications/preferences", token=token)
    assert status == 200 and prefs["company_email_enabled"] is True and prefs["updated_at"] is None
    by_kind = {i["kind"]: i for i in prefs["items"]}
    assert by_kind["tender.analyzed"]["in_app"] and by_kind["tender.analyzed"]["email"]
    assert by_kind["tender.field_corrected"]["email"] is False  # in-app only by default
    assert by_kind["deadline.approaching"]["label"] == "Prazo se aproximando"

    status, prefs = call("notifications", "PUT", "/notifications/preferences", {
        "kinds": {"tender.analyzed": {"email": False}, "tender.field_corrected": {"email": True}}}, token=token)
    assert status == 200, prefs
    by_kind = {i["kind"]: i for i in prefs["items"]}
    assert by_kind["tender.analyzed"] == {**by_kind["tender.analyzed"], "in_app": True, "email": False}
    assert by_kind["tender.field_corrected"]["email"] is True
    status, again = call("notifications", "PUT", "/notifications/preferences",
                         {"kinds": {"tender.analyzed": {"in_app": False}}}, token=token)
    by_kind = {i["kind"]: i for i in again["items"]}
    assert by_kind["tender.analyzed"]["in_app"] is False and by_kind["tender.analyzed"]["email"] is False  # kept
    assert call("notifications", "GET", "/notifications/preferences", token=token)[1]["items"] == again["items"]


def test_bad_input_gets_4xx(notify_env: NotifyEnv, tenant: Tenant) -> None:
    token = token_of(tenant.member)
    status, body = call("notifications", "GET", "/notifications", token=token, query={"kinds": "nao.existe"})
    assert status == 422 and body["error"]["code"] == "validation_failed"
    detail = body["error"]["details"][0]  # the closed vocabulary, in Portuguese, listing the registered kinds
    assert detail["type"] == "enum" and detail["message"].startswith("valor inválido; use ")
    assert "tender.analyzed" in detail["message"]
    status, body = call("notifications", "PUT", "/notifications/preferences", {"kinds": {"nao.existe": {}}},
                        token=token)
    assert status == 422 and body["error"]["details"][0]["type"] == "enum"
    assert call("notifications", "GET", "/notifications", token=token, query={"page_size": "1000"})[0] == 422
    assert call("notifications", "GET", "/notifications", token=token, query={"unread_only": "talvez"})[0] == 422
    assert call("notifications", "PUT", "/notifications/preferences", {"kinds": {"x.y": {"email": True}}},
                token=token)[0] == 422
    assert call("notifications", "PUT", "/notifications/preferences", {"kinds": {}}, token=token)[0] == 422
    assert call("notifications", "PUT", "/notifications/preferences", {"kinds": {"tender.analyzed": {"sms": True}}},
                token=token)[0] == 422
    status, body = call("notifications", "PUT", "/notifications/preferences", raw="{oops", token=token)
    assert status == 400 and body["error"]["code"] == "malformed_json"
    assert call("notifications", "GET", "/notifications")[0] == 401
