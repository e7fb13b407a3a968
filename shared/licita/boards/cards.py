"""Cards: create, edit (versioned), move by rank, archive; members, comments with @mentions, attachments
through presigned upload, and the card's activity timeline (MongoDB ``activity_history``)."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from licita.accounts.models import User
from licita.audit.service import Actor, activity, record
from licita.boards import rules
from licita.boards.models import Card, CardAttachment, CardComment, CardMember
from licita.boards.schemas import (
    ActivityOut,
    AttachmentCreate,
    AttachmentOut,
    AttachmentUpload,
    CardCreate,
    CardDetail,
    CardMove,
    CardOut,
    CardUpdate,
    CommentCreate,
    CommentOut,
    DownloadOut,
    MemberSet,
    Position,
)
from licita.boards.service import announced, archive_row, broadcast, card_out, get_board, get_list, new_rank, rebalance
from licita.core.config import get_settings
from licita.core.errors import NotFound, ServiceUnavailable, ValidationFailed
from licita.core.security.principal import Principal
from licita.platform.clients import aws_client
from licita.platform.db.lookup import company_transaction, get_owned, parse_id
from licita.platform.queues import publish_quietly
from licita.platform.storage import attachment_prefix, uploads_storage
from licita.tenders.models import Tender
from licita.tenders.uploads import sanitize_filename

DOWNLOAD_TTL = 300
UPLOAD_TTL = 900


def get_card(db: Session, company_id: uuid.UUID, card_id: Any, *, lock: bool = False) -> Card:
    return get_owned(db, Card, company_id, card_id, code="card_not_found", message="Cartão não encontrado.", lock=lock)


def _members(db: Session, card: Card) -> list[CardMember]:
    return list(db.scalars(select(CardMember).where(CardMember.card_id == card.id,
                                                    CardMember.company_id == card.company_id)))


def _cards_in(db: Session, company_id: uuid.UUID, list_id: uuid.UUID) -> list[Card]:
    return list(db.scalars(select(Card).where(Card.list_id == list_id, Card.company_id == company_id,
                                              Card.archived_at.is_(None))
                           .order_by(Card.rank, Card.id)))


def rank_in_list(db: Session, company_id: uuid.UUID, list_id: uuid.UUID, position: Position | None,
                 moving_id: str | None = None) -> str:
    """Read the list's current order and compute the rank of the drop point; an exhausted gap rebalances the
    list once (locked), the only case in which more than one row changes."""
    cards = _cards_in(db, company_id, list_id)
    rank = new_rank([(str(c.id), c.rank) for c in cards], position, moving_id)
    if rank is None:
        others = list(db.scalars(select(Card).where(Card.id.in_([c.id for c in cards if str(c.id) != moving_id]))
                                 .order_by(Card.rank, Card.id).with_for_update()))
        rebalance(others)
        db.flush()
        rank = new_rank([(str(c.id), c.rank) for c in others], position, moving_id)
    assert rank is not None
    return rank


def _check_labels(board_labels: list[Any], wanted: list[str]) -> list[str]:
    known = {str(x.get("id")) for x in board_labels if isinstance(x, dict)}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise ValidationFailed("Etiqueta desconhecida neste quadro.", code="unknown_label",
                               details=[{"field": "labels", "message": f"etiqueta {u} não existe"} for u in unknown])
    return list(dict.fromkeys(wanted))


def _summary(card: Card) -> dict[str, Any]:
    return {"board_id": str(card.board_id), "list_id": str(card.list_id), "title": card.title, "rank": card.rank,
            "version": card.version}


# ------------------------------------------------------------------------------ cards
def create_card(principal: Principal, board_id: str, body: CardCreate, actor: Actor) -> CardOut:
    with company_transaction(principal) as (db, company_id):
        board = get_board(db, company_id, board_id)
        target = get_list(db, company_id, body.list_id)
        if target.board_id != board.id:
            raise ValidationFailed("A lista não pertence a este quadro.", code="list_not_in_board",
                                   details=[{"field": "list_id", "message": "lista de outro quadro"}])
        if body.tender_id is not None and db.scalar(
                select(Tender.id).where(Tender.id == body.tender_id, Tender.company_id == company_id)) is None:
            raise NotFound("Licitação não encontrada.", code="tender_not_found")
        card = Card(id=uuid.uuid4(), company_id=company_id, board_id=board.id, list_id=target.id,
                    tender_id=body.tender_id, title=body.title, description=body.description, due_at=body.due_at,
                    labels=_check_labels(board.labels, body.labels), checklists=[], version=1,
                    rank=rank_in_list(db, company_id, target.id, body.position),
                    created_by=uuid.UUID(principal.user_id))
        db.add(card)
        record(db, actor, "card.created", "card", card.id, company_id=company_id, after=_summary(card))
        db.flush()
        out = card_out(card)
    return announced(principal, "card.created", out)


def card_detail(principal: Principal, card_id: str) -> CardDetail:
    with company_transaction(principal) as (db, company_id):
        card = get_card(db, company_id, card_id)
        comments = db.scalars(select(CardComment).where(CardComment.card_id == card.id,
                                                        CardComment.company_id == company_id,
                                                        CardComment.deleted_at.is_(None))
                              .order_by(CardComment.created_at))
        files = db.scalars(select(CardAttachment).where(CardAttachment.card_id == card.id,
                                                        CardAttachment.company_id == company_id)
                           .order_by(CardAttachment.created_at))
        return CardDetail(**card_out(card, _members(db, card)).model_dump(),
                          comments=[_comment_out(c) for c in comments], attachments=[_file_out(f) for f in files])


def update_card(principal: Principal, card_id: str, body: CardUpdate, actor: Actor) -> CardOut:
    with company_transaction(principal) as (db, company_id):
        card = get_card(db, company_id, card_id, lock=True)
        rules.check_version(card.version, body.version, "cartão")
        before = _summary(card)
        changes = body.model_dump(exclude_unset=True, exclude={"version", "clear_due_at"}, mode="json")
        if body.title is not None:
            card.title = body.title
        if "description" in changes:
            card.description = body.description
        if body.due_at is not None or body.clear_due_at:
            card.due_at = None if body.clear_due_at else body.due_at
        if body.labels is not None:
            card.labels = _check_labels(get_board(db, company_id, card.board_id).labels, body.labels)
        if body.checklists is not None:
            card.checklists = changes["checklists"]
        card.version += 1
        record(db, actor, "card.updated", "card", card.id, company_id=company_id, before=before,
               after={**_summary(card), "changed": sorted(changes)})
        db.flush()
        out = card_out(card, _members(db, card))
    return announced(principal, "card.updated", out)


def move_card(principal: Principal, card_id: str, body: CardMove, actor: Actor) -> CardOut:
    """One row changes: the card's list and rank (plus its version). A stale version is a 409."""
    with company_transaction(principal) as (db, company_id):
        card = get_card(db, company_id, card_id, lock=True)
        rules.check_version(card.version, body.version, "cartão")
        target = get_list(db, company_id, body.list_id)
        if target.board_id != card.board_id:
            raise ValidationFailed("A lista de destino é de outro quadro.", code="list_not_in_board",
                                   details=[{"field": "list_id", "message": "lista de outro quadro"}])
        from_list, from_name = card.list_id, None
        if from_list != target.id:
            from_name = get_list(db, company_id, from_list).name
        card.rank = rank_in_list(db, company_id, target.id, Position(after_id=body.after_id,
                                                                      before_id=body.before_id), str(card.id))
        card.list_id = target.id
        card.version += 1
        record(db, actor, "card.moved", "card", card.id, company_id=company_id,
               before={"list_id": str(from_list)}, after={**_summary(card), "to_list": target.name})
        db.flush()
        out = card_out(card, _members(db, card))
        member_ids = [str(m.user_id) for m in _members(db, card) if str(m.user_id) != principal.user_id]
    broadcast(company_id, out.board_id, "card.moved", {**out.model_dump(), "from_list_id": str(from_list)},
              principal.user_id)
    if from_name is not None and member_ids:
        publish_quietly("card.moved", str(company_id), {
            "card_id": str(out.id), "card_title": out.title, "to_list": target.name, "from_list": from_name,
            "board": str(out.board_id), "recipient_ids": member_ids}, user_id=principal.user_id)
    return out


