"""Notification kinds, registered by the areas that raise them (a message bus's event → handler map).

Each area declares its kinds in its own ``events.py`` with :func:`register`: who hears about the event,
through which channels by default, and how it reads in Portuguese (``describe``). E-mail templates
live beside it (``licita/<area>/templates/<kind>.html|.txt``). Nothing central changes when an area
is added: :func:`load_all` discovers every ``licita.<area>.events`` module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from licita.core.lazy import import_area_modules
from licita.core.time import format_brt


@dataclass(frozen=True)
class Message:
    """What people read: the same words in the inbox, on the socket and in the e-mail."""

    title: str
    body: str
    link: str | None = None


Describe = Callable[[Mapping[str, Any]], Message]  # the event's payload -> its Portuguese words


@dataclass(frozen=True)
class Kind:
    """What a kind of event means to people: who hears about it and through which channels by default."""

    key: str
    label: str
    audience: str  # "company": users of the event's company holding `permission`; "target": one user
    permission: str | None = None
    in_app: bool = True
    email: bool = False
    exclude_actor: bool = False  # nobody is notified of their own action
    describe: Describe | None = None
    templates: Path | None = None  # folder holding <key>.html / <key>.txt, when the kind has its own


_KINDS: dict[str, Kind] = {}


def register(*kinds: Kind) -> None:
    """Declare kinds (idempotent per key: re-importing an area's events module is harmless)."""
    for kind in kinds:
        _KINDS[kind.key] = kind


def load_all() -> None:
    """Import every area's ``events`` module once, so every kind is known."""
    import_area_modules("events")


def kinds() -> dict[str, Kind]:
    load_all()
    return dict(_KINDS)


def kind_of(key: str) -> Kind:
    load_all()
    return _KINDS.get(key) or Kind(key, "Aviso", "target")


def format_when(value: Any) -> str:
    """``15/12/2025 às 09:00`` in Brasília time, from an ISO string or datetime (empty when unknown)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    return format_brt(value, "%d/%m/%Y às %H:%M") if isinstance(value, datetime) else ""


def describe(event: Mapping[str, Any]) -> Message:
    """Portuguese title/body/link for an event: the kind's own words, or the payload's generic ones."""
    kind = kind_of(str(event["type"]))
    payload: Mapping[str, Any] = event.get("payload") or {}
    if kind.describe is not None:
        return kind.describe(payload)
    title = str(payload.get("message_title") or kind.label)
    link = payload.get("link")
    return Message(title, str(payload.get("message") or title), link if isinstance(link, str) else None)
