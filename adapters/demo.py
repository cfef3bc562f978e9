"""`procurebot demo`: the bot and a local Slack workspace in the browser, in one process.

The bot is the real one (adapters/http.py create_app) with its Web API client pointed at the
fake workspace (SLACK_API_URL); the page's clicks reach the bot's /slack/events through the
workspace's SlackSender, signed with the demo's signing secret, exactly as Slack sends them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from adapters.demo_history import deliver_history
from adapters.http import create_app, slack_client
from adapters.slack.digest import SlackChannelPublisher
from bot.app import demo_seed
from bot.app.digest import build_digest
from bot.app.scheduler import publish_digest
from bot.bootstrap import Core, build_core
from bot.domain.digest import last_slot
from bot.domain.policy import Policy
from bot.settings import Settings
from workspace import SlackSender, Workspace, attach_sender, start_workspace

log = logging.getLogger(__name__)

DEMO_TOKEN = "xoxb-procurebot-demo"
DEMO_SIGNING_SECRET = "procurebot-demo-signing-secret"
# The CLI's own default (DATABASE_URL unset), so that `procurebot vendors list` and the other
# commands read the demo's data instead of creating an empty procurebot.db beside it.
DEFAULT_DATABASE = str(Settings.model_fields["database_url"].default)
SHUTDOWN_TIMEOUT = 1.0


@dataclass
class Demo:
    """A running demo: the page's address, the workspace, the bot's core and what to stop."""

    url: str
    bot_url: str
    workspace: Workspace
    core: Core
    sender: SlackSender
    seeded: int
    _runners: list[web.AppRunner] = field(default_factory=list, repr=False)

    async def stop(self) -> None:
        """Stop both servers and close the database."""
        await self.sender.close()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self.core.uow.engine.dispose()


def demo_workspace(policy: Policy) -> Workspace:
    """The demo's people (ids U0001… in a fixed order) and the policy's digest channel."""
    channels = ["general"]
    digest = policy.digest.slack_channel
    if digest and digest.lstrip("#") not in channels:
        channels.append(digest.lstrip("#"))
    return Workspace.seed(
        users=[
            {
                "name": p.email.split("@")[0],
                "real_name": p.name,
                "email": p.email,
                "tz": p.tz,
                "title": p.title,
            }
            for p in demo_seed.PEOPLE
        ],
        channels=channels,
    )


def reset_database(url: str) -> None:
    """Start clean: delete a SQLite file, or drop every table of another database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).unlink(missing_ok=True)
        return
    from alembic import command

    from storage.migrate import config

    command.downgrade(config(url), "base")


def demo_settings(database_url: str, *, api_url: str, policy_path: Path | None = None) -> Settings:
    """Settings for the bot inside the demo: the workspace's Web API, a demo token and secret."""
    # The example policy unless told otherwise, whatever PROCUREBOT_POLICY says: the demo's
    # people and history are the example policy's.
    policy = policy_path or Settings.model_fields["policy_path"].default
    options: dict[str, object] = {
        "DATABASE_URL": database_url,
        "PROCUREBOT_POLICY": policy,
        "SLACK_BOT_TOKEN": SecretStr(DEMO_TOKEN),
        "SLACK_SIGNING_SECRET": SecretStr(DEMO_SIGNING_SECRET),
        "SLACK_API_URL": api_url,
        "SLACK_APP_TOKEN": None,  # never Socket Mode: the workspace posts to /slack/events
        # Never Teams: the demo is a Slack workspace, and a shell's (or .env's) Teams settings
        # would open /api/messages, even without authentication.
        "MICROSOFT_APP_ID": "",
        "MICROSOFT_APP_PASSWORD": SecretStr(""),
        "MICROSOFT_APP_TENANT_ID": "",
        "PROCUREBOT_TEAMS_DEV_INSECURE": False,
    }
    return Settings(**options)  # type: ignore[arg-type]


def _has_requests(core: Core) -> bool:
    with core.uow() as uow:
        return bool(uow.requests.list(limit=1))


async def start_demo(
    *,
    database_url: str = DEFAULT_DATABASE,
    host: str = "127.0.0.1",
    port: int = 3000,
    reset: bool = False,
    seed: bool = True,
    policy_path: Path | None = None,
) -> Demo:
    """Migrate, seed on first start, then serve the workspace on `port` and the bot beside it."""
    if reset:
        await asyncio.to_thread(reset_database, database_url)
    policy_settings = demo_settings(database_url, api_url="", policy_path=policy_path)
    core = await asyncio.to_thread(build_core, policy_settings)
    seeded = 0
    if seed and not await asyncio.to_thread(_has_requests, core):
        seeded = await asyncio.to_thread(
            demo_seed.seed, uow=core.uow, policy=core.policy, now=datetime.now(UTC)
        )
    workspace = demo_workspace(core.policy)
    ws_runner, api_url = await start_workspace(workspace, host=host, port=port, token=DEMO_TOKEN)
    # The bot's settings need the workspace's address, known only once it listens.
    core.settings = demo_settings(database_url, api_url=api_url, policy_path=policy_path)
    if seeded:
        await deliver_history(core, workspace)
    bot_runner = web.AppRunner(create_app(core), shutdown_timeout=SHUTDOWN_TIMEOUT)
    await bot_runner.setup()
    await web.TCPSite(bot_runner, "127.0.0.1", 0).start()
    bot_host, bot_port = bot_runner.addresses[0][:2]
    bot_url = f"http://{bot_host}:{bot_port}/slack/events"
    sender = SlackSender(bot_url, DEMO_SIGNING_SECRET, workspace)
    attach_sender(ws_runner.app, sender)
    await post_digest(core)
    ws_port = ws_runner.addresses[0][1]
    shown_host = "localhost" if host in ("0.0.0.0", "127.0.0.1", "::") else host
    return Demo(
        url=f"http://{shown_host}:{ws_port}/",
        bot_url=bot_url,
        workspace=workspace,
        core=core,
        sender=sender,
        seeded=seeded,
        _runners=[ws_runner, bot_runner],
    )


async def post_digest(core: Core) -> None:
    """Post the last scheduled digest to the policy's channel, so that the channel (kept in
    memory, empty at every start) shows one without waiting for Monday: the same week, from
    the policy's day and time in its zone, as the scheduler and `procurebot digest --print`."""
    end = last_slot(core.policy, datetime.now(UTC))
    report = await asyncio.to_thread(build_digest, uow=core.uow, policy=core.policy, end=end)
    client = slack_client(core.settings)
    await publish_digest(
        digest=report, service=core.service, publishers=[SlackChannelPublisher(client=client)]
    )


async def serve_demo(**options: object) -> None:
    """Start the demo, print where to open it, and run until Ctrl+C or SIGTERM."""
    demo = await start_demo(**options)  # type: ignore[arg-type]
    if demo.seeded:
        print(f"Seeded {demo.seeded} demo requests from the last few weeks.", flush=True)
    else:
        print("Using the demo data from before (--reset starts clean).", flush=True)
    print(f"procurebot demo: open {demo.url} in your browser (Ctrl+C stops it).", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Also when started in the background, where SIGINT arrives ignored.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await demo.stop()


def run_demo(**options: object) -> None:
    """Blocking entry point for the CLI."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_demo(**options))
