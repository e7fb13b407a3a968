"""Boards over the real Chalice app (API Gateway events), PostgreSQL with RLS, Redis, Mongo and the ws function:
templates, versioned edits, ranked moves, members, @mentions, attachments, timeline, frames, automation,
and tenant isolation on every route and on the board topic."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from collaboration_support import Team, deliver_all

from licita.platform.db.engine import system_transaction

PIPELINE = ["Triagem", "Em análise", "Cotação", "Proposta enviada", "Sessão", "Ganha", "Perdida", "Desistência"]


def board(team: Team, **body: Any) -> dict[str, Any]:
    status, out = team.admin.call("boards", "POST", "/boards", {"name": "Funil", **body})
    assert status == 201, out
    result: dict[str, Any] = out
    return result


def card(team: Team, b: dict[str, Any], list_index: int = 0, title: str = "Cartão", **body: Any) -> dict[str, Any]:
    status, out = team.member.call("boards", "POST", f"/boards/{b['id']}/cards",
                                   {"list_id": b["lists"][list_index]["id"], "title": title, **body})
    assert status == 201, out
    result: dict[str, Any] = out
    return result


def titles(team: Team, board_id: str, list_id: str) -> list[str]:
    _, detail = team.member.call("boards", "GET", f"/boards/{board_id}")
    return [c["title"] for c in detail["cards"] if c["list_id"] == list_id]


def test_board_from_template_lists_and_listing(team: Team) -> None:
    b = board(team)
    assert [x["name"] for x in b["lists"]] == PIPELINE
    assert [x["rank"] for x in b["lists"]] == sorted(x["rank"] for x in b["lists"])
    assert b["auto_list_id"] == b["lists"][0]["id"]
    simple = board(team, name="Tarefas", template="simple")
    assert [x["name"] for x in simple["lists"]] == ["A fazer", "Fazendo", "Feito"]
    status, page = team.viewer.call("boards", "GET", "/boards", query={"q": "tarefa"})
    assert status == 200 and [x["id"] for x in page["items"]] == [simple["id"]] and page["page"]["total"] == 1
    assert team.viewer.call("boards", "POST", "/boards", {"name": "x"})[0] == 403
    assert team.admin.call("boards", "POST", "/boards", {"name": "a\x00b"})[0] == 422
    assert team.admin.call("boards", "POST", "/boards", {"name": None})[0] == 422
    assert team.admin.call("boards", "POST", "/boards", {"name": "x" * 121})[0] == 422
    assert team.admin.call("boards", "POST", "/boards", {"name": "x", "template": "nope"})[0] == 422
    assert team.admin.call("boards", "GET", "/boards/not-a-uuid")[0] == 404


def test_versioned_edits_and_archive_restore(team: Team) -> None:
    b = board(team)
    status, out = team.admin.call("boards", "PATCH", f"/boards/{b['id']}", {
        "version": 1, "name": "Funil 2026", "labels": [{"id": "urgente", "name": "Urgente", "color": "#ff0000"}]})
    assert status == 200 and out["version"] == 2 and out["labels"][0]["id"] == "urgente"
    status, err = team.admin.call("boards", "PATCH", f"/boards/{b['id']}", {"version": 1, "name": "velho"})
    assert status == 409 and err["error"]["code"] == "version_conflict"
    assert err["error"]["details"]["current_version"] == 2

    c = card(team, b, labels=["urgente"])
    assert card_status(team, b, labels=["inexistente"]) == 422
    status, edited = team.member.call("boards", "PATCH", f"/cards/{c['id']}", {
        "version": 1, "title": "Novo título", "checklists": [
            {"id": "hab", "title": "Habilitação", "items": [{"id": "cnd", "text": "CND federal", "done": True}]}]})
    assert status == 200 and edited["version"] == 2 and edited["checklists"][0]["items"][0]["done"] is True
    assert team.member.call("boards", "PATCH", f"/cards/{c['id']}", {"version": 1, "title": "x"})[0] == 409

    assert team.member.call("boards", "POST", f"/cards/{c['id']}/archive")[0] == 200
    assert titles(team, b["id"], b["lists"][0]["id"]) == []
    _, full = team.member.call("boards", "GET", f"/boards/{b['id']}", query={"include_archived": "true"})
    assert [x["title"] for x in full["cards"]] == ["Novo título"]
    assert team.member.call("boards", "POST", f"/cards/{c['id']}/restore")[0] == 200
    assert titles(team, b["id"], b["lists"][0]["id"]) == ["Novo título"]

    lst = b["lists"][7]
    assert team.member.call("boards", "POST", f"/lists/{lst['id']}/archive")[1]["archived_at"]
    _, detail = team.member.call("boards", "GET", f"/boards/{b['id']}")
    assert "Desistência" not in [x["name"] for x in detail["lists"]]
    team.member.call("boards", "POST", f"/lists/{lst['id']}/restore")
    status, renamed = team.member.call("boards", "PATCH", f"/lists/{lst['id']}", {
        "version": 3, "name": "Desistimos", "position": {"before_id": b["lists"][0]["id"]}})
    assert status == 200, renamed
    _, detail = team.member.call("boards", "GET", f"/boards/{b['id']}")
    assert detail["lists"][0]["name"] == "Desistimos"
    status, _new_list = team.member.call("boards", "POST", f"/boards/{b['id']}/lists",
                                        {"name": "Recurso", "position": {"after_id": b["lists"][4]["id"]}})
    assert status == 201
    _, detail = team.member.call("boards", "GET", f"/boards/{b['id']}")
    names = [x["name"] for x in detail["lists"]]
    assert names.index("Recurso") == names.index("Sessão") + 1

    assert team.admin.call("boards", "POST", f"/boards/{b['id']}/archive")[0] == 200
    _, page = team.admin.call("boards", "GET", "/boards", query={"archived": "true"})
    assert b["id"] in [x["id"] for x in page["items"]]
    assert team.admin.call("boards", "POST", f"/boards/{b['id']}/restore")[1]["archived_at"] is None


def card_status(team: Team, b: dict[str, Any], **body: Any) -> int:
    return int(team.member.call("boards", "POST", f"/boards/{b['id']}/cards",
                                {"list_id": b["lists"][0]["id"], "title": "x", **body})[0])


def test_moves_by_rank_touch_one_row_and_stale_moves_conflict(team: Team) -> None:
    b = board(team)
    first = b["lists"][0]["id"]
    a, bb, c = (card(team, b, title=t) for t in "ABC")
    assert titles(team, b["id"], first) == ["A", "B", "C"]
    status, moved = team.member.call("boards", "POST", f"/cards/{c['id']}/move",
                                     {"version": 1, "list_id": first, "before_id": a["id"]})
    assert status == 200 and moved["version"] == 2
    assert titles(team, b["id"], first) == ["C", "A", "B"]
    _, detail = team.member.call("boards", "GET", f"/boards/{b['id']}")
    ranks = {x["title"]: x["rank"] for x in detail["cards"]}
    assert ranks["A"] == a["rank"] and ranks["B"] == bb["rank"]  # no renumbering

    # two people drop a card between the same neighbours: both succeed (different cards), order stays total
    second = b["lists"][1]["id"]
    status, _ = team.member.call("boards", "POST", f"/cards/{a['id']}/move",
                                 {"version": 1, "list_id": second})
    assert status == 200
    # a stale version (someone moved it meanwhile) is refused
    status, err = team.admin.call("boards", "POST", f"/cards/{a['id']}/move", {"version": 1, "list_id": first})
    assert status == 409 and err["error"]["code"] == "version_conflict"
    # a neighbour that left the list is a 409 too
    status, err = team.member.call("boards", "POST", f"/cards/{bb['id']}/move",
                                   {"version": 1, "list_id": first, "after_id": a["id"]})
    assert status == 409 and err["error"]["code"] == "stale_position"
    other_board = board(team, name="Outro")
    status, err = team.member.call("boards", "POST", f"/cards/{bb['id']}/move",
                                   {"version": 1, "list_id": other_board["lists"][0]["id"]})
    assert status == 422 and err["error"]["code"] == "list_not_in_board"

    # many inserts between the same two cards never renumber and stay ordered
    left, _right = c, bb
    for n in range(40):
        status, mid = team.member.call("boards", "POST", f"/boards/{b['id']}/cards",
                                       {"list_id": first, "title": f"m{n:02d}", "position": {"after_id": left["id"]}})
        assert status == 201
        left = mid
    order = titles(team, b["id"], first)
    assert order == ["C", *[f"m{n:02d}" for n in range(40)], "B"]


def test_members_comments_mentions_attachments_activity(team: Team, notify_env: Any) -> None:
    b = board(team)
    c = card(team, b)
    deliver_all(notify_env)
    status, out = team.member.call("boards", "PUT", f"/cards/{c['id']}/members",
                                   {"user_id": team.admin.id, "role": "assignee"})
    assert status == 200 and out["members"] == [{"user_id": team.admin.id, "role": "assignee"}]
    assert team.member.call("boards", "PUT", f"/cards/{c['id']}/members", {"user_id": str(uuid.uuid4())})[0] == 404

    text = f"Veja isto @[Admin]({team.admin.id}) e @[Fulano]({uuid.uuid4()})"
    status, comment = team.member.call("boards", "POST", f"/cards/{c['id']}/comments", {"body": text})
    assert status == 201 and comment["mentions"] == [team.admin.id]
    events = deliver_all(notify_env)
    assert {e["type"] for e in events} == {"card.assigned", "card.mentioned"}
    from licita.platform.clients import get_mongo

    inbox = list(get_mongo()["notifications"].find({"user_id": team.admin.id}))
    assert {d["kind"] for d in inbox} == {"card.assigned", "card.mentioned"}
    mention = next(d for d in inbox if d["kind"] == "card.mentioned")
    assert "mencionado" in mention["title"] and mention["link"].startswith(f"/boards/{b['id']}")
    assert not list(get_mongo()["notifications"].find({"user_id": team.viewer.id, "kind": "card.mentioned"}))

    status, up = team.member.call("boards", "POST", f"/cards/{c['id']}/attachments",
                                  {"filename": "proposta final.pdf", "content_type": "application/pdf", "size": 10})
    assert status == 201 and up["upload"]["fields"]["key"].startswith(f"attachments/{team.company_id}/cards/{c['id']}/")
    assert team.member.call("boards", "POST", f"/cards/{c['id']}/attachments",
                            {"filename": "x.pdf", "content_type": "application/pdf", "size": 10**9})[0] == 422
    status, link = team.viewer.call("boards", "GET", f"/cards/{c['id']}/attachments/{up['id']}")
    assert (status == 200 and "Signature" in link["url"]) or "X-Amz-Signature" in link["url"]

    status, detail = team.viewer.call("boards", "GET", f"/cards/{c['id']}")
    assert status == 200 and detail["comments"][0]["body"] == text and detail["attachments"][0]["size"] == 10
    team.member.call("boards", "POST", f"/cards/{c['id']}/move", {"version": detail["version"],
                                                                  "list_id": b["lists"][2]["id"]})
    status, history = team.viewer.call("boards", "GET", f"/cards/{c['id']}/activity")
    actions = [x["action"] for x in history["items"]]
    assert status == 200 and actions[0] == "card.moved"
    assert {"card.created", "card.member_set", "card.commented", "card.attachment_added"} <= set(actions)
    status, removed = team.member.call("boards", "DELETE", f"/cards/{c['id']}/members/{team.admin.id}")
    assert status == 200 and removed["members"] == []
    # the assignee who left is not told about the move; the audit trail has the row
    from licita.audit.models import AuditLog

    with system_transaction() as db:
        assert db.query(AuditLog).filter(AuditLog.entity_id == c["id"]).count() >= 6


def test_every_change_reaches_board_subscribers_only(team: Team, other: Team, sockets: Any) -> None:
    b = board(team)
    watcher, outsider_same_company, foreign = sockets(team.viewer), sockets(team.admin), sockets(other.admin)
    assert watcher.subscribe(f"board:{b['id']}")[0] == 200
    # another company's user cannot join this board's topic (the board does not exist for them)
    status, err = foreign.subscribe(f"board:{b['id']}")
    assert status == 403 and err["error"]["code"] == "topic_forbidden"
    assert foreign.subscribe("board:not-a-uuid")[0] == 403
    c = card(team, b, title="Pregão 12/2026")
    team.member.call("boards", "POST", f"/cards/{c['id']}/move", {"version": 1, "list_id": b["lists"][3]["id"]})
    team.member.call("boards", "POST", f"/cards/{c['id']}/comments", {"body": "ok"})
    events = [f["event"] for f in watcher.frames("board.event")]
    assert events == ["card.created", "card.moved", "card.commented"]
    moved = watcher.frames("board.event")[1]
    assert moved["data"]["list_id"] == b["lists"][3]["id"] and moved["actor_id"] == team.member.id
    assert outsider_same_company.frames("board.event") == [] and foreign.frames("board.event") == []


def test_ready_tender_becomes_a_card_with_its_next_deadline(team: Team, notify_env: Any) -> None:
    from licita.notifications.service import deliver
    from licita.platform.queues import build_event
    from licita.tenders.models import Deadline, Tender

    auto = board(team, auto_tenders=True)
    board(team, name="Sem automação")
    tender_id = uuid.uuid4()
    soon = datetime.now(UTC) + timedelta(days=3)
    with system_transaction() as db:
        db.add(Tender(id=tender_id, company_id=uuid.UUID(team.company_id), status="READY", title="Pregão 9/2026",
                      fields={}, corrections={}, risk={}, details={}, review_reasons=[]))
        db.flush()
        db.add_all([Deadline(company_id=uuid.UUID(team.company_id), tender_id=tender_id, kind="session",
                             due_at=soon + timedelta(days=5)),
                    Deadline(company_id=uuid.UUID(team.company_id), tender_id=tender_id, kind="impugnacao",
                             due_at=soon),
                    Deadline(company_id=uuid.UUID(team.company_id), tender_id=tender_id, kind="other",
                             due_at=soon - timedelta(days=10))])
    event = build_event("tender.analyzed", team.company_id, {"tender_id": str(tender_id), "title": "Pregão 9/2026"})
    counts = deliver(event)
    assert counts["reactions"] >= 1
    _, detail = team.member.call("boards", "GET", f"/boards/{auto['id']}")
    cards = [c for c in detail["cards"] if c["tender_id"] == str(tender_id)]
    assert len(cards) == 1 and cards[0]["list_id"] == auto["lists"][0]["id"] and cards[0]["title"] == "Pregão 9/2026"
    assert datetime.fromisoformat(cards[0]["due_at"]) == soon.replace(microsecond=soon.microsecond)
    # a redelivery or a second analysis never duplicates the card
    from licita.boards.automation import cards_for_tender

    cards_for_tender({**event, "id": "again"})
    _, detail = team.member.call("boards", "GET", f"/boards/{auto['id']}")
    assert len([c for c in detail["cards"] if c["tender_id"] == str(tender_id)]) == 1


ROUTES = [
    ("GET", "/boards/{board}", None), ("PATCH", "/boards/{board}", {"version": 1, "name": "x"}),
    ("POST", "/boards/{board}/archive", None), ("POST", "/boards/{board}/restore", None),
    ("POST", "/boards/{board}/lists", {"name": "x"}), ("PATCH", "/lists/{list}", {"version": 1, "name": "x"}),
    ("POST", "/lists/{list}/archive", None), ("POST", "/lists/{list}/restore", None),
    ("POST", "/boards/{board}/cards", {"list_id": "{list}", "title": "x"}), ("GET", "/cards/{card}", None),
    ("PATCH", "/cards/{card}", {"version": 1, "title": "x"}),
    ("POST", "/cards/{card}/move", {"version": 1, "list_id": "{list}"}),
    ("POST", "/cards/{card}/archive", None), ("POST", "/cards/{card}/restore", None),
    ("PUT", "/cards/{card}/members", {"user_id": "{user}"}), ("DELETE", "/cards/{card}/members/{user}", None),
    ("POST", "/cards/{card}/comments", {"body": "x"}),
    ("POST", "/cards/{card}/attachments", {"filename": "a.pdf", "content_type": "application/pdf", "size": 1}),
    ("GET", "/cards/{card}/attachments/{attachment}", None), ("GET", "/cards/{card}/activity", None),
]


def test_another_companys_user_cannot_join_a_card(team: Team, other: Team) -> None:
    c = card(team, board(team))
    status, err = team.member.call("boards", "PUT", f"/cards/{c['id']}/members", {"user_id": other.admin.id})
    assert (status, err["error"]["code"]) == (404, "user_not_found")
    _, detail = team.member.call("boards", "GET", f"/cards/{c['id']}")
    assert detail["members"] == []


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_other_company_sees_nothing(team: Team, other: Team, method: str, path: str, body: Any) -> None:
    b = board(team)
    c = card(team, b)
    team.member.call("boards", "PUT", f"/cards/{c['id']}/members", {"user_id": team.member.id})
    _, up = team.member.call("boards", "POST", f"/cards/{c['id']}/attachments",
                             {"filename": "a.pdf", "content_type": "application/pdf", "size": 1})
    ids = {"board": b["id"], "list": b["lists"][0]["id"], "card": c["id"], "user": team.member.id,
           "attachment": up["id"]}

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            for k, v in ids.items():
                value = value.replace("{" + k + "}", v)
            return value
        return {k: fill(v) for k, v in value.items()} if isinstance(value, dict) else value

    status, err = other.admin.call("boards", method, fill(path), None if body is None else fill(body))
    assert status == 404, (status, err)
    _, after = team.member.call("boards", "GET", f"/boards/{b['id']}")
    assert after["version"] == 1 and after["archived_at"] is None and after["cards"][0]["version"] in (1, 2)
    _, page = other.admin.call("boards", "GET", "/boards")
    assert b["id"] not in [x["id"] for x in page["items"]]
