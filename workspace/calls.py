"""The log of the Web API calls the bot made to the fake, and waiting for them."""

from __future__ import annotations

from .changes import ChangeFeed
from .ids import Ids
from .model import JSON, Call


class CallLog:
    """Every call in arrival order, with how it was answered."""

    def __init__(self, *, ids: Ids, feed: ChangeFeed) -> None:
        self._ids = ids
        self._feed = feed
        self.calls: list[Call] = []

    def clear(self) -> None:
        """Forget every call."""
        self.calls.clear()

    def record(self, method: str, params: JSON) -> Call:
        """Log a Web API call as it arrives."""
        call = Call(method=method, params=params, time=self._ids.clock())
        self.calls.append(call)
        return call

    def finish(self, call: Call, *, status: int, response: JSON, faulted: bool = False) -> None:
        """Log how a call was answered, and wake anyone waiting for it."""
        call.status, call.response, call.faulted = status, response, faulted
        self._feed.wake()

    def to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        """The calls to one method, optionally only the (un)successful ones."""
        return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    async def wait_for(
        self, method: str, *, count: int = 1, ok: bool | None = None, timeout: float = 5.0
    ) -> Call:
        """Wait until `count` finished calls to `method` have arrived; return the last of them."""

        def enough() -> Call | None:
            done = [c for c in self.to(method, ok=ok) if c.status is not None]
            return done[count - 1] if len(done) >= count else None

        return await self._feed.wait_for(
            enough, timeout=timeout, what=f"{count} call(s) to {method}"
        )
