"""Conversations: open threads (per tender, per card, direct), send/edit/delete messages, unread counts,
read receipts, search, attachments; messages are pushed at once to the participants' sockets and to the
thread's subscribers, and stored for everyone else (unread counts tell them on return).

Visibility: a direct thread only to its participants; a tender/card thread to its participants and to
whoever may read tenders/boards in the company (they join when they write or mark read).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from licita.accounts.models import Status, User
from licita.audit.service import Actor, record
from licita.boards.cards import known_mentions
from licita.boards.models import Card
from licita.boards.service import company_of, parse_id
from licita.conversations import rules
from licita.conversations.models import Conversation, Message, Participant
from licita.conversations.schemas import (
    AttachmentCreate,
    AttachmentUploadOut,
    ConversationCreate,
    ConversationOut,
    ConversationPage,
    ConversationQuery,
    DownloadOut,
    MessageCreate,
    MessageEdit,
    MessageList,
    MessageOut,
    MessagePage,
    MessageQuery,
    Receipt,
    ReceiptList,
    SearchQuery,
)
from licita.core.config import get_settings
from licita.core.errors import Forbidden, NotFound, ServiceUnavailable, ValidationFailed
from licita.core.http import to_jsonable
from licita.core.security.principal import Principal
from licita.platform.clients import aws_client
from licita.platform.db.engine import tenant_transaction
from licita.platform.db.listing import contains, paginate
from licita.platform.db.lookup import company_transaction
from licita.platform.queues import publish_quietly
from licita.platform.storage import attachment_prefix, uploads_storage
from licita.realtime import service as realtime
from licita.tenders.models import Tender
from licita.tenders.service import sanitize_filename

log = logging.getLogger("licita.conversations")
UPLOAD_TTL = 900


# ------------------------------------------------------------------------------ visibility
def visible(principal: Principal) -> Any:
    """SQL condition: conversations this person may read."""
    mine = select(Participant.conversation_id).where(Participant.user_id == uuid.UUID(principal.user_id))
    kinds = rules.readable_kinds(p for p in ("tenders:read", "boards:read") if principal.can(p))
    return and_(Conversation.company_id == company_of(principal),
                or_(Conversation.id.in_(mine), Conversation.kind.in_(kinds)))


def get_visible(db: Session, principal: Principal, conversation_id: Any, *, lock: bool = False) -> Conversation:
    stmt = select(Conversation).where(
        Conversation.id == parse_id(conversation_id, "Conversa", "conversation_not_found"), visible(principal))
    conv = db.scalar(stmt.with_for_update() if lock else stmt)
    if conv is None:
        raise NotFound("Conversa não encontrada.", code="conversation_not_found")
    return conv


def can_see(principal: Principal, conversation_id: str) -> bool:
    try:
        with tenant_transaction(company_of(principal)) as db:
            get_visible(db, principal, conversation_id)
        return True
    except NotFound:
        return False


def _participants(db: Session, conv: Conversation) -> list[Participant]:
    return list(db.scalars(select(Participant).where(Participant.conversation_id == conv.id,
                                                     Participant.company_id == conv.company_id)
                           .order_by(Participant.joined_at, Participant.user_id)))


def _join(db: Session, conv: Conversation, user_id: uuid.UUID) -> Participant:
    row = db.get(Participant, (conv.id, user_id))
    if row is None:
        row = Participant(conversation_id=conv.id, user_id=user_id, company_id=conv.company_id, last_read_seq=0)
        db.add(row)
        db.flush()
    return row


def _unread(user_id: uuid.UUID) -> Any:
    """Correlated count of others' live messages after the person's read pointer."""
    pointer = select(Participant.last_read_seq).where(Participant.conversation_id == Conversation.id,
                                                      Participant.user_id == user_id).scalar_subquery()
    return (select(func.count(Message.id)).where(
        Message.conversation_id == Conversation.id, Message.seq > func.coalesce(pointer, 0),
        Message.deleted_at.is_(None), or_(Message.author_id.is_(None), Message.author_id != user_id))
        .correlate(Conversation).scalar_subquery())


def _out(conv: Conversation, participants: list[uuid.UUID], unread: int) -> ConversationOut:
    return ConversationOut(id=conv.id, kind=conv.kind, tender_id=conv.tender_id, card_id=conv.card_id,
                           title=conv.title, participants=participants, last_seq=conv.last_seq,
                           last_message_at=conv.last_message_at, unread=int(unread or 0), created_at=conv.created_at)


def message_out(m: Message) -> MessageOut:
    deleted = m.deleted_at is not None
    return MessageOut(id=m.id, conversation_id=m.conversation_id, seq=m.seq, author_id=m.author_id,
                      body=None if deleted else m.body, mentions=[] if deleted else list(m.mentions),
                      attachments=[] if deleted else list(m.attachments), client_id=m.client_id,
                      created_at=m.created_at, edited_at=m.edited_at, deleted=deleted)


# ------------------------------------------------------------------------------ threads
def _company_users(db: Session, company_id: uuid.UUID, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    found = set(db.scalars(select(User.id).where(User.company_id == company_id, User.id.in_(ids),
                                                 User.status == Status.ACTIVE)))
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ValidationFailed("Participante desconhecido.", code="unknown_participant",
                               details=[{"field": "user_ids", "message": f"usuário {m} não encontrado"}
                                        for m in missing])
    return ids


def open_conversation(principal: Principal, body: ConversationCreate, actor: Actor) -> ConversationOut:
    """Get or create the thread of a tender, a card, or a group of people (idempotent per subject)."""
    company_id, me = company_of(principal), uuid.UUID(principal.user_id)
    with tenant_transaction(company_id) as db:
        people: list[uuid.UUID] = [me]
        if body.kind == "tender":
            principal.require("tenders:read")

            if db.scalar(select(Tender.id).where(Tender.id == body.tender_id, Tender.company_id == company_id)) is None:
                raise NotFound("Licitação não encontrada.", code="tender_not_found")
            key = str(body.tender_id)
        elif body.kind == "card":
            principal.require("boards:read")

            if db.scalar(select(Card.id).where(Card.id == body.card_id, Card.company_id == company_id)) is None:
                raise NotFound("Cartão não encontrado.", code="card_not_found")
            key = str(body.card_id)
        else:
            others = [u for u in dict.fromkeys(body.user_ids) if u != me]
            if not others:
                raise ValidationFailed("Inclua ao menos outra pessoa.", code="direct_needs_people",
                                       details=[{"field": "user_ids", "message": "informe outra pessoa"}])
            people += _company_users(db, company_id, others)
            key = rules.direct_key(str(p) for p in people) if len(people) == 2 else uuid.uuid4().hex
        conv = db.scalar(select(Conversation).where(Conversation.company_id == company_id,
                                                    Conversation.kind == body.kind, Conversation.subject_key == key))
        if conv is None:
            conv = Conversation(id=uuid.uuid4(), company_id=company_id, kind=body.kind, tender_id=body.tender_id,
                                card_id=body.card_id, subject_key=key, title=body.title, last_seq=0,
                                created_by=me)
            db.add(conv)
            db.flush()
            record(db, actor, "conversation.created", "conversation", conv.id, company_id=company_id,
                   after={"kind": body.kind, "subject": key, "participants": [str(p) for p in people]})
        for person in people:
            _join(db, conv, person)
        db.flush()
        return _out(conv, [p.user_id for p in _participants(db, conv)], 0)


def list_conversations(principal: Principal, query: ConversationQuery) -> ConversationPage:
    company_id, me = company_of(principal), uuid.UUID(principal.user_id)
    with tenant_transaction(company_id) as db:
        stmt: Select[Any] = select(Conversation).where(visible(principal))
        for column, value in ((Conversation.kind, query.kind), (Conversation.tender_id, query.tender_id),
                              (Conversation.card_id, query.card_id)):
            if value is not None:
                stmt = stmt.where(column == value)
        stmt = stmt.order_by(Conversation.last_message_at.desc().nulls_last(), Conversation.id)
        rows, page = paginate(db, stmt, query.page, query.page_size)
        ids = [c.id for c in rows]
        unread = {r[0]: r[1] for r in db.execute(select(Conversation.id, _unread(me)).where(Conversation.id.in_(ids)))}
        members: dict[uuid.UUID, list[uuid.UUID]] = {}
        for p in db.scalars(select(Participant).where(Participant.conversation_id.in_(ids))
                            .order_by(Participant.joined_at, Participant.user_id)):
            members.setdefault(p.conversation_id, []).append(p.user_id)
        return ConversationPage(items=[_out(c, members.get(c.id, []), unread.get(c.id, 0)) for c in rows], page=page)


def get_conversation(principal: Principal, conversation_id: str) -> ConversationOut:
    company_id, me = company_of(principal), uuid.UUID(principal.user_id)
    with tenant_transaction(company_id) as db:
        conv = get_visible(db, principal, conversation_id)
        unread = db.scalar(select(_unread(me)).select_from(Conversation).where(Conversation.id == conv.id)) or 0
        return _out(conv, [p.user_id for p in _participants(db, conv)], unread)


# ------------------------------------------------------------------------------ messages
def _deliver(company_id: uuid.UUID, conv_id: uuid.UUID, participants: list[str], frame: dict[str, Any]) -> None:
    """Participants' own sockets (wherever they are) plus sockets subscribed to the thread, each once."""
    topics = [realtime.user_topic(p) for p in participants]
    topics.append(realtime.scoped_topic(str(company_id), f"conversation:{conv_id}"))
    try:
        realtime.push(topics, to_jsonable(frame))
    except Exception:
        log.warning("conversation frame not pushed", exc_info=True)


