"""Fixtures: a seeded fake workspace on a local port, a slack_sdk client, and a tiny Bolt app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from workspace import SlackSender, Workspace, start_workspace

TOKEN = "xoxb-test-token"
SECRET = "test-signing-secret"


def seeded_workspace() -> Workspace:
    """Three people in two time zones and one leadership channel."""
    return Workspace.seed(
        users=[
            {
                "name": "alice",
                "real_name": "Alice Adams",
                "email": "alice@example.com",
                "tz": "America/New_York",
            },
            {
                "name": "bob",
                "real_name": "Bob Brown",
                "email": "bob@example.com",
                "tz": "Europe/Paris",
            },
            {"name": "carol", "real_name": "Carol Chen", "email": "carol@example.com"},
        ],
        channels=[{"name": "it-leadership", "members": ["alice", "bob"]}],
    )


@dataclass
class Fake:
    """A served workspace and what talks to it."""

    workspace: Workspace
    api_url: str
    origin: str
    client: AsyncWebClient
    app: web.Application


@pytest.fixture
async def fake() -> AsyncIterator[Fake]:
    """The fake Slack server on 127.0.0.1, port 0, accepting TOKEN only."""
    workspace = seeded_workspace()
    runner, api_url = await start_workspace(workspace, token=TOKEN)
    client = AsyncWebClient(base_url=api_url, token=TOKEN)
    yield Fake(workspace, api_url, api_url.removesuffix("/api/"), client, runner.app)
    await runner.cleanup()


@dataclass
class Bot:
    """A bare Bolt app served over HTTP with its client pointed at the fake."""

    app: AsyncApp
    url: str
    sender: SlackSender


@pytest.fixture
async def bot(fake: Fake) -> AsyncIterator[Bot]:
    """A Bolt AsyncApp on a local port with a SlackSender aimed at its /slack/events."""
    app = AsyncApp(signing_secret=SECRET, client=AsyncWebClient(base_url=fake.api_url, token=TOKEN))

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    runner = web.AppRunner(web_app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    url = f"http://{host}:{port}/slack/events"
    sender = SlackSender(url, SECRET, fake.workspace)
    yield Bot(app=app, url=url, sender=sender)
    await sender.close()
    await runner.cleanup()
