"""Conversations function: threads per tender, per card and direct; messages (also over the WebSocket
``message.send`` action), edits within a window, unread counts, read receipts, search, attachments. Thin:
parse, authorize, call licita.conversations.service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from licita.api import Api, RequestContext
from licita.conversations import schemas as s
from licita.core.brazil import is_ascii_digits
from licita.core.lazy import lazy_import

if TYPE_CHECKING:
    from licita.conversations import service
else:  # SQLAlchemy and friends load on the first request that needs them (cold start)
    service = lazy_import("licita.conversations.service")

api = Api("conversations", tags=["conversations"])
app = api.app


@api.post("/conversations", body=s.ConversationCreate, response=s.ConversationOut, permission="conversations:write",
          errors=(403, 404, 422))
def open_conversation(ctx: RequestContext[s.ConversationCreate, None]) -> s.ConversationOut:
    """Open (or get) the thread of a tender, a card, or a group of people."""
    return service.open_conversation(ctx.user, ctx.body, ctx.actor)


@api.get("/conversations", query=s.ConversationQuery, response=s.ConversationPage, permission="conversations:read",
         errors=(422,))
def list_conversations(ctx: RequestContext[None, s.ConversationQuery]) -> s.ConversationPage:
    """Threads you take part in or may read, most recent first, with unread counts."""
    return service.list_conversations(ctx.user, ctx.query)


@api.get("/conversations/search", query=s.SearchQuery, response=s.MessagePage, permission="conversations:read",
         errors=(422,))
def search_messages(ctx: RequestContext[None, s.SearchQuery]) -> s.MessagePage:
    """Full-text (Portuguese) search over the messages you may read."""
    return service.search(ctx.user, ctx.query)


@api.get("/conversations/{conversation_id}", response=s.ConversationOut, permission="conversations:read",
         errors=(404,))
def get_conversation(ctx: RequestContext[None, None]) -> s.ConversationOut:
    """One thread with its participants and your unread count."""
    return service.get_conversation(ctx.user, ctx.path_params["conversation_id"])


@api.get("/conversations/{conversation_id}/messages", query=s.MessageQuery, response=s.MessageList,
         permission="conversations:read", errors=(404, 422))
def list_messages(ctx: RequestContext[None, s.MessageQuery]) -> s.MessageList:
    """Messages newest first; older ones with ?before_seq=."""
    return service.list_messages(ctx.user, ctx.path_params["conversation_id"], ctx.query)


@api.post("/conversations/{conversation_id}/messages", body=s.MessageCreate, response=s.MessageOut, status=201,
          permission="conversations:write", errors=(404, 422))
def send_message(ctx: RequestContext[s.MessageCreate, None]) -> s.MessageOut:
    """Send a message (pushed at once to the participants online); @mentions are notified."""
    return service.send_message(ctx.user, ctx.path_params["conversation_id"], ctx.body, ctx.actor)


@api.patch("/conversations/{conversation_id}/messages/{message_id}", body=s.MessageEdit, response=s.MessageOut,
           permission="conversations:write", errors=(403, 404, 422))
def edit_message(ctx: RequestContext[s.MessageEdit, None]) -> s.MessageOut:
    """Edit your own message within the edit window."""
    return service.edit_message(ctx.user, ctx.path_params["conversation_id"], ctx.path_params["message_id"],
                                ctx.body, ctx.actor)


@api.delete("/conversations/{conversation_id}/messages/{message_id}", status=204, permission="conversations:write",
            errors=(403, 404))
def delete_message(ctx: RequestContext[None, None]) -> None:
    """Delete your own message within the edit window (others see it as deleted)."""
    service.delete_message(ctx.user, ctx.path_params["conversation_id"], ctx.path_params["message_id"], ctx.actor)


@api.post("/conversations/{conversation_id}/read", body=s.ReadMark, response=s.Receipt, permission="conversations:read",
          errors=(404, 422))
def mark_read(ctx: RequestContext[s.ReadMark, None]) -> s.Receipt:
    """Mark messages up to ``seq`` as read (a receipt goes to the others)."""
    return service.mark_read(ctx.user, ctx.path_params["conversation_id"], ctx.body.seq)


@api.get("/conversations/{conversation_id}/receipts", response=s.ReceiptList, permission="conversations:read",
         errors=(404,))
def receipts(ctx: RequestContext[None, None]) -> s.ReceiptList:
    """How far each participant has read."""
    return service.receipts(ctx.user, ctx.path_params["conversation_id"])


@api.post("/conversations/{conversation_id}/attachments", body=s.AttachmentCreate, response=s.AttachmentUploadOut,
          status=201, permission="conversations:write", errors=(404, 422, 503))
def create_attachment(ctx: RequestContext[s.AttachmentCreate, None]) -> s.AttachmentUploadOut:
    """A presigned POST for a file to attach to your next message (send its key with it)."""
    return service.create_attachment(ctx.user, ctx.path_params["conversation_id"], ctx.body)


@api.get("/conversations/{conversation_id}/messages/{message_id}/attachments/{index}", response=s.DownloadOut,
         permission="conversations:read", errors=(404,))
def download_attachment(ctx: RequestContext[None, None]) -> s.DownloadOut:
    """A short-lived link to a message's attachment."""
    raw = ctx.path_params["index"]
    index = int(raw) if is_ascii_digits(raw) and len(raw) < 4 else -1
    return service.attachment_link(ctx.user, ctx.path_params["conversation_id"], ctx.path_params["message_id"], index)
