"""What the storage modules share: the repositories' base class, status groups, chunked IN lists."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from bot.domain.model import RequestStatus

if TYPE_CHECKING:
    from storage.uow import SqlUnitOfWork

OPEN = (RequestStatus.PENDING.value, RequestStatus.CHANGES_REQUESTED.value)
SPENT = (
    RequestStatus.APPROVED.value,
    RequestStatus.ORDERED.value,
    RequestStatus.RECEIVED.value,
)
# Request-level outcomes. A step-level "Approved" (one vote of an all-of step) carries its
# step's name; the request's own approval does not.
APPROVED_ACTIONS = ("Approved", "AutoApproved")
_CENT = Decimal("0.01")
# Keeps IN lists well below SQLite's bound-parameter limit when loading many requests.
_CHUNK = 500


class SystemClock:
    """The real time, for a unit of work given no clock."""

    def now(self) -> datetime:
        """Aware UTC now."""
        return datetime.now(UTC)


def chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    """`ids` in slices short enough for one IN list."""
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


class Repository:
    """A repository working on its unit of work's connection."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    @property
    def _conn(self) -> Connection:
        return self._uow.connection


def money(value: Any) -> Decimal:
    """A SUM of the Amount column, which SQLAlchemy already converted (cents on SQLite)."""
    if value is None:
        return Decimal("0.00")
    return Decimal(value).quantize(_CENT)
