"""Vendor reviews: a vendor qualified ahead of any purchase, and each group's decision.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create vendor_reviews and vendor_review_decisions."""
    op.create_table(
        "vendor_reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("proposer", sa.String(320), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("groups", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["vendors.id"], name="fk_vendor_reviews_vendor_id_vendors"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_vendor_reviews"),
    )
    op.create_index("ix_vendor_reviews_vendor_id", "vendor_reviews", ["vendor_id"])
    op.create_table(
        "vendor_review_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("group", sa.String(100), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(320), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["vendor_reviews.id"],
            name="fk_vendor_review_decisions_review_id_vendor_reviews",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_vendor_review_decisions"),
    )
    op.create_index(
        "ix_vendor_review_decisions_review_id", "vendor_review_decisions", ["review_id"]
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("vendor_review_decisions")
    op.drop_table("vendor_reviews")
