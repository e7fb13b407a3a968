"""Shared by the security tests: log in through the real auth handler, make tenants with known users."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apigw import call
from factories import PASSWORD, make_company, make_user
from licita.accounts.models import Company, User


def login(email: str, password: str = PASSWORD) -> dict[str, Any]:
    status, body = call("auth", "POST", "/auth/login", {"email": email, "password": password})
    assert status == 200, body
    result: dict[str, Any] = body
    return result


def token(user: User, password: str = PASSWORD) -> str:
    return str(login(user.email, password)["access_token"])


@dataclass
class Tenant:
    company: Company
    admin: User
    manager: User
    member: User

    @property
    def company_id(self) -> str:
        return str(self.company.id)


def make_tenant(**company: Any) -> Tenant:
    c = make_company(plan="internal", max_users=50, max_concurrent_sessions=50, **company)
    return Tenant(c, make_user(c, role="ADMIN_EMPRESA"), make_user(c, role="MANAGER"), make_user(c, role="USER"))
