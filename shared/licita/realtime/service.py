"""WebSocket connections registry (Redis, shared by every function instance) and pushes.

Keys: ``ws:conn:{id}`` hash (user, company, session, role, connected_at, last_seen, topics) with a TTL
that each client frame refreshes; ``ws:topic:{topic}`` sets of connection ids; ``ws:all`` every id (for
the heartbeat sweep). Topics: ``user:{id}``, ``company:{id}``, ``session:{id}`` (joined on connect) and
``{company}:tender:{id}`` / ``{company}:board:{id}`` a client subscribes to. Tender and board topics are
prefixed with the subscriber's own company, so an id from another tenant can never receive anything.

Frames go out through the push port (:func:`licita.platform.push.get_push`: API Gateway's ``@connections``
API, or an in-memory fake in unit tests). Delivery is at-least-once on the socket: a connection API Gateway
calls gone (410) is unregistered on the spot; one that vanished without a ``$disconnect`` ages out of its
hash TTL and is dropped from the sets by the next push or sweep.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from licita.core.config import get_settings
from licita.core.errors import BadRequest, Forbidden, TooManyRequests
from licita.core.lazy import import_area_modules
from licita.core.security.principal import Principal
from licita.core.tasks import process_pool
from licita.platform.clients import aws_client, get_redis, get_resp
from licita.platform.push import BatchPushPort, get_push, pack

if TYPE_CHECKING:  # the pool, pkgutil and pathlib load when first used: not on the $connect cold path
    from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger("licita.realtime")

CONNECTION_TTL = 2 * 3600  # API Gateway drops idle sockets after 10 min and any socket after 2 h
MAX_CONNECTIONS_PER_USER = 50
MAX_TOPICS_PER_CONNECTION = 100
TOUCH_EVERY = 60  # seconds: a chatty socket refreshes its hash's TTL (hours) once a minute, not on every frame
ALL_KEY = "ws:all"
SUBSCRIBABLE = ("tender:", "board:")
_TOPIC_ID = re.compile(r"^[a-z_]{1,32}:[A-Za-z0-9_-]{1,64}$")


def _conn_key(connection_id: str) -> str:
    return f"ws:conn:{connection_id}"


def _topic_key(topic: str) -> str:
    return f"ws:topic:{topic}"


def user_topic(user_id: str) -> str:
    return f"user:{user_id}"


def company_topic(company_id: str) -> str:
    return f"company:{company_id}"


def scoped_topic(company_id: str, topic: str) -> str:
    """``tender:{id}`` as seen by a company: the registry key it lives under."""
    return f"{company_id}:{topic}"


# ------------------------------------------------------------------------------ registry
def register(connection_id: str, principal: Principal, source_ip: str | None = None) -> None:
    # $connect and $disconnect run on the standard-library RESP client: the ws function's cold start stays
    # free of redis-py's import (platform/resp.py); the rest of the registry uses redis-py.
    redis = get_resp()
    if redis.execute("SCARD", _topic_key(user_topic(principal.user_id))) >= MAX_CONNECTIONS_PER_USER:
        prune([user_topic(principal.user_id)])
        if redis.execute("SCARD", _topic_key(user_topic(principal.user_id))) >= MAX_CONNECTIONS_PER_USER:
            raise TooManyRequests("Conexões simultâneas demais para este usuário.", retry_after=60)
    now = str(int(time.time()))
    topics = [user_topic(principal.user_id), company_topic(principal.company_id), f"session:{principal.session_id}"]
    fields = {"user_id": principal.user_id, "company_id": principal.company_id, "session_id": principal.session_id,
              "role": principal.role, "connected_at": now, "last_seen": now, "ip": source_ip or "",
              "topics": json.dumps(topics)}
    key = _conn_key(connection_id)
    redis.transaction([
        ["HSET", key, *(part for pair in fields.items() for part in pair)],
        ["EXPIRE", key, CONNECTION_TTL],
        *(["SADD", _topic_key(topic), connection_id] for topic in topics),
        ["SADD", ALL_KEY, connection_id],
    ])


def connection(connection_id: str) -> dict[str, str] | None:
    flat: list[bytes] = get_resp().execute("HGETALL", _conn_key(connection_id)) or []
    return {flat[i].decode(): flat[i + 1].decode() for i in range(0, len(flat), 2)} or None


def unregister(connection_id: str, info: dict[str, str] | None = None) -> None:
    info = info if info is not None else connection(connection_id)
    topics = json.loads(info.get("topics", "[]")) if info else []
    get_resp().transaction([
        *(["SREM", _topic_key(topic), connection_id] for topic in topics),
        ["DEL", _conn_key(connection_id)],
        ["SREM", ALL_KEY, connection_id],
    ])


def forget(connection_id: str, topics: Iterable[str] = ()) -> None:
    """A connection found gone: unregister it and leave the topic sets it was found in."""
    unregister(connection_id)
    extra = [_topic_key(t) for t in topics]
    if extra:
        pipe = get_redis().pipeline()
        for key in extra:
            pipe.srem(key, connection_id)
        pipe.execute()


def touch(connection_id: str) -> None:
    pipe = get_redis().pipeline()
    pipe.hset(_conn_key(connection_id), "last_seen", str(int(time.time())))
    pipe.expire(_conn_key(connection_id), CONNECTION_TTL)
    pipe.execute()


# ------------------------------------------------------------------------------ client frames
# Areas extend the socket without a central if-chain: topic prefixes with an authorizer (may this connection
# see ``prefix:{id}``?) and client actions with a handler, declared in ``licita/<area>/sockets.py``.
TopicAuthorizer = Callable[[dict[str, str], str], bool]  # (connection info, id) -> allowed
ActionHandler = Callable[[str, dict[str, str], dict[str, Any]], dict[str, Any]]  # (conn id, info, frame) -> reply
_TOPICS: dict[str, TopicAuthorizer] = {}
_ACTIONS: dict[str, ActionHandler] = {}


def register_topic(prefix: str, authorizer: TopicAuthorizer) -> None:
    _TOPICS[prefix] = authorizer


def register_action(action: str, handler: ActionHandler) -> None:
    _ACTIONS[action] = handler


def _load_areas() -> None:
    """Import every ``licita.<area>.sockets`` module once (like event kinds)."""
    import_area_modules("sockets")


def allowed_topic(info: dict[str, str], topic: str) -> str:
    """The registry topic a client may join for ``topic``, or Forbidden: only its own user, company,
    or a tender/board/area topic of its own company (scoped by construction) its area's authorizer admits."""
    if topic in (user_topic(info["user_id"]), company_topic(info["company_id"])):
        return topic
    _load_areas()
    prefix, _, ident = topic.partition(":")
    authorizer = _TOPICS.get(prefix)
    if (authorizer is not None or topic.startswith(SUBSCRIBABLE)) and _TOPIC_ID.match(topic) \
            and (authorizer is None or authorizer(info, ident)):
        return scoped_topic(info["company_id"], topic)
    raise Forbidden(f"Tópico não permitido: {topic}", code="topic_forbidden", details={"topic": topic})


