"""Programmatic Alembic entry point (used by the local runtime, tests and a deploy step)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from licita.core.config import get_settings

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(database_url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", (database_url or get_settings().database_url).replace("%", "%%"))
    return cfg


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def main() -> None:
    upgrade()


if __name__ == "__main__":
    main()
