"""A missing Chromium fails the browser tests; only an explicit opt-out skips them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import require_chromium


def test_missing_chromium_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROCUREBOT_SKIP_BROWSER", raising=False)
    with pytest.raises(pytest.fail.Exception, match="PROCUREBOT_SKIP_BROWSER=1"):
        require_chromium(tmp_path / "chromium")


def test_missing_chromium_skips_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROCUREBOT_SKIP_BROWSER", "1")
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        require_chromium(tmp_path / "chromium")
    present = tmp_path / "here"
    present.touch()
    assert require_chromium(present) == present
