"""Ids and time of the fake workspace: Slack-shaped ids, message timestamps and the clock."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable


class Ids:
    """Hands out ids (U0001, C0001, ...), unique increasing ts values and view hashes."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.clear()

    def clear(self) -> None:
        """Start counting again from 1."""
        self._counters: dict[str, int] = {}
        self._last_ts_us = 0

    def next_id(self, prefix: str) -> str:
        """The next id with this prefix: U0001, U0002, ..."""
        self._counters[prefix] = self._counters.get(prefix, 0) + 1
        return f"{prefix}{self._counters[prefix]:04d}"

    def next_ts(self) -> str:
        """A message ts: "seconds.micros", unique and increasing even under bursts."""
        micros = max(int(self.clock() * 1_000_000), self._last_ts_us + 1)
        self._last_ts_us = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def short_id(self) -> str:
        """A deterministic stand-in for the random block and action ids Slack invents."""
        self._counters["short"] = self._counters.get("short", 0) + 1
        return hashlib.sha1(str(self._counters["short"]).encode()).hexdigest()[:5]

    def view_hash(self) -> str:
        """A fresh view hash, as views.update's optimistic lock expects."""
        return f"{int(self.clock())}.{secrets.token_hex(4)}"
