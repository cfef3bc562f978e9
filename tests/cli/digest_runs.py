"""What the digest command tests share: a seeded database the CLI reads, and `digest --send`
run as a process against a local Slack workspace."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.app.clock import FixedClock
from bot.app.facade import Procurement
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory
from tests.e2e.conftest import PEOPLE, SIGNING_SECRET, TOKEN
from tests.fakes import EXAMPLE_POLICY, example_policy
from tests.seed import END, seed
from workspace import Workspace, start_workspace


def seeded_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[SqlUnitOfWorkFactory, dict[str, int]]:
    """A SQLite database the CLI reads (DATABASE_URL, the example policy, no Slack settings),
    seeded with the digest's week; its units of work and the seeded requests' ids. Dispose
    of the factory's engine when done."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PROCUREBOT_POLICY", str(EXAMPLE_POLICY))
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    upgrade(url)
    clock = FixedClock(END)
    factory = SqlUnitOfWorkFactory(make_engine(url))
    ids = seed(Procurement(uow=factory, policy=example_policy(), clock=clock), clock)
    return factory, ids


@asynccontextmanager
async def digest_sent() -> AsyncIterator[tuple[Workspace, str]]:
    """Run `procurebot digest --send` for the seeded week against a local workspace with an
    #it-leadership channel; the workspace and what the command printed."""
    workspace = Workspace.seed(
        users=[{"name": e.split("@")[0], "real_name": n, "email": e} for e, n in PEOPLE.items()],
        channels=["it-leadership"],
    )
    api, api_url = await start_workspace(workspace, token=TOKEN)
    try:
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api_url,
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
        yield workspace, out.decode()
    finally:
        await api.cleanup()
