"""Google Calendar push sync per person: connect (OAuth code flow), status, disconnect, sync now, the schedule.

What one sync does (under a per-person Redis lock, no database transaction held across HTTP calls):

1. **Pull** Google's changes since the stored ``syncToken`` (all pages). A 410 means the token expired: list
   everything again (full resync) and forget links whose Google event no longer exists. Only events Licita put
   there matter (``extendedProperties.private.licitaEventId``); the person's own Google events are ignored.
   - cancelled in Google: a manual event of the person's own personal calendar (and they may still write
     calendars) is deleted in Licita (audited); any other (company calendar, automatic deadline, invitation)
     stays in Licita and is *hidden* for this person: no longer pushed to their Google;
   - edited in Google (etag differs from the one our last write got): Licita is the source of truth, the
     event is patched back on this run.
2. **Push** what the person sees in Licita (``calendars.service.visible_events``: company calendars, their own,
   invitations not declined; past non-recurring events older than 30 days skipped): insert with our event id
   as Google's id (idempotent: a retry gets 409 and patches), patch when the content hash changed, delete in
   Google what left Licita (deleted, declined, calendar no longer visible).
3. Save links, the new ``syncToken``, refreshed tokens (Fernet, ``core.security.secrets``) and the outcome.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from licita.audit.service import Actor, record
from licita.boards.service import company_of
from licita.boards.sockets import connection_principal
from licita.calendars import google, rules
from licita.calendars.google_schemas import (
    GoogleCallback,
    GoogleConnectOut,
    GoogleDisconnect,
    GoogleStatus,
    GoogleSyncResult,
)
from licita.calendars.models import Calendar, CalendarEvent, GoogleSync
from licita.calendars.service import visible_events
from licita.core.errors import Conflict, Forbidden, NotFound, ServiceUnavailable, ValidationFailed
from licita.core.security.principal import Principal
from licita.core.security.secrets import decrypt_secret, encrypt_secret
from licita.platform.clients import get_redis
from licita.platform.db.engine import system_transaction, tenant_transaction

log = logging.getLogger("licita.calendars.google")

STATE_TTL = 600
LOCK_TTL = 300
PAST_WINDOW = timedelta(days=30)
SCHEDULE_BATCH = 200  # people per scheduled run (oldest sync first)
RECONNECT = "google_reconnect_required"
MESSAGES = {RECONNECT: "O acesso ao Google Agenda expirou ou foi revogado; conecte novamente.",
            "unavailable": "O Google Agenda não respondeu; a sincronização será tentada de novo."}


def _require_enabled() -> None:
    if not google.configured():
        raise NotFound("A integração com o Google Agenda não está habilitada.", code="google_calendar_disabled")


def _redis() -> Any:
    return get_redis()


def _state_key(state: str) -> str:
    return f"gcal:state:{hashlib.sha256(state.encode()).hexdigest()}"


# ------------------------------------------------------------------------------ connect / callback
def connect_url(principal: Principal) -> GoogleConnectOut:
    """A one-time ``state`` bound to this person, and Google's consent URL carrying it."""
    _require_enabled()
    state = secrets.token_urlsafe(32)
    _redis().set(_state_key(state), json.dumps({"user_id": principal.user_id, "company_id": principal.company_id}),
                 ex=STATE_TTL)
    return GoogleConnectOut(url=google.authorization_url(state), state=state, expires_in=STATE_TTL)


def complete(principal: Principal, body: GoogleCallback, actor: Actor) -> GoogleStatus:
    """Exchange the code, store the tokens encrypted. The state must have been issued to this same person
    (a link started by someone else cannot attach their Google account to you, nor yours to them)."""
    _require_enabled()
    pipe = _redis().pipeline()
    pipe.get(_state_key(body.state))
    pipe.delete(_state_key(body.state))
    raw, _ = pipe.execute()
    owner = json.loads(raw) if raw else None
    if owner != {"user_id": principal.user_id, "company_id": principal.company_id}:
        raise ValidationFailed("Autorização do Google inválida ou expirada; comece de novo.",
                               code="google_state_invalid", details=[{"field": "state", "message": "inválido"}])
    try:
        tokens = google.exchange_code(body.code)
    except google.ReconnectRequired:
        raise ValidationFailed("O Google recusou a autorização; comece de novo.", code="google_code_invalid",
                               details=[{"field": "code", "message": "recusado pelo Google"}]) from None
    except google.GoogleError:
        raise ServiceUnavailable("O Google não respondeu; tente novamente.") from None
    company_id, me = company_of(principal), uuid.UUID(principal.user_id)
    with tenant_transaction(company_id) as db:
        row = db.get(GoogleSync, me)
        same_calendar = row is not None and row.google_calendar_id == body.calendar_id
        if row is None:
            row = GoogleSync(user_id=me, company_id=company_id, links={})
            db.add(row)
        row.google_calendar_id, row.credentials = body.calendar_id, encrypt_secret(tokens.to_json())
        if not same_calendar:  # another Google calendar: nothing of ours is there yet
            row.links, row.sync_token = {}, None
        row.last_error = None
        record(db, actor, "google_calendar.connected", "google_calendar_sync", me, company_id=company_id,
               after={"calendar_id": body.calendar_id, "scope": tokens.scope})
    try:
        sync_user(company_id, me)
    except (google.GoogleError, Conflict):  # connected all the same; the status tells what happened
        log.info("first Google sync of %s did not complete", me)
    return status(principal)


