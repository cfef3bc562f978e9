"""After `make run`, the CLI reads the demo's database: one file, the CLI's default."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.demo import DEFAULT_DATABASE, start_demo
from bot.cli.demo import demo
from bot.cli.main import app
from bot.settings import Settings
from tests.fakes import EXAMPLE_POLICY


def test_the_cli_reads_what_the_demo_seeded_and_makes_no_other_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("PROCUREBOT_POLICY", str(EXAMPLE_POLICY))

    async def run_demo() -> None:
        started = await start_demo(port=0)
        await started.stop()

    asyncio.run(run_demo())
    listed = CliRunner().invoke(app, ["vendors", "list"])
    assert listed.exit_code == 0, listed.output
    assert "Figma" in listed.output and "No vendors yet" not in listed.output
    # SQLite's write-ahead log sits beside its file; no other database appears.
    assert {p.name.removesuffix("-wal").removesuffix("-shm") for p in tmp_path.iterdir()} == {
        "procurebot.db"
    }


def test_procurebot_demo_defaults_to_the_clis_database() -> None:
    option = inspect.signature(demo).parameters["database"].default
    assert option == DEFAULT_DATABASE == Settings.model_fields["database_url"].default
