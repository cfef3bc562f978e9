"""Half-open and slowloris sockets against a real `procurebot serve` (open-file limit 512, as
in a small container): the stalled sockets are closed after the receive timeout, and signed
Slack requests and /healthz keep answering well within Slack's 3 s.

The bounds are generous for a loaded 2-core machine; the measured figures are printed
(pytest -s) and quoted in the report.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest

from adapters.http_limits import RECEIVE_TIMEOUT
from tests.fakes import EXAMPLE_POLICY, REQUESTER
from tests.hardening import processes
from workspace import SlackSender, Workspace, start_workspace

TOKEN = "xoxb-connections"
SECRET = "connections-secret"
NOFILE = 512  # so serve keeps at most 192 connections (see default_max_connections)
STALLERS = 600  # 550 stalled, 50 dribbling: without a cap, serve runs out of open files
ANSWER_WITHIN = 2.0  # Slack gives up after 3 s
PAUSES = random.Random(12)
HEAD = b"POST /slack/events HTTP/1.1\r\nHost: bot\r\n"  # no blank line: never complete


@dataclass
class Bot:
    url: str
    host: str
    port: int
    session: aiohttp.ClientSession
    sender: SlackSender
    process: processes.Process


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    ws = Workspace.seed(users=[{"name": "rita", "email": REQUESTER}])
    api_runner, api_url = await start_workspace(ws, token=TOKEN)
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'pb.db'}",
        "PROCUREBOT_POLICY": str(EXAMPLE_POLICY),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
    }
    server = await processes.serve(env=env, log_path=tmp_path / "serve.log", nofile=NOFILE)
    # A new connection for every request, as Slack's requests often come.
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(force_close=True),
        timeout=aiohttp.ClientTimeout(total=10),
    )
    sender = SlackSender(f"{server.url}/slack/events", SECRET, ws, session=session)
    host, port = server.url.removeprefix("http://").split(":")
    try:
        yield Bot(server.url, host, int(port), session, sender, server)
    finally:
        await session.close()
        server.stop()
        await api_runner.cleanup()


@dataclass
class Attack:
    """Sockets that send part of a request head and stall (or dribble a header line a second),
    and come back when the server closes them, until stopped."""

    bot: Bot
    reconnect: bool
    lifetimes: list[float] = field(default_factory=list)  # seconds until the server closed one
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def hold(self, *, dribble: bool) -> None:
        while not self.stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(self.bot.host, self.bot.port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            opened = time.monotonic()
            writer.write(HEAD)
            closed = await self._until_closed(reader, writer, dribble=dribble)
            if closed:
                self.lifetimes.append(time.monotonic() - opened)
            writer.close()
            if not self.reconnect:
                return
            # As slowloris tools do: look over their sockets every second or so, reopen.
            await asyncio.sleep(PAUSES.uniform(0.5, 1.5))

    async def _until_closed(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, dribble: bool
    ) -> bool:
        while not self.stop.is_set():
            try:
                if not await asyncio.wait_for(reader.read(1024), timeout=1.0):
                    return True
            except TimeoutError:
                if dribble:
                    writer.write(b"X-Dribble: 1\r\n")
            except OSError:
                return True
        return False


async def _timed(call: Callable[[], Awaitable[int]]) -> tuple[int, float]:
    start = time.monotonic()
    try:
        status = await call()
    except (aiohttp.ClientError, TimeoutError):
        status = 0  # refused, cut off or never answered
    return status, time.monotonic() - start


async def _legit(bot: Bot, rounds: int) -> list[tuple[int, float]]:
    """A signed /buy help and a /healthz, one after the other, `rounds` times."""
    user = bot.sender.workspace.get_user(REQUESTER).id

    async def slack() -> int:
        return (await bot.sender.command(user, "help")).status

    async def health() -> int:
        async with bot.session.get(f"{bot.url}/healthz") as response:
            return response.status

    answers = []
    for _ in range(rounds):
        answers += [await _timed(slack), await _timed(health)]
        await asyncio.sleep(0.2)
    return answers


async def _health_on(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> int:
    """GET /healthz on an open connection, keeping it open; the status."""
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
    length = next(
        int(line.split(b":")[1])
        for line in head.lower().split(b"\r\n")
        if line.startswith(b"content-length:")
    )
    await reader.readexactly(length)
    return int(head.split()[1])


def _summary(name: str, values: list[float]) -> str:
    return (
        f"{name}: n={len(values)} min={min(values):.3f} median={statistics.median(values):.3f} "
        f"max={max(values):.3f}"
    )


async def test_stalled_and_dribbling_sockets_are_closed_after_the_receive_timeout(
    bot: Bot,
) -> None:
    attack = Attack(bot, reconnect=False)
    holders = [asyncio.create_task(attack.hold(dribble=n < 20)) for n in range(100)]
    # A kept-alive connection idle between two requests (as Slack's and proxies' are) is
    # the keep-alive's business, not the receive timeout's.
    reader, writer = await asyncio.open_connection(bot.host, bot.port)
    try:
        assert await _health_on(reader, writer) == 200
        answers = await _legit(bot, rounds=10)
        await asyncio.wait_for(asyncio.gather(*holders), timeout=RECEIVE_TIMEOUT + 10)
        assert await _health_on(reader, writer) == 200
    finally:
        writer.close()
        attack.stop.set()
        await asyncio.gather(*holders, return_exceptions=True)
    print("\n" + _summary("stalled socket lifetime (s)", attack.lifetimes))
    print(_summary("answer under 100 stalled sockets (s)", [t for _, t in answers]))
    assert len(attack.lifetimes) == 100  # the server closed every one, dribblers included
    assert min(attack.lifetimes) >= RECEIVE_TIMEOUT - 0.5
    assert max(attack.lifetimes) <= RECEIVE_TIMEOUT + 5
    assert {status for status, _ in answers} == {200}
    assert max(t for _, t in answers) < ANSWER_WITHIN


async def test_more_stalled_sockets_than_open_files_leave_slack_and_healthz_answering(
    bot: Bot,
) -> None:
    attack = Attack(bot, reconnect=True)
    holders = [asyncio.create_task(attack.hold(dribble=n < 50)) for n in range(STALLERS)]
    try:
        await asyncio.sleep(3)  # more than the open files allow, far beyond the 192 kept
        answers = await _legit(bot, rounds=15)
        open_files = len(list(Path(f"/proc/{bot.process.process.pid}/fd").iterdir()))
    finally:
        attack.stop.set()
        await asyncio.gather(*holders, return_exceptions=True)
    print("\n" + _summary(f"answer under {STALLERS} stalled sockets (s)", [t for _, t in answers]))
    print(f"sockets closed to make room: {len(attack.lifetimes)}; serve's open files: {open_files}")
    assert {status for status, _ in answers} == {200}
    assert max(t for _, t in answers) < ANSWER_WITHIN
    assert bot.process.process.poll() is None
    log = bot.process.log()
    assert "Too many open files" not in log
    assert "connections open (PROCUREBOT_MAX_CONNECTIONS)" in log
