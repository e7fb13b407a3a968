"""Commercial plans: the limits a company gets unless MASTER overrides them on the company."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    name: str
    max_users: int
    max_concurrent_sessions: int
    monthly_analyses: int
    storage_mb: int
    user_requests_per_minute: int
    company_requests_per_minute: int


PLANS: dict[str, Plan] = {
    "basic": Plan("basic", 5, 5, 50, 2_048, 120, 600),
    "pro": Plan("pro", 25, 25, 500, 20_480, 300, 3_000),
    "enterprise": Plan("enterprise", 500, 500, 10_000, 512_000, 600, 20_000),
    # The platform's own company and load tests: the limiter still runs, it just never bites.
    "internal": Plan("internal", 10_000, 10_000, 1_000_000, 10_000_000, 10_000_000, 10_000_000),
}
PUBLIC_PLANS = ("basic", "pro", "enterprise")


def plan(name: str | None) -> Plan:
    return PLANS.get(name or "basic", PLANS["basic"])
