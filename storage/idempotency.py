"""Idempotency keys over SQLAlchemy Core."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from storage import tables as t
from storage._base import Repository


class SqlIdempotencyKeys(Repository):
    """Keys of work already done (a retried Slack request, a clicked button)."""

    def claim(self, key: str, *, now: datetime) -> tuple[bool, str | None]:
        """(True, None) the first time; (False, stored result) after that."""
        try:
            # A savepoint so that losing the race leaves the outer transaction usable.
            with self._conn.begin_nested():
                self._conn.execute(insert(t.idempotency_keys).values(key=key, created_at=now))
        except IntegrityError:
            result = self._conn.execute(
                select(t.idempotency_keys.c.result).where(t.idempotency_keys.c.key == key)
            ).scalar_one_or_none()
            return False, result
        return True, None

    def remember(self, key: str, result: str) -> None:
        """Store the result of the work the key guarded."""
        self._conn.execute(
            update(t.idempotency_keys).where(t.idempotency_keys.c.key == key).values(result=result)
        )