# ------------------------------------------------------------------------------ status / disconnect / sync now
def _status_of(row: GoogleSync | None) -> GoogleStatus:
    if row is None:
        return GoogleStatus(enabled=google.configured(), connected=False)
    return GoogleStatus(enabled=google.configured(), connected=True, calendar_id=row.google_calendar_id,
                        connected_at=row.created_at, last_synced_at=row.last_synced_at,
                        last_error=MESSAGES.get(row.last_error or "", row.last_error),
                        needs_reconnect=row.last_error == RECONNECT,
                        linked_events=sum(1 for v in (row.links or {}).values() if not v.get("hidden")))


def status(principal: Principal) -> GoogleStatus:
    with tenant_transaction(company_of(principal)) as db:
        return _status_of(db.get(GoogleSync, uuid.UUID(principal.user_id)))


def disconnect(principal: Principal, body: GoogleDisconnect, actor: Actor) -> GoogleStatus:
    """Forget the tokens and links; with ``remove_events`` first delete from Google what Licita put there."""
    company_id, me = company_of(principal), uuid.UUID(principal.user_id)
    with tenant_transaction(company_id) as db:
        row = db.get(GoogleSync, me)
        if row is None:
            raise NotFound("O Google Agenda não está conectado.", code="google_not_connected")
        creds, links, calendar_id = row.credentials, dict(row.links or {}), row.google_calendar_id
    removed = 0
    if body.remove_events and google.configured():
        with _locked(me):
            client = google.CalendarClient(google.Tokens.from_json(decrypt_secret(creds)), calendar_id,
                                           lambda _t: None)
            try:
                for link in links.values():
                    if not link.get("hidden"):
                        removed += client.delete(str(link["google_id"]))
            except google.GoogleError:
                raise ServiceUnavailable("O Google não respondeu; os eventos não foram removidos, tente de novo.",
                                         code="google_unavailable") from None
            finally:
                client.close()
    with tenant_transaction(company_id) as db:
        row = db.get(GoogleSync, me)
        if row is not None:
            db.delete(row)
        record(db, actor, "google_calendar.disconnected", "google_calendar_sync", me, company_id=company_id,
               after={"removed_events": removed, "remove_events": body.remove_events})
    return GoogleStatus(enabled=google.configured(), connected=False)


def sync_now(principal: Principal, actor: Actor) -> GoogleSyncResult:
    _require_enabled()
    company_id, me = company_of(principal), uuid.UUID(principal.user_id)
    with tenant_transaction(company_id) as db:
        if db.get(GoogleSync, me) is None:
            raise NotFound("O Google Agenda não está conectado.", code="google_not_connected")
    try:
        counts = sync_user(company_id, me)
    except google.ReconnectRequired:
        raise Conflict(MESSAGES[RECONNECT], code=RECONNECT) from None
    except google.GoogleError:
        raise ServiceUnavailable(MESSAGES["unavailable"], code="google_unavailable") from None
    with tenant_transaction(company_id) as db:
        record(db, actor, "google_calendar.synced", "google_calendar_sync", me, company_id=company_id, after=counts)
    numbers = {k: v for k, v in counts.items() if k in GoogleSyncResult.model_fields and k != "full_resync"}
    return GoogleSyncResult(**numbers, full_resync=bool(counts.get("full_resync")), status=status(principal))


def run_scheduled(limit: int = SCHEDULE_BATCH) -> dict[str, int]:
    """The schedule: sync the people synced longest ago; one failure never stops the others."""
    if not google.configured():
        return {"skipped": 1}
    with system_transaction() as db:
        people = db.execute(select(GoogleSync.company_id, GoogleSync.user_id)
                            .where((GoogleSync.last_error.is_(None)) | (GoogleSync.last_error != RECONNECT))
                            .order_by(GoogleSync.last_synced_at.asc().nulls_first()).limit(limit)).all()
    totals: Counter[str] = Counter()
    for company_id, user_id in people:
        try:
            totals.update(sync_user(company_id, user_id))
            totals["people"] += 1
        except Exception:  # recorded on the row; the next person still syncs
            log.warning("Google sync of %s failed", user_id, exc_info=True)
            totals["failed"] += 1
    return dict(totals)


