"""The demo's seeded history delivered as it happened: each message stamped with the moment
the seed queued it, so the DMs read as weeks old instead of all posted at start-up."""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import select

from adapters.http import slack_client
from adapters.slack.notifier import SlackNotifier
from bot.app.clock import FixedClock
from bot.app.outbox import Dispatcher
from bot.bootstrap import Core
from storage.tables import outbox
from workspace import Workspace


def _queued_at(core: Core) -> list[datetime]:
    """When each waiting message was queued (the seed's moved clock), oldest first."""
    with core.uow() as uow:
        rows = uow.connection.execute(
            select(outbox.c.next_attempt_at).where(outbox.c.status == "pending").distinct()
        )
        return sorted(row[0] for row in rows)


async def deliver_history(core: Core, workspace: Workspace) -> int:
    """Deliver the seeded outbox moment by moment with the workspace's clock at each moment;
    returns how many messages went. Run before the bot's own dispatcher starts."""
    moments = await asyncio.to_thread(_queued_at, core)
    if not moments:
        return 0
    clock = FixedClock(moments[0])
    dispatcher = Dispatcher(
        uow=core.uow,
        service=core.service,
        notifiers=[SlackNotifier(client=slack_client(core.settings))],
        clock=clock,
    )
    real_clock = workspace.ids.clock
    sent = 0
    try:
        for moment in moments:
            clock.set(moment)
            workspace.ids.clock = moment.timestamp
            sent += await dispatcher.run_once()
    finally:
        workspace.ids.clock = real_clock
    return sent
