"""The outbox dispatcher alone, as `serve` runs it, for tests that SIGKILL it.

python -m tests.hardening.dispatcher_main   (environment as for `procurebot serve`,
plus OUTBOX_LEASE_SECONDS: a short lease, so that the test need not wait two minutes)
"""

from __future__ import annotations

import asyncio
import logging
import os

from adapters.http import slack_client
from adapters.slack.notifier import SlackNotifier
from bot.app.outbox import Dispatcher
from bot.bootstrap import build_core


async def main() -> None:
    """Deliver until killed."""
    logging.basicConfig(level=logging.INFO)
    core = build_core(migrate=False)
    dispatcher = Dispatcher(
        uow=core.uow,
        service=core.service,
        notifiers=[SlackNotifier(client=slack_client(core.settings))],
        clock=core.clock,
        lease_seconds=float(os.environ["OUTBOX_LEASE_SECONDS"]),
    )
    await dispatcher.run(asyncio.Event(), poll_seconds=0.1)


if __name__ == "__main__":
    asyncio.run(main())
