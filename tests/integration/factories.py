"""Create real rows for tests (no mocks): companies and users with known passwords."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

from licita.accounts.models import Company, User
from licita.core.brazil import complete_cnpj
from licita.core.security.passwords import hash_password
from licita.platform.db.engine import system_transaction

PASSWORD = "s3nha-forte-123"


def _cnpj() -> str:
    return complete_cnpj("".join(str(random.randint(0, 9)) for _ in range(12)))


def make_company(**fields: Any) -> Company:
    with system_transaction() as db:
        company = Company(id=uuid.uuid4(), legal_name=fields.pop("legal_name", "Empresa Teste Ltda"),
                          cnpj=_cnpj(), **fields)
        db.add(company)
    return company


def make_user(company: Company, role: str = "USER", password: str = PASSWORD, **fields: Any) -> User:
    with system_transaction() as db:
        user = User(id=uuid.uuid4(), company_id=company.id, email=f"u{uuid.uuid4().hex[:10]}@teste.com.br",
                    password_hash=hash_password(password), first_name="Teste", role=role, **fields)
        db.add(user)
    return user


@dataclass
class Tenancy:
    """A company a test made; subclasses name the users it made in it."""

    company: Any

    @property
    def company_id(self) -> str:
        return str(self.company.id)
