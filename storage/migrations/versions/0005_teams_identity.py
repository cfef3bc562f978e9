"""People: known in Teams by tenant and Microsoft Entra object id, not by the Teams user id.

The Teams user id was bound to whoever the `email` attribute named, which a user or an admin
can set; the object id in a tenant is who they are. Rows linked before are linked again (by
user principal name) the next time their owner writes to the bot.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNIQUE = "uq_people_teams_tenant_id_teams_aad_object_id"


def upgrade() -> None:
    """Replace people.teams_user_id with (teams_tenant_id, teams_aad_object_id), unique."""
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("teams_tenant_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("teams_aad_object_id", sa.String(64), nullable=True))
        batch.create_unique_constraint(_UNIQUE, ["teams_tenant_id", "teams_aad_object_id"])
        batch.drop_constraint("uq_people_teams_user_id", type_="unique")
        batch.drop_column("teams_user_id")


def downgrade() -> None:
    """Back to people.teams_user_id (empty: it is learned again from Teams)."""
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("teams_user_id", sa.String(200), nullable=True))
        batch.create_unique_constraint("uq_people_teams_user_id", ["teams_user_id"])
        batch.drop_constraint(_UNIQUE, type_="unique")
        batch.drop_column("teams_aad_object_id")
        batch.drop_column("teams_tenant_id")
