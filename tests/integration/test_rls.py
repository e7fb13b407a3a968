"""Row-level security tested in SQL: a transaction sees only the tenant named in app.company_id."""

from __future__ import annotations

from sqlalchemy import func, select, text

from factories import make_company, make_user
from licita.accounts.models import User
from licita.platform.db.engine import get_engine, system_transaction, tenant_transaction


def test_tenant_transaction_sees_only_its_company() -> None:
    a, b = make_company(), make_company()
    ua, ub = make_user(a), make_user(b)
    with tenant_transaction(a.id) as db:
        ids = set(db.scalars(select(User.id)))
    assert ua.id in ids and ub.id not in ids


def test_app_role_without_setting_sees_nothing() -> None:
    make_user(make_company())
    with get_engine().connect() as conn, conn.begin():
        conn.execute(text("SET LOCAL ROLE licita_app"))
        assert conn.scalar(select(func.count()).select_from(User)) == 0
    with system_transaction() as db:
        assert (db.scalar(select(func.count()).select_from(User)) or 0) > 0


def test_writes_into_another_tenant_are_refused() -> None:
    import uuid

    import pytest
    from sqlalchemy.exc import ProgrammingError

    a, b = make_company(), make_company()
    with pytest.raises(ProgrammingError, match="row-level security"), tenant_transaction(a.id) as db:
        db.add(User(id=uuid.uuid4(), company_id=b.id, email=f"{uuid.uuid4().hex[:8]}@x.com.br",
                     first_name="Intruso"))
        db.flush()
