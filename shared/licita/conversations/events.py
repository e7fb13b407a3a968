"""Notification kinds the conversations area raises, in Portuguese."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from licita.core.events import Kind, Message, register


def _mentioned(p: Mapping[str, Any]) -> Message:
    where = {"tender": "na conversa de uma licitação", "card": "na conversa de um cartão"}.get(
        str(p.get("kind")), "em uma conversa")
    link = f"/conversations/{p['conversation_id']}" if p.get("conversation_id") else None
    return Message("Você foi mencionado", f"Mencionaram você {where}: “{p.get('excerpt') or ''}”", link)


register(
    Kind("conversation.mentioned", "Menção em conversa", "target", "conversations:read", email=True,
         describe=_mentioned),
)
