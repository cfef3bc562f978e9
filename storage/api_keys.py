"""The API keys' table: bot.app.apikeys.ApiKeyStore over SQLAlchemy Core, one transaction a call."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.app.apikeys import ApiKey
from storage import tables as t
from storage.uow import SqlUnitOfWorkFactory

if TYPE_CHECKING:
    from bot.app.apikeys import ApiKeyStore


def _key_from(row: Row[Any]) -> ApiKey:
    return ApiKey(
        name=row.name,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
        key_hash=row.key_hash,
    )


class SqlApiKeys:
    """API keys in the bot's database (through its units of work, so SQLite's writer lock
    is shared with everything else)."""

    def __init__(self, uow: SqlUnitOfWorkFactory) -> None:
        self._uow = uow

    def add(self, *, name: str, key_hash: str, now: datetime) -> ApiKey | None:
        """Insert; None when the name is taken."""
        with self._uow() as uow:
            try:
                row = uow.connection.execute(
                    insert(t.api_keys)
                    .values(name=name, key_hash=key_hash, created_at=now)
                    .returning(t.api_keys)
                ).one()
            except IntegrityError:
                return None
            uow.commit()
            return _key_from(row)

    def by_hash(self, key_hash: str, *, now: datetime, touch_before: datetime) -> ApiKey | None:
        """The key with this hash; its last use set to `now` when older than `touch_before`."""
        with self._uow() as uow:
            conn = uow.connection
            row = conn.execute(select(t.api_keys).where(t.api_keys.c.key_hash == key_hash)).first()
            if row is None:
                return None
            if row.revoked_at is None and (
                row.last_used_at is None or row.last_used_at < touch_before
            ):
                conn.execute(
                    update(t.api_keys)
                    .where(
                        t.api_keys.c.id == row.id,
                        or_(
                            t.api_keys.c.last_used_at.is_(None),
                            t.api_keys.c.last_used_at < touch_before,
                        ),
                    )
                    .values(last_used_at=now)
                )
                uow.commit()
            return _key_from(row)

    def list(self) -> builtins.list[ApiKey]:
        """Every key, by name."""
        with self._uow() as uow:
            rows = uow.connection.execute(select(t.api_keys).order_by(t.api_keys.c.name))
            return [_key_from(row) for row in rows]

    def revoke(self, name: str, *, now: datetime) -> ApiKey | None:
        """Mark revoked (the first time only); None when there is no key of that name."""
        with self._uow() as uow:
            conn = uow.connection
            conn.execute(
                update(t.api_keys)
                .where(t.api_keys.c.name == name, t.api_keys.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            row = conn.execute(select(t.api_keys).where(t.api_keys.c.name == name)).first()
            uow.commit()
            return _key_from(row) if row is not None else None


if TYPE_CHECKING:

    def _as_port(keys: SqlApiKeys) -> ApiKeyStore:
        return keys
