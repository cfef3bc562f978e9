"""Clocks: the real one and one tests can move."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class SystemClock:
    """Aware UTC wall-clock time."""

    def now(self) -> datetime:
        """Now, in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to; for tests and simulations."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        """The current fake time."""
        return self._now

    def advance(self, **delta: float) -> None:
        """Move forward, e.g. advance(hours=25)."""
        self._now += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        """Jump to a moment."""
        self._now = moment
