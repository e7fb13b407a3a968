"""The per-user inbox (MongoDB ``notifications``) and notification preferences, for the inbox API.

Every query is keyed on the caller's own ``user_id``: a notification id of someone else is simply
"not found". Rows expire after 90 days (TTL index created by the notify pipeline).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from licita.core.errors import NotFound
from licita.core.events import kinds
from licita.core.security.principal import Principal
from licita.notifications import schemas as s
from licita.notifications.preferences import CHANNELS, INBOX, PREFERENCES, company_settings, effective_preferences
from licita.platform.clients import get_mongo, get_mongo_reads
from licita.platform.mongo_listing import paginate_documents


def _inbox() -> Any:
    return get_mongo()[INBOX]


def _inbox_reads() -> Any:
    """The inbox for the list and the counts: read without importing pymongo where the URL allows it."""
    return get_mongo_reads()[INBOX]


def _out(doc: dict[str, Any]) -> s.NotificationOut:
    return s.NotificationOut(id=str(doc["_id"]), kind=doc["kind"], title=doc["title"], body=doc["body"],
                             link=doc.get("link"), data=doc.get("data") or {}, read=bool(doc.get("read")),
                             read_at=doc.get("read_at"), created_at=doc["created_at"])


def _owned(principal: Principal, kinds: list[str] | None = None) -> dict[str, Any]:
    query: dict[str, Any] = {"user_id": principal.user_id}
    if kinds:
        query["kind"] = {"$in": kinds}
    return query


def list_notifications(principal: Principal, query: s.InboxQuery) -> s.NotificationList:
    """Newest first; unread-only and kind filters; the unread total for the badge rides along."""
    base = _owned(principal, query.kind_list())
    if query.unread_only:
        base["read"] = False
    inbox = _inbox_reads()
    docs, page = paginate_documents(inbox, base, [("created_at", -1), ("_id", -1)], query.page, query.page_size)
    unread = page.total if query.unread_only and not query.kinds else \
        inbox.count_documents({"user_id": principal.user_id, "read": False})
    return s.NotificationList(items=[_out(d) for d in docs], page=page, unread=unread)


def counts(principal: Principal) -> s.InboxCounts:
    rows = list(_inbox_reads().aggregate([
        {"$match": {"user_id": principal.user_id}},
        {"$group": {"_id": "$kind", "total": {"$sum": 1},
                    "unread": {"$sum": {"$cond": [{"$eq": ["$read", False]}, 1, 0]}}}},
    ]))
    return s.InboxCounts(total=sum(int(r["total"]) for r in rows), unread=sum(int(r["unread"]) for r in rows),
                         unread_by_kind={str(r["_id"]): int(r["unread"]) for r in rows if r["unread"]})


def mark_read(principal: Principal, notification_id: str) -> s.NotificationOut:
    from pymongo import ReturnDocument  # noqa: PLC0415  (heavy: pymongo, lazy for cold start)

    inbox = _inbox()
    doc = inbox.find_one_and_update({"_id": notification_id, "user_id": principal.user_id, "read": False},
                                    {"$set": {"read": True, "read_at": datetime.now(UTC)}},
                                    return_document=ReturnDocument.AFTER)
    if doc is None:  # already read (idempotent) or not ours
        doc = inbox.find_one({"_id": notification_id, "user_id": principal.user_id})
    if doc is None:
        raise NotFound("Notificação não encontrada.")
    return _out(doc)


def mark_all_read(principal: Principal, query: s.KindsQuery) -> s.Updated:
    filt = {**_owned(principal, query.kind_list()), "read": False}
    result = _inbox().update_many(filt, {"$set": {"read": True, "read_at": datetime.now(UTC)}})
    return s.Updated(updated=int(result.modified_count))


def delete(principal: Principal, notification_id: str) -> None:
    if _inbox().delete_one({"_id": notification_id, "user_id": principal.user_id}).deleted_count == 0:
        raise NotFound("Notificação não encontrada.")


# ------------------------------------------------------------------------------ preferences
def _preferences_out(principal: Principal, stored: dict[str, Any] | None) -> s.PreferencesOut:
    prefs = effective_preferences(stored)
    items = [s.KindPreference(kind=k.key, label=k.label, in_app=prefs[k.key]["in_app"],
                              email=prefs[k.key]["email"], default_in_app=k.in_app, default_email=k.email)
             for k in kinds().values()]
    email_enabled = bool(company_settings(principal.company_id)["email_enabled"])
    return s.PreferencesOut(items=items, company_email_enabled=email_enabled,
                            updated_at=(stored or {}).get("updated_at"))


def get_preferences(principal: Principal) -> s.PreferencesOut:
    return _preferences_out(principal, get_mongo()[PREFERENCES].find_one({"_id": principal.user_id}))


def update_preferences(principal: Principal, data: s.PreferencesUpdate) -> s.PreferencesOut:
    """Merge: only the kinds/channels sent change. Stored as a list (kind keys contain dots)."""
    collection = get_mongo()[PREFERENCES]
    stored = collection.find_one({"_id": principal.user_id}) or {}
    overrides = {o["kind"]: o for o in stored.get("overrides") or [] if o.get("kind") in kinds()}
    for kind, channels in data.kinds.items():
        entry = overrides.setdefault(kind, {"kind": kind})
        for channel in CHANNELS:
            value = getattr(channels, channel)
            if value is not None:
                entry[channel] = value
    doc = {"_id": principal.user_id, "company_id": principal.company_id,
           "overrides": sorted(overrides.values(), key=lambda o: o["kind"]), "updated_at": datetime.now(UTC)}
    collection.replace_one({"_id": principal.user_id}, doc, upsert=True)
    return _preferences_out(principal, doc)
