"""Collaboration: boards, forms, calendar, conversations (issue 11).

Every table carries company_id and is isolated by row-level security (enable_tenant_rls). Messages get a
Portuguese full-text index for search.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from licita.platform.db.columns import company_column, create_tenant_table, jsonb, ref, timestamp, timestamps
from licita.platform.db.rls import disable_rls, enable_tenant_rls

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("boards", "board_lists", "cards", "card_members", "card_comments", "card_attachments", "conversations",
          "conversation_participants", "messages", "calendars", "calendar_events", "event_attendees",
          "calendar_feeds", "google_calendar_sync", "form_templates", "form_submissions")


def upgrade() -> None:
    create_tenant_table(
        op, "boards", sa.Column("name", sa.String(120), nullable=False),
        sa.Column("description", sa.Text), sa.Column("template", sa.String(40), nullable=False),
        sa.Column("auto_tenders", sa.Boolean, nullable=False), sa.Column("auto_list_id", UUID(as_uuid=True)),
        jsonb("labels"), sa.Column("version", sa.Integer, nullable=False),
        timestamp("archived_at"), sa.Column("created_by", UUID(as_uuid=True)), *timestamps(),
    )
    op.create_index("ix_boards_company", "boards", ["company_id", "archived_at"])
    create_tenant_table(
        op, "board_lists", ref("board_id", "boards"),
        sa.Column("name", sa.String(120), nullable=False), sa.Column("key", sa.String(40)),
        sa.Column("rank", sa.String(64, collation="C"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False), timestamp("archived_at"), timestamp("created_at", now=True),
    )
    op.create_index("ix_board_lists_board_rank", "board_lists", ["board_id", "rank"])
    create_tenant_table(
        op, "cards", ref("board_id", "boards"), ref("list_id", "board_lists"),
        ref("tender_id", "tenders", nullable=True, ondelete="SET NULL"),
        sa.Column("title", sa.String(300), nullable=False), sa.Column("description", sa.Text),
        sa.Column("rank", sa.String(64, collation="C"), nullable=False), timestamp("due_at"),
        jsonb("labels"), jsonb("checklists"),
        sa.Column("version", sa.Integer, nullable=False), timestamp("archived_at"),
        sa.Column("created_by", UUID(as_uuid=True)), *timestamps(),
        sa.UniqueConstraint("board_id", "tender_id", name="uq_cards_board_tender"),
    )
    op.create_index("ix_cards_board", "cards", ["board_id"])
    op.create_index("ix_cards_list_rank", "cards", ["list_id", "rank"])
    op.create_table(
        "card_members", ref("card_id", "cards"), ref("user_id", "users"), company_column(),
        sa.Column("role", sa.String(20), nullable=False), timestamp("created_at", now=True),
        sa.PrimaryKeyConstraint("card_id", "user_id"),
    )
    create_tenant_table(
        op, "card_comments", ref("card_id", "cards"),
        sa.Column("author_id", UUID(as_uuid=True)), sa.Column("body", sa.Text, nullable=False),
        jsonb("mentions"), timestamp("edited_at"), timestamp("deleted_at"),
        timestamp("created_at", now=True),
    )
    op.create_index("ix_card_comments_card", "card_comments", ["card_id", "created_at"])
    create_tenant_table(
        op, "card_attachments", ref("card_id", "cards"),
        sa.Column("s3_key", sa.String(400), nullable=False), sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(120), nullable=False), sa.Column("size", sa.Integer, nullable=False),
        sa.Column("uploaded_by", UUID(as_uuid=True)), timestamp("created_at", now=True),
    )
    op.create_index("ix_card_attachments_card", "card_attachments", ["card_id"])
    create_tenant_table(
        op, "conversations", sa.Column("kind", sa.String(10), nullable=False),
        ref("tender_id", "tenders", nullable=True), ref("card_id", "cards", nullable=True),
        sa.Column("subject_key", sa.String(80), nullable=False), sa.Column("title", sa.String(200)),
        sa.Column("last_seq", sa.BigInteger, nullable=False), timestamp("last_message_at"),
        sa.Column("created_by", UUID(as_uuid=True)), timestamp("created_at", now=True),
        sa.UniqueConstraint("company_id", "kind", "subject_key", name="uq_conversations_subject"),
    )
    op.create_index("ix_conversations_company_last", "conversations", ["company_id", "last_message_at"])
    op.create_table(
        "conversation_participants", ref("conversation_id", "conversations"),
        ref("user_id", "users"), company_column(), sa.Column("last_read_seq", sa.BigInteger, nullable=False),
        timestamp("last_read_at"), timestamp("joined_at", now=True),
        sa.PrimaryKeyConstraint("conversation_id", "user_id"),
    )
    op.create_index("ix_participants_user", "conversation_participants", ["user_id"])
    create_tenant_table(
        op, "messages", ref("conversation_id", "conversations"),
        sa.Column("seq", sa.BigInteger, nullable=False), sa.Column("author_id", UUID(as_uuid=True)),
        sa.Column("body", sa.Text, nullable=False), jsonb("mentions"),
        jsonb("attachments"), sa.Column("client_id", sa.String(64)),
        timestamp("edited_at"), timestamp("deleted_at"), timestamp("created_at", now=True),
        sa.UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
    )
    op.create_index("ix_messages_company_created", "messages", ["company_id", "created_at"])
    create_tenant_table(
        op, "calendars", sa.Column("kind", sa.String(10), nullable=False),
        ref("owner_id", "users", nullable=True), sa.Column("name", sa.String(120), nullable=False),
        sa.Column("color", sa.String(9)), sa.Column("is_default", sa.Boolean, nullable=False),
        timestamp("created_at", now=True),
    )
    op.create_index("ix_calendars_company_owner", "calendars", ["company_id", "owner_id"])
    create_tenant_table(
        op, "calendar_events", ref("calendar_id", "calendars"),
        sa.Column("title", sa.String(300), nullable=False), sa.Column("description", sa.Text),
        sa.Column("location", sa.String(300)), sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("all_day", sa.Boolean, nullable=False), sa.Column("rrule", sa.String(500)),
        jsonb("exdates"), jsonb("reminders"),
        jsonb("reminded"), sa.Column("source", sa.String(20), nullable=False),
        sa.Column("source_ref", sa.String(120)), ref("tender_id", "tenders", nullable=True),
        sa.Column("version", sa.Integer, nullable=False), sa.Column("created_by", UUID(as_uuid=True)), *timestamps(),
        sa.UniqueConstraint("company_id", "source", "source_ref", name="uq_calendar_events_source"),
    )
    op.create_index("ix_calendar_events_calendar_start", "calendar_events", ["calendar_id", "starts_at"])
    op.create_index("ix_calendar_events_company_start", "calendar_events", ["company_id", "starts_at"])
    op.create_table(
        "event_attendees", ref("event_id", "calendar_events"), ref("user_id", "users"),
        company_column(), sa.Column("status", sa.String(12), nullable=False), timestamp("responded_at"),
        sa.PrimaryKeyConstraint("event_id", "user_id"),
    )
    create_tenant_table(
        op, "calendar_feeds", ref("user_id", "users"),
        sa.Column("scope", sa.String(10), nullable=False), sa.Column("token_hash", sa.String(64), nullable=False),
        timestamp("revoked_at"), timestamp("last_used_at"), timestamp("created_at", now=True),
        sa.UniqueConstraint("token_hash", name="uq_calendar_feeds_token"),
    )
    op.create_table(
        "google_calendar_sync", ref("user_id", "users"), company_column(),
        sa.Column("google_calendar_id", sa.String(200), nullable=False),
        sa.Column("credentials", sa.Text, nullable=False), sa.Column("sync_token", sa.Text),
        jsonb("links"), timestamp("last_synced_at"), sa.Column("last_error", sa.Text),
        timestamp("created_at", now=True), sa.PrimaryKeyConstraint("user_id"),
    )
    create_tenant_table(
        op, "form_templates", sa.Column("key", sa.String(60), nullable=False),
        sa.Column("version", sa.Integer, nullable=False), sa.Column("name", sa.String(160), nullable=False),
        sa.Column("description", sa.Text), jsonb("schema"),
        sa.Column("builtin", sa.Boolean, nullable=False), timestamp("archived_at"),
        sa.Column("created_by", UUID(as_uuid=True)), timestamp("created_at", now=True),
        sa.UniqueConstraint("company_id", "key", "version", name="uq_form_templates_key_version"),
    )
    create_tenant_table(
        op, "form_submissions", ref("template_id", "form_templates", ondelete="RESTRICT"),
        sa.Column("template_key", sa.String(60), nullable=False),
        sa.Column("template_version", sa.Integer, nullable=False), ref("tender_id", "tenders", nullable=True),
        ref("card_id", "cards", nullable=True), jsonb("data"),
        sa.Column("submitted_by", UUID(as_uuid=True)), timestamp("created_at", now=True),
    )
    op.create_index("ix_form_submissions_card", "form_submissions", ["card_id"])
    op.create_index("ix_form_submissions_template", "form_submissions",
                    ["company_id", "template_key", "created_at"])
    op.create_index("ix_form_submissions_tender", "form_submissions", ["tender_id"])

    op.execute("CREATE INDEX ix_messages_fts ON messages USING gin (to_tsvector('portuguese', body))")
    enable_tenant_rls(op, TABLES)


def downgrade() -> None:
    disable_rls(op, TABLES)
    for table in reversed(TABLES):
        op.drop_table(table)
