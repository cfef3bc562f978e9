"""The README's curl examples of the REST API, run as written with curl against the bot."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from tests.e2e.conftest import MACBOOK, running_harness
from tests.fakes import IT
from tests.fakes_webhooks import readme_block


async def curl(line: str, env: dict[str, str]) -> object:
    process = await asyncio.create_subprocess_exec(
        "bash", "-c", line, env=env, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    assert process.returncode == 0, line
    return json.loads(out)


async def test_the_readme_curl_examples_work_as_written(tmp_path: Path) -> None:
    lines = [
        line
        for line in readme_block("PROCUREBOT_API_KEY", language="sh").splitlines()
        if line.startswith("curl ")
    ]
    assert len(lines) == 5
    async with running_harness("sqlite", tmp_path) as h:
        await h.buy(IT[0], MACBOOK)  # PR-1001, approved at once from the catalogue
        _record, key = await asyncio.to_thread(h.core.api_keys.create, "erp")
        base = h.sender.transport.bot_url.removesuffix("/slack/events")
        env = {**os.environ, "PROCUREBOT_URL": base, "PROCUREBOT_API_KEY": key}
        listed, shown, ordered, received, vendors = [await curl(line, env) for line in lines]
    assert isinstance(listed, dict) and [r["number"] for r in listed["data"]] == ["PR-1001"]
    assert isinstance(shown, dict) and shown["status"] == "approved"
    assert isinstance(ordered, dict) and ordered["po_number"] == "PO-7781"
    assert isinstance(received, dict) and received["status"] == "received"
    assert isinstance(vendors, dict) and "Apple" in {v["name"] for v in vendors["data"]}
