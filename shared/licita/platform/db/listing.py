"""The one list helper every list endpoint uses: filter text safely, sort by an allowed key, paginate.

Responses carry ``{"items": [...], "page": {"page", "page_size", "total"}}`` (:class:`licita.core.schemas.Page`);
:func:`licita.platform.mongo_listing.paginate_documents` does the same for MongoDB collections (the notification
inbox) without loading SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from licita.core.errors import ValidationFailed
from licita.core.schemas import Page
from licita.platform.db.patterns import like_pattern


def contains(column: Any, text: str) -> Any:
    """Case-insensitive substring filter with LIKE metacharacters escaped."""
    return column.ilike(like_pattern(text), escape="\\")


def contains_any(text: str, *columns: Any) -> Any:
    """The free-text search of a list: ``text`` inside any of ``columns`` (see :func:`contains`)."""
    return or_(*(contains(column, text) for column in columns))


def where_given(stmt: Select[Any], *filters: tuple[Any, Any]) -> Select[Any]:
    """``column == value`` for each ``(column, value)`` whose value the query gave (empty values filter nothing)."""
    for column, value in filters:
        if value:
            stmt = stmt.where(column == value)
    return stmt


def where_flag(stmt: Select[Any], column: Any, value: bool | None) -> Select[Any]:
    """``column IS value`` when the query gave the flag (``None``: both kinds of rows)."""
    return stmt if value is None else stmt.where(column.is_(value))


def sort_clause(sort: str | None, allowed: Mapping[str, Any], default: str) -> list[Any]:
    """``name`` or ``-name`` to an ORDER BY over a closed set of columns (unknown keys are a 422)."""
    key = sort or default
    descending = key.startswith("-")
    column = allowed.get(key.lstrip("-"))
    if column is None:
        raise ValidationFailed("Ordenação inválida.", code="invalid_sort",
                               details={"allowed": sorted(allowed), "got": key})
    return [column.desc() if descending else column.asc()]


def paginate(db: Session, stmt: Select[Any], page: int, page_size: int) -> tuple[list[Any], Page]:
    """One page of ``stmt`` plus where it is in the whole list."""
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(db.scalars(stmt.limit(page_size).offset((page - 1) * page_size)))
    return rows, Page(page=page, page_size=page_size, total=int(total))
