"""Budgets imported by `procurebot budgets import`, per cost centre and period.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the budgets table; one row per cost centre (matched forgivingly) and period."""
    money = sa.Numeric(18, 2).with_variant(sa.BigInteger(), "sqlite")
    op.create_table(
        "budgets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cost_centre", sa.String(100), nullable=False),
        sa.Column("cost_centre_key", sa.String(100), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("amount", money, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_budgets"),
        sa.UniqueConstraint(
            "cost_centre_key", "period", name="uq_budgets_cost_centre_key_period"
        ),
    )


def downgrade() -> None:
    """Drop the budgets table."""
    op.drop_table("budgets")