def handle_message(connection_id: str, raw: str | None) -> dict[str, Any]:
    """A client frame: ``ping``, ``pong`` (answer to a server ping), ``subscribe`` / ``unsubscribe``."""
    info = connection(connection_id)
    if info is None:
        raise Forbidden("Conexão desconhecida; reconecte.", code="connection_unknown")
    try:
        message = json.loads(raw or "")
    except ValueError:
        raise BadRequest("Mensagem não é JSON.", code="malformed_json") from None
    if not isinstance(message, dict):
        raise BadRequest("Mensagem deve ser um objeto JSON.", code="malformed_message")
    if int(time.time()) - int(info.get("last_seen") or 0) >= TOUCH_EVERY:
        touch(connection_id)
    action = message.get("action")
    if action == "ping":
        return {"type": "pong", "ts": int(time.time() * 1000), "id": message.get("id")}
    if action == "pong":
        return {"type": "pong_ack", "ts": int(time.time() * 1000)}
    if action in ("subscribe", "unsubscribe"):
        topics = message.get("topics")
        if not isinstance(topics, list) or not topics or not all(isinstance(t, str) for t in topics):
            raise BadRequest("'topics' deve ser uma lista não vazia de textos.", code="malformed_message")
        keys = {allowed_topic(info, t) for t in topics}
        fixed = {user_topic(info["user_id"]), company_topic(info["company_id"]), f"session:{info['session_id']}"}
        current = set(json.loads(info.get("topics", "[]")))
        updated = current | keys if action == "subscribe" else current - (keys - fixed)
        if len(updated) > MAX_TOPICS_PER_CONNECTION:
            raise BadRequest(f"No máximo {MAX_TOPICS_PER_CONNECTION} tópicos por conexão.",
                             code="too_many_topics")
        pipe = get_redis().pipeline()
        for key in keys - fixed:
            (pipe.sadd if action == "subscribe" else pipe.srem)(_topic_key(key), connection_id)
        pipe.hset(_conn_key(connection_id), "topics", json.dumps(sorted(updated)))
        pipe.execute()
        return {"type": f"{action}d", "topics": topics}
    _load_areas()
    if isinstance(action, str) and action in _ACTIONS:
        return _ACTIONS[action](connection_id, info, message)
    raise BadRequest(f"Ação desconhecida: {action!r}", code="unknown_action",
                     details={"known": ["ping", "pong", "subscribe", "unsubscribe", *sorted(_ACTIONS)]})


