"""`procurebot digest --print | --send` against a seeded database."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from tests.cli.digest_runs import digest_sent, seeded_database
from tests.fakes import EXAMPLE_POLICY
from tests.fakes_teams import TENANT, FakeTeams
from tests.seed import END

runner = CliRunner()


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    factory, _ = seeded_database(tmp_path, monkeypatch)
    factory.engine.dispose()


def test_print_shows_the_week_in_the_terminal(seeded: None) -> None:
    result = runner.invoke(app, ["digest", "--print", "--end", END.isoformat()])
    assert result.exit_code == 0, result.output
    assert "Procurement digest · week of 16 Nov 2026" in result.output
    assert (
        "Approved spend                         $6,900.00       $1,620.00    +326%" in result.output
    )
    assert "Renewals in the next 30 days: 3" in result.output


def test_print_or_send_not_both_nor_neither(seeded: None) -> None:
    for args in (["digest"], ["digest", "--print", "--send"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert (
            "Choose one: procurebot digest --print, or procurebot digest --send." in result.output
        )


def test_a_bad_end_is_explained(seeded: None) -> None:
    result = runner.invoke(app, ["digest", "--print", "--end", "monday"])
    assert result.exit_code == 2
    assert "write it like 2026-11-23T09:00-05:00" in result.output


def test_send_without_slack_says_what_to_set(seeded: None) -> None:
    result = runner.invoke(app, ["digest", "--send"])
    assert result.exit_code == 1
    assert "Nothing sent: set digest.slack_channel" in result.output


async def test_send_posts_to_the_channel_with_the_chart(seeded: None) -> None:
    async with digest_sent() as (workspace, out):
        assert "Digest sent to slack:#it-leadership, lee.cio@acme.example." in out
        channel = workspace.resolve_channel("#it-leadership")
        top = [m for m in workspace.messages_in(channel.id) if m.thread_ts in (None, m.ts)]
        assert len(top) == 1 and "$6,900.00 approved spend" in top[0].text
        assert len(workspace.files) == 1


async def test_send_posts_to_the_teams_channel_with_the_chart(seeded: None, tmp_path: Path) -> None:
    fake_teams = FakeTeams()
    await fake_teams.start()
    try:
        await _send_to_teams(fake_teams, tmp_path)
    finally:
        await fake_teams.close()


async def _send_to_teams(fake_teams: FakeTeams, tmp_path: Path) -> None:
    import yaml

    channel = "19:itleadership0001@thread.tacv2"
    fake_teams.add_channel(channel)
    data = yaml.safe_load(Path(EXAMPLE_POLICY).read_text())
    data["digest"].update(slack_channel=None, teams_channel=channel, recipients=[])
    policy = tmp_path / "policy.yml"
    policy.write_text(yaml.safe_dump(data))
    env = {
        **os.environ,
        "PROCUREBOT_POLICY": str(policy),
        "TEAMS_SERVICE_URL": fake_teams.service_url,
        "MICROSOFT_APP_TENANT_ID": TENANT,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli.main",
        "digest",
        "--send",
        "--end",
        END.isoformat(),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    assert f"Digest sent to teams:{channel}." in out.decode()
    [thread] = fake_teams.channel(channel)
    assert thread.activity["summary"].endswith("$6,900.00 approved spend")
    [chart] = fake_teams.replies(channel, thread)
    assert chart.images[0]["contentUrl"].startswith("data:image/png;base64,iVBOR")
