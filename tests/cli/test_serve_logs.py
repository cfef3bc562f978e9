"""`procurebot serve` with LOG_FORMAT=json: every line it writes is a JSON object."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import aiohttp

from tests.fakes import EXAMPLE_POLICY
from tests.hardening import processes


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    # No Slack, no Teams: serve starts, says so in its log, and answers /healthz.
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'pb.db'}",
        "PROCUREBOT_POLICY": str(EXAMPLE_POLICY),
        "SLACK_BOT_TOKEN": "",
        "SLACK_SIGNING_SECRET": "",
        "SLACK_APP_TOKEN": "",
        "MICROSOFT_APP_ID": "",
        **extra,
    }


async def test_every_line_is_json_with_time_level_logger_and_message(tmp_path: Path) -> None:
    server = await processes.serve(
        env=_env(tmp_path, LOG_FORMAT="json"), log_path=tmp_path / "serve.log"
    )
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{server.url}/healthz") as response:
                assert response.status == 200
            async with session.get(f"{server.url}/metrics") as response:
                assert response.status == 200
    finally:
        server.stop()
    lines = server.log().splitlines()
    assert len(lines) >= 2, server.log()
    records = [json.loads(line) for line in lines]  # fails on any line that is not JSON
    for record in records:
        assert {"time", "level", "logger", "message"} <= record.keys(), record
        assert record["time"].endswith("+00:00")
    messages = " ".join(r["message"] for r in records)
    assert "procurebot listening on" in messages and "Slack is off" in messages


def test_an_unknown_log_format_is_refused_in_words(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(processes.BIN / "procurebot"), "serve", "--port", str(processes.free_port())],
        env={**os.environ, **_env(tmp_path, LOG_FORMAT="xml")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "procurebot cannot start" in done.stderr and "LOG_FORMAT" in done.stderr
    assert "Traceback" not in done.stderr
