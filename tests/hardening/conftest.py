"""A live bot for the hardening tests, served from a background thread.

Hypothesis drives plain (synchronous) test functions, so the bot, its fake Slack and the HTTP
client run on an event loop in a thread of their own; tests post signed bodies through it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote_plus, urlencode

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import func, select

from adapters.http import DISPATCHER, SLACK, create_app
from bot.bootstrap import Core, build_core
from bot.settings import Settings
from storage import tables
from tests.e2e.conftest import harness  # noqa: F401  (the e2e harness, for regression tests)
from tests.fakes import EXAMPLE_POLICY, IT, REQUESTER, SECURITY
from workspace import Workspace, sign, start_workspace

SIGNING_SECRET = "hardening-signing-secret"
RESPONSE_URL = "http://response.invalid/"  # payloads say this; post() points it at the fake
TOKEN = "xoxb-hardening-token"
T = TypeVar("T")


@dataclass
class Answer:
    """The bot's HTTP answer."""

    status: int
    text: str

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.text) if self.text else None
        except ValueError:
            return None


class LiveBot:
    """The bot on a local port, with the fake Slack, driven from synchronous tests."""

    def __init__(self, tmp: Path) -> None:
        self._tmp = tmp
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.crashes = _Crashes()
        logging.getLogger().addHandler(self.crashes)
        self.ws = Workspace.seed(
            users=[
                {"name": e.split("@")[0], "email": e, "tz": "Europe/Berlin"}
                for e in (REQUESTER, *IT, SECURITY)
            ]
        )
        self.run(self._start())

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run a coroutine on the bot's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _start(self) -> None:
        self._api_runner, api_url = await start_workspace(self.ws, token=TOKEN)
        settings = Settings(
            DATABASE_URL=f"sqlite:///{self._tmp / 'hardening.db'}",
            PROCUREBOT_POLICY=EXAMPLE_POLICY,
            SLACK_BOT_TOKEN=SecretStr(TOKEN),
            SLACK_SIGNING_SECRET=SecretStr(SIGNING_SECRET),
            SLACK_API_URL=api_url,
        )
        self.core: Core = build_core(settings)
        self.app = create_app(self.core, background=False)
        self._runner = web.AppRunner(self.app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/slack/events"
        self._session = aiohttp.ClientSession()

    def close(self) -> None:
        """Stop everything and the thread."""

        async def stop() -> None:
            await self._session.close()
            await self._runner.cleanup()
            await self._api_runner.cleanup()

        self.run(stop())
        logging.getLogger().removeHandler(self.crashes)
        self.core.uow.engine.dispose()  # type: ignore[attr-defined]
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    def user(self, email: str) -> str:
        """The Slack user id of a seeded person."""
        found = self.ws.find_user(email)
        assert found is not None
        return found.id

    def post(self, body: str, content_type: str, *, secret: str = SIGNING_SECRET) -> Answer:
        """POST a body signed as Slack signs it; wait for the listeners to finish."""

        async def send() -> Answer:
            timestamp = int(time.time())
            headers = {
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": str(timestamp),
                "X-Slack-Signature": sign(secret, timestamp, body),
            }
            async with self._session.post(self.url, data=body.encode(), headers=headers) as r:
                answer = Answer(r.status, await r.text())
            await self._idle()
            return answer

        return self.run(send())

    def interaction(self, payload: Any) -> Answer:
        """POST an interaction payload (any JSON value) the way Slack sends it."""
        return self.post(self._point_responses(urlencode({"payload": json.dumps(payload)})), _FORM)

    def command(self, form: dict[str, str]) -> Answer:
        """POST a slash command form."""
        return self.post(self._point_responses(urlencode(form)), _FORM)

    def _point_responses(self, body: str) -> str:
        # response_url: somewhere answering at once (a 404 of the fake Slack), not a timeout.
        return body.replace(quote_plus(RESPONSE_URL), quote_plus(f"{self.ws.server_url}/nowhere"))

    async def _idle(self) -> None:
        while True:
            await asyncio.sleep(0.005)
            if not self.app[SLACK].busy:
                return

    def deliver(self) -> int:
        """Deliver the outbox once."""
        return self.run(self.app[DISPATCHER].run_once())

    def counts(self) -> dict[str, int]:
        """Rows per table that a domain change writes."""
        names = ("requests", "steps", "decisions", "questions", "events", "outbox")
        with self.core.uow() as uow:
            conn = uow.connection  # type: ignore[attr-defined]
            return {
                name: int(
                    conn.execute(
                        select(func.count()).select_from(getattr(tables, name))
                    ).scalar_one()
                )
                for name in names
            }

    def check_integrity(self) -> None:
        """No half-written request: each has its submit event, a pending one its steps."""
        r, s, e = tables.requests, tables.steps, tables.events
        with self.core.uow() as uow:
            conn = uow.connection  # type: ignore[attr-defined]
            no_event = conn.execute(
                select(r.c.id).where(~select(e.c.id).where(e.c.request_id == r.c.id).exists())
            ).all()
            no_steps = conn.execute(
                select(r.c.id).where(
                    r.c.status == "pending",
                    ~select(s.c.id).where(s.c.request_id == r.c.id).exists(),
                )
            ).all()
        assert not no_event, f"requests without events: {no_event}"
        assert not no_steps, f"pending requests without steps: {no_steps}"


_FORM = "application/x-www-form-urlencoded"


class _Crashes(logging.Handler):
    """Keeps every error logged with a traceback (Bolt logs a listener's exception so)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        """The records since the last call."""
        taken, self.records = self.records, []
        return taken


@pytest.fixture(scope="module")
def live_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveBot]:
    bot = LiveBot(tmp_path_factory.mktemp("hardening"))
    try:
        yield bot
    finally:
        bot.close()
