"""What a user chose to hear and how (per-kind channel preferences), the company's notification settings, and
the names of the inbox collections: the parts of the notifications area that read MongoDB only.

Kept apart from the delivery pipeline (``service.py``: users from PostgreSQL, SQLAlchemy) so that the inbox API,
a GET on every page, loads neither.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from licita.core.events import kind_of, kinds
from licita.platform.clients import get_mongo

INBOX = "notifications"
PREFERENCES = "notification_preferences"
INBOX_TTL_DAYS = 90
CHANNELS = ("in_app", "email")


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


SETTINGS_CACHE_SECONDS = 15.0
_settings_cache: dict[str, tuple[float, dict[str, Any]]] = {}


def company_settings(company_id: str) -> dict[str, Any]:
    """The company's ``notifications`` dynamic setting (email kill switch, reminder hours), with defaults.

    Cached per container for a few seconds: read on every event, changed almost never."""
    cached = _settings_cache.get(str(company_id))
    if cached and cached[0] > time.monotonic():
        return dict(cached[1])
    doc = get_mongo()["dynamic_settings"].find_one({"company_id": str(company_id), "key": "notifications"})
    value = dict((doc or {}).get("value") or {})
    value.setdefault("email_enabled", True)
    value.setdefault("reminder_hours", [72, 24, 2])
    _settings_cache[str(company_id)] = (time.monotonic() + SETTINGS_CACHE_SECONDS, value)
    return dict(value)
