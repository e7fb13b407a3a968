"""Boards and lists of one company, and the helpers cards share (lookups, out-models, real-time frames).

Every query runs in ``tenant_transaction(company)`` (row-level security) AND filters on ``company_id``; an
id of another company is "not found". Each change is audited in the same transaction (which also feeds the
MongoDB ``activity_history`` timeline after commit) and, once committed, pushed to the board's topic.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from licita.audit.service import Actor, record
from licita.boards import rules
from licita.boards.listing import COLUMNS, board_of
from licita.boards.models import Board, BoardList, Card, CardMember
from licita.boards.schemas import (
    BoardCreate,
    BoardDetail,
    BoardOut,
    BoardUpdate,
    CardOut,
    ListCreate,
    ListOut,
    ListUpdate,
    MemberOut,
    Position,
)
from licita.core.errors import ValidationFailed
from licita.core.http import to_jsonable
from licita.core.security.principal import Principal
from licita.platform.db.lookup import company_of as company_of  # noqa: PLC0414  (re-exported: calendars, conversations)
from licita.platform.db.lookup import company_transaction, get_owned
from licita.platform.db.lookup import parse_id as parse_id  # noqa: PLC0414  (re-exported: calendars, conversations)
from licita.realtime import service as realtime

log = logging.getLogger("licita.boards")


# ------------------------------------------------------------------------------ helpers
def get_board(db: Session, company_id: uuid.UUID, board_id: Any, *, lock: bool = False) -> Board:
    return get_owned(db, Board, company_id, board_id, code="board_not_found", message="Quadro não encontrado.",
                     lock=lock)


def get_list(db: Session, company_id: uuid.UUID, list_id: Any, *, lock: bool = False) -> BoardList:
    return get_owned(db, BoardList, company_id, list_id, code="list_not_found", message="Lista não encontrada.",
                     lock=lock)


def board_out(b: Board) -> BoardOut:
    return board_of({name: getattr(b, name) for name in COLUMNS})


def list_out(x: BoardList) -> ListOut:
    return ListOut(id=x.id, board_id=x.board_id, name=x.name, key=x.key, rank=x.rank, version=x.version,
                   archived_at=x.archived_at)


def card_out(c: Card, members: Iterable[CardMember] = ()) -> CardOut:
    return CardOut(id=c.id, board_id=c.board_id, list_id=c.list_id, tender_id=c.tender_id, title=c.title,
                   description=c.description, rank=c.rank, due_at=c.due_at, labels=list(c.labels or []),
                   checklists=list(c.checklists or []),
                   members=[MemberOut(user_id=m.user_id, role=m.role) for m in members], version=c.version,
                   archived_at=c.archived_at, created_at=c.created_at, updated_at=c.updated_at)


def new_rank(ordered: list[tuple[str, str]], position: Position | None, moving_id: str | None = None) -> str | None:
    """A rank for the drop point, or None when the gap is used up (the caller rebalances, then retries)."""
    pos = position or Position()
    lo, hi = rules.place(ordered, None if pos.before_id is None else str(pos.before_id),
                         None if pos.after_id is None else str(pos.after_id), moving_id)
    try:
        rank = rules.rank_between(lo, hi)
    except ValueError:
        return None
    return rank if len(rank) <= rules.MAX_RANK_LENGTH else None


def rebalance(rows: list[Any]) -> None:
    """Give the rows (already in display order) fresh evenly spaced ranks; rare (exhausted gap)."""
    for row, rank in zip(rows, rules.spread(len(rows)), strict=True):
        row.rank = rank


def broadcast(company_id: uuid.UUID | str, board_id: uuid.UUID | str, event: str, data: dict[str, Any],
              actor_id: str | None) -> None:
    """After commit: one frame to every socket subscribed to the board (best effort, never fails the edit)."""
    frame = {"type": "board.event", "event": event, "board_id": str(board_id), "actor_id": actor_id,
             "at": datetime.now(UTC).isoformat(), "data": to_jsonable(data)}
    try:
        realtime.push([realtime.scoped_topic(str(company_id), f"board:{board_id}")], frame)
    except Exception:
        log.warning("board frame %s not pushed", event, exc_info=True)


class _OnBoard(Protocol):
    @property
    def board_id(self) -> uuid.UUID: ...

    def model_dump(self) -> dict[str, Any]: ...


def announced[O: _OnBoard](principal: Principal, event: str, out: O) -> O:
    """``out`` after :func:`broadcast` as ``event`` on its board by the caller (call it after commit)."""
    broadcast(principal.company_id, out.board_id, event, out.model_dump(), principal.user_id)
    return out


def _now() -> datetime:
    return datetime.now(UTC)


# ------------------------------------------------------------------------------ boards
def create_board(principal: Principal, body: BoardCreate, actor: Actor) -> BoardDetail:
    with company_transaction(principal) as (db, company_id):
        board = Board(id=uuid.uuid4(), company_id=company_id, name=body.name, description=body.description,
                      template=body.template, auto_tenders=body.auto_tenders, labels=[], version=1,
                      created_by=uuid.UUID(principal.user_id))
        db.add(board)
        stages = rules.TEMPLATES[body.template]
        lists = [BoardList(id=uuid.uuid4(), company_id=company_id, board_id=board.id, name=s.name, key=s.key,
                           rank=r, version=1) for s, r in zip(stages, rules.spread(len(stages)), strict=True)]
        db.flush()
        db.add_all(lists)
        intake = next((x for x in lists if x.key == rules.INTAKE_STAGE), lists[0] if lists else None)
        board.auto_list_id = intake.id if intake else None
        record(db, actor, "board.created", "board", board.id, company_id=company_id,
               after={"name": board.name, "template": board.template, "lists": [x.name for x in lists]})
        db.flush()
        detail = BoardDetail(**board_out(board).model_dump(), lists=[list_out(x) for x in lists], cards=[])
    return detail


def board_detail(principal: Principal, board_id: str, include_archived: bool = False) -> BoardDetail:
    """The whole board in three queries (lists, cards, members): what the SPA draws."""
    with company_transaction(principal) as (db, company_id):
        board = get_board(db, company_id, board_id)
        lists_q = select(BoardList).where(BoardList.board_id == board.id, BoardList.company_id == company_id)
        cards_q = select(Card).where(Card.board_id == board.id, Card.company_id == company_id)
        if not include_archived:
            lists_q = lists_q.where(BoardList.archived_at.is_(None))
            cards_q = cards_q.where(Card.archived_at.is_(None))
        lists = list(db.scalars(lists_q.order_by(BoardList.rank, BoardList.id)))
        cards = list(db.scalars(cards_q.order_by(Card.list_id, Card.rank, Card.id)))
        members: dict[uuid.UUID, list[CardMember]] = {}
        if cards:
            for m in db.scalars(select(CardMember).join(Card, Card.id == CardMember.card_id)
                                .where(Card.board_id == board.id, CardMember.company_id == company_id)):
                members.setdefault(m.card_id, []).append(m)
        return BoardDetail(**board_out(board).model_dump(), lists=[list_out(x) for x in lists],
                           cards=[card_out(c, members.get(c.id, ())) for c in cards])


def update_board(principal: Principal, board_id: str, body: BoardUpdate, actor: Actor) -> BoardOut:
    with company_transaction(principal) as (db, company_id):
        board = get_board(db, company_id, board_id, lock=True)
        rules.check_version(board.version, body.version, "quadro")
        changes = body.model_dump(exclude_unset=True, exclude={"version"}, mode="json")
        if body.auto_list_id is not None:
            target = get_list(db, company_id, body.auto_list_id)
            if target.board_id != board.id:
                raise ValidationFailed("A lista escolhida não pertence a este quadro.", code="list_not_in_board",
                                       details=[{"field": "auto_list_id", "message": "lista de outro quadro"}])
        before = {k: getattr(board, k) for k in changes}
        for key in changes:
            setattr(board, key, getattr(body, key) if key != "labels" else changes[key])
        board.version += 1
        record(db, actor, "board.updated", "board", board.id, company_id=company_id,
               before={k: str(v) if isinstance(v, uuid.UUID) else v for k, v in before.items()}, after=changes)
        db.flush()
        out = board_out(board)
    broadcast(company_id, out.id, "board.updated", out.model_dump(), principal.user_id)
    return out


def archive_row(db: Session, actor: Actor, row: Board | BoardList | Card, archived: bool, entity: str,
                summary: Callable[[Any], dict[str, Any]] | None = None) -> str:
    """Archive or restore ``row`` as a new version and audit it (``entity.archived``/``.restored``, ``summary`` of the
    row as it ends up); returns the verb for the broadcast."""
    row.archived_at = _now() if archived else None
    row.version += 1
    verb = "archived" if archived else "restored"
    record(db, actor, f"{entity}.{verb}", entity, row.id, company_id=row.company_id,
           after=summary(row) if summary else None)
    return verb


def set_board_archived(principal: Principal, board_id: str, archived: bool, actor: Actor) -> BoardOut:
    with company_transaction(principal) as (db, company_id):
        board = get_board(db, company_id, board_id, lock=True)
        verb = archive_row(db, actor, board, archived, "board")
        db.flush()
        out = board_out(board)
    broadcast(company_id, out.id, f"board.{verb}", out.model_dump(), principal.user_id)
    return out


# ------------------------------------------------------------------------------ lists
def _ordered_lists(db: Session, board: Board) -> list[BoardList]:
    return list(db.scalars(select(BoardList).where(BoardList.board_id == board.id,
                                                   BoardList.company_id == board.company_id,
                                                   BoardList.archived_at.is_(None))
                           .order_by(BoardList.rank, BoardList.id).with_for_update()))


def _rank_in(rows: list[Any], position: Position | None, moving_id: str | None = None) -> str:
    ordered = [(str(r.id), r.rank) for r in rows]
    rank = new_rank(ordered, position, moving_id)
    if rank is None:
        rebalance([r for r in rows if str(r.id) != moving_id])
        rank = new_rank([(str(r.id), r.rank) for r in rows if str(r.id) != moving_id], position, moving_id)
    assert rank is not None
    return rank


def _audited_list(db: Session, actor: Actor, row: BoardList, verb: str, **diff: Any) -> ListOut:
    """Audit a list write (``board_list.<verb>``, ``before``/``after`` in ``diff``) and read it back for the frame."""
    record(db, actor, f"board_list.{verb}", "board_list", row.id, company_id=row.company_id, **diff)
    db.flush()
    return list_out(row)


def create_list(principal: Principal, board_id: str, body: ListCreate, actor: Actor) -> ListOut:
    with company_transaction(principal) as (db, company_id):
        board = get_board(db, company_id, board_id, lock=True)
        rank = _rank_in(_ordered_lists(db, board), body.position)
        row = BoardList(id=uuid.uuid4(), company_id=company_id, board_id=board.id, name=body.name, rank=rank,
                        version=1)
        db.add(row)
        out = _audited_list(db, actor, row, "created", after={"board_id": str(board.id), "name": row.name})
    return announced(principal, "list.created", out)


def update_list(principal: Principal, list_id: str, body: ListUpdate, actor: Actor) -> ListOut:
    with company_transaction(principal) as (db, company_id):
        row = get_list(db, company_id, list_id, lock=True)
        rules.check_version(row.version, body.version, "lista")
        before = {"name": row.name, "rank": row.rank}
        if body.name is not None:
            row.name = body.name
        if body.position is not None:
            board = get_board(db, company_id, row.board_id)
            row.rank = _rank_in(_ordered_lists(db, board), body.position, str(row.id))
        row.version += 1
        out = _audited_list(db, actor, row, "updated", before=before, after={"name": row.name, "rank": row.rank})
    return announced(principal, "list.updated", out)


def set_list_archived(principal: Principal, list_id: str, archived: bool, actor: Actor) -> ListOut:
    with company_transaction(principal) as (db, company_id):
        row = get_list(db, company_id, list_id, lock=True)
        verb = archive_row(db, actor, row, archived, "board_list", lambda r: {"board_id": str(r.board_id)})
        db.flush()
        out = list_out(row)
    return announced(principal, f"list.{verb}", out)