# ------------------------------------------------------------------------------ pushes
def connections_for(topics: Iterable[str]) -> set[str]:
    keys = [_topic_key(t) for t in topics]
    if not keys:
        return set()
    members: set[bytes] = get_redis().sunion(keys)  # type: ignore[assignment]
    return {m.decode() for m in members}


def connections_by_topic(topics: Sequence[str]) -> dict[str, list[str]]:
    """Connection ids per topic in one round trip (per-recipient messages differ by notification id)."""
    if not topics:
        return {}
    pipe = get_redis().pipeline(transaction=False)  # reads only: no MULTI/EXEC
    return read_topics(pipe, topics)(pipe.execute())


def read_topics(pipe: Any, topics: Sequence[str]) -> Callable[[Sequence[Any]], dict[str, list[str]]]:
    """Queue the reads of ``topics`` on a redis-py pipeline the caller shares with its own commands (one round
    trip); the returned function reads connection ids per topic from the replies to these reads, in order."""
    for topic in topics:
        pipe.smembers(_topic_key(topic))
    return lambda replies: {t: sorted(m.decode() for m in members)
                            for t, members in zip(topics, replies, strict=True)}


CHUNK_SIZE = 100  # connections per ``push.chunk`` message: one invocation posts about 100 frames
CHUNK_TYPE = "push.chunk"
_SQS_BATCH_BYTES = 240 * 1024  # SendMessageBatch caps the whole request at 256 KiB


def post_many(messages: Sequence[tuple[str, bytes]],
              found_in: Mapping[str, Iterable[str]] | None = None) -> dict[str, int]:
    """``post_to_connection`` each (connection, data); big fan-outs are chunked through the queue (see
    :func:`post_each`). ``queued`` counts frames handed to other invocations."""
    outcomes = post_each(messages, found_in)
    return {"sent": outcomes.count("sent"), "gone": outcomes.count("gone"), "failed": outcomes.count("failed"),
            "queued": outcomes.count("queued")}


