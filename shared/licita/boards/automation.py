"""Tenders on the board: a card appears in each auto board's intake list when a tender finishes analysis,
with the due date of the tender's next deadline; a later analysis only refreshes that due date."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from licita.audit.service import Actor, record
from licita.boards.models import Board, BoardList, Card
from licita.boards.rules import rank_between
from licita.boards.service import broadcast, card_out
from licita.platform.db.engine import tenant_transaction
from licita.tenders.models import Deadline, Tender


def next_deadline(db: Any, company_id: uuid.UUID, tender_id: uuid.UUID) -> datetime | None:
    now = datetime.now(UTC)
    upcoming = db.scalar(select(func.min(Deadline.due_at)).where(
        Deadline.tender_id == tender_id, Deadline.company_id == company_id, Deadline.due_at > now))
    if upcoming is not None:
        return upcoming  # type: ignore[no-any-return]
    session: datetime | None = db.scalar(select(Tender.session_at).where(Tender.id == tender_id))
    return session


def cards_for_tender(event: Mapping[str, Any]) -> list[str]:
    """The reaction to ``tender.analyzed`` / ``tender.needs_review``: idempotent (one card per board and tender,
    enforced by a unique constraint); returns the ids of cards created or refreshed."""
    payload = event.get("payload") or {}
    try:
        company_id = uuid.UUID(str(event["company_id"]))
        tender_id = uuid.UUID(str(payload.get("tender_id")))
    except (KeyError, ValueError):
        return []
    actor = Actor(None, str(company_id), None, "licita-automation", str(event.get("id") or ""))
    frames: list[tuple[uuid.UUID, str, dict[str, Any]]] = []
    with tenant_transaction(company_id) as db:
        tender = db.scalar(select(Tender).where(Tender.id == tender_id, Tender.company_id == company_id))
        if tender is None:
            return []
        due = next_deadline(db, company_id, tender_id)
        boards = db.scalars(select(Board).where(Board.company_id == company_id, Board.auto_tenders.is_(True),
                                                Board.archived_at.is_(None)).order_by(Board.created_at))
        for board in boards:
            card = db.scalar(select(Card).where(Card.board_id == board.id, Card.tender_id == tender_id)
                             .with_for_update())
            if card is not None:
                if card.due_at != due:
                    card.due_at, card.version = due, card.version + 1
                    record(db, actor, "card.updated", "card", card.id, company_id=company_id,
                           after={"board_id": str(board.id), "due_at": due and due.isoformat(), "source": "tender"})
                    frames.append((board.id, "card.updated", card_out(card).model_dump()))
                continue
            target = _intake_list(db, board)
            if target is None:
                continue
            last = db.scalar(select(func.max(Card.rank)).where(Card.list_id == target.id))

            card = Card(id=uuid.uuid4(), company_id=company_id, board_id=board.id, list_id=target.id,
                        tender_id=tender_id, title=(tender.title or "Licitação sem título")[:300],
                        description=tender.object, due_at=due, labels=[], checklists=[], version=1,
                        rank=rank_between(last, None))
            db.add(card)
            db.flush()
            record(db, actor, "card.created", "card", card.id, company_id=company_id,
                   after={"board_id": str(board.id), "list_id": str(target.id), "tender_id": str(tender_id),
                          "source": "tender"})
            frames.append((board.id, "card.created", card_out(card).model_dump()))
    for board_id, name, data in frames:
        broadcast(company_id, board_id, name, data, None)
    return [str(d["id"]) for _, _, d in frames]


def _intake_list(db: Any, board: Board) -> BoardList | None:
    stmt = select(BoardList).where(BoardList.board_id == board.id, BoardList.archived_at.is_(None))
    if board.auto_list_id is not None:
        chosen: BoardList | None = db.scalar(stmt.where(BoardList.id == board.auto_list_id))
        if chosen is not None:
            return chosen
    first: BoardList | None = db.scalar(stmt.order_by(BoardList.rank, BoardList.id).limit(1))
    return first
