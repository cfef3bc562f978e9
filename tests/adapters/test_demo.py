"""`procurebot demo` wiring: the workspace, the bot and the seeded database in one process."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import inspect

from adapters.demo import (
    DEMO_SIGNING_SECRET,
    DEMO_TOKEN,
    demo_settings,
    reset_database,
    start_demo,
)
from adapters.slack import ids
from bot.domain.workflow import Action
from storage.engine import make_engine
from storage.migrate import upgrade
from tests.dbs import postgres_database, sqlite_url
from tests.fakes import EXAMPLE_POLICY, IT
from workspace import SlackSender


async def test_demo_serves_the_page_and_the_bot_over_one_seeded_database(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = sqlite_url(tmp_path)
    demo = await start_demo(database_url=url, port=0)
    try:
        assert demo.seeded == 10
        ws = demo.workspace
        assert [c.name for c in ws.channels.values() if not c.is_im] == ["general", "it-leadership"]
        async with aiohttp.ClientSession() as session:
            async with session.get(demo.url) as page:
                assert page.status == 200 and "Procurebot" in await page.text()
            async with session.get(demo.bot_url.replace("/slack/events", "/healthz")) as health:
                assert (await health.json())["ok"] is True
            # No Teams in the demo: nothing answers at /api/messages, nothing warns of it.
            teams_url = demo.bot_url.replace("/slack/events", "/api/messages")
            async with session.post(teams_url, json={"type": "message"}) as teams:
                assert teams.status == 404
        assert not [
            r for r in caplog.records if r.levelno >= logging.WARNING and "Teams" in r.message
        ]
        # The seeded history's outbox reaches the workspace: Ines has a card to approve.
        ines = ws.get_user(IT[0]).id
        approve = ids.action_id(Action.APPROVE)

        def pending_card() -> object:
            im = ws.im_of(ines)
            messages = ws.messages_in(im.id, viewer=ines) if im else []
            return next((m for m in messages if approve in json.dumps(m.blocks)), None)

        card = await ws.wait_for(pending_card, timeout=15)
        assert "PR-1010" in json.dumps(card.blocks)  # type: ignore[attr-defined]
        # The digest channel shows the last seven days' digest, its chart in the thread.
        channel = next(c for c in ws.channels.values() if c.name == "it-leadership")
        posted = ws.messages_in(channel.id)
        assert "Procurement digest · week of" in posted[0].text
        assert any(ws.files[f].name.endswith(".png") for m in posted for f in m.files)
        # Requests signed with anything but the demo's secret are refused.
        forged = SlackSender(demo.bot_url, DEMO_SIGNING_SECRET + "x", ws)
        try:
            assert (await forged.command(ines, "list")).status == 401
        finally:
            await forged.close()
    finally:
        await demo.stop()
    again = await start_demo(database_url=url, port=0)
    try:
        assert again.seeded == 0  # a second start keeps what the first one made
        assert len(again.core.service.my_requests(requester="rita.req@acme.example")) == 3
    finally:
        await again.stop()
    fresh = await start_demo(database_url=url, port=0, reset=True)
    try:
        assert fresh.seeded == 10
    finally:
        await fresh.stop()


@pytest.mark.postgres
def test_reset_drops_every_table_on_postgresql() -> None:
    with postgres_database() as url:
        upgrade(url)
        reset_database(url)
        engine = make_engine(url)
        try:
            assert inspect(engine).get_table_names() == ["alembic_version"]
        finally:
            engine.dispose()
        upgrade(url)  # and it migrates again from scratch


def test_reset_of_a_missing_sqlite_file_is_fine(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    reset_database(url)
    upgrade(url)
    assert (tmp_path / "procurebot.db").exists()
    reset_database(url)
    assert not (tmp_path / "procurebot.db").exists()


def test_demo_settings_ignore_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROCUREBOT_POLICY", "/etc/procurebot/elsewhere.yml")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-real")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real")
    settings = demo_settings("sqlite:///x.db", api_url="http://127.0.0.1:9/api/")
    assert settings.policy_path == EXAMPLE_POLICY
    assert settings.slack_app_token is None
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == DEMO_TOKEN
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"


async def test_demo_never_runs_teams_whatever_the_environment_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A developer's shell (or .env) may ask for Teams without authentication: not the demo's.
    monkeypatch.setenv("PROCUREBOT_TEAMS_DEV_INSECURE", "1")
    caplog.set_level(logging.INFO)
    demo = await start_demo(database_url=sqlite_url(tmp_path), port=0, seed=False)
    try:
        teams_url = demo.bot_url.replace("/slack/events", "/api/messages")
        async with (
            aiohttp.ClientSession() as session,
            session.post(teams_url, json={"type": "message"}) as teams,
        ):
            assert teams.status == 404
    finally:
        await demo.stop()
    warnings = [r.message for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [w for w in warnings if "authentication" in w or "Teams" in w], warnings


async def test_the_demos_digest_is_the_week_digest_print_shows(tmp_path: Path) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.app.digest import build_digest
    from bot.domain.digest import last_slot, render_text

    demo = await start_demo(database_url=sqlite_url(tmp_path), port=0)
    try:
        core = demo.core
        printed = build_digest(
            uow=core.uow, policy=core.policy, end=last_slot(core.policy, datetime.now(UTC))
        )
        channel = next(c for c in demo.workspace.channels.values() if c.name == "it-leadership")
        posted = demo.workspace.messages_in(channel.id)[0].text
        # One week everywhere: from Monday (the example policy's day) in the policy's zone.
        assert printed.title in posted and render_text(printed).startswith(printed.title)
        assert printed.start.astimezone(ZoneInfo(printed.timezone)).weekday() == 0
    finally:
        await demo.stop()


async def test_seeded_messages_carry_the_times_of_their_history(tmp_path: Path) -> None:
    import time

    from bot.app.demo_seed import HISTORY_DAYS, RITA

    before = time.time()
    demo = await start_demo(database_url=sqlite_url(tmp_path), port=0)
    try:
        ws = demo.workspace
        rita = ws.get_user(RITA).id
        im = ws.im_of(rita)
        assert im is not None
        stamps = [float(m.ts) for m in ws.messages_in(im.id, viewer=rita)]
        # Rita's first request opened the history, weeks ago; her last move was days ago.
        assert stamps == sorted(stamps)
        assert before - stamps[0] > (HISTORY_DAYS - 1) * 86400
        assert stamps[-1] - stamps[0] > 14 * 86400
        assert max(stamps) < before
    finally:
        await demo.stop()
