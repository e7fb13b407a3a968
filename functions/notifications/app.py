"""Notifications function: the caller's inbox (list, counts, read, delete) and notification preferences."""

from __future__ import annotations

from typing import TYPE_CHECKING

from licita.api import Api, RequestContext
from licita.core.lazy import lazy_import
from licita.notifications import schemas as s

if TYPE_CHECKING:
    from licita.notifications import inbox
else:  # loaded on the first request that needs it (cold start)
    inbox = lazy_import("licita.notifications.inbox")

api = Api("notifications", tags=["notifications"])
app = api.app


@api.get("/notifications", query=s.InboxQuery, response=s.NotificationList)
def list_notifications(ctx: RequestContext[None, s.InboxQuery]) -> s.NotificationList:
    """The caller's notifications, newest first (unread only, by kind, paginated)."""
    return inbox.list_notifications(ctx.user, ctx.query)


@api.get("/notifications/counts", response=s.InboxCounts)
def counts(ctx: RequestContext[None, None]) -> s.InboxCounts:
    """Totals and unread per kind (the badge)."""
    return inbox.counts(ctx.user)


@api.post("/notifications/{notification_id}/read", response=s.NotificationOut, errors=(404,))
def mark_read(ctx: RequestContext[None, None]) -> s.NotificationOut:
    """Mark one notification read (idempotent)."""
    return inbox.mark_read(ctx.user, ctx.path_params["notification_id"])


@api.post("/notifications/read-all", query=s.KindsQuery, response=s.Updated)
def mark_all_read(ctx: RequestContext[None, s.KindsQuery]) -> s.Updated:
    """Mark every unread notification read (optionally only some kinds)."""
    return inbox.mark_all_read(ctx.user, ctx.query)


@api.delete("/notifications/{notification_id}", status=204, errors=(404,))
def delete(ctx: RequestContext[None, None]) -> None:
    """Delete one notification."""
    inbox.delete(ctx.user, ctx.path_params["notification_id"])


@api.get("/notifications/preferences", response=s.PreferencesOut)
def get_preferences(ctx: RequestContext[None, None]) -> s.PreferencesOut:
    """Per kind and channel (in_app, email): the caller's choice or the default."""
    return inbox.get_preferences(ctx.user)


@api.put("/notifications/preferences", body=s.PreferencesUpdate, response=s.PreferencesOut)
def put_preferences(ctx: RequestContext[s.PreferencesUpdate, None]) -> s.PreferencesOut:
    """Change some kinds/channels; the rest keep their value."""
    return inbox.update_preferences(ctx.user, ctx.body)
