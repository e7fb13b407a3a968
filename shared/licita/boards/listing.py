"""GET /boards without SQLAlchemy: the boards page's first call, and so often the boards function's cold start.

One plain query (``platform.db.light.page_of``: tenant-scoped, row-level security on, rows and total together)
that also filters on ``company_id`` itself, instead of the ORM whose import is most of that cold start.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from licita.boards.schemas import BoardListQuery, BoardOut, BoardPage
from licita.core.schemas import Page
from licita.core.security.principal import Principal
from licita.platform.db import light
from licita.platform.db.patterns import like_pattern

COLUMNS = ("id", "name", "description", "template", "auto_tenders", "auto_list_id", "labels", "version",
           "archived_at", "created_at")


def list_boards(principal: Principal, query: BoardListQuery) -> BoardPage:
    """The company's boards, newest first (archived ones with ``archived``), searched by name."""
    company_id = uuid.UUID(principal.company_id)
    condition = "company_id = %s AND archived_at IS " + ("NOT NULL" if query.archived else "NULL")
    params: list[Any] = [company_id]
    if query.q:
        condition += " AND name ILIKE %s ESCAPE '\\'"
        params.append(like_pattern(query.q))
    rows, total = light.page_of(company_id, "boards", COLUMNS, condition, params, "created_at DESC, id",
                                query.page, query.page_size)
    return BoardPage(items=[board_of(dict(zip(COLUMNS, row, strict=True))) for row in rows],
                     page=Page(page=query.page, page_size=query.page_size, total=total))


def board_of(values: Mapping[str, Any]) -> BoardOut:
    """A board row (or an ORM board's ``COLUMNS``: ``service.board_out``) as the API shows it."""
    return BoardOut.model_validate({**values, "labels": list(values["labels"] or [])})
