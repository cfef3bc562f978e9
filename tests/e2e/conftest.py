"""End to end over real HTTP: the bot served on a local port, the fake Slack beside it.

Requests into /slack/events are signed as Slack signs them; the bot's Web API calls land in
the fake workspace, where the tests read the modals and cards and click them as people would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from pydantic import SecretStr

from adapters.http import DISPATCHER, SLACK, create_app
from bot.bootstrap import Core, build_core
from bot.settings import Settings
from tests.dbs import database_url
from tests.fakes import CIO, EXAMPLE_POLICY, FINANCE, IT, PROCUREMENT, REQUESTER, SECURITY
from tests.fakes_teams import FakeTeams, Posted, fill
from workspace import SlackSender, Workspace, start_workspace
from workspace.model import Message, View

SIGNING_SECRET = "e2e-signing-secret"
TOKEN = "xoxb-e2e-token"
PEOPLE = {
    REQUESTER: "Rita Requester",
    IT[0]: "Ines IT",
    IT[1]: "Omar IT",
    SECURITY: "Sam Security",
    PROCUREMENT: "Priya Procurement",
    FINANCE[0]: "Fred Finance",
    FINANCE[1]: "Carla CFO",
    CIO: "Lee CIO",
}


@dataclass
class Harness:
    """The bot, the fake Slack and a sender that acts as each person."""

    ws: Workspace
    sender: SlackSender
    core: Core
    app: web.Application

    def user(self, email: str) -> str:
        """The Slack user id of an email."""
        found = self.ws.find_user(email)
        assert found is not None, email
        return found.id

    async def settle(self, *, seconds: float = 10.0) -> None:
        """Deliver the outbox until nothing is left to send (retries included)."""
        dispatcher = self.app[DISPATCHER]
        bot = self.app[SLACK]
        deadline = asyncio.get_running_loop().time() + seconds
        while True:
            await asyncio.sleep(0.01)  # let listeners that just acked start their work
            delivered = await dispatcher.run_once()
            if not bot.busy and not delivered and not await asyncio.to_thread(self._pending):
                return
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("outbox did not drain")
            await asyncio.sleep(0.05)

    async def idle(self) -> None:
        """Wait for the bot's listeners to finish, without delivering the outbox."""
        while True:
            await asyncio.sleep(0.01)
            if not self.app[SLACK].busy:
                return

    def _pending(self) -> int:
        from sqlalchemy import func, select

        from storage.tables import outbox

        with self.core.uow() as uow:
            return int(
                uow.connection.execute(
                    select(func.count()).select_from(outbox).where(outbox.c.status == "pending")
                ).scalar_one()
            )

    def dms(self, email: str) -> list[Message]:
        """Messages in the person's DM with the bot, oldest first, as they see them."""
        im = self.ws.im_of(self.user(email))
        return self.ws.messages_in(im.id, viewer=self.user(email)) if im else []

    def last_card(self, email: str, number: str) -> Message:
        """The person's card of the request (the newest, if ever more than one): a message
        whose header names the request number; else the newest message mentioning it."""
        mentions = [m for m in self.dms(email) if number in str(m.blocks)]
        cards = [
            m
            for m in mentions
            if any(b.get("type") == "header" and number in str(b.get("text")) for b in m.blocks)
        ]
        found = cards or mentions
        assert found, f"no card for {number} in {email}'s DM: {[m.text for m in self.dms(email)]}"
        return found[-1]

    def texts(self, email: str) -> list[str]:
        return [m.text for m in self.dms(email)]

    async def modal(self, email: str) -> View:
        """The modal the bot opened for the person (after its listeners finished)."""
        await self.settle()
        view = self.ws.current_modal(self.user(email))
        assert view is not None, f"{email} has no open modal"
        return view

    async def buy(self, email: str, fields: dict[str, Any], text: str = "") -> Any:
        """Type /buy, fill the modal by its labels and submit it."""
        response = await self.sender.command(self.user(email), text)
        assert response.status == 200
        view = await self.modal(email)
        answer = await self.sender.fill_and_submit(self.user(email), view.id, fields)
        await self.settle()
        return answer

    async def click(self, email: str, target: Message | View, action_id: str) -> Any:
        """Click a button as the person, and wait for what it causes."""
        answer = await self.sender.click(self.user(email), target, action_id)
        await self.settle()
        return answer

    async def submit(self, email: str, fields: dict[str, Any]) -> Any:
        """Fill the person's open modal by labels and submit it."""
        view = await self.modal(email)
        answer = await self.sender.fill_and_submit(self.user(email), view.id, fields)
        await self.settle()
        return answer

    async def command(self, email: str, text: str) -> Any:
        """Type /buy <text> as the person, and wait for what it causes."""
        answer = await self.sender.command(self.user(email), text)
        await self.settle()
        return answer


