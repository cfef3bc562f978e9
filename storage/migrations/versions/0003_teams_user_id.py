"""People: the Teams user id, to know who sent a Teams activity without asking Teams again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add people.teams_user_id (unique, like slack_user_id)."""
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("teams_user_id", sa.String(200), nullable=True))
        batch.create_unique_constraint("uq_people_teams_user_id", ["teams_user_id"])


def downgrade() -> None:
    """Drop people.teams_user_id."""
    with op.batch_alter_table("people") as batch:
        batch.drop_constraint("uq_people_teams_user_id", type_="unique")
        batch.drop_column("teams_user_id")
