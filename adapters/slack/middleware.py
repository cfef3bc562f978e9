"""Bolt middleware and the listener wrapper every listener runs in."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.response import BoltResponse

from bot.app.facade import Procurement

log = logging.getLogger(__name__)

Listener = Callable[..., Awaitable[None]]


class Tracker:
    """Counts listeners still at work after their ack (for shutdown and tests)."""

    def __init__(self) -> None:
        self.busy = 0

    def tracked(self, listener: Listener) -> Listener:
        """The listener, counted while it runs and logging what fails after its ack."""

        @functools.wraps(listener)  # Bolt reads the wrapped signature to pick arguments
        async def run(**kwargs: Any) -> None:
            self.busy += 1
            try:
                await listener(**kwargs)
            except Exception:
                ack = kwargs.get("ack")
                if ack is not None and ack.response is None:
                    raise  # before the ack: Bolt logs it and answers 500
                # After the ack, Bolt (1.30, asyncio_runner) would log it too but also drop the
                # answer it holds (ack.response = None) when it has not sent it yet, and Slack
                # would get a 404 three seconds later instead. So log it here, traceback and all.
                log.exception("Slack listener %s failed after its ack", listener.__name__)
            finally:
                self.busy -= 1

        return run


def skip_retried_events(
    service: Procurement,
) -> Callable[[dict[str, Any], Callable[[], Awaitable[BoltResponse]]], Awaitable[BoltResponse]]:
    """Middleware acking Slack's resent events without acting on them twice."""

    async def skip_retried_events(
        body: dict[str, Any], next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        # Slack resends an event it thinks we missed; Bolt can't tell, so event ids are
        # remembered in the database (shared by every process) and repeats acked unread.
        event_id = body.get("event_id")
        if event_id and not await asyncio.to_thread(
            service.claim_once, key=f"slack:event:{event_id}"
        ):
            return BoltResponse(status=200, body="")
        return await next()

    return skip_retried_events
