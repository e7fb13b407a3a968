"""Conversations over the real Chalice app and the ws function: threads, REST and WebSocket sends reaching
exactly the participants, unread counts, receipts, mentions, edit window, search, attachments, privacy and
tenant isolation on every route and on the conversation topic."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from collaboration_support import Team, deliver_all, ready_tender

from licita.platform.db.engine import system_transaction


def direct(team: Team, a: Any, *others: Any) -> dict[str, Any]:
    status, out = a.call("conversations", "POST", "/conversations",
                         {"kind": "direct", "user_ids": [o.id for o in others]})
    assert status == 200, out
    result: dict[str, Any] = out
    return result



def send(person: Any, conv: dict[str, Any], body: str, **kw: Any) -> dict[str, Any]:
    status, out = person.call("conversations", "POST", f"/conversations/{conv['id']}/messages", {"body": body, **kw})
    assert status == 201, out
    result: dict[str, Any] = out
    return result


def test_direct_thread_is_one_per_pair_and_private(team: Team) -> None:
    c1 = direct(team, team.admin, team.member)
    c2 = direct(team, team.member, team.admin)
    assert c1["id"] == c2["id"] and sorted(c1["participants"]) == sorted([team.admin.id, team.member.id])
    send(team.admin, c1, "só entre nós")
    # the viewer is not a participant of a direct thread: not listed, not readable, not searchable
    _, page = team.viewer.call("conversations", "GET", "/conversations")
    assert c1["id"] not in [c["id"] for c in page["items"]]
    assert team.viewer.call("conversations", "GET", f"/conversations/{c1['id']}/messages")[0] == 404
    _, found = team.viewer.call("conversations", "GET", "/conversations/search", query={"q": "entre"})
    assert found["items"] == []
    _, found = team.member.call("conversations", "GET", "/conversations/search", query={"q": "entre nós"})
    assert [m["body"] for m in found["items"]] == ["só entre nós"]
    assert team.admin.call("conversations", "POST", "/conversations", {"kind": "direct", "user_ids": []})[0] == 422
    assert team.admin.call("conversations", "POST", "/conversations",
                           {"kind": "direct", "user_ids": [str(uuid.uuid4())]})[0] == 422
    assert team.admin.call("conversations", "POST", "/conversations", {"kind": "tender"})[0] == 422


def test_unread_receipts_edit_window_and_search(team: Team, sockets: Any) -> None:
    conv = direct(team, team.admin, team.member)
    first = send(team.admin, conv, "Enviei a proposta ao órgão")
    send(team.admin, conv, "Conferir as certidões")
    _, listed = team.member.call("conversations", "GET", "/conversations")
    mine = next(c for c in listed["items"] if c["id"] == conv["id"])
    assert mine["unread"] == 2 and mine["last_seq"] == 2
    assert team.admin.call("conversations", "GET", f"/conversations/{conv['id']}")[1]["unread"] == 0

    admin_socket = sockets(team.admin)
    status, receipt = team.member.call("conversations", "POST", f"/conversations/{conv['id']}/read", {"seq": 1})
    assert status == 200 and receipt["last_read_seq"] == 1
    assert team.member.call("conversations", "GET", f"/conversations/{conv['id']}")[1]["unread"] == 1
    assert admin_socket.frames("message")[-1]["event"] == "message.read"
    team.member.call("conversations", "POST", f"/conversations/{conv['id']}/read", {"seq": 0})  # never goes back
    _, got = team.admin.call("conversations", "GET", f"/conversations/{conv['id']}/receipts")
    assert {r["user_id"]: r["last_read_seq"] for r in got["items"]} == {team.admin.id: 2, team.member.id: 1}

    status, edited = team.admin.call("conversations", "PATCH", f"/conversations/{conv['id']}/messages/{first['id']}",
                                     {"body": "Enviei as propostas ao órgão"})
    assert status == 200 and edited["edited_at"]
    status, err = team.member.call("conversations", "PATCH", f"/conversations/{conv['id']}/messages/{first['id']}",
                                   {"body": "não é meu"})
    assert status == 403 and err["error"]["code"] == "not_message_author"
    from licita.conversations.models import Message

    with system_transaction() as db:
        row = db.get(Message, uuid.UUID(first["id"]))
        assert row is not None
        row.created_at = datetime.now(UTC) - timedelta(minutes=16)
    status, err = team.admin.call("conversations", "PATCH", f"/conversations/{conv['id']}/messages/{first['id']}",
                                  {"body": "tarde demais"})
    assert status == 403 and err["error"]["code"] == "edit_window_closed" and "15 minutos" in err["error"]["message"]
    second = team.admin.call("conversations", "GET", f"/conversations/{conv['id']}/messages")[1]["items"][0]
    assert team.admin.call("conversations", "DELETE",
                           f"/conversations/{conv['id']}/messages/{second['id']}")[0] == 204
    _, msgs = team.member.call("conversations", "GET", f"/conversations/{conv['id']}/messages", query={"limit": "1"})
    assert msgs["has_more"] and msgs["items"][0]["deleted"] and msgs["items"][0]["body"] is None
    # Portuguese stemming: "proposta" finds "propostas"
    _, found = team.member.call("conversations", "GET", "/conversations/search", query={"q": "proposta"})
    assert [m["id"] for m in found["items"]] == [first["id"]]
    assert team.member.call("conversations", "POST", f"/conversations/{conv['id']}/messages",
                            {"body": "a\x00b"})[0] == 422
    assert team.member.call("conversations", "POST", f"/conversations/{conv['id']}/messages",
                            {"body": "x" * 4001})[0] == 422


def test_websocket_send_reaches_participants_only(team: Team, other: Team, sockets: Any, notify_env: Any) -> None:
    third = team.add()
    conv = direct(team, team.admin, team.member, third)  # a group of three
    a, m, t = sockets(team.admin), sockets(team.member), sockets(third)
    viewer, foreign = sockets(team.viewer), sockets(other.admin)
    status, reply = m.send({"action": "message.send", "conversation_id": conv["id"], "client_id": "k1",
                            "body": f"Reunião às 14h @[Admin]({team.admin.id})"})
    assert status == 200 and reply["type"] == "message.sent" and reply["message"]["seq"] == 1, reply
    for s in (a, m, t):
        frames = s.frames("message")
        assert [f["message"]["body"] for f in frames] == [reply["message"]["body"]]
    assert viewer.frames("message") == [] and foreign.frames("message") == []
    # a retried send with the same client id is the same message
    status, again = m.send({"action": "message.send", "conversation_id": conv["id"], "client_id": "k1",
                            "body": "Reunião às 14h"})
    assert again["message"]["id"] == reply["message"]["id"]
    # other tenants and non-participants can neither send nor subscribe
    status, err = foreign.send({"action": "message.send", "conversation_id": conv["id"], "body": "oi"})
    assert status == 404 and err["error"]["code"] == "conversation_not_found"
    assert viewer.send({"action": "message.send", "conversation_id": conv["id"], "body": "oi"})[0] == 403
    assert foreign.subscribe(f"conversation:{conv['id']}")[0] == 403
    assert viewer.subscribe(f"conversation:{conv['id']}")[0] == 403
    assert a.subscribe(f"conversation:{conv['id']}")[0] == 200
    assert m.send({"action": "message.send", "conversation_id": conv["id"], "body": ""})[0] == 422
    assert m.send({"action": "message.send", "body": "sem conversa"})[0] == 422
    status, read = t.send({"action": "message.read", "conversation_id": conv["id"], "seq": 1})
    assert status == 200 and read["receipt"]["last_read_seq"] == 1
    # the mention went through the notify pipeline to the admin only
    events = deliver_all(notify_env)
    assert [e["payload"]["target_user_id"] for e in events if e["type"] == "conversation.mentioned"] == [team.admin.id]
    assert a.frames("notification")[-1]["kind"] == "conversation.mentioned"


def test_tender_thread_readable_by_tender_readers_and_joins_on_write(team: Team, sockets: Any) -> None:
    tid = ready_tender(team, "Pregão 1")
    status, conv = team.admin.call("conversations", "POST", "/conversations", {"kind": "tender", "tender_id": tid})
    assert status == 200 and conv["participants"] == [team.admin.id]
    assert team.member.call("conversations", "POST", "/conversations",
                            {"kind": "tender", "tender_id": tid})[1]["id"] == conv["id"]
    watcher = sockets(team.viewer)
    assert watcher.subscribe(f"conversation:{conv['id']}")[0] == 200  # viewers may read tender threads
    send(team.member, conv, "Edital com exigência de atestado")
    assert [f["message"]["body"] for f in watcher.frames("message")] == ["Edital com exigência de atestado"]
    _, listed = team.viewer.call("conversations", "GET", "/conversations", query={"tender_id": tid})
    assert [c["id"] for c in listed["items"]] == [conv["id"]]
    assert team.viewer.call("conversations", "POST", f"/conversations/{conv['id']}/messages", {"body": "x"})[0] == 403
    status, up = team.member.call("conversations", "POST", f"/conversations/{conv['id']}/attachments",
                                  {"filename": "atestado.pdf", "content_type": "application/pdf", "size": 5})
    assert status == 201 and up["key"].startswith(f"attachments/{team.company_id}/conversations/{conv['id']}/")
    msg = send(team.member, conv, "segue", attachments=[
        {"key": up["key"], "filename": "atestado.pdf", "content_type": "application/pdf", "size": 5}])
    status, link = team.viewer.call("conversations", "GET",
                                    f"/conversations/{conv['id']}/messages/{msg['id']}/attachments/0")
    assert status == 200 and up["key"].rsplit("/", 1)[-1] in link["url"]
    assert team.viewer.call("conversations", "GET",
                            f"/conversations/{conv['id']}/messages/{msg['id']}/attachments/9")[0] == 404
    status, err = team.member.call("conversations", "POST", f"/conversations/{conv['id']}/messages", {
        "body": "x", "attachments": [{"key": f"attachments/{uuid.uuid4()}/conversations/x/y/z.pdf", "filename": "z.pdf",
                                      "content_type": "application/pdf", "size": 1}]})
    assert status == 422 and err["error"]["code"] == "attachment_foreign"


ROUTES = [
    ("GET", "/conversations/{conv}", None), ("GET", "/conversations/{conv}/messages", None),
    ("POST", "/conversations/{conv}/messages", {"body": "x"}),
    ("PATCH", "/conversations/{conv}/messages/{msg}", {"body": "x"}),
    ("DELETE", "/conversations/{conv}/messages/{msg}", None),
    ("POST", "/conversations/{conv}/read", {"seq": 1}), ("GET", "/conversations/{conv}/receipts", None),
    ("POST", "/conversations/{conv}/attachments", {"filename": "a.pdf", "content_type": "application/pdf", "size": 1}),
    ("GET", "/conversations/{conv}/messages/{msg}/attachments/0", None),
    ("POST", "/conversations", {"kind": "tender", "tender_id": "{tender}"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_other_company_sees_nothing(team: Team, other: Team, method: str, path: str, body: Any) -> None:
    tid = ready_tender(team, "Pregão 1")
    _, conv = team.admin.call("conversations", "POST", "/conversations", {"kind": "tender", "tender_id": tid})
    msg = send(team.admin, conv, "segredo comercial")
    ids = {"conv": conv["id"], "msg": msg["id"], "tender": tid}
    def fill(v: Any) -> Any:
        return (v if not isinstance(v, str) else
                v.replace("{conv}", ids["conv"]).replace("{msg}", ids["msg"]).replace("{tender}", ids["tender"]))
    payload = None if body is None else {k: fill(v) for k, v in body.items()}
    status, _ = other.admin.call("conversations", method, fill(path), payload)
    assert status == 404
    _, page = other.admin.call("conversations", "GET", "/conversations")
    assert page["items"] == []
    _, found = other.admin.call("conversations", "GET", "/conversations/search", query={"q": "segredo"})
    assert found["items"] == []
    _, msgs = team.admin.call("conversations", "GET", f"/conversations/{conv['id']}/messages")
    assert [m["body"] for m in msgs["items"]] == ["segredo comercial"]
