"""Boards function: kanban boards from templates, lists, cards (versioned edits, moves by rank), members,
comments with @mentions, attachments, archive/restore and the card timeline. Thin: parse, authorize, call
licita.boards services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from licita.api import Api, RequestContext
from licita.boards import schemas as s
from licita.core.lazy import lazy_imports
from licita.core.schemas import StrictModel

if TYPE_CHECKING:
    from licita.boards import cards, service
else:  # SQLAlchemy and friends load on the first request that needs them (cold start)
    service, cards = lazy_imports("licita.boards", "service", "cards")

api = Api("boards", tags=["boards"])
app = api.app


class DetailQuery(StrictModel):
    include_archived: bool = False


# ------------------------------------------------------------------------------ boards
@api.post("/boards", body=s.BoardCreate, response=s.BoardDetail, status=201, permission="boards:write", errors=(422,))
def create_board(ctx: RequestContext[s.BoardCreate, None]) -> s.BoardDetail:
    """Create a board from a template (default: the bid pipeline Triagem → … → Ganha/Perdida/Desistência)."""
    return service.create_board(ctx.user, ctx.body, ctx.actor)


@api.get("/boards", query=s.BoardListQuery, response=s.BoardPage, permission="boards:read", errors=(422,))
def list_boards(ctx: RequestContext[None, s.BoardListQuery]) -> s.BoardPage:
    """The company's boards (archived ones with ?archived=true)."""
    return service.list_boards(ctx.user, ctx.query)


@api.get("/boards/{board_id}", query=DetailQuery, response=s.BoardDetail, permission="boards:read", errors=(404,))
def get_board(ctx: RequestContext[None, DetailQuery]) -> s.BoardDetail:
    """The board with its lists and cards in display order."""
    return service.board_detail(ctx.user, ctx.path_params["board_id"], ctx.query.include_archived)


@api.patch("/boards/{board_id}", body=s.BoardUpdate, response=s.BoardOut, permission="boards:write",
           errors=(404, 409, 422))
def update_board(ctx: RequestContext[s.BoardUpdate, None]) -> s.BoardOut:
    """Rename, labels, automatic tender cards (and their list); carries the version read."""
    return service.update_board(ctx.user, ctx.path_params["board_id"], ctx.body, ctx.actor)


@api.post("/boards/{board_id}/archive", response=s.BoardOut, permission="boards:write", errors=(404,))
def archive_board(ctx: RequestContext[None, None]) -> s.BoardOut:
    """Archive the board (kept, hidden from the default list)."""
    return service.set_board_archived(ctx.user, ctx.path_params["board_id"], True, ctx.actor)


@api.post("/boards/{board_id}/restore", response=s.BoardOut, permission="boards:write", errors=(404,))
def restore_board(ctx: RequestContext[None, None]) -> s.BoardOut:
    """Bring an archived board back."""
    return service.set_board_archived(ctx.user, ctx.path_params["board_id"], False, ctx.actor)


# ------------------------------------------------------------------------------ lists
@api.post("/boards/{board_id}/lists", body=s.ListCreate, response=s.ListOut, status=201, permission="boards:write",
          errors=(404, 409, 422))
def create_list(ctx: RequestContext[s.ListCreate, None]) -> s.ListOut:
    """Add a list (at the end, or before/after another)."""
    return service.create_list(ctx.user, ctx.path_params["board_id"], ctx.body, ctx.actor)


@api.patch("/lists/{list_id}", body=s.ListUpdate, response=s.ListOut, permission="boards:write",
           errors=(404, 409, 422))
def update_list(ctx: RequestContext[s.ListUpdate, None]) -> s.ListOut:
    """Rename or reorder a list; carries the version read."""
    return service.update_list(ctx.user, ctx.path_params["list_id"], ctx.body, ctx.actor)


@api.post("/lists/{list_id}/archive", response=s.ListOut, permission="boards:write", errors=(404,))
def archive_list(ctx: RequestContext[None, None]) -> s.ListOut:
    """Archive a list (its cards stay with it)."""
    return service.set_list_archived(ctx.user, ctx.path_params["list_id"], True, ctx.actor)


@api.post("/lists/{list_id}/restore", response=s.ListOut, permission="boards:write", errors=(404,))
def restore_list(ctx: RequestContext[None, None]) -> s.ListOut:
    """Bring an archived list back."""
    return service.set_list_archived(ctx.user, ctx.path_params["list_id"], False, ctx.actor)


