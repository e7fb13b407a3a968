"""A local Google Calendar: a real HTTP server speaking the parts of the OAuth 2.0 token endpoint and the
Calendar API v3 REST protocol that ``licita.calendars.google`` uses, so the sync is tested over the wire.

- ``POST /token`` (form-encoded): ``authorization_code`` (codes issued by :meth:`FakeGoogle.issue_code`, bound
  to the redirect URI) and ``refresh_token`` grants; client id/secret checked; ``invalid_grant`` like Google.
- ``GET/POST /calendars/{id}/events``, ``GET/PATCH/DELETE /calendars/{id}/events/{eventId}`` (also under the
  ``/calendar/v3`` prefix): bearer tokens that expire, client-chosen base32hex ids (409 on reuse), etags
  and ``If-Match`` (412), ``sequence``, cancelled tombstones (DELETE again is 410), paging with
  ``pageToken``/``nextPageToken`` and ``maxResults``, incremental lists with ``syncToken``/``nextSyncToken``
  (deleted events included), 410 ``fullSyncRequired`` for an expired sync token, 400 when a sync token is
  combined with filters.

Test helpers act as the person in Google's UI (:meth:`edit`, :meth:`delete`, :meth:`create`) and as Google
itself (:meth:`expire_sync_tokens`, :meth:`expire_access_tokens`, :meth:`revoke_refresh_tokens`).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

_EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")
_PATH = re.compile(r"^(?:/calendar/v3)?/calendars/(?P<cal>[^/]+)/events(?:/(?P<event>[^/]+))?$")
FILTERS = ("timeMin", "timeMax", "q", "updatedMin", "iCalUID", "orderBy", "privateExtendedProperty")


class FakeGoogle:
    def __init__(self, client_id: str = "fake-client.apps.googleusercontent.com",
                 client_secret: str = "fake-secret", access_ttl: int = 3600) -> None:
        self.client_id, self.client_secret, self.access_ttl = client_id, client_secret, access_ttl
        self.lock = threading.RLock()
        self.calendars: dict[str, dict[str, dict[str, Any]]] = {}
        self.clock = 0  # global change counter: events remember when they changed, sync tokens where they stand
        self.codes: dict[str, str] = {}  # code -> redirect_uri
        self.access: dict[str, float] = {}  # access token -> expiry (epoch)
        self.refresh: set[str] = set()
        self.sync_floor = 0  # sync tokens issued before this clock value are expired (410)
        self.requests: list[tuple[str, str]] = []  # (method, path) of every call, for assertions
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # ------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeGoogle:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ------------------------------------------------------------------ test helpers
    def issue_code(self, redirect_uri: str) -> str:
        """What Google appends to the redirect URI after the person consents."""
        code = "4/" + secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = redirect_uri
        return code

    def events(self, calendar_id: str = "primary", *, include_cancelled: bool = False) -> dict[str, dict[str, Any]]:
        with self.lock:
            return {k: json.loads(json.dumps(v)) for k, v in self.calendars.get(calendar_id, {}).items()
                    if include_cancelled or v["status"] != "cancelled"}

    def create(self, calendar_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            return self._insert(calendar_id, dict(body))[1]

    def edit(self, calendar_id: str, event_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            event = self.calendars[calendar_id][event_id]
            event.update(changes)
            self._touch(event)
            return dict(event)

    def delete(self, calendar_id: str, event_id: str) -> None:
        with self.lock:
            event = self.calendars[calendar_id][event_id]
            event["status"] = "cancelled"
            self._touch(event)

    def expire_sync_tokens(self) -> None:
        with self.lock:
            self.sync_floor = self.clock + 1

    def expire_access_tokens(self) -> None:
        with self.lock:
            self.access = dict.fromkeys(self.access, 0.0)

    def revoke_refresh_tokens(self) -> None:
        with self.lock:
            self.refresh.clear()
            self.access.clear()

    # ------------------------------------------------------------------ protocol
    def _touch(self, event: dict[str, Any]) -> None:
        self.clock += 1
        event["_changed"] = self.clock
        event["sequence"] = int(event.get("sequence", 0)) + 1
        event["etag"] = f'"{self.clock}{secrets.randbelow(10**6):06d}"'
        event["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())

    def _insert(self, calendar_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        cal = self.calendars.setdefault(calendar_id, {})
        event_id = body.get("id") or secrets.token_hex(13)
        if not _EVENT_ID.match(str(event_id)):
            return 400, _error(400, "Invalid resource id value.", "invalid")
        if event_id in cal:
            return 409, _error(409, "The requested identifier already exists.", "duplicate")
        if not isinstance(body.get("start"), dict) or not isinstance(body.get("end"), dict):
            return 400, _error(400, "Missing time.", "required")
        event = {**body, "id": event_id, "status": body.get("status", "confirmed"), "kind": "calendar#event",
                 "iCalUID": f"{event_id}@google.com", "created": time.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                 "sequence": -1}
        self._touch(event)
        cal[event_id] = event
        return 200, _public(event)

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return 401, {"error": "invalid_client", "error_description": "The OAuth client was not found."}
        grant = form.get("grant_type")
        if grant == "authorization_code":
            redirect = self.codes.pop(form.get("code", ""), None)
            if redirect is None or redirect != form.get("redirect_uri"):
                return 400, {"error": "invalid_grant", "error_description": "Malformed auth code."}
            refresh = "1//" + secrets.token_urlsafe(32)
            self.refresh.add(refresh)
            return 200, self._access() | {"refresh_token": refresh}
        if grant == "refresh_token":
            if form.get("refresh_token") not in self.refresh:
                return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
            return 200, self._access()
        return 400, {"error": "unsupported_grant_type"}

    def _access(self) -> dict[str, Any]:
        token = "ya29." + secrets.token_urlsafe(32)
        self.access[token] = time.time() + self.access_ttl
        return {"access_token": token, "expires_in": self.access_ttl, "token_type": "Bearer",
                "scope": "https://www.googleapis.com/auth/calendar.events"}

    def _authorized(self, header: str | None) -> bool:
        token = (header or "").removeprefix("Bearer ").strip()
        return self.access.get(token, 0) > time.time()

    def _list(self, calendar_id: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        cal = self.calendars.setdefault(calendar_id, {})
        size = min(int(params.get("maxResults", "250")), 2500)
        if params.get("pageToken"):
            state = _unpack(params["pageToken"])
            if state is None:
                return 400, _error(400, "Invalid page token.", "invalid")
            since, offset, snapshot = state["since"], state["offset"], state["snapshot"]
        else:
            offset, snapshot = 0, self.clock
            if params.get("syncToken"):
                if any(params.get(f) for f in FILTERS):
                    return 400, _error(400, "Sync token cannot be used with other request restrictions.", "invalid")
                state = _unpack(params["syncToken"])
                if state is None or state["since"] < self.sync_floor:
                    return 410, _error(410, "Sync token is no longer valid, a full sync is required.",
                                       "fullSyncRequired")
                since = state["since"]
            else:
                since = -1
        incremental = since >= 0
        show_deleted = incremental or params.get("showDeleted") == "true"
        rows = sorted((e for e in cal.values() if since < e["_changed"] <= snapshot
                       and (show_deleted or e["status"] != "cancelled")), key=lambda e: (e["_changed"], e["id"]))
        page = rows[offset:offset + size]
        body: dict[str, Any] = {"kind": "calendar#events", "summary": calendar_id, "timeZone": "America/Sao_Paulo",
                                "items": [_public(e) for e in page]}
        if offset + size < len(rows):
            body["nextPageToken"] = _pack({"since": since, "offset": offset + size, "snapshot": snapshot})
        else:
            body["nextSyncToken"] = _pack({"since": snapshot})
        return 200, body

    def dispatch(self, method: str, raw_path: str, headers: Any, data: bytes) -> tuple[int, dict[str, Any] | None]:
        url = urlparse(raw_path)
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        with self.lock:
            self.requests.append((method, url.path))
            if url.path == "/token" and method == "POST":
                return self._token({k: v[-1] for k, v in parse_qs(data.decode()).items()})
            match = _PATH.match(url.path)
            if match is None:
                return 404, _error(404, "Not Found", "notFound")
            if not self._authorized(headers.get("Authorization")):
                return 401, _error(401, "Request had invalid authentication credentials.", "authError")
            cal_id, event_id = unquote(match["cal"]), match["event"] and unquote(match["event"])
            try:
                body = json.loads(data) if data else {}
            except ValueError:
                return 400, _error(400, "Parse Error", "parseError")
            if event_id is None:
                if method == "GET":
                    return self._list(cal_id, params)
                if method == "POST":
                    return self._insert(cal_id, body)
                return 405, _error(405, "Method Not Allowed", "methodNotAllowed")
            event = self.calendars.setdefault(cal_id, {}).get(event_id)
            if event is None:
                return 404, _error(404, "Not Found", "notFound")
            if method == "GET":
                return 200, _public(event)
            if headers.get("If-Match") not in (None, event["etag"]):
                return 412, _error(412, "Precondition Failed", "conditionNotMet")
            if method == "DELETE":
                if event["status"] == "cancelled":
                    return 410, _error(410, "Resource has been deleted", "deleted")
                event["status"] = "cancelled"
                self._touch(event)
                return 204, None
            if method in ("PATCH", "PUT"):
                if method == "PUT":
                    keep = {k: event[k] for k in ("id", "iCalUID", "created", "kind", "sequence", "_changed")}
                    event.clear()
                    event.update(keep | {"status": "confirmed"})
                event.update({k: v for k, v in body.items() if k not in ("id", "etag", "iCalUID")})
                self._touch(event)
                return 200, _public(event)
            return 405, _error(405, "Method Not Allowed", "methodNotAllowed")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                status, body = fake.dispatch(self.command, self.path, self.headers, data)
                raw = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                if body is not None:
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve  # noqa: N815 - http.server's names

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        return Handler


def _public(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if not k.startswith("_")}


def _error(code: int, message: str, reason: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message,
                      "errors": [{"domain": "global", "reason": reason, "message": message}]}}


def _pack(state: dict[str, int]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def _unpack(token: str) -> dict[str, Any] | None:
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        return None
    return state if isinstance(state, dict) and isinstance(state.get("since"), int) else None
