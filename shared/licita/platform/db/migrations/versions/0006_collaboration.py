"""Collaboration: boards, forms, calendar, conversations (issue 11).

Every table carries company_id and is isolated by row-level security (enable_tenant_rls). Messages get a
Portuguese full-text index for search.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from licita.platform.db.rls import disable_rls, enable_tenant_rls

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("boards", "board_lists", "cards", "card_members", "card_comments", "card_attachments", "conversations",
          "conversation_participants", "messages", "calendars", "calendar_events", "event_attendees",
          "calendar_feeds", "google_calendar_sync", "form_templates", "form_submissions")


def upgrade() -> None:
    op.create_table('boards',
    sa.Column('id', UUID(as_uuid=True), nullable=False),
    sa.Column('company_id', UUID(as_uuid=True), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('template', sa.String(length=40), nullable=False),
    sa.Column('auto_tenders', sa.Boolean(), nullable=False),
    sa.Column('auto_list_id', UUID(as_uuid=True), nullable=True),
    sa.Column('labels', JSONB, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', UUID(as_uuid=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_boards_company', 'boards', ['company_id', 'archived_at'], unique=False)
    op.create_table('board_lists',
    sa.Column('id', UUID(as_uuid=True), nullable=False),
    sa.Column('company_id', UUID(as_uuid=True), nullable=False),
    sa.Column('board_id', UUID(as_uuid=True), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=True),
    sa.Column('rank', sa.String(length=64, collation='C'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_board_lists_board_rank', 'board_lists', ['board_id', 'rank'], unique=False)
    op.create_table('cards',
    sa.Column('id', UUID(as_uuid=True), nullable=False),
    sa.Column('company_id', UUID(as_uuid=True), nullable=False),
    sa.Column('board_id', UUID(as_uuid=True), nullable=False),
    sa.Column('list_id', UUID(as_uuid=True), nullable=False),
    sa.Column('tender_id', UUID(as_uuid=True), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('rank', sa.String(length=64, collation='C'), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('labels', JSONB, nullable=False),
    sa.Column('checklists', JSONB, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', UUID(as_uuid=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['board_id'], ['boards.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['list_id'], ['board_lists.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('board_id', 'tender_id', name='uq_cards_board_tender')
    )
    op.create_index('ix_cards_board', 'cards', ['board_id'], unique=False)
    op.create_index('ix_cards_list_rank', 'cards', ['list_id', 'rank'], unique=False)
    op.create_table('card_members',
    sa.Column('card_id', UUID(as_uuid=True), nullable=False),
    sa.Column('user_id', UUID(as_uuid=True), nullable=False),
    sa.Column('company_id', UUID(as_uuid=True), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['cards.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('card_id', 'user_id')
    )
    op.create_table('card_comments',
    sa.Column('id', UUID(as_uuid=True), nullable=False),
    sa.Column('company_id', UUID(as_uuid=True), nullable=False),
    sa.Column('card_id', UUID(as_uuid=True), nullable=False),
    sa.Column('author_id', UUID(as_uuid=True), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('mentions', JSONB, nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['cards.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_card_comments_card', 'card_comments', ['card_id', 'created_at'], unique=False)
    op.create_table('card_attachments',
    sa.Column('id', UUID(as_uuid=True), nullable=False),
    sa.Column('company_id', UUID(as_uuid=True), nullable=False),
    sa.Column('card_id', UUID(as_uuid=True), nullable=False),
    sa.Column('s3_key', sa.String(length=400), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by', UUID(as_uuid=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['cards.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_card_attachments_card', 'card_attachments', ['card_id'], unique=False)
    op.create_table('conversations',
    sa.Column('id', UUID(as_uuid=True), nullable=False),
    sa.Column('company_id', UUID(as_uuid=True), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('tender_id', UUID(as_uuid=True), nullable=True),
    sa.Column('card_id', UUID(as_uuid=True), nullable=True),
    sa.Column('subject_key', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', UUID(as_uuid=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['cards.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'kind', 'subject_key', name='uq_conversations_subject')
    )
    op.create_index('ix_conversations_company_last', 'conversations', ['company_id', 'last_message_at'], unique=False)
    op.create_table('conversation_participants',
    sa.Column('conversation_id', UUID(as_uuid=True), nullable=False),
    sa.Column('user_id', UUID(as_uuid=True), nullable=False),
    sa.Column('company_id', UUID(as_uuid=True), nullable=False),
    sa.Column('last_read_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('joined_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conversation_id', 'user_id')
    )
    op.create_index('ix_participants_user', 'conversation_participants', ['user_id'], unique=False)
    op.create_table('messages',
    sa.Column('id', UUID(as_uuid=True), nullable=False),
    sa.Column('company_id', UUID(as_uuid=True), nullable=False),
    sa.Column('conversation_id', UUID(as_uuid=True), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('author_id', UUID(as_uuid=True), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('mentions', JSONB, nullable=False),
    sa.Column('attachments', JSONB, nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('conversation_id', 'seq', name='uq_messages_conversation_seq')
    )
    op.create_index('ix_messages_company_created', 'messages', ['company_id', 'created_at'], unique=False)
    op.create_table('calendars',
    sa.Column('id', UUID(as_uuid=True), nullable=False),
    sa.Column('company_id', UUID(as_uuid=True), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('owner_id', UUID(as_uuid=True), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('color', sa.String(length=9), nullable=True),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_calendars_company_owner', 'calendars', ['company_id', 'owner_id'], unique=False)
    op.create_table('calendar_events',
    sa.Column('id', UUID(as_uuid=True), nullable=False),
    sa.Column('company_id', UUID(as_uuid=True), nullable=False),
    sa.Column('calendar_id', UUID(as_uuid=True), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('all_day', sa.Boolean(), nullable=False),
    sa.Column('rrule', sa.String(length=500), nullable=True),
    sa.Column('exdates', JSONB, nullable=False),
    sa.Column('reminders', JSONB, nullable=False),
    sa.Column('reminded', JSONB, nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('source_ref', sa.String(length=120), nullable=True),
    sa.Column('tender_id', UUID(as_uuid=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', UUID(as_uuid=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['calendars.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'source', 'source_ref', name='uq_calendar_events_source')
    )
    op.create_index('ix_calendar_events_calendar_start', 'calendar_events', ['calendar_id', 'starts_at'], unique=False)
    op.create_index('ix_calendar_events_company_start', 'calendar_events', ['company_id', 'starts_at'], unique=False)
    op.create_table('event_attendees',
    sa.Column('event_id', UUID(as_uuid=True), nullable=False),
    sa.Column('user_id', UUID(as_uuid=True), nullable=False),
    sa.Column('company_id', UUID(as_uuid=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['calendar_events.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'user_id')
    )
    op.create_table('calendar_feeds',
    sa.Column('id', UUID(as_uuid=True), nullable=False),
    sa.Column('company_id', UUID(as_uuid=True), nullable=False),
    sa.Column('user_id', UUID(as_uuid=True), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash', name='uq_calendar_feeds_token')
    )
    op.create_table('google_calendar_sync',
    sa.Column('user_id', UUID(as_uuid=True), nullable=False),
    sa.Column('company_id', UUID(as_uuid=True), nullable=False),
    sa.Column('google_calendar_id', sa.String(length=200), nullable=False),
    sa.Column('credentials', sa.Text(), nullable=False),
    sa.Column('sync_token', sa.Text(), nullable=True),
    sa.Column('links', JSONB, nullable=False),
    sa.Column('last_synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('form_templates',
    sa.Column('id', UUID(as_uuid=True), nullable=False),
    sa.Column('company_id', UUID(as_uuid=True), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('schema', JSONB, nullable=False),
    sa.Column('builtin', sa.Boolean(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', UUID(as_uuid=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'key', 'version', name='uq_form_templates_key_version')
    )
    op.create_table('form_submissions',
    sa.Column('id', UUID(as_uuid=True), nullable=False),
    sa.Column('company_id', UUID(as_uuid=True), nullable=False),
    sa.Column('template_id', UUID(as_uuid=True), nullable=False),
    sa.Column('template_key', sa.String(length=60), nullable=False),
    sa.Column('template_version', sa.Integer(), nullable=False),
    sa.Column('tender_id', UUID(as_uuid=True), nullable=True),
    sa.Column('card_id', UUID(as_uuid=True), nullable=True),
    sa.Column('data', JSONB, nullable=False),
    sa.Column('submitted_by', UUID(as_uuid=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['cards.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['form_templates.id'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_form_submissions_card', 'form_submissions', ['card_id'], unique=False)
    op.create_index('ix_form_submissions_template', 'form_submissions',
                    ['company_id', 'template_key', 'created_at'], unique=False)
    op.create_index('ix_form_submissions_tender', 'form_submissions', ['tender_id'], unique=False)
    op.execute("CREATE INDEX ix_messages_fts ON messages USING gin (to_tsvector('portuguese', body))")
    enable_tenant_rls(op, TABLES)


def downgrade() -> None:
    disable_rls(op, TABLES)
    for table in reversed(TABLES):
        op.drop_table(table)
