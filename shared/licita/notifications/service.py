"""The notification pipeline: one domain event in, inbox rows + socket pushes + e-mails out.

Every domain event reaches the ``notify`` function through the notifications queue (one publisher,
:func:`licita.platform.queues.publish`). :func:`deliver` decides the recipients by kind, role and
preferences, pushes to their live sockets first (latency), then writes the MongoDB inbox and queues
e-mail. Redeliveries are harmless: inbox and outbox rows have deterministic ids per (event, user), a
``notify:done`` mark short-circuits a finished event, and a ``notify:pushed`` mark avoids re-pushing
when only the inbox or mail step failed. Sockets are at-least-once (clients dedupe on ``id``); inbox and
e-mail are exactly-once per recipient.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from licita.core.errors import ValidationFailed
from licita.core.events import Kind, Message, describe, format_when, kind_of, kinds
from licita.platform.ports import MailSender

__all__ = ["Kind", "Message", "Recipient", "channels_for", "default_preferences", "deliver", "describe",
           "effective_preferences", "format_when", "kind_of", "kinds", "react", "recipients_for", "run_reactions",
           "validate_event"]

log = logging.getLogger("licita.notifications")

INBOX = "notifications"
PREFERENCES = "notification_preferences"
INBOX_TTL_DAYS = 90
DONE_TTL = 7 * 86400


CHANNELS = ("in_app", "email")


@dataclass(frozen=True)
class Recipient:
    user_id: str
    email: str
    first_name: str
    role: str
    permissions: frozenset[str] = field(default_factory=frozenset)

    def can(self, permission: str) -> bool:
        from licita.core.security.principal import ROLE_PERMISSIONS

        return permission in self.permissions or permission in ROLE_PERMISSIONS.get(self.role, frozenset())


# ------------------------------------------------------------------------------ pure rules
def validate_event(event: Any) -> dict[str, Any]:
    if not isinstance(event, dict) or not isinstance(event.get("type"), str) or not event.get("company_id"):
        raise ValidationFailed("Evento sem 'type' ou 'company_id'.", code="malformed_event")
    if not event.get("id"):
        raise ValidationFailed("Evento sem 'id'.", code="malformed_event")
    payload = event.get("payload")
    if payload is not None and not isinstance(payload, dict):
        raise ValidationFailed("'payload' deve ser um objeto.", code="malformed_event")
    return event


def recipients_for(event: Mapping[str, Any], users: Sequence[Recipient]) -> list[Recipient]:
    """Who may hear about ``event`` among the company's active users (role/permission/actor rules)."""
    kind = kind_of(str(event["type"]))
    payload = event.get("payload") or {}
    actor = str(event["user_id"]) if event.get("user_id") else None
    if kind.audience == "target":
        target = str(payload.get("target_user_id") or actor or "")
        chosen = [u for u in users if u.user_id == target]
    else:
        chosen = [u for u in users if kind.permission is None or u.can(kind.permission)]
        if kind.exclude_actor and actor:
            chosen = [u for u in chosen if u.user_id != actor]
    only = payload.get("recipient_ids")
    if isinstance(only, list):
        wanted = {str(x) for x in only}
        chosen = [u for u in chosen if u.user_id in wanted]
    return chosen


def default_preferences() -> dict[str, dict[str, bool]]:
    return {k.key: {"in_app": k.in_app, "email": k.email} for k in kinds().values()}


def effective_preferences(stored: Mapping[str, Any] | None) -> dict[str, dict[str, bool]]:
    """Catalog defaults overlaid with what the user chose (unknown kinds in storage are ignored)."""
    prefs = default_preferences()
    for item in (stored or {}).get("overrides") or []:
        key = item.get("kind")
        if key in prefs:
            for channel in CHANNELS:
                if isinstance(item.get(channel), bool):
                    prefs[key][channel] = item[channel]
    return prefs


def channels_for(kind_key: str, stored: Mapping[str, Any] | None, company_email_enabled: bool = True,
                 has_email: bool = True) -> tuple[bool, bool]:
    """(in_app, email) for one user and kind."""
    kind = kind_of(kind_key)
    prefs = effective_preferences(stored).get(kind_key, {"in_app": kind.in_app, "email": kind.email})
    return prefs["in_app"], prefs["email"] and company_email_enabled and has_email


def notification_id(dedup_key: str, user_id: str) -> str:
    """Deterministic per (event, user): a redelivered event can never create a second inbox row or e-mail."""
    return hashlib.sha256(f"{dedup_key}|{user_id}".encode()).hexdigest()[:24]


