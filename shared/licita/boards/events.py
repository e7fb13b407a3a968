"""Notification kinds the boards area raises (Portuguese words) and its reactions to other areas' events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from licita.core.events import Kind, Message, register
from licita.notifications.service import react


def _card(p: Mapping[str, Any]) -> str:
    return str(p.get("card_title") or "Um cartão")


def _link(p: Mapping[str, Any]) -> str | None:
    board = p.get("board") or p.get("board_id")
    if not board:
        return None
    return f"/boards/{board}" + (f"?card={p['card_id']}" if p.get("card_id") else "")


def _moved(p: Mapping[str, Any]) -> Message:
    to = p.get("to_list") or "outra lista"
    return Message(f"Cartão movido: {_card(p)}", f"“{_card(p)}” foi movido para {to}.", _link(p))


def _assigned(p: Mapping[str, Any]) -> Message:
    role = "responsável" if p.get("role") == "assignee" else "membro"
    return Message(f"Você foi incluído em um cartão: {_card(p)}",
                   f"Você agora é {role} do cartão “{_card(p)}”.", _link(p))


def _mentioned(p: Mapping[str, Any]) -> Message:
    excerpt = str(p.get("excerpt") or "")
    return Message(f"Você foi mencionado em {_card(p)}", f"Comentário: “{excerpt}”", _link(p))


register(
    Kind("card.moved", "Cartão movido no quadro", "company", "boards:read", exclude_actor=True, describe=_moved),
    Kind("card.assigned", "Incluído em um cartão", "target", "boards:read", describe=_assigned),
    Kind("card.mentioned", "Menção em comentário de cartão", "target", "boards:read", email=True,
         describe=_mentioned),
)


@react("tender.analyzed", "tender.needs_review")
def _tender_to_card(event: Mapping[str, Any]) -> None:
    from licita.boards.automation import cards_for_tender  # noqa: PLC0415  (notify cold path: the events registry imports every events module; automation loads on a reaction)

    cards_for_tender(event)