def set_card_archived(principal: Principal, card_id: str, archived: bool, actor: Actor) -> CardOut:
    with company_transaction(principal) as (db, company_id):
        card = get_card(db, company_id, card_id, lock=True)
        if not archived:  # back at the end of its list, wherever the others went meanwhile
            card.rank = rank_in_list(db, company_id, card.list_id, None, str(card.id))
        verb = archive_row(db, actor, card, archived, "card", _summary)
        db.flush()
        out = card_out(card, _members(db, card))
    return announced(principal, f"card.{verb}", out)


# ------------------------------------------------------------------------------ members
def _company_user(db: Session, company_id: uuid.UUID, user_id: uuid.UUID) -> User:
    user = db.get(User, user_id)
    if user is None or user.company_id != company_id:  # another company's user is just as unknown
        raise NotFound("Usuário não encontrado.", code="user_not_found")
    return user


def set_member(principal: Principal, card_id: str, body: MemberSet, actor: Actor) -> CardOut:
    with company_transaction(principal) as (db, company_id):
        card = get_card(db, company_id, card_id, lock=True)
        user = _company_user(db, company_id, body.user_id)
        row = db.get(CardMember, (card.id, user.id))
        if row is None:
            db.add(CardMember(card_id=card.id, user_id=user.id, company_id=company_id, role=body.role))
        else:
            row.role = body.role
        card.version += 1
        record(db, actor, "card.member_set", "card", card.id, company_id=company_id,
               after={"user_id": str(user.id), "role": body.role, "board_id": str(card.board_id)})
        db.flush()
        out = card_out(card, _members(db, card))
    broadcast(company_id, out.board_id, "card.updated", out.model_dump(), principal.user_id)
    if str(body.user_id) != principal.user_id:
        publish_quietly("card.assigned", str(company_id), {
            "card_id": str(out.id), "card_title": out.title, "role": body.role, "board": str(out.board_id),
            "target_user_id": str(body.user_id)}, user_id=principal.user_id)
    return out


