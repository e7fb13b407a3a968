"""WebSocket connections registry (Redis, shared by every function instance) and pushes.

Keys: ``ws:conn:{id}`` hash (user, company, session, connected_at, last_seen, topics) with a TTL that
each message refreshes; ``ws:topic:{topic}`` sets of connection ids. Topics: ``user:{id}``,
``company:{id}``, ``session:{id}`` and whatever a client subscribes to within its company.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterable
from typing import Any

from licita.clients import get_redis
from licita.config import get_settings
from licita.errors import BadRequest, Forbidden
from licita.security.principal import Principal

CONNECTION_TTL = 2 * 3600
SUBSCRIBABLE = ("tender:", "board:")


def _conn_key(connection_id: str) -> str:
    return f"ws:conn:{connection_id}"


def _topic_key(topic: str) -> str:
    return f"ws:topic:{topic}"


def register(connection_id: str, principal: Principal, source_ip: str | None = None) -> None:
    redis = get_redis()
    now = str(int(time.time()))
    topics = [f"user:{principal.user_id}", f"company:{principal.company_id}", f"session:{principal.session_id}"]
    pipe = redis.pipeline()
    pipe.hset(_conn_key(connection_id), mapping={
        "user_id": principal.user_id, "company_id": principal.company_id, "session_id": principal.session_id,
        "role": principal.role, "connected_at": now, "last_seen": now, "ip": source_ip or "",
        "topics": json.dumps(topics),
    })
    pipe.expire(_conn_key(connection_id), CONNECTION_TTL)
    for topic in topics:
        pipe.sadd(_topic_key(topic), connection_id)
    pipe.execute()


def connection(connection_id: str) -> dict[str, str] | None:
    raw: dict[bytes, bytes] = get_redis().hgetall(_conn_key(connection_id))  # type: ignore[assignment]
    return {k.decode(): v.decode() for k, v in raw.items()} if raw else None


def unregister(connection_id: str) -> None:
    redis = get_redis()
    info = connection(connection_id)
    pipe = redis.pipeline()
    if info:
        for topic in json.loads(info.get("topics", "[]")):
            pipe.srem(_topic_key(topic), connection_id)
    pipe.delete(_conn_key(connection_id))
    pipe.execute()


def handle_message(connection_id: str, raw: str | None) -> dict[str, Any]:
    """A client frame: ``{"action": "ping"}`` or ``{"action": "subscribe", "topics": [...]}``."""
    info = connection(connection_id)
    if info is None:
        raise Forbidden("Conexão desconhecida; reconecte.", code="connection_unknown")
    try:
        message = json.loads(raw or "")
    except ValueError:
        raise BadRequest("Mensagem não é JSON.", code="malformed_json") from None
    if not isinstance(message, dict):
        raise BadRequest("Mensagem deve ser um objeto JSON.", code="malformed_message")
    redis = get_redis()
    redis.hset(_conn_key(connection_id), "last_seen", str(int(time.time())))
    redis.expire(_conn_key(connection_id), CONNECTION_TTL)
    action = message.get("action")
    if action == "ping":
        return {"type": "pong", "ts": int(time.time() * 1000)}
    if action in ("subscribe", "unsubscribe"):
        topics = message.get("topics")
        if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
            raise BadRequest("'topics' deve ser uma lista de textos.", code="malformed_message")
        for topic in topics:
            if not topic.startswith(SUBSCRIBABLE):
                raise Forbidden(f"Tópico não permitido: {topic}", code="topic_forbidden")
        current = set(json.loads(info.get("topics", "[]")))
        scoped = {f"{info['company_id']}:{t}" for t in topics}  # tender/board ids are company-scoped
        pipe = redis.pipeline()
        for topic in scoped:
            (pipe.sadd if action == "subscribe" else pipe.srem)(_topic_key(topic), connection_id)
        current = current | scoped if action == "subscribe" else current - scoped
        pipe.hset(_conn_key(connection_id), "topics", json.dumps(sorted(current)))
        pipe.execute()
        return {"type": f"{action}d", "topics": topics}
    raise BadRequest(f"Ação desconhecida: {action!r}", code="unknown_action")


def connections_for(topics: Iterable[str]) -> set[str]:
    keys = [_topic_key(t) for t in topics]
    if not keys:
        return set()
    members: set[bytes] = get_redis().sunion(keys)  # type: ignore[assignment]
    return {m.decode() for m in members}


def push(topics: Iterable[str], message: dict[str, Any]) -> dict[str, int]:
    """Send to every live connection of the topics; connections API Gateway calls gone are cleaned."""
    client = _management_client()
    data = json.dumps(message, ensure_ascii=False, default=str).encode()
    sent = gone = 0
    for connection_id in connections_for(topics):
        try:
            client.post_to_connection(ConnectionId=connection_id, Data=data)
            sent += 1
        except client.exceptions.GoneException:
            unregister(connection_id)
            gone += 1
    return {"sent": sent, "gone": gone}


def close_session_connections(session_id: str) -> int:
    """Revoking a session closes its sockets."""
    client = _management_client()
    closed = 0
    for connection_id in connections_for([f"session:{session_id}"]):
        with contextlib.suppress(client.exceptions.GoneException):
            client.delete_connection(ConnectionId=connection_id)
        unregister(connection_id)
        closed += 1
    return closed


_client: Any = None


def _management_client() -> Any:
    global _client
    settings = get_settings()
    if _client is None or _client.meta.endpoint_url != settings.websocket_management_url:
        import boto3

        _client = boto3.client("apigatewaymanagementapi", endpoint_url=settings.websocket_management_url,
                               region_name=settings.aws_region)
    return _client
