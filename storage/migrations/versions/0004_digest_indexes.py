"""Indexes for the weekly digest's aggregates.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Index events by action and time, requests by creation (and status), steps by decision."""
    op.create_index("ix_events_action_at", "events", ["action", "at"])
    op.create_index("ix_requests_created_at", "requests", ["created_at"])
    op.create_index("ix_requests_status_created_at", "requests", ["status", "created_at"])
    op.create_index("ix_steps_decided_at", "steps", ["decided_at"])


def downgrade() -> None:
    """Drop the digest's indexes."""
    op.drop_index("ix_steps_decided_at", table_name="steps")
    op.drop_index("ix_requests_status_created_at", table_name="requests")
    op.drop_index("ix_requests_created_at", table_name="requests")
    op.drop_index("ix_events_action_at", table_name="events")
