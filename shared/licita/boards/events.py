"""Notification kinds the boards area raises, and how each reads in Portuguese."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from licita.core.events import Kind, Message, register


def _moved(p: Mapping[str, Any]) -> Message:
    card = p.get("card_title") or "Um cartão"
    to = p.get("to_list") or "outra lista"
    link = f"/boards/{p['board_id']}" if p.get("board_id") else None
    return Message(f"Cartão movido: {card}", f"“{card}” foi movido para {to}.", link)


register(
    Kind("card.moved", "Cartão movido no quadro", "company", "boards:read", exclude_actor=True, describe=_moved),
)
