"""With a Bot Framework registration configured, /api/messages refuses unsigned activities."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from adapters.http import create_app
from bot.bootstrap import build_core
from bot.settings import Settings
from tests.dbs import sqlite_url
from tests.e2e.conftest import serve
from tests.fakes import EXAMPLE_POLICY, REQUESTER
from tests.fakes_teams import FakeTeams


def _b64(data: dict[str, object]) -> str:
    raw = json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# A well-formed JWT from an issuer the Bot Framework does not trust, with no valid signature.
FORGED = ".".join(
    [
        _b64({"alg": "RS256", "typ": "JWT", "kid": "made-up"}),
        _b64(
            {
                "iss": "https://attacker.example",
                "aud": "00000000-0000-0000-0000-00000000b07",
                "serviceurl": "http://127.0.0.1",
            }
        ),
        "c2lnbmF0dXJl",
    ]
)


@pytest.fixture
async def secured(tmp_path: Path, fake_teams: FakeTeams) -> AsyncIterator[FakeTeams]:
    settings = Settings(
        DATABASE_URL=sqlite_url(tmp_path),
        PROCUREBOT_POLICY=EXAMPLE_POLICY,
        MICROSOFT_APP_ID="00000000-0000-0000-0000-00000000b07",
        MICROSOFT_APP_PASSWORD=SecretStr("not-a-real-secret"),
    )
    core = build_core(settings)
    runner, base = await serve(create_app(core, background=False))
    fake_teams.bot_url = f"{base}/api/messages"
    try:
        yield fake_teams
    finally:
        await runner.cleanup()
        core.uow.engine.dispose()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Basic cm9vdDpyb290", f"Bearer {FORGED}"]
)
async def test_activity_without_a_valid_token_is_401(
    secured: FakeTeams, authorization: str | None
) -> None:
    teams = secured
    activity = teams.activity(teams.user(REQUESTER), "message", text="list")
    headers = {} if authorization is None else {"Authorization": authorization}
    status, _ = await teams.post(activity, headers=headers)
    assert status == 401
    assert teams.calls == []  # the bot did not act: no reply, no member lookup


async def test_no_app_id_runs_unauthenticated_and_says_so(
    tmp_path: Path, fake_teams: FakeTeams, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(DATABASE_URL=sqlite_url(tmp_path), PROCUREBOT_POLICY=EXAMPLE_POLICY)
    core = build_core(settings)
    runner, base = await serve(create_app(core, background=False))
    fake_teams.bot_url = f"{base}/api/messages"
    try:
        assert "Teams runs WITHOUT authentication" in caplog.text
        assert await fake_teams.say(REQUESTER, "help") == 201
        assert "procurebot" in fake_teams.last(REQUESTER).text
    finally:
        await runner.cleanup()
        core.uow.engine.dispose()  # type: ignore[attr-defined]
