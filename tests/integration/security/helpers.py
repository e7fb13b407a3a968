"""Shared by the security tests: tokens through the real auth handler (``apigw.login``), tenants with known
users."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apigw import login
from apigw import token_of as token
from factories import Tenancy, make_company, make_user
from licita.accounts.models import Company, User

__all__ = ["Tenant", "login", "make_tenant", "token"]


@dataclass
class Tenant(Tenancy):
    company: Company
    admin: User
    manager: User
    member: User


def make_tenant(**company: Any) -> Tenant:
    c = make_company(plan="internal", max_users=50, max_concurrent_sessions=50, **company)
    return Tenant(c, make_user(c, role="ADMIN_EMPRESA"), make_user(c, role="MANAGER"), make_user(c, role="USER"))