# ------------------------------------------------------------------------------ the sync itself
@contextmanager
def _locked(user_id: uuid.UUID) -> Any:
    key, token = f"gcal:lock:{user_id}", secrets.token_hex(8)
    if not _redis().set(key, token, nx=True, ex=LOCK_TTL):
        raise Conflict("Uma sincronização com o Google já está em andamento.", code="google_sync_running")
    try:
        yield
    finally:
        if (_redis().get(key) or b"").decode() == token:
            _redis().delete(key)


def google_id(event_id: str) -> str:
    """Our event id as Google's (base32hex allows 0-9a-v): inserts are idempotent across retries."""
    return uuid.UUID(event_id).hex


def payload(event: CalendarEvent) -> dict[str, Any]:
    """The Google event for one of ours, in São Paulo time (recurrence expands in that zone)."""
    zone = rules.zone()
    start, end = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    if event.all_day:
        last = end.date() if end.date() > start.date() else start.date() + timedelta(days=1)
        times: dict[str, Any] = {"start": {"date": start.date().isoformat()}, "end": {"date": last.isoformat()}}
    else:
        times = {"start": {"dateTime": start.isoformat(), "timeZone": zone.key},
                 "end": {"dateTime": end.isoformat(), "timeZone": zone.key}}
    recurrence: list[str] = []
    if event.rrule:
        recurrence.append(f"RRULE:{event.rrule}")
        for raw in event.exdates or []:
            try:
                skipped = datetime.fromisoformat(str(raw)).astimezone(zone)
            except ValueError:
                continue
            recurrence.append(f"EXDATE;TZID={zone.key}:{skipped.strftime('%Y%m%dT%H%M%S')}")
    minutes = sorted({int(m) for m in event.reminders or [] if 0 <= int(m) <= 40320})[:5]
    return {"summary": event.title, "description": event.description, "location": event.location, **times,
            "recurrence": recurrence, "status": "confirmed",
            "reminders": {"useDefault": False, "overrides": [{"method": "popup", "minutes": m} for m in minutes]},
            "extendedProperties": {"private": {"licitaEventId": str(event.id), "licitaSource": event.source}}}


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _ours(item: dict[str, Any], by_google: dict[str, str]) -> str | None:
    private = (item.get("extendedProperties") or {}).get("private") or {}
    found = private.get("licitaEventId") or by_google.get(str(item["id"]))
    return str(found) if found else None


def _pull(client: google.CalendarClient, sync_token: str | None, links: dict[str, dict[str, Any]],
          counts: Counter[str]) -> tuple[str, set[str]]:
    """Apply Google's changes to ``links``; returns the next sync token and our ids cancelled in Google."""
    try:
        items, next_token = client.list_changes(sync_token)
        full = sync_token is None
    except google.SyncTokenExpired:
        items, next_token = client.list_changes(None)
        full, counts["full_resync"] = True, 1
    counts["pulled"] += len(items)
    by_google = {str(v["google_id"]): k for k, v in links.items()}
    cancelled: set[str] = set()
    for item in items:
        ours = _ours(item, by_google)
        if ours is None:
            continue  # the person's own Google event: not ours to touch
        if item.get("status") == "cancelled":
            if ours in links and not links[ours].get("hidden"):
                cancelled.add(ours)
        elif ours not in links:  # ours, but the link was lost (a failed save): adopt it, content re-pushed
            links[ours] = {"google_id": str(item["id"]), "etag": item.get("etag"), "hash": ""}
        elif item.get("etag") != links[ours].get("etag"):
            links[ours] = {**links[ours], "hash": ""}  # edited in Google: Licita's version goes back
    if full:  # a full list names every event Google still has: links to anything else are stale
        present = {str(i["id"]) for i in items}
        for ours in [k for k, v in links.items() if str(v["google_id"]) not in present]:
            links.pop(ours)
    return next_token, cancelled


def _apply_remote_deletes(db: Any, company_id: uuid.UUID, user_id: uuid.UUID, may_write: bool,
                          cancelled: set[str], links: dict[str, dict[str, Any]], counts: Counter[str]) -> None:
    actor = Actor(user_id=str(user_id), company_id=str(company_id), user_agent="google-calendar-sync")
    for ours in sorted(cancelled):
        row = db.execute(select(CalendarEvent, Calendar.kind, Calendar.owner_id)
                         .join(Calendar, Calendar.id == CalendarEvent.calendar_id)
                         .where(CalendarEvent.id == uuid.UUID(ours), CalendarEvent.company_id == company_id)).first()
        if row is None:
            links.pop(ours, None)
            continue
        event, kind, owner = row
        if may_write and event.source == "manual" and kind == "personal" and owner == user_id:
            record(db, actor, "calendar_event.deleted", "calendar_event", event.id, company_id=company_id,
                   before={"title": event.title, "starts_at": event.starts_at.isoformat(), "via": "google"})
            db.delete(event)
            links.pop(ours, None)
            counts["deleted_here"] += 1
        else:
            links[ours] = {**links[ours], "hidden": True}
            counts["hidden"] += 1


