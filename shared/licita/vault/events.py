"""Notification kinds of the habilitação vault."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from licita.core.events import Kind, Message, register

TEMPLATES = Path(__file__).with_name("templates")


def _expiring(p: Mapping[str, Any]) -> Message:
    days = int(p.get("days") or 0)
    when = "amanhã" if days == 1 else ("hoje" if days <= 0 else f"em {days} dias")
    day = str(p.get("expires_on") or "")
    shown = "/".join(reversed(day.split("-"))) if day else ""
    return Message(f"Documento vence {when}: {p.get('title') or p.get('kind_label') or 'documento'}",
                   f"{p.get('kind_label') or 'Documento'} “{p.get('title') or ''}” vence em {shown}. "
                   "Renove-o e envie a nova versão ao cofre para não ficar inabilitado.", "/vault")


register(Kind("vault.document_expiring", "Documento de habilitação vencendo", "company", "vault:read", email=True,
              describe=_expiring, templates=TEMPLATES))