def dedup_key(event: Mapping[str, Any]) -> str:
    payload = event.get("payload") or {}
    return str(payload.get("dedup_key") or event["id"])


# ------------------------------------------------------------------------------ lookups
def load_users(company_id: str) -> list[Recipient]:
    """Active users of an active company (a suspended company hears nothing)."""
    from sqlalchemy import select

    from licita.accounts.models import Company, Status, User
    from licita.platform.db.engine import system_transaction

    try:
        cid = uuid.UUID(str(company_id))
    except ValueError:
        return []
    with system_transaction() as db:
        status = db.scalar(select(Company.status).where(Company.id == cid))
        if status != Status.ACTIVE:
            return []
        rows = db.execute(select(User.id, User.email, User.first_name, User.role, User.permissions)
                          .where(User.company_id == cid, User.status == Status.ACTIVE)).all()
    return [Recipient(str(r.id), r.email, r.first_name, r.role, frozenset(r.permissions or ())) for r in rows]


def load_preferences(user_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    from licita.platform.clients import get_mongo

    ids = list(user_ids)
    if not ids:
        return {}
    return {str(d["_id"]): d for d in get_mongo()[PREFERENCES].find({"_id": {"$in": ids}})}


SETTINGS_CACHE_SECONDS = 15.0
_settings_cache: dict[str, tuple[float, dict[str, Any]]] = {}


def company_settings(company_id: str) -> dict[str, Any]:
    """The company's ``notifications`` dynamic setting (email kill switch, reminder hours), with defaults.

    Cached per container for a few seconds: read on every event, changed almost never."""
    import time

    cached = _settings_cache.get(str(company_id))
    if cached and cached[0] > time.monotonic():
        return dict(cached[1])
    from licita.platform.clients import get_mongo

    doc = get_mongo()["dynamic_settings"].find_one({"company_id": str(company_id), "key": "notifications"})
    value = dict((doc or {}).get("value") or {})
    value.setdefault("email_enabled", True)
    value.setdefault("reminder_hours", [72, 24, 2])
    _settings_cache[str(company_id)] = (time.monotonic() + SETTINGS_CACHE_SECONDS, value)
    return dict(value)


_indexes_ready = False


def ensure_indexes() -> None:
    """Once per container: the inbox query index and the TTL that forgets notifications after 90 days."""
    global _indexes_ready
    if _indexes_ready:
        return
    from licita.platform.clients import get_mongo

    inbox = get_mongo()[INBOX]
    inbox.create_index("created_at", expireAfterSeconds=INBOX_TTL_DAYS * 86400, name="ttl_created_at")
    inbox.create_index([("user_id", 1), ("read", 1), ("created_at", -1)], name="user_read_created")
    from licita.notifications import mailer

    mailer.ensure_indexes()
    _indexes_ready = True


# ------------------------------------------------------------------------------ the pipeline
def deliver(event: dict[str, Any], *, smtp: MailSender | None = None) -> dict[str, int]:
    """Fan one domain event out. Raises only on infrastructure failures (the record is then retried)."""
    from licita.notifications import mailer
    from licita.platform.clients import get_redis

    validate_event(event)
    key = dedup_key(event)
    redis = get_redis()
    if redis.exists(f"notify:done:{key}"):
        return {"duplicate": 1}
    ensure_indexes()
    company_id = str(event["company_id"])
    kind = str(event["type"])
    recipients = recipients_for(event, load_users(company_id))
    prefs = load_preferences(u.user_id for u in recipients)
    settings = company_settings(company_id) if recipients else {"email_enabled": True}
    message = describe(event)
    now = datetime.now(UTC)
    payload = dict(event.get("payload") or {})
    in_app: list[Recipient] = []
    by_email: list[Recipient] = []
    for user in recipients:
        wants_app, wants_email = channels_for(kind, prefs.get(user.user_id), bool(settings["email_enabled"]),
                                              bool(user.email))
        if wants_app:
            in_app.append(user)
        if wants_email:
            by_email.append(user)

    docs = [{"_id": notification_id(key, u.user_id), "user_id": u.user_id, "company_id": company_id, "kind": kind,
             "title": message.title, "body": message.body, "link": message.link, "data": payload,
             "event_id": str(event["id"]), "actor_id": event.get("user_id"), "created_at": now,
             "read": False, "read_at": None} for u in in_app]
    counts = {"recipients": len(recipients), "inbox": 0, "pushed": 0, "gone": 0, "emails_sent": 0,
              "emails_queued": 0}

    # 1. sockets first: nothing below (Mongo, SMTP) may delay or block the push
    pushed_key = f"notify:pushed:{key}"
    if not redis.exists(pushed_key):
        result = _push(company_id, kind, event, payload, docs)
        counts["pushed"], counts["gone"] = result["sent"], result["gone"]
        redis.set(pushed_key, "1", ex=DONE_TTL)

    # 2. inbox (exactly once per recipient: deterministic ids)
    counts["inbox"] = _insert_new(INBOX, docs)

    # 3. e-mail: queued durably, then tried now; a failure stays in the outbox for the maintenance retry
    if by_email:
        queued = mailer.enqueue([mailer.compose(kind, message, u, notification_id(key, u.user_id), company_id,
                                                payload) for u in by_email])
        counts["emails_queued"] = len(queued)
        counts["emails_sent"] = mailer.send_queued(queued, smtp=smtp)

    # 4. what areas do when this happens (a card for a READY tender, calendar events...): idempotent reactions
    counts["reactions"] = run_reactions(event)

    redis.set(f"notify:done:{key}", "1", ex=DONE_TTL)
    return counts


# ------------------------------------------------------------------------------ domain reactions
Reaction = Callable[[Mapping[str, Any]], None]
_REACTIONS: dict[str, dict[str, Reaction]] = {}


def react(*event_types: str) -> Callable[[Reaction], Reaction]:
    """Register an area's reaction to domain events (declared in its ``events.py``, beside its kinds), so
    nothing central grows an if-chain per area. Reactions run on every delivery of the event and must be
    idempotent; one that raises makes the record retry (notifications already sent are not repeated)."""

    def decorator(fn: Reaction) -> Reaction:
        for event_type in event_types:
            _REACTIONS.setdefault(event_type, {})[f"{fn.__module__}.{fn.__qualname__}"] = fn
        return fn

    return decorator


def run_reactions(event: Mapping[str, Any]) -> int:
    from licita.core.events import load_all

    load_all()
    reactions = list(_REACTIONS.get(str(event["type"]), {}).values())
    for reaction in reactions:
        reaction(event)
    return len(reactions)


def _push(company_id: str, kind: str, event: Mapping[str, Any], payload: Mapping[str, Any],
          docs: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    from licita.realtime import service as realtime

    by_user = realtime.connections_by_topic([realtime.user_topic(d["user_id"]) for d in docs])
    messages: list[tuple[str, bytes]] = []
    found: dict[str, list[str]] = {}
    reached: set[str] = set()
    for doc in docs:
        topic = realtime.user_topic(doc["user_id"])
        ids = by_user.get(topic) or []
        if not ids:
            continue
        data = realtime.encode(socket_message(doc))
        for connection_id in ids:
            messages.append((connection_id, data))
            found.setdefault(connection_id, []).append(topic)
            reached.add(connection_id)
    # subscribers of the tender/board the event is about, that the per-user messages did not reach already
    extra = [realtime.scoped_topic(company_id, f"{name}:{payload[f'{name}_id']}") for name in ("tender", "board")
             if payload.get(f"{name}_id")]
    if extra:
        data = realtime.encode({"type": "event", "event": kind, "event_id": event["id"], "payload": payload,
                                "occurred_at": event.get("occurred_at")})
        for topic, ids in realtime.connections_by_topic(extra).items():
            for connection_id in ids:
                if connection_id not in reached:
                    messages.append((connection_id, data))
                    reached.add(connection_id)
                found.setdefault(connection_id, []).append(topic)
    return realtime.post_many(messages, found)


def socket_message(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The frame a client receives: the inbox item itself (``event``/``payload`` kept for older clients)."""
    created = doc["created_at"]
    return {"type": "notification", "id": doc["_id"], "kind": doc["kind"], "event": doc["kind"],
            "event_id": doc["event_id"], "title": doc["title"], "body": doc["body"], "link": doc["link"],
            "created_at": created.isoformat() if isinstance(created, datetime) else created,
            "payload": doc["data"], "read": False}


def _insert_new(collection: str, docs: Sequence[Mapping[str, Any]]) -> int:
    """Insert, ignoring rows that already exist (a redelivery); returns how many were new."""
    if not docs:
        return 0
    from pymongo.errors import BulkWriteError

    from licita.platform.clients import get_mongo

    try:
        return len(get_mongo()[collection].insert_many([dict(d) for d in docs], ordered=False).inserted_ids)
    except BulkWriteError as err:
        errors = err.details.get("writeErrors") or []
        if any(e.get("code") != 11000 for e in errors):
            raise
        return int(err.details.get("nInserted", len(docs) - len(errors)))
