"""Board topics on the WebSocket: ``board:{id}`` may be joined by a live user of the board's company who
holds ``boards:read`` and only for a board that exists there. Also the one place a socket connection
becomes a :class:`Principal` (the collaboration areas' socket handlers share it)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from licita.core.errors import Forbidden
from licita.core.security.principal import Principal
from licita.realtime.service import register_topic


def connection_principal(info: dict[str, str]) -> Principal:
    """Who is on this socket now: role and grants re-read from the database (a demoted or deactivated user
    loses access to topics and actions at once, not when the socket closes)."""
    from licita.accounts.models import Status, User  # noqa: PLC0415  (ws cold path: the realtime registry imports every sockets module; the service loads on a message)
    from licita.platform.db.engine import tenant_transaction  # noqa: PLC0415  (ws cold path: the realtime registry imports every sockets module; the service loads on a message)

    company_id = uuid.UUID(info["company_id"])
    with tenant_transaction(company_id) as db:
        row = db.execute(select(User.role, User.permissions, User.status)
                         .where(User.id == uuid.UUID(info["user_id"]), User.company_id == company_id)).first()
    if row is None or row.status != Status.ACTIVE:
        raise Forbidden("Usuário inativo.", code="user_inactive")
    return Principal(user_id=info["user_id"], company_id=info["company_id"], role=row.role,
                     session_id=info.get("session_id", ""), permissions=frozenset(row.permissions or ()))


def _board_topic(info: dict[str, str], ident: str) -> bool:
    from licita.boards.models import Board  # noqa: PLC0415  (ws cold path: the realtime registry imports every sockets module; the service loads on a message)
    from licita.platform.db.engine import tenant_transaction  # noqa: PLC0415  (ws cold path: the realtime registry imports every sockets module; the service loads on a message)

    principal = connection_principal(info)
    if not principal.can("boards:read"):
        return False
    try:
        board_id = uuid.UUID(ident)
    except ValueError:
        return False
    company_id = uuid.UUID(info["company_id"])
    with tenant_transaction(company_id) as db:
        return db.scalar(select(Board.id).where(Board.id == board_id, Board.company_id == company_id)) is not None


register_topic("board", _board_topic)
