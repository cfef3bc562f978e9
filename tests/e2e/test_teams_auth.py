"""Who may talk to /api/messages: Bot Framework-signed activities from our tenant, or nobody.

The signed tests run the SDK's public-cloud checks unchanged against a local Bot Framework
(tests/fakes_teams.py FakeBotFramework: OpenID metadata, signing keys, tokens); only where the
keys come from and the bot's own outbound token are swapped.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr
from typer.testing import CliRunner

from adapters.http import TEAMS, create_app
from bot.bootstrap import Core, build_core
from bot.cli.main import app as cli
from bot.domain.errors import UnsafeSettings
from bot.settings import Settings
from tests.dbs import sqlite_url
from tests.e2e.conftest import FORM, serve
from tests.fakes import EXAMPLE_POLICY, REQUESTER
from tests.fakes_teams import TENANT, FakeBotFramework, FakeTeams, fill

APP_ID = "00000000-0000-0000-0000-00000000b07"


def _b64(data: dict[str, object]) -> str:
    raw = json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# A well-formed JWT from an issuer the Bot Framework does not trust, with no valid signature.
FORGED = ".".join(
    [
        _b64({"alg": "RS256", "typ": "JWT", "kid": "made-up"}),
        _b64({"iss": "https://attacker.example", "aud": APP_ID, "serviceurl": "http://127.0.0.1"}),
        "c2lnbmF0dXJl",
    ]
)


@pytest.fixture
def bot_framework(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBotFramework]:
    bf = FakeBotFramework(app_id=APP_ID)
    bf.trust(monkeypatch)
    try:
        yield bf
    finally:
        bf.close()


@pytest.fixture
async def attacker() -> AsyncIterator[FakeTeams]:
    """A connector of someone else's, where forged activities point the bot."""
    evil = FakeTeams()
    await evil.start()
    try:
        yield evil
    finally:
        await evil.close()


def teams_settings(tmp_path: Path, **extra: Any) -> Settings:
    return Settings(DATABASE_URL=sqlite_url(tmp_path), PROCUREBOT_POLICY=EXAMPLE_POLICY, **extra)


@pytest.fixture
async def secured(
    tmp_path: Path, fake_teams: FakeTeams, bot_framework: FakeBotFramework
) -> AsyncIterator[tuple[FakeTeams, Core]]:
    """The bot as production runs it: app id, secret, tenant; the fake Teams signs activities."""
    settings = teams_settings(
        tmp_path,
        MICROSOFT_APP_ID=APP_ID,
        MICROSOFT_APP_PASSWORD=SecretStr("not-a-real-secret"),
        MICROSOFT_APP_TENANT_ID=TENANT,
    )
    core = build_core(settings)
    runner, base = await serve(create_app(core, background=False))
    fake_teams.bot_url = f"{base}/api/messages"
    fake_teams.require_token = bot_framework.outbound_token
    fake_teams.authorize = lambda a: f"Bearer {bot_framework.token(service_url=a['serviceUrl'])}"
    try:
        yield fake_teams, core
    finally:
        await runner.cleanup()
        core.uow.engine.dispose()  # type: ignore[attr-defined]


def people(core: Core) -> list[str]:
    from sqlalchemy import select

    from storage.tables import people as table

    with core.uow() as uow:
        return list(uow.connection.execute(select(table.c.email)).scalars())  # type: ignore[attr-defined]


async def test_a_signed_activity_is_answered_with_the_bots_own_token(
    secured: tuple[FakeTeams, Core],
) -> None:
    teams, core = secured
    assert await teams.say(REQUESTER, "help") == 201
    assert "procurebot" in teams.last(REQUESTER).text
    # The connector only took calls carrying the bot's token (FakeTeams.require_token).
    assert [method for method, _, _ in teams.calls] == ["GET", "POST"]
    assert people(core) == [REQUESTER]


async def test_a_signed_card_click_acts(secured: tuple[FakeTeams, Core]) -> None:
    teams, core = secured
    assert await teams.say(REQUESTER, "buy") == 201
    form = teams.last(REQUESTER)
    assert form.card is not None
    answer = await teams.click(REQUESTER, form, "Submit", fill(form.card, FORM))
    assert "PR-1001 · Figma Professional seats is in" in json.dumps(answer, ensure_ascii=False)
    assert core.service.get(1).requester == REQUESTER


FORGERIES: dict[str, dict[str, Any]] = {
    "wrong audience": {"audience": "11111111-2222-3333-4444-555555555555"},
    "expired": {"lifetime": timedelta(minutes=-10)},  # past the SDK's five minutes of leeway
    "wrong issuer": {"issuer": "https://attacker.example"},
    "unsigned": {"algorithm": "none"},
    "signed by an unknown key": {
        "key": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "kid": "attackers-key",
    },
    "signed by another key under the known key id": {
        "key": rsa.generate_private_key(public_exponent=65537, key_size=2048)
    },
}


