"""Models shared by every API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Schema(BaseModel):
    """Every API model: validators are built on first use, not at import (cold start)."""

    model_config = ConfigDict(defer_build=True)


class StrictModel(Schema):
    """Request bodies reject unknown fields, so a typo is a 422 and not silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class Page(Schema):
    """Where a paginated list is: every list endpoint answers with this beside its items."""

    page: int
    page_size: int
    total: int


class PageQuery(StrictModel):
    """Where in a list to look: every list endpoint's query extends this."""

    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=200)


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    error: ErrorDetail
