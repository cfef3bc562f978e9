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
from pydantic import SecretStr
from sqlalchemy import func, select

from adapters.http import DISPATCHER, SLACK, create_app
from bot.bootstrap import Core, build_core
from bot.settings import Settings
from storage import tables
from tests.e2e.conftest import (
    harness,  # noqa: F401  (the e2e harness, for regression tests)
    serve,
)
from tests.fakes import EXAMPLE_POLICY, IT, REQUESTER, SECURITY
from tests.fakes_teams import TENANT, FakeBotFramework, FakeTeams
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


class _OnItsOwnLoop:
    """A bot served on an event loop in a thread of its own, for synchronous tests."""

    core: Core
    COUNTED: tuple[str, ...] = ("requests", "steps", "decisions", "questions", "events", "outbox")

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.crashes = _Crashes()
        logging.getLogger().addHandler(self.crashes)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run a coroutine on the bot's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def _stop_loop(self) -> None:
        logging.getLogger().removeHandler(self.crashes)
        self.core.uow.engine.dispose()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    def counts(self) -> dict[str, int]:
        """Rows per table that a domain change writes."""
        with self.core.uow() as uow:
            conn = uow.connection
            return {
                name: int(
                    conn.execute(
                        select(func.count()).select_from(getattr(tables, name))
                    ).scalar_one()
                )
                for name in self.COUNTED
            }


class LiveBot(_OnItsOwnLoop):
    """The bot on a local port, with the fake Slack, driven from synchronous tests."""

    def __init__(self, tmp: Path) -> None:
        super().__init__()
        self._tmp = tmp
        self.ws = Workspace.seed(
            users=[
                {"name": e.split("@")[0], "email": e, "tz": "Europe/Berlin"}
                for e in (REQUESTER, *IT, SECURITY)
            ]
        )
        self.run(self._start())

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
        self._runner, base = await serve(self.app)
        self.url = f"{base}/slack/events"
        self._session = aiohttp.ClientSession()

    def close(self) -> None:
        """Stop everything and the thread."""

        async def stop() -> None:
            await self._session.close()
            await self._runner.cleanup()
            await self._api_runner.cleanup()

        self.run(stop())
        self._stop_loop()

    def user(self, email: str) -> str:
        """The Slack user id of a seeded person."""
        found = self.ws.find_user(email)
        assert found is not None
        return found.id

    def post(self, body: str, content_type: str, *, secret: str = SIGNING_SECRET) -> Answer:
        """POST a body signed as Slack signs it; wait for the listeners to finish."""
        return self.post_raw(body, content_type, signed_headers(body, secret=secret))

    def post_raw(self, body: str, content_type: str, headers: dict[str, str]) -> Answer:
        """POST a body with these (signature) headers; wait for the listeners to finish."""

        async def send() -> Answer:
            sent = {"Content-Type": content_type, **headers}
            async with self._session.post(self.url, data=body.encode(), headers=sent) as r:
                answer = Answer(r.status, await r.text())
            await self._idle()
            return answer

        return self.run(send())

    def interaction(self, payload: Any) -> Answer:
        """POST an interaction payload (any JSON value) the way Slack sends it."""
        return self.post(self.interaction_body(payload), _FORM)

    def command(self, form: dict[str, str]) -> Answer:
        """POST a slash command form."""
        return self.post(self.command_body(form), _FORM)

    def interaction_body(self, payload: Any) -> str:
        """The form body Slack sends for an interaction payload."""
        return self._point_responses(urlencode({"payload": json.dumps(payload)}))

    def command_body(self, form: dict[str, str]) -> str:
        """The form body Slack sends for a slash command."""
        return self._point_responses(urlencode(form))

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

    def check_integrity(self) -> None:
        """No half-written request: each has its submit event, a pending one its steps."""
        r, s, e = tables.requests, tables.steps, tables.events
        with self.core.uow() as uow:
            conn = uow.connection
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


class LiveTeams(_OnItsOwnLoop):
    """The bot with Teams as production runs it (app id, secret, tenant), the fake Teams
    connector and a fake Bot Framework that signs activities; driven from synchronous tests."""

    APP_ID = "00000000-0000-0000-0000-0000000ha7d"
    COUNTED = (*_OnItsOwnLoop.COUNTED, "people")

    def __init__(self, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__()
        self._tmp = tmp
        self.bf = FakeBotFramework(app_id=self.APP_ID)
        self.bf.trust(monkeypatch)
        self.teams = FakeTeams()
        self.run(self._start())

    async def _start(self) -> None:
        await self.teams.start()
        for email in (REQUESTER, *IT, SECURITY):
            self.teams.add_user(email, email.split("@")[0])
        settings = Settings(
            DATABASE_URL=f"sqlite:///{self._tmp / 'hardening-teams.db'}",
            PROCUREBOT_POLICY=EXAMPLE_POLICY,
            MICROSOFT_APP_ID=self.APP_ID,
            MICROSOFT_APP_PASSWORD=SecretStr("not-a-real-secret"),
            MICROSOFT_APP_TENANT_ID=TENANT,
        )
        self.core = build_core(settings)
        self.app = create_app(self.core, background=False)
        self._runner, self.base = await serve(self.app)
        self.teams.bot_url = f"{self.base}/api/messages"
        self.teams.require_token = self.bf.outbound_token
        self._session = aiohttp.ClientSession()

    def close(self) -> None:
        """Stop everything and the thread."""

        async def stop() -> None:
            await self._session.close()
            await self._runner.cleanup()
            await self.teams.close()

        self.run(stop())
        self.bf.close()
        self._stop_loop()

    def activity(self, kind: str = "message", **extra: Any) -> dict[str, Any]:
        """An activity from the requester, shaped as Teams sends it."""
        return self.teams.activity(self.teams.user(REQUESTER), kind, **extra)

    def token(self, **forgery: Any) -> str:
        """'Bearer …' for an activity at the fake connector (change an argument to forge)."""
        forgery.setdefault("service_url", self.teams.service_url)
        return f"Bearer {self.bf.token(**forgery)}"

    def post(
        self,
        body: bytes,
        *,
        authorization: str | None,
        content_type: str = "application/json",
    ) -> Answer:
        """POST raw bytes to /api/messages with this Authorization header (None: none)."""
        headers = {"Content-Type": content_type}
        if authorization is not None:
            headers["Authorization"] = authorization
        return self.run(self._send(body, headers))

    async def _send(self, body: bytes, headers: dict[str, str]) -> Answer:
        async with self._session.post(self.teams.bot_url, data=body, headers=headers) as r:
            return Answer(r.status, await r.text())


_FORM = "application/x-www-form-urlencoded"


def signed_headers(
    body: str, *, secret: str = SIGNING_SECRET, at: float | None = None
) -> dict[str, str]:
    """Slack's signature headers for `body`, made now (or at `at`) with `secret`."""
    timestamp = int(time.time() if at is None else at)
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": sign(secret, timestamp, body),
    }


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
def live_teams(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveTeams]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        bot = LiveTeams(tmp_path_factory.mktemp("hardening-teams"), monkeypatch)
        try:
            yield bot
        finally:
            bot.close()


@pytest.fixture(scope="module")
def live_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveBot]:
    bot = LiveBot(tmp_path_factory.mktemp("hardening"))
    try:
        yield bot
    finally:
        bot.close()
