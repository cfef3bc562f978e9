"""The audit log over SQLAlchemy Core."""

from __future__ import annotations

from sqlalchemy import insert, select

from bot.domain.model import Channel, Event, RequestStatus
from storage import tables as t
from storage._base import Repository


class SqlEventLog(Repository):
    """The audit log: append and read; the database refuses updates and deletes."""

    def append(self, event: Event) -> int:
        """Add an audit event; its id."""
        inserted = self._conn.execute(
            insert(t.events)
            .values(
                request_id=event.request_id,
                action=event.action,
                actor=event.actor,
                channel=event.channel.value,
                from_status=event.from_status.value if event.from_status else None,
                to_status=event.to_status.value if event.to_status else None,
                step=event.step,
                comment=event.comment,
                at=event.at,
            )
            .returning(t.events.c.id)
        )
        return int(inserted.scalar_one())

    def for_request(self, request_id: int) -> list[Event]:
        """Oldest first (in the order they were appended)."""
        rows = self._conn.execute(
            select(t.events).where(t.events.c.request_id == request_id).order_by(t.events.c.id)
        )
        return [
            Event(
                action=row.action,
                actor=row.actor,
                at=row.at,
                channel=Channel(row.channel),
                from_status=RequestStatus(row.from_status) if row.from_status else None,
                to_status=RequestStatus(row.to_status) if row.to_status else None,
                step=row.step,
                comment=row.comment,
                request_id=row.request_id,
            )
            for row in rows
        ]