def remove_member(principal: Principal, card_id: str, user_id: str, actor: Actor) -> CardOut:
    with company_transaction(principal) as (db, company_id):
        card = get_card(db, company_id, card_id, lock=True)
        row = db.get(CardMember, (card.id, parse_id(user_id, "Usuário", "user_not_found")))
        if row is None or row.company_id != company_id:
            raise NotFound("Este usuário não é membro do cartão.", code="member_not_found")
        db.delete(row)
        card.version += 1
        record(db, actor, "card.member_removed", "card", card.id, company_id=company_id,
               after={"user_id": user_id, "board_id": str(card.board_id)})
        db.flush()
        out = card_out(card, _members(db, card))
    return announced(principal, "card.updated", out)


# ------------------------------------------------------------------------------ comments
def _comment_out(c: CardComment) -> CommentOut:
    return CommentOut(id=c.id, card_id=c.card_id, author_id=c.author_id, body=c.body, mentions=list(c.mentions),
                      created_at=c.created_at)


def known_mentions(db: Session, company_id: uuid.UUID, text: str, exclude: str | None = None) -> list[str]:
    """Mentioned ids that are active users of this company (anything else is plain text)."""
    wanted = [m for m in rules.parse_mentions(text) if m != exclude]
    if not wanted:
        return []
    found = {str(u) for u in db.scalars(select(User.id).where(User.company_id == company_id,
                                                              User.id.in_([uuid.UUID(m) for m in wanted])))}
    return [m for m in wanted if m in found]


