"""`procurebot policy`: the bundled example is reachable without naming a file in a checkout."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from bot.resources import example_policy_path

runner = CliRunner()


def test_example_prints_the_bundled_policy_and_it_checks(tmp_path: Path) -> None:
    printed = runner.invoke(app, ["policy", "example"])
    assert printed.exit_code == 0
    assert printed.output == example_policy_path().read_text(encoding="utf-8")
    mine = tmp_path / "policy.yml"
    mine.write_text(printed.output, encoding="utf-8")
    checked = runner.invoke(app, ["policy", "check", str(mine)])
    assert checked.exit_code == 0 and f"{mine}: OK" in checked.output


def test_check_and_explain_default_to_the_policy_the_bot_would_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env, no policy file here
    monkeypatch.delenv("PROCUREBOT_POLICY", raising=False)
    bundled = runner.invoke(app, ["policy", "check"])
    assert bundled.exit_code == 0 and f"{example_policy_path()}: OK" in bundled.output
    explained = runner.invoke(app, ["policy", "explain", "--amount", "12000", "--vendor", "Figma"])
    assert explained.exit_code == 0 and "IT review" in explained.output
    monkeypatch.setenv("PROCUREBOT_POLICY", str(tmp_path / "missing.yml"))
    missing = runner.invoke(app, ["policy", "check"])
    assert missing.exit_code == 1 and "missing.yml" in missing.output