# ------------------------------------------------------------------------------ cards
@api.post("/boards/{board_id}/cards", body=s.CardCreate, response=s.CardOut, status=201, permission="boards:write",
          errors=(404, 409, 422))
def create_card(ctx: RequestContext[s.CardCreate, None]) -> s.CardOut:
    """Add a card to a list of the board, optionally linked to a tender."""
    return cards.create_card(ctx.user, ctx.path_params["board_id"], ctx.body, ctx.actor)


@api.get("/cards/{card_id}", response=s.CardDetail, permission="boards:read", errors=(404,))
def get_card(ctx: RequestContext[None, None]) -> s.CardDetail:
    """A card with members, checklists, comments and attachments."""
    return cards.card_detail(ctx.user, ctx.path_params["card_id"])


@api.patch("/cards/{card_id}", body=s.CardUpdate, response=s.CardOut, permission="boards:write",
           errors=(404, 409, 422))
def update_card(ctx: RequestContext[s.CardUpdate, None]) -> s.CardOut:
    """Edit title, description, due date, labels, checklists; a stale version is a 409."""
    return cards.update_card(ctx.user, ctx.path_params["card_id"], ctx.body, ctx.actor)


@api.post("/cards/{card_id}/move", body=s.CardMove, response=s.CardOut, permission="boards:write",
          errors=(404, 409, 422))
def move_card(ctx: RequestContext[s.CardMove, None]) -> s.CardOut:
    """Move to a list, before/after a card (one row changes); a stale version is a 409."""
    return cards.move_card(ctx.user, ctx.path_params["card_id"], ctx.body, ctx.actor)


@api.post("/cards/{card_id}/archive", response=s.CardOut, permission="boards:write", errors=(404,))
def archive_card(ctx: RequestContext[None, None]) -> s.CardOut:
    """Archive a card."""
    return cards.set_card_archived(ctx.user, ctx.path_params["card_id"], True, ctx.actor)


@api.post("/cards/{card_id}/restore", response=s.CardOut, permission="boards:write", errors=(404,))
def restore_card(ctx: RequestContext[None, None]) -> s.CardOut:
    """Bring an archived card back (at the end of its list)."""
    return cards.set_card_archived(ctx.user, ctx.path_params["card_id"], False, ctx.actor)


@api.put("/cards/{card_id}/members", body=s.MemberSet, response=s.CardOut, permission="boards:write",
         errors=(404, 422))
def set_member(ctx: RequestContext[s.MemberSet, None]) -> s.CardOut:
    """Add a member or assignee (they are notified)."""
    return cards.set_member(ctx.user, ctx.path_params["card_id"], ctx.body, ctx.actor)


@api.delete("/cards/{card_id}/members/{user_id}", response=s.CardOut, permission="boards:write", errors=(404,))
def remove_member(ctx: RequestContext[None, None]) -> s.CardOut:
    """Remove a member from the card."""
    return cards.remove_member(ctx.user, ctx.path_params["card_id"], ctx.path_params["user_id"], ctx.actor)


@api.post("/cards/{card_id}/comments", body=s.CommentCreate, response=s.CommentOut, status=201,
          permission="boards:write", errors=(404, 422))
def add_comment(ctx: RequestContext[s.CommentCreate, None]) -> s.CommentOut:
    """Comment; each @[Nome](user-id) mentioned is notified."""
    return cards.add_comment(ctx.user, ctx.path_params["card_id"], ctx.body, ctx.actor)


@api.post("/cards/{card_id}/attachments", body=s.AttachmentCreate, response=s.AttachmentUpload, status=201,
          permission="boards:write", errors=(404, 422, 503))
def create_attachment(ctx: RequestContext[s.AttachmentCreate, None]) -> s.AttachmentUpload:
    """Register an attachment and get a presigned POST to upload its bytes to S3."""
    return cards.create_attachment(ctx.user, ctx.path_params["card_id"], ctx.body, ctx.actor)


@api.get("/cards/{card_id}/attachments/{attachment_id}", response=s.DownloadOut, permission="boards:read",
         errors=(404,))
def download_attachment(ctx: RequestContext[None, None]) -> s.DownloadOut:
    """A short-lived link to download an attachment."""
    return cards.attachment_link(ctx.user, ctx.path_params["card_id"], ctx.path_params["attachment_id"])


@api.get("/cards/{card_id}/activity", response=s.ActivityOut, permission="boards:read", errors=(404,))
def card_activity(ctx: RequestContext[None, None]) -> s.ActivityOut:
    """The card's history (created, moved, edited, commented, …), newest first."""
    return cards.card_activity(ctx.user, ctx.path_params["card_id"])
