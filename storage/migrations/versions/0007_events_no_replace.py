"""Audit events: SQLite refuses an insert that would replace an event.

SQLite's INSERT OR REPLACE (and REPLACE INTO) deletes the row in the way before inserting, and
that implicit delete fires no DELETE trigger unless recursive_triggers is on: the append-only
triggers of 0001 let an event be rewritten. A BEFORE INSERT trigger refuses any insert whose id
is taken, whichever connection sends it (recursive_triggers would only guard our own). On
PostgreSQL there is no REPLACE; INSERT ... ON CONFLICT DO UPDATE and MERGE run the update
trigger of 0001.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the no-replace trigger on SQLite."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER events_no_replace BEFORE INSERT ON events "
            "WHEN EXISTS (SELECT 1 FROM events WHERE id = NEW.id) "
            "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
        )


def downgrade() -> None:
    """Drop it."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS events_no_replace")
