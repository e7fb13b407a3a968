"""Notification kinds the calendar raises (Portuguese words); importing the sources registers their reactions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from licita.calendars import sources as _sources  # noqa: F401  (registers the tenders source's reactions)
from licita.core.events import Kind, Message, format_when, register


def _link(p: Mapping[str, Any]) -> str | None:
    return f"/calendar?event={p['event_id']}" if p.get("event_id") else None


def _invited(p: Mapping[str, Any]) -> Message:
    return Message(f"Convite: {p.get('title') or 'evento'}",
                   f"Você foi convidado para “{p.get('title')}” em {format_when(p.get('starts_at'))}"
                   " (horário de Brasília). Aceite ou recuse na agenda.", _link(p))


def _reminder(p: Mapping[str, Any]) -> Message:
    minutes = int(p.get("minutes") or 0)
    left = f"{minutes // 1440} dia(s)" if minutes >= 1440 else (
        f"{minutes // 60} h" if minutes >= 60 else f"{minutes} min")
    return Message(f"Lembrete: {p.get('title') or 'evento'} em {left}",
                   f"“{p.get('title')}” começa em {format_when(p.get('starts_at'))} (horário de Brasília).",
                   _link(p))


register(
    Kind("calendar.invited", "Convite para evento", "target", "calendar:read", describe=_invited),
    Kind("calendar.reminder", "Lembrete de evento", "company", "calendar:read", email=True, describe=_reminder),
)
