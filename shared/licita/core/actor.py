"""Who is mutating and from where: filled by the HTTP layer, recorded by the audit trail."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Where a mutation came from (the HTTP layer fills it from the request)."""

    user_id: str | None = None
    company_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
