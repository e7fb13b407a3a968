"""The list helper's MongoDB side (see :mod:`licita.platform.db.listing`): the same ``Page`` for a collection, in a
module that does not load SQLAlchemy, so a Mongo-only GET (the notification inbox) stays light at cold start."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from licita.core.schemas import Page


def paginate_documents(collection: Any, query: Mapping[str, Any], sort: list[tuple[str, int]], page: int,
                       page_size: int) -> tuple[list[dict[str, Any]], Page]:
    """The same for a MongoDB collection: one page of ``query`` in ``sort`` order, plus the total."""
    total = collection.count_documents(dict(query))
    cursor = collection.find(dict(query)).sort(sort).skip((page - 1) * page_size).limit(page_size)
    return list(cursor), Page(page=page, page_size=page_size, total=int(total))
