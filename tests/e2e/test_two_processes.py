"""Two `procurebot serve` processes on one PostgreSQL send the weekly digest exactly once."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from storage.migrate import upgrade
from tests.dbs import postgres_database
from tests.e2e.conftest import PEOPLE, SIGNING_SECRET, TOKEN
from tests.fakes import EXAMPLE_POLICY
from workspace import Workspace, start_workspace

pytestmark = pytest.mark.postgres
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def free_port() -> int:
    """A port nobody listens on now (`serve --port 0` means the default port)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def policy_due_now(tmp_path: Path) -> Path:
    """The example policy with its digest slot two minutes ago (UTC): due at start-up."""
    slot = datetime.now(UTC) - timedelta(minutes=2)
    data = yaml.safe_load(EXAMPLE_POLICY.read_text())
    data["digest"].update(
        day=_DAYS[slot.weekday()], time=slot.strftime("%H:%M"), timezone="UTC", grace_hours=1
    )
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(data))
    return path


async def test_two_serve_processes_one_digest(tmp_path: Path) -> None:
    workspace = Workspace.seed(
        users=[
            {"name": e.split("@")[0], "real_name": n, "email": e, "tz": "UTC"}
            for e, n in PEOPLE.items()
        ],
        channels=["it-leadership"],
    )
    runner, api_url = await start_workspace(workspace, token=TOKEN)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with postgres_database() as url:
            await asyncio.to_thread(upgrade, url)
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "PROCUREBOT_POLICY": str(policy_due_now(tmp_path)),
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": api_url,
            }
            env.pop("SLACK_APP_TOKEN", None)
            logs = [tmp_path / f"serve{i}.log" for i in range(2)]
            for log in logs:
                processes.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "bot.cli.main",
                            "serve",
                            "--host",
                            "127.0.0.1",
                            "--port",
                            str(free_port()),
                        ],
                        env=env,
                        cwd=tmp_path,
                        stdout=subprocess.DEVNULL,
                        stderr=log.open("wb"),
                    )
                )
            channel = workspace.resolve_channel("#it-leadership")

            def posted() -> list[object]:
                return [m for m in workspace.messages_in(channel.id) if m.thread_ts in (None, m.ts)]

            deadline = asyncio.get_running_loop().time() + 90
            while not all("scheduler started" in log.read_text() for log in logs) or not posted():
                assert asyncio.get_running_loop().time() < deadline, [
                    log.read_text()[-2000:] for log in logs
                ]
                assert all(p.poll() is None for p in processes), [
                    log.read_text()[-2000:] for log in logs
                ]
                await asyncio.sleep(0.2)
            await asyncio.sleep(3)  # the loser would have posted by now
            top = [m for m in workspace.messages_in(channel.id) if m.thread_ts in (None, m.ts)]
            assert len(top) == 1, [m.text for m in top]
            assert len(workspace.files) == 1
            texts = [log.read_text() for log in logs]
            assert sum("digest for" in t and "sent to" in t for t in texts) == 1, texts
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        await runner.cleanup()