def _check_attachments(company_id: uuid.UUID, conv_id: uuid.UUID, refs: list[Any]) -> list[dict[str, Any]]:
    prefix = attachment_prefix(company_id, "conversations", conv_id)
    bad = [r.key for r in refs if not r.key.startswith(prefix) or ".." in r.key]
    if bad:
        raise ValidationFailed("Anexo de outra conversa.", code="attachment_foreign",
                               details=[{"field": "attachments", "message": f"chave inválida: {k}"} for k in bad])
    return [r.model_dump() for r in refs]


def send_message(principal: Principal, conversation_id: str, body: MessageCreate, actor: Actor) -> MessageOut:
    principal.require("conversations:write")
    company_id, me = company_of(principal), uuid.UUID(principal.user_id)
    with tenant_transaction(company_id) as db:
        conv = get_visible(db, principal, conversation_id, lock=True)
        if body.client_id:
            again = db.scalar(select(Message).where(Message.conversation_id == conv.id, Message.author_id == me,
                                                    Message.client_id == body.client_id))
            if again is not None:
                return message_out(again)

        mentions = known_mentions(db, company_id, body.body, principal.user_id)
        participants = _participants(db, conv)
        if conv.kind == "direct":  # a private thread: mentioning someone outside it does not reveal it
            mentions = [m for m in mentions if uuid.UUID(m) in {p.user_id for p in participants}]
        conv.last_seq += 1
        now = datetime.now(UTC)
        conv.last_message_at = now
        msg = Message(id=uuid.uuid4(), company_id=company_id, conversation_id=conv.id, seq=conv.last_seq,
                      author_id=me, body=body.body, mentions=mentions, client_id=body.client_id,
                      attachments=_check_attachments(company_id, conv.id, body.attachments), created_at=now)
        db.add(msg)
        sender = _join(db, conv, me)
        sender.last_read_seq, sender.last_read_at = msg.seq, now
        record(db, actor, "message.sent", "conversation", conv.id, company_id=company_id,
               after={"message_id": str(msg.id), "seq": msg.seq, "mentions": mentions})
        db.flush()
        out = message_out(msg)
        people = sorted({str(p.user_id) for p in participants} | {principal.user_id})
        kind, subject = conv.kind, conv.tender_id or conv.card_id
    _deliver(company_id, out.conversation_id, people, {"type": "message", "event": "message.created",
                                                       "conversation_id": out.conversation_id, "message": out})
    if mentions:
        for user_id in mentions:
            publish_quietly("conversation.mentioned", str(company_id), {
                "conversation_id": str(out.conversation_id), "message_id": str(out.id), "kind": kind,
                "subject_id": subject and str(subject), "excerpt": body.body[:200], "target_user_id": user_id,
                "dedup_key": f"chat-mention:{out.id}:{user_id}"}, user_id=principal.user_id)
    return out


