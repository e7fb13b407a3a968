"""Boards function: kanban boards from templates, lists, cards (versioned edits, moves by rank), members,
comments with @mentions, attachments, archive/restore and the card timeline. Thin: parse, authorize, call
licita.boards services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from licita.api import Api, Collection, RequestContext, Resource
from licita.boards import schemas as s
from licita.core.lazy import lazy_imports
from licita.core.schemas import StrictModel

if TYPE_CHECKING:
    from licita.boards import cards, listing, service
else:  # SQLAlchemy and friends load on the first request that needs them (cold start); GET /boards, the boards
    # page's first call, loads no SQLAlchemy (boards.listing)
    service, cards, listing = lazy_imports("licita.boards", "service", "cards", "listing")

api = Api("boards", tags=["boards"])
app = api.app


class DetailQuery(StrictModel):
    include_archived: bool = False


# ------------------------------------------------------------------------------ boards
boards = Collection(api, "/boards", read="boards:read", write="boards:write")
boards.create("create_board", s.BoardCreate, s.BoardDetail, lambda: service.create_board,
              "Create a board from a template (default: the bid pipeline Triagem → … → Ganha/Perdida/Desistência).")
boards.list("list_boards", s.BoardListQuery, s.BoardPage, lambda: listing.list_boards,
            "The company's boards (archived ones with ?archived=true).")


@api.get("/boards/{board_id}", query=DetailQuery, response=s.BoardDetail, permission="boards:read", errors=(404,))
def get_board(ctx: RequestContext[None, DetailQuery]) -> s.BoardDetail:
    """The board with its lists and cards in display order."""
    return service.board_detail(ctx.user, ctx.path_params["board_id"], ctx.query.include_archived)


board = Resource(api, "/boards/{board_id}", read="boards:read", write="boards:write")
board.write("update_board", s.BoardUpdate, s.BoardOut, lambda: service.update_board,
            "Rename, labels, automatic tender cards (and their list); carries the version read.")

# ------------------------------------------------------------------------------ lists
board.write("create_list", s.ListCreate, s.ListOut, lambda: service.create_list,
            "Add a list (at the end, or before/after another).", sub="/lists", method="POST", status=201)
board_list = Resource(api, "/lists/{list_id}", read="boards:read", write="boards:write")
board_list.write("update_list", s.ListUpdate, s.ListOut, lambda: service.update_list,
                 "Rename or reorder a list; carries the version read.")

# ------------------------------------------------------------------------------ cards
board.write("create_card", s.CardCreate, s.CardOut, lambda: cards.create_card,
            "Add a card to a list of the board, optionally linked to a tender.", sub="/cards", method="POST",
            status=201)
card = Resource(api, "/cards/{card_id}", read="boards:read", write="boards:write")
card.read("get_card", s.CardDetail, lambda: cards.card_detail,
          "A card with members, checklists, comments and attachments.")
card.write("update_card", s.CardUpdate, s.CardOut, lambda: cards.update_card,
           "Edit title, description, due date, labels, checklists; a stale version is a 409.")
card.write("move_card", s.CardMove, s.CardOut, lambda: cards.move_card,
           "Move to a list, before/after a card (one row changes); a stale version is a 409.", sub="/move",
           method="POST")
card.write("set_member", s.MemberSet, s.CardOut, lambda: cards.set_member,
           "Add a member or assignee (they are notified).", sub="/members", method="PUT")


@api.delete("/cards/{card_id}/members/{user_id}", response=s.CardOut, permission="boards:write", errors=(404,))
def remove_member(ctx: RequestContext[None, None]) -> s.CardOut:
    """Remove a member from the card."""
    return cards.remove_member(ctx.user, ctx.path_params["card_id"], ctx.path_params["user_id"], ctx.actor)


card.write("add_comment", s.CommentCreate, s.CommentOut, lambda: cards.add_comment,
           "Comment; each @[Nome](user-id) mentioned is notified.", sub="/comments", method="POST", status=201)
card.write("create_attachment", s.AttachmentCreate, s.AttachmentUpload, lambda: cards.create_attachment,
           "Register an attachment and get a presigned POST to upload its bytes to S3.", sub="/attachments",
           method="POST", status=201, errors=(404, 422, 503))


@api.get("/cards/{card_id}/attachments/{attachment_id}", response=s.DownloadOut, permission="boards:read",
         errors=(404,))
def download_attachment(ctx: RequestContext[None, None]) -> s.DownloadOut:
    """A short-lived link to download an attachment."""
    return cards.attachment_link(ctx.user, ctx.path_params["card_id"], ctx.path_params["attachment_id"])


card.read("card_activity", s.ActivityOut, lambda: cards.card_activity,
          "The card's history (created, moved, edited, commented, …), newest first.", sub="/activity")

# ------------------------------------------------------------------------------ archive and restore (kept, hidden)
board.archive_pair(("archive_board", "restore_board"), s.BoardOut, lambda: service.set_board_archived,
                   ("Archive the board (kept, hidden from the default list).", "Bring an archived board back."))
board_list.archive_pair(("archive_list", "restore_list"), s.ListOut, lambda: service.set_list_archived,
                        ("Archive a list (its cards stay with it).", "Bring an archived list back."))
card.archive_pair(("archive_card", "restore_card"), s.CardOut, lambda: cards.set_card_archived,
                  ("Archive a card.", "Bring an archived card back (at the end of its list)."))
