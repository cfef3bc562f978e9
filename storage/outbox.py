"""The outbox of messages to deliver, and where cards landed, over SQLAlchemy Core."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.app.ports import MessageKind, MessageRef, OutboxMessage
from storage import tables as t
from storage._base import Repository


class OutboxStatus:
    """The values of outbox.status."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


def _message_from(row: Row[Any]) -> OutboxMessage:
    return OutboxMessage(
        kind=MessageKind(row.kind),
        recipient=row.recipient,
        request_id=row.request_id,
        text=row.text,
        id=row.id,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
        last_error=row.last_error,
        data=dict(row.data or {}),
        failed_at=row.failed_at,
    )


def _ref_from(row: Row[Any]) -> MessageRef:
    return MessageRef(
        request_id=row.request_id,
        recipient=row.recipient,
        platform=row.platform,
        conversation=row.conversation,
        message_id=row.message_id,
    )


class SqlOutbox(Repository):
    """Messages to deliver, leased to one dispatcher at a time, and where cards landed."""

    def add(self, message: OutboxMessage) -> None:
        """Queue a message; due at once unless it has a next_attempt_at. Sets its id."""
        now = self._uow.now()
        if message.next_attempt_at is None:
            message.next_attempt_at = now
        message.id = self._conn.execute(
            insert(t.outbox)
            .values(
                kind=message.kind.value,
                recipient=message.recipient,
                request_id=message.request_id,
                text=message.text,
                data=message.data,
                status=OutboxStatus.PENDING,
                attempts=message.attempts,
                next_attempt_at=message.next_attempt_at,
                delivered_at=message.delivered_at,
                last_error=message.last_error,
                created_at=now,
            )
            .returning(t.outbox.c.id)
        ).scalar_one()

    def refresh_queued(self, request_id: int) -> bool:
        """Whether a refresh of the request's cards is waiting and nobody has taken it yet."""
        waiting = self._conn.execute(
            select(t.outbox.c.id)
            .where(
                t.outbox.c.kind == MessageKind.REFRESH.value,
                t.outbox.c.request_id == request_id,
                t.outbox.c.status == OutboxStatus.PENDING,
                t.outbox.c.locked_until.is_(None),
            )
            .limit(1)
        ).first()
        return waiting is not None

    def claim_due(self, *, now: datetime, limit: int, lease_until: datetime) -> list[OutboxMessage]:
        """Pending messages due by `now`, oldest first, leased until `lease_until`."""
        due = (
            select(t.outbox)
            .where(
                t.outbox.c.status == OutboxStatus.PENDING,
                t.outbox.c.next_attempt_at <= now,
                or_(t.outbox.c.locked_until.is_(None), t.outbox.c.locked_until < now),
            )
            .order_by(t.outbox.c.id)
            .limit(limit)
            # Rows another dispatcher is claiming right now are skipped, not waited for.
            .with_for_update(skip_locked=True)
        )
        rows = self._conn.execute(due).all()
        if not rows:
            return []
        self._conn.execute(
            update(t.outbox)
            .where(t.outbox.c.id.in_([row.id for row in rows]))
            .values(locked_until=lease_until)
        )
        return [_message_from(row) for row in rows]

    def update(self, message: OutboxMessage) -> None:
        """Save the outcome of a delivery attempt and release the lease."""
        if message.id is None:
            raise ValueError("update() needs a queued message; use add() first")
        if message.delivered_at is not None:
            status = OutboxStatus.DELIVERED
        elif message.failed_at is not None:
            status = OutboxStatus.FAILED
        else:
            status = OutboxStatus.PENDING
        values: dict[str, Any] = {
            "attempts": message.attempts,
            "delivered_at": message.delivered_at,
            "failed_at": message.failed_at,
            "last_error": message.last_error,
            "data": message.data,
            "status": status,
            "locked_until": None,
        }
        if message.next_attempt_at is not None:
            values["next_attempt_at"] = message.next_attempt_at
        self._conn.execute(update(t.outbox).where(t.outbox.c.id == message.id).values(**values))

    def failed(self, *, limit: int) -> list[OutboxMessage]:
        """Messages given up on, the latest failure first."""
        rows = self._conn.execute(
            select(t.outbox)
            .where(t.outbox.c.status == OutboxStatus.FAILED)
            .order_by(t.outbox.c.failed_at.desc().nulls_last(), t.outbox.c.id.desc())
            .limit(limit)
        )
        return [_message_from(row) for row in rows]

    def requeue(self, message_id: int, *, now: datetime) -> OutboxMessage | None:
        """Make a failed message due now with no attempts counted; None if no such failure."""
        requeued = self._conn.execute(
            update(t.outbox)
            .where(t.outbox.c.id == message_id, t.outbox.c.status == OutboxStatus.FAILED)
            .values(
                status=OutboxStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
                locked_until=None,
                failed_at=None,
            )
            .returning(t.outbox)
        ).first()
        return _message_from(requeued) if requeued is not None else None

    def counts(self) -> dict[str, int]:
        """Pending and failed messages (delivered ones, the bulk of the table, are not read)."""
        wanted = (OutboxStatus.PENDING, OutboxStatus.FAILED)
        rows = self._conn.execute(
            select(t.outbox.c.status, func.count())
            .where(t.outbox.c.status.in_(wanted))
            .group_by(t.outbox.c.status)
        ).all()
        found = {str(status): int(count) for status, count in rows}
        return {status: found.get(status, 0) for status in wanted}

    def add_ref(self, ref: MessageRef) -> None:
        """Remember where a card landed; remembering the same card twice is harmless."""
        try:
            with self._conn.begin_nested():
                self._conn.execute(
                    insert(t.message_refs).values(
                        request_id=ref.request_id,
                        recipient=ref.recipient,
                        platform=ref.platform,
                        conversation=ref.conversation,
                        message_id=ref.message_id,
                    )
                )
        except IntegrityError:
            # A retried delivery can report a card that is already recorded.
            if not self._has_ref(ref):
                raise

    def refs(self, request_id: int) -> list[MessageRef]:
        """Every card sent for the request, in the order they were sent."""
        rows = self._conn.execute(
            select(t.message_refs)
            .where(t.message_refs.c.request_id == request_id)
            .order_by(t.message_refs.c.id)
        )
        return [_ref_from(row) for row in rows]

    def _has_ref(self, ref: MessageRef) -> bool:
        found = self._conn.execute(
            select(t.message_refs.c.id).where(
                t.message_refs.c.platform == ref.platform,
                t.message_refs.c.conversation == ref.conversation,
                t.message_refs.c.message_id == ref.message_id,
            )
        ).first()
        return found is not None
