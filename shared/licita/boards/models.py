"""Kanban boards, their lists and cards (tenant-scoped; migration 0006 creates the tables).

Order inside a list is a rank string (see :mod:`licita.boards.rules`), never an index: a move writes one
row. Every editable row carries ``version``; a stale edit is a 409.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

import licita.accounts.models  # FK targets (companies, users) must be mapped before any flush
import licita.tenders.models  # noqa: F401  # cards.tender_id -> tenders.id: a flush without it is a 500
from licita.platform.db.base import Base, CreatedAt, TenantRow, Timestamps


class Board(TenantRow, Timestamps, Base):
    __tablename__ = "boards"
    __table_args__ = (Index("ix_boards_company", "company_id", "archived_at"),)

    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(40), default="bid_pipeline")
    # where READY tenders land automatically (one board per company at most has it on)
    auto_tenders: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_list_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    labels: Mapped[list[Any]] = mapped_column(JSONB, default=list)  # [{id, name, color}]
    version: Mapped[int] = mapped_column(Integer, default=1)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class BoardList(TenantRow, CreatedAt, Base):
    __tablename__ = "board_lists"
    __table_args__ = (Index("ix_board_lists_board_rank", "board_id", "rank"),)

    board_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    key: Mapped[str | None] = mapped_column(String(40))  # template stage key (triagem, ganha, ...)
    rank: Mapped[str] = mapped_column(String(64, collation="C"))  # byte order: ranks compare as ASCII
    version: Mapped[int] = mapped_column(Integer, default=1)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Card(TenantRow, Timestamps, Base):
    __tablename__ = "cards"
    __table_args__ = (
        Index("ix_cards_list_rank", "list_id", "rank"),
        Index("ix_cards_board", "board_id"),
        UniqueConstraint("board_id", "tender_id", name="uq_cards_board_tender"),
    )

    board_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    list_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("board_lists.id", ondelete="CASCADE"))
    tender_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenders.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    rank: Mapped[str] = mapped_column(String(64, collation="C"))  # byte order: ranks compare as ASCII
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    labels: Mapped[list[Any]] = mapped_column(JSONB, default=list)  # label ids of the board
    checklists: Mapped[list[Any]] = mapped_column(JSONB, default=list)  # [{id, title, items: [{id, text, done}]}]
    version: Mapped[int] = mapped_column(Integer, default=1)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class CardMember(CreatedAt, Base):
    __tablename__ = "card_members"

    card_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20), default="member")  # assignee | member


class CardComment(TenantRow, CreatedAt, Base):
    __tablename__ = "card_comments"
    __table_args__ = (Index("ix_card_comments_card", "card_id", "created_at"),)

    card_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    author_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    body: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list[str]] = mapped_column(JSONB, default=list)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CardAttachment(TenantRow, CreatedAt, Base):
    __tablename__ = "card_attachments"
    __table_args__ = (Index("ix_card_attachments_card", "card_id"),)

    card_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    s3_key: Mapped[str] = mapped_column(String(400))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


BOARD_TABLES = ("boards", "board_lists", "cards", "card_members", "card_comments", "card_attachments")