def post_each(messages: Sequence[tuple[str, bytes]], found_in: Mapping[str, Iterable[str]] | None = None,
              *, chunked: bool = True, here: int | None = None) -> list[str]:
    """One outcome per message: "sent", "gone" (410, unregistered), "failed" or "queued".

    Over ``here`` (default :data:`CHUNK_SIZE`) messages, everything after the first ``here`` goes to the notifications
    queue as ``push.chunk`` messages while the first ones are posted here: on AWS parallel invocations of the
    notify function post the rest (one invocation's posts are bounded by its own network round trips), and
    neither the first frame waits for the queue nor the queued chunks for the first posts. Without a queue (or
    if sending fails) all are posted here. A caller that already posted some frames itself passes a smaller
    ``here`` (one invocation still posts one chunk's worth).
    """
    if not messages:
        return []
    here = CHUNK_SIZE if here is None else max(1, here)
    if not (chunked and len(messages) > here and get_settings().notifications_queue_url):
        return _post_here(messages, found_in)
    rest = messages[here:]
    queued = _post_pool().submit(_enqueue_chunks, rest, found_in or {})
    outcomes = _post_here(messages[:here], found_in)
    try:
        queued.result()
    except Exception:
        log.warning("could not queue push chunks; posting the other %d frames here", len(rest), exc_info=True)
        return outcomes + _post_here(rest, found_in)
    return outcomes + ["queued"] * len(rest)


def _post_pool() -> ThreadPoolExecutor:
    """Its threads keep their keep-alive connections to the management API across invocations (a pool per call
    paid a TCP connect, and a server thread locally, for every post)."""
    return process_pool("ws-post", get_settings().ws_push_workers)


def _post_here(messages: Sequence[tuple[str, bytes]], found_in: Mapping[str, Iterable[str]] | None) -> list[str]:
    """Posts from this process: in one batch call where the endpoint has one (the local runtime), else in
    parallel when there are many; a gone connection leaves its topic sets (``found_in`` names them, so one
    whose hash already expired still leaves them)."""
    port = get_push()

    def post(item: tuple[str, bytes]) -> str:
        try:
            return port.post(item[0], item[1])
        except Exception as exc:  # one bad socket never stops the others
            log.warning("post_to_connection %s failed: %s", item[0], exc)
            return "failed"

    outcomes: list[str]
    if len(messages) > 1 and isinstance(port, BatchPushPort):
        try:
            outcomes = list(port.post_many(messages))
        except Exception as exc:  # the endpoint is unreachable: nothing was confirmed
            log.warning("batch post of %d frames failed: %s", len(messages), exc)
            outcomes = ["failed"] * len(messages)
    elif len(messages) <= 2:
        outcomes = [post(m) for m in messages]
    else:
        outcomes = list(_post_pool().map(post, messages))
    gone = {m[0] for m, o in zip(messages, outcomes, strict=True) if o == "gone"}
    for connection_id in gone:
        forget(connection_id, (found_in or {}).get(connection_id, ()))
    return outcomes


def chunk_bodies(messages: Sequence[tuple[str, bytes]], found_in: Mapping[str, Iterable[str]]) -> list[str]:
    """``push.chunk`` message bodies of at most :data:`CHUNK_SIZE` posts; a frame shared by many connections
    (a broadcast) is carried once per chunk."""
    bodies: list[str] = []
    for start in range(0, len(messages), CHUNK_SIZE):
        frames, posts = pack(messages[start:start + CHUNK_SIZE])
        bodies.append(json.dumps({"type": CHUNK_TYPE, "frames": frames,
                                  "posts": [[c, i, list(found_in.get(c, ()))] for c, i in posts]},
                                 ensure_ascii=False, separators=(",", ":")))
    return bodies


def _enqueue_chunks(messages: Sequence[tuple[str, bytes]], found_in: Mapping[str, Iterable[str]]) -> None:
    sqs, url = aws_client("sqs"), get_settings().notifications_queue_url
    entries: list[dict[str, Any]] = []
    size = 0
    for body in chunk_bodies(messages, found_in):
        length = len(body.encode())
        if entries and (len(entries) == 10 or size + length > _SQS_BATCH_BYTES):
            _send_batch(sqs, url, entries)
            entries, size = [], 0
        entries.append({"Id": str(len(entries)), "MessageBody": body,
                        "MessageAttributes": {"type": {"DataType": "String", "StringValue": CHUNK_TYPE}}})
        size += length
    if entries:
        _send_batch(sqs, url, entries)


