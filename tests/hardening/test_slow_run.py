"""The security checks still hold in a slow run, when tests start long after collection."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Collects test_security.py as if it had happened 400 s before the tests run (more than
# Slack's 300 s window), as in a full run on a busy machine. Bolt's verifier binds
# time.time when it is imported, so it is imported first and keeps the real clock.
STALE_COLLECTION = """
import time

import pytest
import slack_sdk.signature  # noqa: F401

_real = time.time


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    if getattr(collector, "name", "") != "test_security.py":
        return (yield)
    time.time = lambda: _real() - 400
    try:
        return (yield)
    finally:
        time.time = _real
"""


def test_unsigned_requests_are_refused_even_when_collected_long_before(tmp_path: Path) -> None:
    (tmp_path / "stale_collection.py").write_text(STALE_COLLECTION, encoding="utf-8")
    test = "tests/hardening/test_security.py::test_requests_slack_did_not_sign_are_refused"
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    done = subprocess.run(
        [*command, "-p", "stale_collection", test],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]  # 5 would mean no test ran
