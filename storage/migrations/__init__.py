"""Alembic migrations; run them with storage.migrate.upgrade()."""