FORM = {
    "What do you need?": "Figma Professional seats",
    "Category": "SaaS subscription",
    "Vendor": "Figma",
    "Price per unit": "45",
    "Currency": "USD",
    "Quantity": "3",
    "Billing": "Monthly",
    "Cost centre": "Design",
    "Company data it will touch": "Internal data",
    "Business justification": "Three designers join in December and need Figma.",
}
# A catalogue item IT may buy at once: approved at submit.
MACBOOK = {
    **FORM,
    "What do you need?": "MacBook Pro 14",
    "Category": "Hardware",
    "Vendor": "Apple",
    "Price per unit": "2399",
    "Quantity": "1",
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def harness(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_harness(request.param, tmp_path) as running:
        yield running


@asynccontextmanager
async def running_harness(kind: str, tmp_path: Path, **settings: Any) -> AsyncIterator[Harness]:
    """The bot with Slack on a database of `kind`; `settings` adds to its environment."""
    workspace = Workspace.seed(
        users=[
            {
                "name": email.split("@")[0],
                "real_name": name,
                "email": email,
                "tz": "America/New_York",
            }
            for email, name in PEOPLE.items()
        ],
        channels=["it-leadership"],
    )
    api_runner, api_url = await start_workspace(workspace, token=TOKEN)
    with database_url(kind, tmp_path) as url:
        core = build_core(
            Settings(
                DATABASE_URL=url,
                SLACK_BOT_TOKEN=SecretStr(TOKEN),
                SLACK_SIGNING_SECRET=SecretStr(SIGNING_SECRET),
                SLACK_API_URL=api_url,
                **{"PROCUREBOT_POLICY": EXAMPLE_POLICY, **settings},
            )
        )
        app = create_app(core, background=False)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        sender = SlackSender(
            bot_url=f"http://{host}:{port}/slack/events",
            signing_secret=SIGNING_SECRET,
            workspace=workspace,
        )
        try:
            yield Harness(ws=workspace, sender=sender, core=core, app=app)
        finally:
            await sender.close()
            await runner.cleanup()
            core.uow.engine.dispose()
            await api_runner.cleanup()


# --------------------------------------------------------------------------- Microsoft Teams


@dataclass
class TeamsHarness:
    """The bot with Teams only, the fake Teams (connector + people) beside it."""

    teams: FakeTeams
    core: Core
    app: web.Application

    async def settle(self, *, seconds: float = 10.0) -> None:
        """Deliver the outbox until nothing is left to send (retries included)."""
        await drain(self.app, self.core, seconds=seconds)

    async def say(self, email: str, text: str) -> Posted:
        """Type to the bot; returns the bot's newest message in that chat afterwards."""
        assert await self.teams.say(email, text) in (200, 201)
        await self.settle()
        return self.teams.last(email)

    async def buy(self, email: str, fields: dict[str, str], text: str = "") -> dict[str, Any]:
        """Type 'buy', fill the form card by its labels and submit it; the invoke answer."""
        form = await self.say(email, f"buy {text}".strip())
        assert form.card is not None and form.shows("New purchase request"), form.activity
        answer = await self.teams.click(email, form, "Submit", fill(form.card, fields))
        await self.settle()
        return answer

    async def click(
        self, email: str, posted: Posted, title: str, inputs: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Click a card button as the person and wait for what it causes."""
        answer = await self.teams.click(email, posted, title, inputs)
        await self.settle()
        return answer


async def drain(app: web.Application, core: Core, *, seconds: float = 10.0) -> None:
    """Run the outbox dispatcher until every message is delivered or given up."""
    dispatcher = app[DISPATCHER]
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        await asyncio.sleep(0.01)
        slack = app.get(SLACK)
        delivered = await dispatcher.run_once()
        busy = slack.busy if slack is not None else 0
        if not busy and not delivered and not await asyncio.to_thread(_pending, core):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("outbox did not drain")
        await asyncio.sleep(0.05)


def _pending(core: Core) -> int:
    from sqlalchemy import func, select

    from storage.tables import outbox

    with core.uow() as uow:
        return int(
            uow.connection.execute(
                select(func.count()).select_from(outbox).where(outbox.c.status == "pending")
            ).scalar_one()
        )


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """Serve the app on a free local port; (runner, base URL)."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


@pytest.fixture
async def fake_teams() -> AsyncIterator[FakeTeams]:
    """The fake Teams with everyone in the example policy; each must still meet the bot."""
    teams = FakeTeams()
    await teams.start()
    for email, name in PEOPLE.items():
        teams.add_user(email, name)
    try:
        yield teams
    finally:
        await teams.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def teams_harness(
    request: pytest.FixtureRequest, tmp_path: Path, fake_teams: FakeTeams
) -> AsyncIterator[TeamsHarness]:
    """The bot with Teams only (no Slack token), unauthenticated as in local development
    (the explicit opt-in; tests/e2e/test_teams_auth.py runs Teams with its credentials)."""
    with database_url(request.param, tmp_path) as url:
        settings = Settings(
            DATABASE_URL=url, PROCUREBOT_POLICY=EXAMPLE_POLICY, PROCUREBOT_TEAMS_DEV_INSECURE=True
        )
        core = build_core(settings)
        app = create_app(core, background=False)
        runner, base = await serve(app)
        fake_teams.bot_url = f"{base}/api/messages"
        try:
            yield TeamsHarness(teams=fake_teams, core=core, app=app)
        finally:
            await runner.cleanup()
            core.uow.engine.dispose()