def add_comment(principal: Principal, card_id: str, body: CommentCreate, actor: Actor) -> CommentOut:
    with company_transaction(principal) as (db, company_id):
        card = get_card(db, company_id, card_id)
        mentions = known_mentions(db, company_id, body.body, principal.user_id)
        row = CardComment(id=uuid.uuid4(), company_id=company_id, card_id=card.id,
                          author_id=uuid.UUID(principal.user_id), body=body.body, mentions=mentions)
        db.add(row)
        record(db, actor, "card.commented", "card", card.id, company_id=company_id,
               after={"comment_id": str(row.id), "board_id": str(card.board_id), "mentions": mentions})
        db.flush()
        db.refresh(row)
        out, board_id, title = _comment_out(row), card.board_id, card.title
    broadcast(company_id, board_id, "card.commented", out.model_dump(), principal.user_id)
    if mentions:
        for user_id in mentions:  # target audience: one event per person, deduplicated by the pipeline
            publish_quietly("card.mentioned", str(company_id), {
                "card_id": str(card_id), "card_title": title, "board": str(board_id), "excerpt": body.body[:200],
                "target_user_id": user_id, "dedup_key": f"mention:{out.id}:{user_id}"}, user_id=principal.user_id)
    return out


# ------------------------------------------------------------------------------ attachments
def _file_out(f: CardAttachment) -> AttachmentOut:
    return AttachmentOut(id=f.id, card_id=f.card_id, filename=f.filename, content_type=f.content_type, size=f.size,
                         uploaded_by=f.uploaded_by, created_at=f.created_at)


def create_attachment(principal: Principal, card_id: str, body: AttachmentCreate, actor: Actor) -> AttachmentUpload:
    """The row and a presigned POST bound to its key, type and size (the bytes go straight to S3)."""
    with company_transaction(principal) as (db, company_id):
        card = get_card(db, company_id, card_id)
        file_id = uuid.uuid4()
        key = f"{attachment_prefix(company_id, 'cards', card.id)}{file_id}/{sanitize_filename(body.filename)}"
        try:
            upload = uploads_storage().presign_post(key, content_type=body.content_type, min_size=1,
                                                    max_size=body.size, expires_in=UPLOAD_TTL)
        except Exception as exc:
            raise ServiceUnavailable("Armazenamento indisponível; tente novamente.") from exc
        row = CardAttachment(id=file_id, company_id=company_id, card_id=card.id, s3_key=key, filename=body.filename,
                             content_type=body.content_type, size=body.size, uploaded_by=uuid.UUID(principal.user_id))
        db.add(row)
        record(db, actor, "card.attachment_added", "card", card.id, company_id=company_id,
               after={"attachment_id": str(file_id), "filename": body.filename, "board_id": str(card.board_id)})
        db.flush()
        db.refresh(row)
        out = AttachmentUpload(**_file_out(row).model_dump(), upload={"url": upload.url, "fields": upload.fields})
        board_id = card.board_id
    broadcast(company_id, board_id, "card.attachment_added", _file_out(row).model_dump(), principal.user_id)
    return out


def attachment_link(principal: Principal, card_id: str, attachment_id: str) -> DownloadOut:
    with company_transaction(principal) as (db, company_id):
        card = get_card(db, company_id, card_id)
        row = db.scalar(select(CardAttachment).where(
            CardAttachment.id == parse_id(attachment_id, "Anexo", "attachment_not_found"),
            CardAttachment.card_id == card.id, CardAttachment.company_id == company_id))
        if row is None:
            raise NotFound("Anexo não encontrado.", code="attachment_not_found")
        key, name = row.s3_key, row.filename


    # the name the person uploaded (RFC 6266: ASCII fallback + UTF-8), not the sanitized key segment
    disposition = f"attachment; filename=\"{sanitize_filename(name)}\"; filename*=UTF-8''{quote(name)}"
    url = aws_client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": get_settings().uploads_bucket, "Key": key,
                              "ResponseContentDisposition": disposition}, ExpiresIn=DOWNLOAD_TTL)
    return DownloadOut(url=url, expires_in=DOWNLOAD_TTL)


def card_activity(principal: Principal, card_id: str) -> ActivityOut:
    with company_transaction(principal) as (db, company_id):
        card = get_card(db, company_id, card_id)
    items = activity(str(company_id), limit=200, entity="card", entity_id=str(card.id))
    return ActivityOut(items=items)
