"""Conversations on the WebSocket: the ``conversation:{id}`` topic (only for people who may see the thread)
and the ``message.send`` / ``message.read`` actions of the ``$default`` route."""

from __future__ import annotations

from typing import Any

from licita.boards.sockets import connection_principal
from licita.core.actor import Actor
from licita.core.errors import Forbidden
from licita.core.http import parse_model, to_jsonable
from licita.realtime.service import register_action, register_topic


def _topic(info: dict[str, str], ident: str) -> bool:
    from licita.conversations.service import can_see  # noqa: PLC0415  (ws cold path: the realtime registry imports every sockets module; the service loads on a message)

    principal = connection_principal(info)
    return principal.can("conversations:read") and can_see(principal, ident)


def _send(connection_id: str, info: dict[str, str], frame: dict[str, Any]) -> dict[str, Any]:
    from licita.conversations.schemas import SocketSend  # noqa: PLC0415  (ws cold path: the realtime registry imports every sockets module; the service loads on a message)
    from licita.conversations.service import send_message  # noqa: PLC0415  (ws cold path: the realtime registry imports every sockets module; the service loads on a message)

    principal = connection_principal(info)
    if not principal.can("conversations:write"):
        raise Forbidden("Permissão insuficiente.", details={"required": "conversations:write"})
    body = parse_model(SocketSend, frame, where="mensagem")
    actor = Actor(principal.user_id, principal.company_id, info.get("ip") or None, "websocket", connection_id)
    out = send_message(principal, str(body.conversation_id), body, actor)
    return {"type": "message.sent", "client_id": body.client_id, "message": to_jsonable(out)}


def _read(connection_id: str, info: dict[str, str], frame: dict[str, Any]) -> dict[str, Any]:
    from licita.conversations.schemas import SocketRead  # noqa: PLC0415  (ws cold path: the realtime registry imports every sockets module; the service loads on a message)
    from licita.conversations.service import mark_read  # noqa: PLC0415  (ws cold path: the realtime registry imports every sockets module; the service loads on a message)

    principal = connection_principal(info)
    if not principal.can("conversations:read"):
        raise Forbidden("Permissão insuficiente.", details={"required": "conversations:read"})
    body = parse_model(SocketRead, frame, where="mensagem")
    return {"type": "message.read", "receipt": to_jsonable(mark_read(principal, str(body.conversation_id),
                                                                     body.seq))}


register_topic("conversation", _topic)
register_action("message.send", _send)
register_action("message.read", _read)
