"""PostgreSQL access: models, engine/session factory, migrations."""
