"""Discovery matching: a match belongs to its search's company, checked by one composite foreign key.

``search_matches`` referenced ``companies`` and ``saved_searches`` separately, so a match could name a company
other than its search's, and every recorded match paid two foreign-key checks for it. One foreign key on
(search_id, company_id) → saved_searches (id, company_id) says both at once (deleting a company still cascades:
companies → saved_searches → search_matches). Matching writes tens of thousands of rows in one statement
(1,000 searches × 10,000 records: 38,855), each with its foreign-key checks: three before, two now.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_unique_constraint("uq_saved_searches_id_company", "saved_searches", ["id", "company_id"])
    op.drop_constraint("search_matches_search_id_fkey", "search_matches", type_="foreignkey")
    op.drop_constraint("search_matches_company_id_fkey", "search_matches", type_="foreignkey")
    op.create_foreign_key("fk_search_matches_search_company", "search_matches", "saved_searches",
                          ["search_id", "company_id"], ["id", "company_id"], ondelete="CASCADE")


def downgrade() -> None:
    op.drop_constraint("fk_search_matches_search_company", "search_matches", type_="foreignkey")
    op.create_foreign_key("search_matches_company_id_fkey", "search_matches", "companies", ["company_id"], ["id"],
                          ondelete="CASCADE")
    op.create_foreign_key("search_matches_search_id_fkey", "search_matches", "saved_searches", ["search_id"],
                          ["id"], ondelete="CASCADE")
    op.drop_constraint("uq_saved_searches_id_company", "saved_searches", type_="unique")
