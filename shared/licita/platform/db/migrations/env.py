"""Alembic environment: runs against the URL handed over by licita.platform.db.migrate (or DATABASE_URL).

``licita.models`` imports every area's models, so autogenerate sees every table; the comparison rules
(server defaults mirrored by Python defaults, expression indexes) are in :mod:`licita.platform.db.autogen`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from licita.core.config import get_settings
from licita.models import metadata as target_metadata
from licita.platform.db.autogen import COMPARE_OPTIONS

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, **COMPARE_OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **COMPARE_OPTIONS)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
