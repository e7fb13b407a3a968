"""Google OAuth 2.0 (authorization code + refresh) and the Calendar API v3 calls the sync needs, over httpx.

The only module that talks to Google. The endpoints come from Settings (Google's by default, a local fake in
tests); no tenant chooses a URL, so the platform's client secret only ever goes to the configured token
endpoint. Errors become three exceptions the sync understands: :class:`ReconnectRequired` (the person must
authorise again), :class:`SyncTokenExpired` (410: list everything again) and :class:`GoogleUnavailable`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from licita.core.config import get_settings

if TYPE_CHECKING:
    import httpx

SCOPE = "https://www.googleapis.com/auth/calendar.events"
PAGE_SIZE = 250
MAX_PAGES = 200  # 50,000 changes in one pull is far beyond a person's calendar: stop rather than loop forever


class GoogleError(Exception):
    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class ReconnectRequired(GoogleError):
    """The grant was revoked or expired (invalid_grant, or 401 after a refresh)."""


class SyncTokenExpired(GoogleError):
    """410 on an incremental list: Google asks for a full sync."""


class GoogleUnavailable(GoogleError):
    """Transport error, 429 or 5xx (or an answer we do not understand): try again later."""


class Duplicate(GoogleError):
    """409 on insert: an event with our id already exists in that calendar."""


def configured() -> bool:
    s = get_settings()
    return bool(s.google_calendar_enabled and s.google_oauth_client_id and s.google_oauth_client_secret)


def redirect_uri() -> str:
    s = get_settings()
    return s.google_oauth_redirect_url or f"{(s.app_base_url or 'http://localhost:5173').rstrip('/')}/agenda/google"


def authorization_url(state: str) -> str:
    """Google's consent page; offline access + forced consent so a refresh token always comes back."""
    s = get_settings()
    return s.google_oauth_auth_url + "?" + urlencode({
        "client_id": s.google_oauth_client_id, "redirect_uri": redirect_uri(), "response_type": "code",
        "scope": SCOPE, "access_type": "offline", "prompt": "consent", "include_granted_scopes": "true",
        "state": state})


@dataclass
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: float  # epoch seconds
    scope: str = SCOPE

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> Tokens:
        data = json.loads(raw)
        return cls(access_token=str(data["access_token"]), refresh_token=str(data["refresh_token"]),
                   expires_at=float(data["expires_at"]), scope=str(data.get("scope") or SCOPE))

    def fresh(self, margin: float = 60.0) -> bool:
        return self.expires_at - margin > time.time()


def _http() -> httpx.Client:
    import httpx  # noqa: PLC0415  (heavy: httpx, only when Google is called)

    return httpx.Client(timeout=get_settings().google_calendar_timeout, follow_redirects=False,
                        headers={"User-Agent": "Licita/1.0 (Google Calendar sync)"})


def _token_request(form: dict[str, str]) -> dict[str, Any]:
    import httpx  # noqa: PLC0415  (heavy: httpx, only when Google is called)

    s = get_settings()
    form = {**form, "client_id": s.google_oauth_client_id, "client_secret": s.google_oauth_client_secret}
    try:
        with _http() as client:
            resp = client.post(s.google_oauth_token_url, data=form)
    except httpx.HTTPError as exc:
        raise GoogleUnavailable(f"token endpoint unreachable: {type(exc).__name__}") from None
    body = _json(resp)
    if resp.status_code == 200 and body.get("access_token"):
        return body
    if resp.status_code in (400, 401) and body.get("error") in ("invalid_grant", "invalid_client",
                                                                 "unauthorized_client"):
        raise ReconnectRequired(str(body.get("error")), resp.status_code)
    raise GoogleUnavailable(f"token endpoint answered {resp.status_code}", resp.status_code)


def exchange_code(code: str) -> Tokens:
    body = _token_request({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri()})
    if not body.get("refresh_token"):
        raise ReconnectRequired("no refresh token (offline access not granted)")
    return Tokens(access_token=str(body["access_token"]), refresh_token=str(body["refresh_token"]),
                  expires_at=time.time() + float(body.get("expires_in") or 3600),
                  scope=str(body.get("scope") or SCOPE))


def refresh(tokens: Tokens) -> Tokens:
    body = _token_request({"grant_type": "refresh_token", "refresh_token": tokens.refresh_token})
    return Tokens(access_token=str(body["access_token"]),
                  refresh_token=str(body.get("refresh_token") or tokens.refresh_token),  # Google may rotate it
                  expires_at=time.time() + float(body.get("expires_in") or 3600),
                  scope=str(body.get("scope") or tokens.scope))