def _push(client: google.CalendarClient, wanted: dict[str, dict[str, Any]], links: dict[str, dict[str, Any]],
          counts: Counter[str]) -> None:
    for ours, body in wanted.items():
        link, digest = links.get(ours), _digest(body)
        if link is not None and (link.get("hidden") or link.get("hash") == digest):
            continue
        if link is None:
            try:
                done: dict[str, Any] | None = client.insert({**body, "id": google_id(ours)})
            except google.Duplicate:  # a retry after a lost save, or a re-connection to the same calendar
                done = client.patch(google_id(ours), body)
            counts["inserted"] += 1
        else:
            done = client.patch(str(link["google_id"]), body)
            counts["updated"] += 1
        if done is None:  # purged from Google meanwhile: treat as the person's delete
            links[ours] = {"google_id": google_id(ours), "etag": None, "hash": digest, "hidden": True}
            counts["hidden"] += 1
            continue
        links[ours] = {"google_id": str(done.get("id") or google_id(ours)), "etag": done.get("etag"), "hash": digest}
    for ours in [k for k in links if k not in wanted]:
        if not links[ours].get("hidden"):
            client.delete(str(links[ours]["google_id"]))
            counts["deleted_in_google"] += 1
        links.pop(ours)


def _person(company_id: uuid.UUID, user_id: uuid.UUID) -> Principal | None:
    try:
        return connection_principal({"company_id": str(company_id), "user_id": str(user_id)})
    except Forbidden:
        return None


def _save(company_id: uuid.UUID, user_id: uuid.UUID, **values: Any) -> None:
    with tenant_transaction(company_id) as db:
        row = db.get(GoogleSync, user_id)
        if row is not None:  # disconnected meanwhile: nothing to keep
            for key, value in values.items():
                setattr(row, key, value)


def sync_user(company_id: uuid.UUID | str, user_id: uuid.UUID | str) -> dict[str, int]:
    """One pull + push for one person (see the module docstring). Raises google.* errors after saving them."""
    cid, uid = uuid.UUID(str(company_id)), uuid.UUID(str(user_id))
    counts: Counter[str] = Counter()
    with _locked(uid):
        with tenant_transaction(cid) as db:
            row = db.get(GoogleSync, uid)
            if row is None or row.company_id != cid:
                return {}
            creds, sync_token, calendar_id = row.credentials, row.sync_token, row.google_calendar_id
            links: dict[str, dict[str, Any]] = json.loads(json.dumps(row.links or {}))
        person = _person(cid, uid)
        if person is None or not person.can("calendar:read"):
            _save(cid, uid, last_error="Usuário sem acesso à agenda; sincronização suspensa.")
            return {}
        refreshed: list[google.Tokens] = []
        try:
            tokens = google.Tokens.from_json(decrypt_secret(creds))
        except (ValidationFailed, ValueError, KeyError):
            _save(cid, uid, last_error=RECONNECT)
            raise google.ReconnectRequired("stored credentials unreadable") from None
        client = google.CalendarClient(tokens, calendar_id, refreshed.append)
        try:
            next_token, cancelled = _pull(client, sync_token, links, counts)
            with tenant_transaction(cid) as db:
                _apply_remote_deletes(db, cid, uid, person.can("calendar:write"), cancelled, links, counts)
                horizon = datetime.now(UTC) - PAST_WINDOW
                wanted = {str(e.id): payload(e) for e in visible_events(db, cid, uid)
                          if e.rrule or e.ends_at >= horizon}
            _push(client, wanted, links, counts)
        except google.ReconnectRequired:
            _save(cid, uid, last_error=RECONNECT, links=links)
            raise
        except google.GoogleError as exc:
            extra = {"credentials": encrypt_secret(refreshed[-1].to_json())} if refreshed else {}
            _save(cid, uid, last_error="unavailable", links=links, **extra)
            log.info("Google sync of %s stopped: %s", uid, exc)
            raise
        finally:
            client.close()
        extra = {"credentials": encrypt_secret(refreshed[-1].to_json())} if refreshed else {}
        _save(cid, uid, links=links, sync_token=next_token, last_synced_at=datetime.now(UTC), last_error=None,
              **extra)
        counts["api_calls"] = client.calls
    return dict(counts)
