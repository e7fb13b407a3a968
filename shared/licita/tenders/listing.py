"""GET /tenders without SQLAlchemy: the SPA's landing list, and so often the tenders function's cold start.

One plain query (``platform.db.light.page_of``: tenant-scoped, row-level security on, rows and total together)
that also filters on ``company_id`` itself, instead of the ORM whose import is most of that cold start. The
list's filter and sort rules live here, and only here.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from licita.core.errors import ValidationFailed
from licita.core.schemas import Page
from licita.core.security.principal import Principal
from licita.core.time import BRT
from licita.platform.db import light
from licita.platform.db.patterns import like_pattern
from licita.tenders.schemas import TenderListQuery, TenderPage, TenderSummary

COLUMNS = ("id", "status", "failure_reason", "title", "object", "document_kind", "modality", "number", "agency",
            "session_at", "estimated_value", "items_count", "platform", "created_at", "updated_at")
_SORTS = {"created_at": "created_at", "session_at": "session_at", "estimated_value": "estimated_value"}
_SEARCHED = ("object", "agency", "number", "title", "process_number")  # what ``q`` looks in
_LIKE = "{} ILIKE %s ESCAPE '\\'"


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BRT)


def check_ranges(query: TenderListQuery) -> None:
    if query.value_min is not None and query.value_max is not None and query.value_min > query.value_max:
        raise ValidationFailed("value_min maior que value_max.", code="invalid_range",
                               details=[{"field": "value_min", "message": "deve ser ≤ value_max"}])
    for lo, hi, name in ((query.session_from, query.session_to, "session"),
                         (query.created_from, query.created_to, "created")):
        if lo and hi and lo > hi:
            raise ValidationFailed(f"{name}_from depois de {name}_to.", code="invalid_range",
                                   details=[{"field": f"{name}_from", "message": f"deve ser ≤ {name}_to"}])


def where(company_id: uuid.UUID, query: TenderListQuery) -> tuple[str, list[Any]]:
    """The WHERE clause and its parameters; column names come from this module only, values are parameters."""
    clauses, params = ["company_id = %s"], [company_id]

    def add(clause: str, *values: Any) -> None:
        clauses.append(clause)
        params.extend(values)

    if query.statuses():
        add("status = ANY(%s)", query.statuses())
    modalities = [m.strip().lower() for m in (query.modality or "").split(",") if m.strip()]
    if modalities:
        add("modality = ANY(%s)", modalities)
    if query.agency:
        add(_LIKE.format("agency"), like_pattern(query.agency))
    if query.q:
        add("(" + " OR ".join(_LIKE.format(c) for c in _SEARCHED) + ")", *[like_pattern(query.q)] * len(_SEARCHED))
    for column, start, end in (("session_at", query.session_from, query.session_to),
                               ("created_at", query.created_from, query.created_to)):
        if start:
            add(f"{column} >= %s", _day_start(start))
        if end:
            add(f"{column} < %s", _day_start(end + timedelta(days=1)))
    if query.value_min is not None:
        add("estimated_value >= %s", query.value_min)
    if query.value_max is not None:
        add("estimated_value <= %s", query.value_max)
    return " AND ".join(clauses), params


def list_tenders(principal: Principal, query: TenderListQuery) -> TenderPage:
    """Search, filter (LIKE metacharacters match themselves), sort and paginate the company's tenders."""
    check_ranges(query)
    company_id = uuid.UUID(principal.company_id)
    condition, params = where(company_id, query)
    direction = "ASC" if query.order == "asc" else "DESC"
    rows, total = light.page_of(company_id, "tenders", (*COLUMNS, "risk -> 'score'"), condition, params,
                                f"{_SORTS[query.sort]} {direction} NULLS LAST, id {direction}", query.page,
                                query.page_size)
    return TenderPage(items=[_summary(row) for row in rows],
                      page=Page(page=query.page, page_size=query.page_size, total=total))


def _summary(row: Any) -> TenderSummary:
    return summary_of(dict(zip(COLUMNS, row, strict=False)), row[len(COLUMNS)])


def summary_of(values: Mapping[str, Any], risk_score: object) -> TenderSummary:
    """A list row (or an ORM tender's ``COLUMNS``: ``queries.summary``) and its risk score as the API shows them."""
    value = values["estimated_value"]
    return TenderSummary.model_validate({
        **values, "estimated_value": None if value is None else float(value),
        "risk_score": float(risk_score) if isinstance(risk_score, int | float) and not isinstance(risk_score, bool)
        else None,
    })