def _json(resp: httpx.Response) -> dict[str, Any]:
    try:
        data = resp.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class CalendarClient:
    """One person's calendar: refreshes the access token when it is about to expire (or on a 401, once) and
    reports new tokens through ``on_refresh`` so the caller stores them encrypted."""

    def __init__(self, tokens: Tokens, calendar_id: str, on_refresh: Callable[[Tokens], None]) -> None:
        self.tokens, self.on_refresh = tokens, on_refresh
        self.base = f"{get_settings().google_calendar_api_url.rstrip('/')}/calendars/{quote(calendar_id, safe='')}"
        self.http = _http()
        self.calls = 0

    def close(self) -> None:
        self.http.close()

    def _refresh(self) -> None:
        self.tokens = refresh(self.tokens)
        self.on_refresh(self.tokens)

    def _request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                 body: dict[str, Any] | None = None) -> httpx.Response:
        import httpx  # noqa: PLC0415  (heavy: httpx, only when Google is called)

        if not self.tokens.fresh():
            self._refresh()
        for attempt in (1, 2):
            try:
                self.calls += 1
                resp = self.http.request(method, self.base + path, params=params, json=body,
                                         headers={"Authorization": f"Bearer {self.tokens.access_token}"})
            except httpx.HTTPError as exc:
                raise GoogleUnavailable(f"calendar API unreachable: {type(exc).__name__}") from None
            if resp.status_code == 401 and attempt == 1:
                self._refresh()
                continue
            if resp.status_code in (401, 403) and "rateLimit" not in resp.text:
                raise ReconnectRequired(f"calendar API refused the grant ({resp.status_code})", resp.status_code)
            if resp.status_code == 429 or resp.status_code >= 500 or resp.status_code == 403:
                raise GoogleUnavailable(f"calendar API answered {resp.status_code}", resp.status_code)
            return resp
        raise ReconnectRequired("calendar API refused a fresh token", 401)  # pragma: no cover - loop exits above

    def list_changes(self, sync_token: str | None) -> tuple[list[dict[str, Any]], str]:
        """Every change since ``sync_token`` (deleted events included), or, without one, every event
        (``showDeleted`` so cancellations are explicit); all pages; returns the items and ``nextSyncToken``."""
        params: dict[str, Any] = {"maxResults": PAGE_SIZE}
        if sync_token:
            params["syncToken"] = sync_token
        else:
            params["showDeleted"] = "true"
        items: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            resp = self._request("GET", "/events", params=params)
            if resp.status_code == 410:
                raise SyncTokenExpired("sync token expired", 410)
            if resp.status_code != 200:
                raise GoogleUnavailable(f"events.list answered {resp.status_code}", resp.status_code)
            page = _json(resp)
            items.extend(x for x in page.get("items") or [] if isinstance(x, dict) and x.get("id"))
            if page.get("nextPageToken"):
                params = {k: v for k, v in params.items() if k != "syncToken"} | {
                    "pageToken": page["nextPageToken"]}
                if sync_token:  # Google wants the same request parameters on every page
                    params["syncToken"] = sync_token
                continue
            if not page.get("nextSyncToken"):
                raise GoogleUnavailable("events.list ended without nextSyncToken")
            return items, str(page["nextSyncToken"])
        raise GoogleUnavailable("events.list had too many pages")

    def insert(self, body: dict[str, Any]) -> dict[str, Any]:
        resp = self._request("POST", "/events", body=body)
        if resp.status_code == 409:
            raise Duplicate("event id already used", 409)
        if resp.status_code != 200:
            raise GoogleUnavailable(f"events.insert answered {resp.status_code}", resp.status_code)
        return _json(resp)

    def patch(self, event_id: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """The updated event, or None when Google no longer has it (404/410)."""
        resp = self._request("PATCH", f"/events/{quote(event_id, safe='')}", body=body)
        if resp.status_code in (404, 410):
            return None
        if resp.status_code != 200:
            raise GoogleUnavailable(f"events.patch answered {resp.status_code}", resp.status_code)
        return _json(resp)

    def delete(self, event_id: str) -> bool:
        """True when deleted now; False when it was already gone (404/410) — both leave Google without it."""
        resp = self._request("DELETE", f"/events/{quote(event_id, safe='')}")
        if resp.status_code in (404, 410):
            return False
        if resp.status_code not in (200, 204):
            raise GoogleUnavailable(f"events.delete answered {resp.status_code}", resp.status_code)
        return True
