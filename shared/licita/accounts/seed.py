"""Demo data for the local runtime: a platform company with a MASTER, and a demo company with its admin."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from licita.accounts.models import Company, Role, User
from licita.core.security.passwords import hash_password
from licita.platform.db.engine import system_transaction

DEMO_EMAIL = "admin@demo.licita.local"
MASTER_EMAIL = "master@licita.local"


def _ensure_company(db: Session, cnpj: str, **fields: Any) -> Company:
    company = db.scalar(select(Company).where(Company.cnpj == cnpj))
    if company is None:
        company = Company(cnpj=cnpj, **fields)
        db.add(company)
        db.flush()
    return company


def _ensure_user(db: Session, company: Company, email: str, password: str, **fields: Any) -> User:
    user = db.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(company_id=company.id, email=email, password_hash=hash_password(password), **fields)
        db.add(user)
        db.flush()
    return user


def seed_demo() -> dict[str, Any]:
    password = os.environ.get("LICITA_DEMO_PASSWORD", "licita-demo-2026")
    with system_transaction() as db:
        platform = _ensure_company(db, "00000000000191", legal_name="Licita Plataforma", is_platform=True,
                                   plan="internal",
                                   max_concurrent_sessions=50)
        demo = _ensure_company(db, "11222333000181", legal_name="Demo Licitações Ltda", trade_name="Demo")
        _ensure_user(db, platform, MASTER_EMAIL, password, first_name="Master", role=Role.MASTER)
        admin = _ensure_user(db, demo, DEMO_EMAIL, password, first_name="Admin", last_name="Demo",
                             role=Role.ADMIN_EMPRESA)
        return {"company_id": str(demo.id), "user_id": str(admin.id), "email": DEMO_EMAIL,
                "password": password, "master_email": MASTER_EMAIL}
