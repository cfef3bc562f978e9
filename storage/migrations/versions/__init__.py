"""Alembic revision scripts, applied in order by storage.migrate."""
