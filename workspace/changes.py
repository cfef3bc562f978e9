"""Change notification: a version counter and awaitable waits, for live pages and for tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class ChangeFeed:
    """A version that goes up on every state change, and ways to wait for the next one."""

    def __init__(self) -> None:
        self.version = 0
        self._waiters: list[asyncio.Future[None]] = []

    def bump(self) -> None:
        """Mark a state change: the version goes up and waiters wake."""
        self.version += 1
        self.wake()

    def wake(self) -> None:
        """Wake waiters without a state change (e.g. a Web API call was answered)."""
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def changed(self, *, timeout: float) -> bool:
        """Wait for the next bump or wake; False if none came within timeout."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                await waiter
        except TimeoutError:
            return False
        return True

    async def wait_for_version(self, since: int, *, timeout: float) -> int:
        """The version once it is above `since`, or the current one after timeout."""
        deadline = time.monotonic() + timeout
        while self.version <= since:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not await self.changed(timeout=remaining):
                break
        return self.version

    async def wait_for(
        self, predicate: Callable[[], T | None], *, timeout: float = 5.0, what: str = "condition"
    ) -> T:
        """Wait until predicate() is truthy (checked again on every change) and return it."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
            await self.changed(timeout=remaining)
