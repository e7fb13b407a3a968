"""Notification kinds the quotes area raises, and how each reads in Portuguese."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from licita.core.events import Kind, Message, register


def _received(p: Mapping[str, Any]) -> Message:
    supplier = p.get("supplier_name") or "Um fornecedor"
    title = p.get("quote_title") or "cotação"
    link = f"/quotes/{p['quote_id']}" if p.get("quote_id") else None
    return Message(f"Cotação respondida: {title}", f"{supplier} respondeu à cotação “{title}”.", link)


register(
    Kind("quote.received", "Cotação recebida", "company", "quotes:read", email=True, describe=_received),
)