@pytest.mark.parametrize("forgery", FORGERIES.values(), ids=FORGERIES.keys())
async def test_a_forged_token_is_401_and_nothing_acts(
    secured: tuple[FakeTeams, Core],
    bot_framework: FakeBotFramework,
    attacker: FakeTeams,
    forgery: dict[str, Any],
) -> None:
    teams, core = secured
    activity = teams.activity(teams.user(REQUESTER), "message", text="list")
    activity["serviceUrl"] = attacker.service_url
    token = bot_framework.token(service_url=attacker.service_url, **forgery)
    status, _ = await teams.post(activity, headers={"Authorization": f"Bearer {token}"})
    assert status == 401
    assert attacker.calls == [] and teams.calls == []
    assert people(core) == []


async def test_a_token_for_another_service_url_is_401_and_nothing_is_sent_there(
    secured: tuple[FakeTeams, Core], bot_framework: FakeBotFramework, attacker: FakeTeams
) -> None:
    teams, core = secured
    # A genuine token, for Teams' own serviceUrl, on an activity naming the attacker's.
    token = bot_framework.token(service_url=teams.service_url)
    activity = teams.activity(teams.user(REQUESTER), "message", text="list")
    activity["serviceUrl"] = attacker.service_url
    status, _ = await teams.post(activity, headers={"Authorization": f"Bearer {token}"})
    assert status == 401
    assert attacker.calls == [] and teams.calls == []
    assert people(core) == []


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer garbage", "Basic cm9vdDpyb290", f"Bearer {FORGED}"],
)
async def test_an_activity_without_a_valid_token_is_401(
    secured: tuple[FakeTeams, Core], authorization: str | None
) -> None:
    teams, _ = secured
    teams.authorize = None
    activity = teams.activity(teams.user(REQUESTER), "message", text="list")
    headers = {} if authorization is None else {"Authorization": authorization}
    status, _ = await teams.post(activity, headers=headers)
    assert status == 401
    assert teams.calls == []  # the bot did not act: no reply, no member lookup


async def test_another_tenant_is_refused(secured: tuple[FakeTeams, Core]) -> None:
    teams, core = secured
    activity = teams.activity(teams.user(REQUESTER), "message", text="list")
    activity["channelData"] = {"tenant": {"id": "tenant-elsewhere"}}
    status, body = await teams.post(activity)
    assert status == 403 and body == {"error": "this bot serves another organisation"}
    assert teams.calls == [] and people(core) == []


async def test_without_credentials_teams_is_not_mounted(
    tmp_path: Path, fake_teams: FakeTeams, caplog: pytest.LogCaptureFixture
) -> None:
    core = build_core(teams_settings(tmp_path))
    app = create_app(core, background=False)
    runner, base = await serve(app)
    fake_teams.bot_url = f"{base}/api/messages"
    try:
        assert TEAMS not in app
        assert await fake_teams.say(REQUESTER, "help") == 404
        assert fake_teams.calls == []
        assert not [r for r in caplog.records if r.levelname == "WARNING" and "Teams" in r.message]
    finally:
        await runner.cleanup()
        core.uow.engine.dispose()  # type: ignore[attr-defined]


async def test_dev_insecure_runs_unauthenticated_and_warns_at_every_start(
    tmp_path: Path, fake_teams: FakeTeams, caplog: pytest.LogCaptureFixture
) -> None:
    core = build_core(teams_settings(tmp_path, PROCUREBOT_TEAMS_DEV_INSECURE=True))
    runner, base = await serve(create_app(core, background=False))
    fake_teams.bot_url = f"{base}/api/messages"
    try:
        [warning] = [r for r in caplog.records if "PROCUREBOT_TEAMS_DEV_INSECURE" in r.message]
        assert warning.levelname == "WARNING" and "WITHOUT authentication" in warning.message
        assert await fake_teams.say(REQUESTER, "help") == 201
        assert "procurebot" in fake_teams.last(REQUESTER).text
    finally:
        await runner.cleanup()
        core.uow.engine.dispose()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("env", "says"),
    [
        (
            {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "x"},
            "MICROSOFT_APP_TENANT_ID is not set",
        ),
        (
            {
                "MICROSOFT_APP_ID": APP_ID,
                "MICROSOFT_APP_TENANT_ID": TENANT,
                "PROCUREBOT_TEAMS_DEV_INSECURE": "1",
            },
            "unset one of them",
        ),
    ],
)
def test_serve_refuses_an_unsafe_teams_setup_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], says: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url(tmp_path))
    monkeypatch.setenv("PROCUREBOT_POLICY", str(EXAMPLE_POLICY))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["serve", "--port", "0"])
    assert result.exit_code == 1
    assert says in result.output and len(result.output.strip().splitlines()) == 1


def test_any_tenant_is_an_explicit_choice(tmp_path: Path) -> None:
    bare = {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": SecretStr("x")}
    with pytest.raises(UnsafeSettings, match="PROCUREBOT_TEAMS_ANY_TENANT=1"):
        create_app(build_core(teams_settings(tmp_path, **bare)), background=False)
    core = build_core(teams_settings(tmp_path, **bare, PROCUREBOT_TEAMS_ANY_TENANT=True))
    try:
        assert TEAMS in create_app(core, background=False)
    finally:
        core.uow.engine.dispose()  # type: ignore[attr-defined]