def list_messages(principal: Principal, conversation_id: str, query: MessageQuery) -> MessageList:
    """Newest first, ``limit`` at a time, older pages with ``before_seq``."""
    with company_transaction(principal) as (db, company_id):
        conv = get_visible(db, principal, conversation_id)
        stmt = select(Message).where(Message.conversation_id == conv.id, Message.company_id == company_id)
        if query.before_seq is not None:
            stmt = stmt.where(Message.seq < query.before_seq)
        rows = list(db.scalars(stmt.order_by(Message.seq.desc()).limit(query.limit + 1)))
        return MessageList(items=[message_out(m) for m in rows[:query.limit]], has_more=len(rows) > query.limit)


def _own_message(db: Session, principal: Principal, conversation_id: str, message_id: str) -> tuple[Conversation,
                                                                                                       Message]:
    conv = get_visible(db, principal, conversation_id)
    msg = db.scalar(select(Message).where(Message.id == parse_id(message_id, "Mensagem", "message_not_found"),
                                          Message.conversation_id == conv.id).with_for_update())
    if msg is None or msg.deleted_at is not None:
        raise NotFound("Mensagem não encontrada.", code="message_not_found")
    if str(msg.author_id) != principal.user_id:
        raise Forbidden("Só quem escreveu pode alterar a mensagem.", code="not_message_author")
    if not rules.within_edit_window(msg.created_at):
        minutes = int(rules.EDIT_WINDOW.total_seconds() // 60)
        raise Forbidden(f"Mensagens só podem ser alteradas até {minutes} minutos após o envio.",
                        code="edit_window_closed", details={"window_minutes": minutes})
    return conv, msg


def edit_message(principal: Principal, conversation_id: str, message_id: str, body: MessageEdit,
                 actor: Actor) -> MessageOut:
    with company_transaction(principal) as (db, company_id):
        conv, msg = _own_message(db, principal, conversation_id, message_id)
        before = msg.body
        msg.body, msg.edited_at = body.body, datetime.now(UTC)
        msg.mentions = [m for m in msg.mentions if m in set(rules.parse_mentions(body.body))]
        record(db, actor, "message.edited", "conversation", conv.id, company_id=company_id,
               before={"message_id": str(msg.id), "body": before}, after={"message_id": str(msg.id)})
        db.flush()
        out, people = message_out(msg), [str(p.user_id) for p in _participants(db, conv)]
    _deliver(company_id, conv.id, people, {"type": "message", "event": "message.edited",
                                           "conversation_id": conv.id, "message": out})
    return out


def delete_message(principal: Principal, conversation_id: str, message_id: str, actor: Actor) -> None:
    with company_transaction(principal) as (db, company_id):
        conv, msg = _own_message(db, principal, conversation_id, message_id)
        msg.deleted_at = datetime.now(UTC)
        record(db, actor, "message.deleted", "conversation", conv.id, company_id=company_id,
               before={"message_id": str(msg.id), "body": msg.body})
        db.flush()
        out, people = message_out(msg), [str(p.user_id) for p in _participants(db, conv)]
    _deliver(company_id, conv.id, people, {"type": "message", "event": "message.deleted",
                                           "conversation_id": conv.id, "message": out})


# ------------------------------------------------------------------------------ receipts and search
def mark_read(principal: Principal, conversation_id: str, seq: int) -> Receipt:
    """Move the read pointer forward (never back); the others see the receipt at once."""
    with company_transaction(principal) as (db, company_id):
        conv = get_visible(db, principal, conversation_id)
        row = _join(db, conv, uuid.UUID(principal.user_id))
        target = min(seq, conv.last_seq)
        if target > row.last_read_seq:
            row.last_read_seq, row.last_read_at = target, datetime.now(UTC)
        db.flush()
        out = Receipt(user_id=row.user_id, last_read_seq=row.last_read_seq, last_read_at=row.last_read_at)
        people = [str(p.user_id) for p in _participants(db, conv)]
    _deliver(company_id, conv.id, people, {"type": "message", "event": "message.read", "conversation_id": conv.id,
                                           "receipt": out})
    return out


def receipts(principal: Principal, conversation_id: str) -> ReceiptList:
    with tenant_transaction(company_of(principal)) as db:
        conv = get_visible(db, principal, conversation_id)
        return ReceiptList(items=[Receipt(user_id=p.user_id, last_read_seq=p.last_read_seq,
                                          last_read_at=p.last_read_at) for p in _participants(db, conv)])


def search(principal: Principal, query: SearchQuery) -> MessagePage:
    """Portuguese full-text (stems: "proposta" finds "propostas") or a plain substring, in readable threads."""
    with tenant_transaction(company_of(principal)) as db:
        fts = func.to_tsvector("portuguese", Message.body).op("@@")(func.plainto_tsquery("portuguese", query.q))
        stmt = (select(Message).join(Conversation, Conversation.id == Message.conversation_id)
                .where(visible(principal), Message.deleted_at.is_(None), or_(fts, contains(Message.body, query.q)))
                .order_by(Message.created_at.desc(), Message.id))
        rows, page = paginate(db, stmt, query.page, query.page_size)
        return MessagePage(items=[message_out(m) for m in rows], page=page)


# ------------------------------------------------------------------------------ attachments
def create_attachment(principal: Principal, conversation_id: str, body: AttachmentCreate) -> AttachmentUploadOut:
    with company_transaction(principal) as (db, company_id):
        conv = get_visible(db, principal, conversation_id)
    key = f"{attachment_prefix(company_id, 'conversations', conv.id)}{uuid.uuid4()}/{sanitize_filename(body.filename)}"
    try:
        upload = uploads_storage().presign_post(key, content_type=body.content_type, min_size=1, max_size=body.size,
                                                expires_in=UPLOAD_TTL)
    except Exception as exc:
        raise ServiceUnavailable("Armazenamento indisponível; tente novamente.") from exc
    return AttachmentUploadOut(key=key, upload={"url": upload.url, "fields": upload.fields})


def attachment_link(principal: Principal, conversation_id: str, message_id: str, index: int) -> DownloadOut:
    with tenant_transaction(company_of(principal)) as db:
        conv = get_visible(db, principal, conversation_id)
        msg = db.scalar(select(Message).where(Message.id == parse_id(message_id, "Mensagem", "message_not_found"),
                                              Message.conversation_id == conv.id, Message.deleted_at.is_(None)))
        files = list(msg.attachments) if msg is not None else []
    if not 0 <= index < len(files):
        raise NotFound("Anexo não encontrado.", code="attachment_not_found")
    url = aws_client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": get_settings().uploads_bucket, "Key": files[index]["key"]}, ExpiresIn=300)
    return DownloadOut(url=url, expires_in=300)
