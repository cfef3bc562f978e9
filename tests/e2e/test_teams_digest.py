"""The weekly digest reaches Teams: a thread in the policy's channel (created through the
fake connector), the chart as an inline image in that thread, the card in the listed
person's chat; with Slack configured too, each channel gets it exactly once."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from aiohttp import web
from pydantic import SecretStr

from adapters.http import PUBLISHERS, create_app, teams_adapter
from adapters.teams.digest import TeamsChannelPublisher
from bot.app.clock import FixedClock
from bot.app.facade import Procurement
from bot.app.ports import RecipientUnreachable
from bot.app.scheduler import DIGEST_JOB, Scheduler
from bot.bootstrap import Core, build_core
from bot.domain.digest import last_slot
from bot.settings import Settings
from tests.dbs import database_url
from tests.e2e.conftest import PEOPLE, SIGNING_SECRET, TOKEN, serve
from tests.e2e.test_digest import seed_week
from tests.fakes import CIO, EXAMPLE_POLICY
from tests.fakes_teams import CARD, TENANT, FakeTeams
from workspace import Workspace, start_workspace

CHANNEL = "19:itleadership0001@thread.tacv2"


@dataclass
class Bot:
    core: Core
    app: web.Application
    teams: FakeTeams
    slack: Workspace | None

    def scheduler(self, clock: FixedClock, instance: str = "test") -> Scheduler:
        """The scheduler of a process, with the publishers create_app wired."""
        return Scheduler(
            service=Procurement(uow=self.core.uow, policy=self.core.policy, clock=clock),
            uow=self.core.uow,
            publishers=self.app[PUBLISHERS],
            clock=clock,
            instance=instance,
        )


def policy_with_teams_channel(tmp_path: Path) -> Path:
    data = yaml.safe_load(Path(EXAMPLE_POLICY).read_text())
    data["digest"]["teams_channel"] = CHANNEL
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> object:
    with database_url(request.param, tmp_path) as url:
        yield url


async def start(url: str, tmp_path: Path, teams: FakeTeams, *, slack: bool) -> AsyncIterator[Bot]:
    teams.add_channel(CHANNEL)
    workspace = api_runner = None
    extra: dict[str, object] = {}
    if slack:
        workspace = Workspace.seed(
            users=[
                {"name": e.split("@")[0], "real_name": n, "email": e, "tz": "America/New_York"}
                for e, n in PEOPLE.items()
            ],
            channels=["it-leadership"],
        )
        api_runner, api_url = await start_workspace(workspace, token=TOKEN)
        extra = {
            "SLACK_BOT_TOKEN": SecretStr(TOKEN),
            "SLACK_SIGNING_SECRET": SecretStr(SIGNING_SECRET),
            "SLACK_API_URL": api_url,
        }
    settings = Settings(
        DATABASE_URL=url,
        PROCUREBOT_POLICY=policy_with_teams_channel(tmp_path),
        TEAMS_SERVICE_URL=teams.service_url,
        MICROSOFT_APP_TENANT_ID=TENANT,
        PROCUREBOT_TEAMS_DEV_INSECURE=True,
        **extra,  # type: ignore[arg-type]
    )
    core = build_core(settings)
    app = create_app(core, background=False)
    runner, base = await serve(app)
    teams.bot_url = f"{base}/api/messages"
    try:
        yield Bot(core=core, app=app, teams=teams, slack=workspace)
    finally:
        await runner.cleanup()
        core.uow.engine.dispose()  # type: ignore[attr-defined]
        if api_runner is not None:
            await api_runner.cleanup()


@pytest.fixture
async def teams_only(db_url: str, tmp_path: Path, fake_teams: FakeTeams) -> AsyncIterator[Bot]:
    async for bot in start(db_url, tmp_path, fake_teams, slack=False):
        yield bot


@pytest.fixture
async def both(db_url: str, tmp_path: Path, fake_teams: FakeTeams) -> AsyncIterator[Bot]:
    async for bot in start(db_url, tmp_path, fake_teams, slack=True):
        yield bot


def slot_of(bot: Bot) -> datetime:
    return last_slot(bot.core.policy, datetime.now(UTC))


async def test_digest_in_the_teams_channel_with_its_chart_in_the_thread(
    teams_only: Bot,
) -> None:
    bot = teams_only
    assert [p.platform for p in bot.app[PUBLISHERS]] == ["teams"]
    assert await bot.teams.install(CIO) in (200, 201)
    slot = slot_of(bot)
    await asyncio.to_thread(seed_week, bot, slot)  # type: ignore[arg-type]
    clock = FixedClock(slot + timedelta(minutes=1))
    assert await bot.scheduler(clock).run_digest() is True

    threads = bot.teams.channel(CHANNEL)
    assert len(threads) == 1
    digest = threads[0]
    assert digest.card is not None and digest.card["version"] == "1.5"
    assert digest.card["body"][0]["text"].startswith("Procurement digest · week of")
    assert digest.activity["summary"].endswith("1 submitted, 1 approved, $1,620.00 approved spend")
    # Created in the channel through the connector, with the tenant.
    created = [b for m, p, b in bot.teams.calls if m == "POST" and p == "/v3/conversations"]
    assert created and created[0]["channelData"] == {
        "channel": {"id": CHANNEL},
        "tenant": {"id": TENANT},
    }
    replies = bot.teams.replies(CHANNEL, digest)
    assert len(replies) == 1 and len(replies[0].images) == 1
    image = replies[0].images[0]
    assert image["contentType"] == "image/png" and image["name"] == "spend-by-category.png"
    prefix = "data:image/png;base64,"
    assert image["contentUrl"].startswith(prefix)
    assert base64.b64decode(image["contentUrl"][len(prefix) :]).startswith(b"\x89PNG\r\n")
    # The CIO is listed in digest.recipients: the card in their chat with the bot too.
    cio = [p for p in bot.teams.chat(CIO) if p.card and p.shows("Procurement digest")]
    assert len(cio) == 1 and cio[0].card == digest.card
    # Another tick, or another process, finds the slot taken.
    assert await bot.scheduler(clock, "other").run_digest() is False
    assert len(bot.teams.channel(CHANNEL)) == 1


async def test_a_team_without_the_bot_gives_the_slot_back(teams_only: Bot) -> None:
    bot = teams_only
    del bot.teams.chats[CHANNEL]  # procurebot is not in that team (or the id is wrong)
    slot = slot_of(bot)
    clock = FixedClock(slot + timedelta(minutes=5))
    with pytest.raises(RecipientUnreachable, match="add procurebot to the team"):
        await bot.scheduler(clock).run_digest()
    bot.teams.add_channel(CHANNEL)
    assert await bot.scheduler(clock).run_digest() is True  # the next tick sends it
    assert len(bot.teams.channel(CHANNEL)) == 1
    with bot.core.uow() as uow:
        assert uow.jobs.claim_run(DIGEST_JOB, slot.isoformat(), now=slot, by="x") is False


async def test_no_tenant_says_what_to_set(teams_only: Bot) -> None:
    publisher = TeamsChannelPublisher(
        adapter=teams_adapter(teams_only.core.settings),
        app_id="",
        service_url=teams_only.teams.service_url,
        tenant_id="",
    )
    from bot.app.digest import build_digest

    digest = build_digest(
        uow=teams_only.core.uow, policy=teams_only.core.policy, end=slot_of(teams_only)
    )
    with pytest.raises(RecipientUnreachable, match="set MICROSOFT_APP_TENANT_ID"):
        await publisher.post(channel=CHANNEL, view=digest)
    assert bot_calls(teams_only) == []


def bot_calls(bot: Bot) -> list[str]:
    return [p for m, p, _ in bot.teams.calls if m == "POST"]


async def test_slack_and_teams_each_get_it_once(both: Bot) -> None:
    bot = both
    assert bot.slack is not None
    assert [p.platform for p in bot.app[PUBLISHERS]] == ["slack", "teams"]
    assert await bot.teams.install(CIO) in (200, 201)  # the CIO uses Teams
    slot = slot_of(bot)
    await asyncio.to_thread(seed_week, bot, slot)  # type: ignore[arg-type]
    clock = FixedClock(slot + timedelta(minutes=1))
    # Two processes on one database: exactly one sends.
    results = await asyncio.gather(
        bot.scheduler(clock, "a").run_digest(), bot.scheduler(clock, "b").run_digest()
    )
    assert sorted(results) == [False, True]
    channel = bot.slack.resolve_channel("#it-leadership")
    slack_posts = [m for m in bot.slack.messages_in(channel.id) if m.thread_ts in (None, m.ts)]
    assert len(slack_posts) == 1 and "1 submitted, 1 approved" in slack_posts[0].text
    chart = [m for m in bot.slack.messages_in(channel.id) if m.files]
    assert len(chart) == 1 and chart[0].thread_ts == slack_posts[0].ts
    threads = bot.teams.channel(CHANNEL)
    assert len(threads) == 1 and len(bot.teams.replies(CHANNEL, threads[0])) == 1
    # The CIO gets it once, on the platform they use (Teams), not by Slack DM as well.
    cio_teams = [p for p in bot.teams.chat(CIO) if p.card and p.shows("Procurement digest")]
    cio_user = bot.slack.find_user(CIO)
    assert cio_user is not None
    im = bot.slack.im_of(cio_user.id)
    cio_slack = bot.slack.messages_in(im.id, viewer=cio_user.id) if im else []
    assert len(cio_teams) == 1 and not [m for m in cio_slack if "Procurement digest" in m.text]
    assert threads[0].activity["attachments"][0]["contentType"] == CARD


def in_channel(bot: Bot, email: str, kind: str, **extra: object) -> dict[str, object]:
    """An activity from `email` in the digest channel of a team."""
    return bot.teams.activity(
        bot.teams.user(email),
        kind,
        conversation={
            "conversationType": "channel",
            "tenantId": TENANT,
            "id": f"{CHANNEL};messageid=1700000000000",
        },
        channelData={"tenant": {"id": TENANT}, "channel": {"id": CHANNEL}, "team": {"id": CHANNEL}},
        **extra,
    )


async def test_added_to_a_team_the_bot_says_the_channel_id(teams_only: Bot) -> None:
    bot = teams_only
    status, _ = await bot.teams.post(in_channel(bot, CIO, "installationUpdate", action="add"))
    assert status in (200, 201)
    said = [p.text for p in bot.teams.chats[CHANNEL]]
    assert said and f'digest.teams_channel: "{CHANNEL}"' in said[-1]
    # Someone asks for something in the channel: they are sent to their personal chat.
    status, _ = await bot.teams.post(
        in_channel(bot, CIO, "message", text="<at>procurebot</at> buy a laptop")
    )
    assert status in (200, 201)
    assert "open a personal chat with procurebot" in bot.teams.chats[CHANNEL][-1].text
    assert not [p for p in bot.teams.chats[CHANNEL] if p.card]  # no form in the channel
    with bot.core.uow() as uow:
        assert uow.people.by_teams_identity(TENANT, bot.teams.user(CIO).aad_object_id) is None
