"""Calendars function: company and personal calendars, events with attendees and RFC 5545 recurrence,
occurrences in a range, secret ICS feeds (public ``GET /ics/{token}``), the optional Google Calendar sync, and
the reminders and Google sync schedules (``handler`` routes them). Thin: parse, authorize, call licita.calendars
services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Response

from licita.api import Api, Collection, RequestContext, Resource
from licita.calendars import google_schemas as gs
from licita.calendars import schemas as s
from licita.core.config import get_settings
from licita.core.errors import AppError
from licita.core.http import RouteSpec, error_response
from licita.core.lazy import lazy_imports

if TYPE_CHECKING:
    from licita.calendars import feeds, google_sync, reminders, service
else:  # SQLAlchemy, icalendar and friends load on the first request that needs them (cold start)
    service, feeds, google_sync, reminders = lazy_imports(
        "licita.calendars", "service", "feeds", "google_sync", "reminders")

api = Api("calendars", tags=["calendars"])
app = api.app


@api.get("/calendars", response=s.CalendarList, permission="calendar:read")
def list_calendars(ctx: RequestContext[None, None]) -> s.CalendarList:
    """Company calendars and your personal ones."""
    return service.list_calendars(ctx.user)


calendars = Collection(api, "/calendars", read="calendar:read", write="calendar:write")
calendars.create("create_calendar", s.CalendarCreate, s.CalendarOut, lambda: service.create_calendar,
                 "A personal calendar (or, for managers, a company one).", errors=(403, 422))
calendars.list("list_occurrences", s.RangeQuery, s.OccurrenceList, lambda: service.occurrences,
               "Every occurrence between ?from= and ?to= (recurrences expanded), automatic deadlines included.",
               sub="/occurrences", errors=(404, 422))
calendar = Resource(api, "/calendars/{calendar_id}", read="calendar:read", write="calendar:write")
calendar.write("create_event", s.EventCreate, s.EventOut, lambda: service.create_event,
               "An event, optionally recurring (RRULE) with reminders and invited people.", sub="/events",
               method="POST", status=201, errors=(404, 422))
event = Resource(api, "/calendar-events/{event_id}", read="calendar:read", write="calendar:write")
event.read("get_event", s.EventOut, lambda: service.get_event, "One event with its attendees' answers.")
event.write("update_event", s.EventUpdate, s.EventOut, lambda: service.update_event,
            "Edit a manual event (automatic ones follow their source); carries the version read.")
event.delete("delete_event", lambda: service.delete_event, "Delete a manual event.", errors=(404, 409))


@api.post("/calendar-events/{event_id}/respond", body=s.RespondBody, response=s.EventOut, permission="calendar:read",
          errors=(404, 422))
def respond(ctx: RequestContext[s.RespondBody, None]) -> s.EventOut:
    """Accept, decline or tentatively accept an invitation."""
    return service.respond(ctx.user, ctx.path_params["event_id"], ctx.body.status, ctx.actor)


def _base_url(ctx: RequestContext[Any, Any]) -> str:
    configured = get_settings().public_api_url
    if configured:
        return configured
    host = ctx.headers.get("host", "localhost")
    proto = ctx.headers.get("x-forwarded-proto", "https" if "amazonaws.com" in host else "http")
    return f"{proto}://{host}"


@api.post("/calendars/feeds", body=s.FeedCreate, response=s.FeedCreated, status=201, permission="calendar:read",
          errors=(422,))
def create_feed(ctx: RequestContext[s.FeedCreate, None]) -> s.FeedCreated:
    """A secret ICS URL (yours or the company's calendars) for Google Calendar, Outlook or Apple Calendar."""
    return feeds.create_feed(ctx.user, ctx.body, _base_url(ctx), ctx.actor)


@api.get("/calendars/feeds", response=s.FeedList, permission="calendar:read")
def list_feeds(ctx: RequestContext[None, None]) -> s.FeedList:
    """Your feeds (the URLs themselves are shown only when created)."""
    return feeds.list_feeds(ctx.user)


@api.delete("/calendars/feeds/{feed_id}", response=s.FeedOut, permission="calendar:read", errors=(404,))
def revoke_feed(ctx: RequestContext[None, None]) -> s.FeedOut:
    """Revoke a feed: its URL stops working at once."""
    return feeds.revoke_feed(ctx.user, ctx.path_params["feed_id"], ctx.actor)


# ------------------------------------------------------------------------------ Google Calendar sync (optional)
@api.get("/calendars/google/status", response=gs.GoogleStatus, permission="calendar:read")
def google_status(ctx: RequestContext[None, None]) -> gs.GoogleStatus:
    """Whether the sync is offered, and your link: calendar, last sync, last error (never the credentials)."""
    return google_sync.status(ctx.user)


@api.get("/calendars/google/connect", response=gs.GoogleConnectOut, permission="calendar:read", errors=(404,))
def google_connect(ctx: RequestContext[None, None]) -> gs.GoogleConnectOut:
    """Google's consent URL with a one-time state bound to you; Google returns to the SPA's callback page."""
    return google_sync.connect_url(ctx.user)


@api.post("/calendars/google/callback", body=gs.GoogleCallback, response=gs.GoogleStatus, permission="calendar:read",
          errors=(404, 422, 503))
def google_callback(ctx: RequestContext[gs.GoogleCallback, None]) -> gs.GoogleStatus:
    """The SPA posts Google's code and state: tokens are exchanged and stored encrypted, a first sync runs."""
    return google_sync.complete(ctx.user, ctx.body, ctx.actor)


@api.post("/calendars/google/sync", response=gs.GoogleSyncResult, permission="calendar:read",
          errors=(404, 409, 503))
def google_sync_now(ctx: RequestContext[None, None]) -> gs.GoogleSyncResult:
    """Pull Google's changes and push yours now (the schedule does it every 15 minutes)."""
    return google_sync.sync_now(ctx.user, ctx.actor)


@api.post("/calendars/google/disconnect", body=gs.GoogleDisconnect, response=gs.GoogleStatus,
          permission="calendar:read", errors=(404, 409, 422, 503))
def google_disconnect(ctx: RequestContext[gs.GoogleDisconnect, None]) -> gs.GoogleStatus:
    """Forget your Google link (optionally deleting from Google the events Licita put there)."""
    return google_sync.disconnect(ctx.user, ctx.body, ctx.actor)


# ------------------------------------------------------------------------------ the public ICS route
# Not JSON: registered on Chalice directly, and declared in the route table for OpenAPI and the template check.
api.routes.append(RouteSpec(path="/ics/{token}", method="GET", handler_name="ics_feed",
                            summary="ICS feed at a secret URL (text/calendar); no login, the token is the secret.",
                            body=None, query=None, response=None, status=200, public=True, permission=None,
                            errors=(404,), tags=api.tags))


@app.route("/ics/{token}", methods=["GET"])
def ics_feed(token: str) -> Response:
    try:
        data = feeds.render_feed(token)
    except AppError as exc:
        return error_response(exc)
    return Response(body=data.decode(), status_code=200, headers={
        "Content-Type": "text/calendar; charset=utf-8", "Cache-Control": "private, max-age=300",
        "Content-Disposition": 'inline; filename="licita.ics"'})


def handler(event: dict[str, Any], context: Any) -> Any:
    """The Lambda entry point: the schedule's ``{"task": "calendar_reminders"}`` publishes the reminders that
    fell due; everything else is an API Gateway request for the Chalice app."""
    if isinstance(event, dict) and event.get("task") == "calendar_reminders":
        return reminders.run()
    if isinstance(event, dict) and event.get("task") == "google_calendar_sync":
        return google_sync.run_scheduled()
    return app(event, context)
