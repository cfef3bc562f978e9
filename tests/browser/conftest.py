"""The demo served from a background thread, and Debian's Chromium driven by Playwright.

Chromium must be at /usr/bin/chromium (CI installs Debian's package; a downloaded browser is
never used). Without it these tests fail, unless PROCUREBOT_SKIP_BROWSER=1 says to skip them:
CI must not pass by silently skipping.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.demo import Demo, start_demo
from tests.dbs import sqlite_url

# The fake workspace's own fixtures, for the page tests against a bare Bolt app.
from tests.workspace.conftest import bot, fake  # noqa: F401

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"


@dataclass
class Running:
    """A demo running on its own event loop in a background thread."""

    demo: Demo
    loop: asyncio.AbstractEventLoop

    def call(self, coroutine: Any, timeout: float = 30.0) -> Any:
        """Run a coroutine on the demo's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Running]:
    """`procurebot demo` on free ports with a fresh seeded SQLite file."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="demo-loop", daemon=True)
    thread.start()
    started = asyncio.run_coroutine_threadsafe(
        start_demo(database_url=sqlite_url(tmp_path), port=0), loop
    )
    running = Running(demo=started.result(60), loop=loop)
    try:
        yield running
    finally:
        running.call(running.demo.stop())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def require_chromium(path: Path = CHROMIUM) -> Path:
    """The browser's path; fail when it is missing, or skip if PROCUREBOT_SKIP_BROWSER=1."""
    if not path.exists():
        message = f"Chromium is not installed at {path} (apt-get install chromium)"
        if os.environ.get("PROCUREBOT_SKIP_BROWSER") == "1":
            pytest.skip(message)
        pytest.fail(f"{message}\n(set PROCUREBOT_SKIP_BROWSER=1 to skip the browser tests)")
    return path


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's headless Chromium; a missing browser fails the test unless opted out."""
    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page in a US time zone, with page errors collected for the test to check."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 860}, timezone_id="America/New_York", locale="en-US"
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