def _send_batch(sqs: Any, url: str, entries: list[dict[str, Any]]) -> None:
    failed = sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed") or []
    if failed:
        raise RuntimeError(f"{len(failed)} push chunks were not queued: {failed[0].get('Message')}")


def post_chunk(body: Mapping[str, Any]) -> dict[str, int]:
    """The notify function's side of a ``push.chunk``: post its frames here (never re-chunked)."""
    frames = [str(f).encode() for f in body.get("frames") or []]
    messages: list[tuple[str, bytes]] = []
    found: dict[str, list[str]] = {}
    for connection_id, index, topics in body.get("posts") or []:
        messages.append((str(connection_id), frames[int(index)]))
        found[str(connection_id)] = [str(t) for t in topics]
    outcomes = _post_here(messages, found)
    return {"sent": outcomes.count("sent"), "gone": outcomes.count("gone"), "failed": outcomes.count("failed")}


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, default=str, separators=(",", ":")).encode()


def push(topics: Iterable[str], message: dict[str, Any]) -> dict[str, int]:
    """Send one message to every live connection of the topics; connections API Gateway calls gone are cleaned."""
    data = encode(message)
    found: dict[str, list[str]] = {}
    for topic, ids in connections_by_topic(list(dict.fromkeys(topics))).items():
        for connection_id in ids:
            found.setdefault(connection_id, []).append(topic)
    return post_many([(c, data) for c in sorted(found)], found)


def close_session_connections(session_id: str) -> int:
    """Revoking a session closes its sockets (a last frame says why, then ``delete_connection``)."""
    ids = connections_for([f"session:{session_id}"])
    if not ids:
        return 0
    port = get_push()
    frame = encode({"type": "session_revoked", "session_id": session_id})
    for connection_id in ids:
        with contextlib.suppress(Exception):
            port.post(connection_id, frame)
        port.delete(connection_id)  # "gone" is fine; a transport error propagates like before
        forget(connection_id, [f"session:{session_id}"])
    return len(ids)


def on_session_revoked(session_id: str) -> None:
    """Called by every revocation path (``accounts.sessions.forget_session``): closes the session's sockets.
    Best effort: a socket problem never fails a logout."""
    try:
        close_session_connections(session_id)
    except Exception:
        log.warning("could not close the sockets of session %s", session_id, exc_info=True)


def prune(topics: Iterable[str]) -> int:
    """Drop ids whose connection hash expired (no ``$disconnect`` ever came) from the topic sets."""
    redis = get_redis()
    removed = 0
    for topic, ids in connections_by_topic(list(topics)).items():
        if not ids:
            continue
        pipe = redis.pipeline()
        for connection_id in ids:
            pipe.exists(_conn_key(connection_id))
        dead = [c for c, alive in zip(ids, pipe.execute(), strict=True) if not alive]
        if dead:
            redis.srem(_topic_key(topic), *dead)
            redis.srem(ALL_KEY, *dead)
            removed += len(dead)
    return removed


def sweep(ping: bool = True) -> dict[str, int]:
    """Heartbeat: ping every registered socket (410 → cleaned) and drop ids whose hash expired."""
    redis = get_redis()
    ids = sorted(m.decode() for m in redis.smembers(ALL_KEY))  # type: ignore[union-attr]
    if not ids:
        return {"connections": 0, "expired": 0, "gone": 0}
    pipe = redis.pipeline()
    for connection_id in ids:
        pipe.hget(_conn_key(connection_id), "topics")
    expired: list[str] = []
    alive: list[str] = []
    for connection_id, topics in zip(ids, pipe.execute(), strict=True):
        (alive if topics is not None else expired).append(connection_id)
    if expired:  # their topic memberships are unknown now: the next push to those topics drops them (410)
        redis.srem(ALL_KEY, *expired)
    result = {"connections": len(alive), "expired": len(expired), "gone": 0}
    if ping and alive:
        data = encode({"type": "ping", "ts": int(time.time() * 1000)})
        result["gone"] = post_many([(c, data) for c in alive])["gone"]
    return result
