"""Figures for the metrics endpoint, read from the database at scrape time.

Read at every scrape rather than counted in memory, so that every replica on one database
reports the same outbox and the same decisions, and a restart loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from storage import tables as t

if TYPE_CHECKING:
    from storage.uow import SqlUnitOfWorkFactory

# The values of outbox.status counted here (delivered rows, the bulk, are never read).
PENDING, FAILED = "pending", "failed"


@dataclass(frozen=True)
class Stats:
    """The outbox's depth and age, and the audit log counted by action."""

    outbox_pending: int = 0
    outbox_failed: int = 0
    oldest_pending_at: datetime | None = None
    # Audit events by action, and of those the ones naming a step (an approver's own vote,
    # as opposed to the request-wide event that follows the last vote).
    events: dict[str, int] = field(default_factory=dict)
    step_events: dict[str, int] = field(default_factory=dict)


def read_stats(uow: SqlUnitOfWorkFactory) -> Stats:
    """Count the outbox and the audit log in one transaction; StorageUnavailable when the
    database does not answer."""
    with uow() as unit:
        connection = unit.connection
        outbox = connection.execute(
            select(t.outbox.c.status, func.count(), func.min(t.outbox.c.created_at))
            .where(t.outbox.c.status.in_((PENDING, FAILED)))
            .group_by(t.outbox.c.status)
        ).all()
        events = connection.execute(
            select(t.events.c.action, func.count(), func.count(t.events.c.step)).group_by(
                t.events.c.action
            )
        ).all()
    by_status = {str(status): (int(count), oldest) for status, count, oldest in outbox}
    pending, oldest = by_status.get(PENDING, (0, None))
    failed, _ = by_status.get(FAILED, (0, None))
    return Stats(
        outbox_pending=pending,
        outbox_failed=failed,
        oldest_pending_at=oldest,  # min() keeps the column's type: aware UTC
        events={str(action): int(total) for action, total, _ in events},
        step_events={str(action): int(stepped) for action, _, stepped in events if stepped},
    )
