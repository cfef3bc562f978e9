"""The outbox against the fake Slack Web API (and the fake Teams connector): a message that
cannot be delivered fails once, is logged once, is reported to the requester and listed, and
never holds back the others; no Retry-After a platform sends can crash the dispatcher."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from adapters.slack.notifier import SlackNotifier
from bot.app.clock import FixedClock
from bot.app.outbox import Dispatcher
from bot.bootstrap import Core, build_core
from bot.domain.model import Channel
from bot.settings import Settings
from storage import tables
from tests.dbs import database_url
from tests.e2e.conftest import FORM, Harness, TeamsHarness
from tests.fakes import EXAMPLE_POLICY, IT, REQUESTER, START, draft
from tests.fakes_teams import fill
from workspace import Workspace, start_workspace

TOKEN = "xoxb-outbox"
MAX_ATTEMPTS = 4
OMAR = IT[1]


@dataclass
class Rig:
    """The dispatcher with the real Slack notifier, the fake Slack, and a clock to move."""

    ws: Workspace
    core: Core
    clock: FixedClock
    dispatcher: Dispatcher

    def submit(self) -> None:
        """Rita asks for Figma seats: her card and one card each for Ines and Omar (IT)."""
        self.core.service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)

    async def drain(self) -> None:
        """Deliver until nothing is pending, moving the clock past every wait."""
        for _ in range(3 * MAX_ATTEMPTS):
            await self.dispatcher.run_once()
            if not [r for r in self.rows() if r["status"] == "pending"]:
                return
            self.clock.advance(minutes=16)  # past the longest backoff and Retry-After
        raise AssertionError(f"outbox did not drain: {self.rows()}")

    def rows(self) -> list[dict[str, Any]]:
        with self.core.uow() as uow:
            found = uow.connection.execute(  # type: ignore[attr-defined]
                select(tables.outbox).order_by(tables.outbox.c.id)
            )
            return [dict(row._mapping) for row in found]

    def row(self, kind: str, recipient: str) -> dict[str, Any]:
        (found,) = [r for r in self.rows() if (r["kind"], r["recipient"]) == (kind, recipient)]
        return found

    def dm_texts(self, email: str) -> list[str]:
        user = self.ws.get_user(email).id
        im = self.ws.im_of(user)
        return [m.text for m in self.ws.messages_in(im.id, viewer=user)] if im else []


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def rig(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Rig]:
    ws = Workspace.seed(
        users=[{"name": e.split("@")[0], "real_name": e, "email": e} for e in (REQUESTER, *IT)]
    )
    runner, api_url = await start_workspace(ws, token=TOKEN)
    clock = FixedClock(START)
    with database_url(request.param, tmp_path) as url:
        settings = Settings(
            DATABASE_URL=url,
            PROCUREBOT_POLICY=EXAMPLE_POLICY,
            SLACK_BOT_TOKEN=SecretStr(TOKEN),
            SLACK_SIGNING_SECRET=SecretStr("outbox-secret"),
            SLACK_API_URL=api_url,
        )
        core = build_core(settings, clock=clock)
        client = AsyncWebClient(token=TOKEN, base_url=api_url, timeout=2)
        client.retry_handlers.clear()  # the outbox retries, not the client
        dispatcher = Dispatcher(
            uow=core.uow,
            service=core.service,
            notifiers=[SlackNotifier(client=client)],
            clock=clock,
            max_attempts=MAX_ATTEMPTS,
        )
        try:
            yield Rig(ws=ws, core=core, clock=clock, dispatcher=dispatcher)
        finally:
            core.uow.engine.dispose()  # type: ignore[attr-defined]
            await runner.cleanup()


def _gave_up(caplog: pytest.LogCaptureFixture, message_id: int) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.levelno == logging.ERROR and r.getMessage().startswith(f"outbox {message_id}:")
    ]


REACH = "I couldn't reach {omar} about PR-1001"
DELIVER = "I couldn't deliver PR-1001 (Figma Professional seats, $1,620.00/yr) to {omar}"


@pytest.mark.parametrize(
    ("method", "code", "told"),
    [
        ("chat.postMessage", "invalid_blocks", DELIVER),
        ("chat.postMessage", "msg_too_long", DELIVER),
        ("chat.postMessage", "channel_not_found", REACH),
        ("chat.postMessage", "not_in_channel", REACH),
        ("chat.postMessage", "is_archived", REACH),
        ("users.lookupByEmail", "user_not_found", REACH),
    ],
)
async def test_a_message_slack_refuses_fails_at_once_and_the_others_go_on(
    rig: Rig, caplog: pytest.LogCaptureFixture, method: str, code: str, told: str
) -> None:
    omar = rig.ws.get_user(OMAR).id
    where = {"email": OMAR} if method == "users.lookupByEmail" else {"channel": omar}
    fault = rig.ws.fail(method=method, error=code, where=where, times=100)
    rig.submit()
    await rig.drain()

    card = rig.row("approval_card", OMAR)
    assert (card["status"], card["attempts"]) == ("failed", 1)
    assert code in card["last_error"] and card["failed_at"] == START
    assert fault.hits == 1  # tried once, never again
    assert len(_gave_up(caplog, card["id"])) == 1
    # Everyone else got theirs; Rita knows that Omar did not, and what to do.
    assert rig.row("approval_card", IT[0])["status"] == "delivered"
    assert any("PR-1001" in t for t in rig.dm_texts(IT[0]))
    assert any(told.format(omar=OMAR) in t for t in rig.dm_texts(REQUESTER))

    rig.clock.advance(days=2)
    await rig.dispatcher.run_once()
    assert fault.hits == 1 and rig.row("approval_card", OMAR)["status"] == "failed"
    assert len(_gave_up(caplog, card["id"])) == 1


async def test_a_passing_failure_is_retried_then_given_up_and_reported(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    omar = rig.ws.get_user(OMAR).id
    fault = rig.ws.fail(method="chat.postMessage", status=503, where={"channel": omar}, times=100)
    rig.submit()
    await rig.drain()

    card = rig.row("approval_card", OMAR)
    assert (card["status"], card["attempts"], fault.hits) == ("failed", MAX_ATTEMPTS, MAX_ATTEMPTS)
    assert f"still failing after {MAX_ATTEMPTS} attempts: Slack answered 503" in card["last_error"]
    assert len(_gave_up(caplog, card["id"])) == 1
    assert any(DELIVER.format(omar=OMAR) in t for t in rig.dm_texts(REQUESTER))
    assert rig.row("approval_card", IT[0])["status"] == "delivered"


BACKOFF = 2.0  # after the first attempt


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [
        ("30", 30.0),
        ("inf", 900.0),
        ("1e308", 900.0),
        ("86400000", 900.0),
        ("nan", BACKOFF),
        ("-1", BACKOFF),
        ("abc", BACKOFF),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        (format_datetime(START + timedelta(minutes=2), usegmt=True), 120.0),
    ],
)
async def test_any_retry_after_waits_a_sane_time_then_delivers(
    rig: Rig, retry_after: str, wait: float
) -> None:
    rig.ws.fail(method="chat.postMessage", status=429, retry_after=retry_after, times=1)
    rig.submit()
    await rig.dispatcher.run_once()

    (limited,) = [r for r in rig.rows() if r["attempts"] == 1 and r["status"] == "pending"]
    assert (limited["attempts"], limited["last_error"]) == (1, "Slack rate limit")
    assert limited["next_attempt_at"] - START == timedelta(seconds=wait)
    rig.clock.advance(seconds=wait)
    await rig.dispatcher.run_once()
    (again,) = [r for r in rig.rows() if r["id"] == limited["id"]]
    assert (again["status"], again["attempts"]) == ("delivered", 2)


async def test_healthz_counts_failed_messages(harness: Harness) -> None:
    h = harness
    h.ws.fail(method="chat.postMessage", error="invalid_blocks", where={"channel": h.user(OMAR)})
    await h.buy(REQUESTER, FORM)
    base = h.sender.transport.bot_url.removesuffix("/slack/events")
    async with aiohttp.ClientSession() as session, session.get(f"{base}/healthz") as response:
        assert response.status == 200
        assert await response.json() == {"ok": True, "outbox": {"pending": 0, "failed": 1}}


@pytest.mark.parametrize("status", [400, 413])
async def test_a_message_teams_refuses_fails_at_once(
    teams_harness: TeamsHarness, status: int
) -> None:
    h = teams_harness
    for email in (REQUESTER, *IT):
        assert await h.teams.install(email) in (200, 201)
    form = await h.say(REQUESTER, "buy")
    h.teams.fail(method="POST", times=1, status=status)
    await h.teams.click(REQUESTER, form, "Submit", fill(form.card, FORM))
    await h.settle()

    assert h.teams.faults_left() == 0
    with h.core.uow() as uow:
        rows = uow.connection.execute(  # type: ignore[attr-defined]
            select(tables.outbox.c.status, tables.outbox.c.attempts, tables.outbox.c.last_error)
        ).all()
    failed = [r for r in rows if r.status == "failed"]
    assert [(r.attempts, r.last_error) for r in failed] == [
        (1, f"Teams refused the message: {status}")
    ]
    assert all(r.status == "delivered" for r in rows if r.status != "failed")
