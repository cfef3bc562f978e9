"""The one aiohttp server (adapters/http.py): what it mounts and what it tells outsiders."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr

from adapters.http import SLACK, create_app
from bot.bootstrap import build_core
from bot.settings import Settings
from tests.dbs import sqlite_url
from tests.e2e.conftest import serve
from tests.fakes import EXAMPLE_POLICY

# Nothing listens on port 9 (discard) of this host: connecting fails at once.
UNREACHABLE = "postgresql+psycopg://procurebot:s3cret@127.0.0.1:9/purchasing_prod"


async def test_healthz_says_the_database_is_down_without_naming_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    core = build_core(
        Settings(DATABASE_URL=UNREACHABLE, PROCUREBOT_POLICY=EXAMPLE_POLICY), migrate=False
    )
    runner, base = await serve(create_app(core, background=False))
    try:
        async with aiohttp.ClientSession() as session, session.get(f"{base}/healthz") as answer:
            assert answer.status == 503
            body = await answer.text()
    finally:
        await runner.cleanup()
        core.uow.engine.dispose()
    assert body == '{"ok": false, "database": "unavailable"}'
    for secret in ("127.0.0.1", "9", "purchasing_prod", "procurebot", "s3cret"):
        assert secret not in body
    # The operator still learns why, in the log.
    assert "127.0.0.1" in caplog.text and "port 9" in caplog.text


async def test_socket_mode_needs_no_signing_secret_and_mounts_no_http_route(
    tmp_path: Path,
) -> None:
    settings = Settings(
        DATABASE_URL=sqlite_url(tmp_path),
        PROCUREBOT_POLICY=EXAMPLE_POLICY,
        SLACK_BOT_TOKEN=SecretStr("xoxb-socket"),
        SLACK_APP_TOKEN=SecretStr("xapp-socket"),
    )
    core = build_core(settings)
    app = create_app(core, background=False)  # raised ValueError: signing_secret is empty
    runner, base = await serve(app)
    try:
        assert SLACK in app  # the Bolt app that Socket Mode feeds
        # Nothing could tell a request signed with an empty secret from Slack's.
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{base}/slack/events", data="command=/buy") as answer,
        ):
            assert answer.status == 404
    finally:
        await runner.cleanup()
        core.uow.engine.dispose()
