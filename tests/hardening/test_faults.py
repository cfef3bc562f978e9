"""Faults: Slack failing for a while, the dispatcher killed mid-delivery, PostgreSQL restarted.

After each, every message is delivered exactly once (counted in the fake Slack's records) and
no request is lost. The e2e suite covers a short Slack outage (tests/e2e); these go further.
"""

from __future__ import annotations

import asyncio
import collections
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from adapters.slack.notifier import SlackNotifier
from bot.app.clock import FixedClock
from bot.app.outbox import Dispatcher
from bot.bootstrap import Core, build_core
from bot.domain.model import Channel
from bot.settings import Settings
from storage import tables
from storage.migrate import upgrade
from tests.e2e.conftest import FORM
from tests.fakes import EXAMPLE_POLICY, IT, REQUESTER, START, draft
from tests.hardening import processes
from workspace import SlackSender, Workspace, start_workspace

TOKEN = "xoxb-faults"
SECRET = "faults-secret"
PEOPLE = (REQUESTER, *IT)


def _workspace() -> Workspace:
    return Workspace.seed(users=[{"name": e.split("@")[0], "email": e} for e in PEOPLE])


def _pending(core: Core) -> int:
    with core.uow() as uow:
        return int(
            uow.connection.execute(  # type: ignore[attr-defined]
                select(func.count())
                .select_from(tables.outbox)
                .where(tables.outbox.c.status == "pending")
            ).scalar_one()
        )


def _outbox_size(core: Core) -> int:
    with core.uow() as uow:
        return int(
            uow.connection.execute(  # type: ignore[attr-defined]
                select(func.count()).select_from(tables.outbox)
            ).scalar_one()
        )


def _posted(ws: Workspace) -> collections.Counter[tuple[str, str]]:
    """Successful chat.postMessage calls by (channel, text): a message sent twice counts 2."""
    return collections.Counter(
        (str(c.params.get("channel")), str(c.params.get("text")))
        for c in ws.calls_to("chat.postMessage", ok=True)
    )


async def test_a_long_slack_outage_of_errors_timeouts_and_429s_loses_and_repeats_nothing(
    tmp_path: Path,
) -> None:
    ws = _workspace()
    runner, api_url = await start_workspace(ws, token=TOKEN)
    clock = FixedClock(START)
    settings = Settings(
        DATABASE_URL=f"sqlite:///{tmp_path / 'pb.db'}",
        PROCUREBOT_POLICY=EXAMPLE_POLICY,
        SLACK_BOT_TOKEN=SecretStr(TOKEN),
        SLACK_SIGNING_SECRET=SecretStr(SECRET),
        SLACK_API_URL=api_url,
    )
    core = build_core(settings, clock=clock)
    # A short client timeout, so that Slack "hanging" costs the test little time.
    client = AsyncWebClient(token=TOKEN, base_url=api_url, timeout=0.2)
    client.retry_handlers.clear()  # the outbox retries, not the client
    dispatcher = Dispatcher(
        uow=core.uow, service=core.service, notifiers=[SlackNotifier(client=client)], clock=clock
    )
    try:
        for n in range(5):
            core.service.submit(
                requester=REQUESTER, draft=draft(title=f"Seats {n}"), channel=Channel.SLACK
            )
        messages = _outbox_size(core)
        ws.fail(method="*", times=12, status=500)
        ws.fail(method="*", times=8, status=504, delay=0.5)  # timeouts: Slack never answers
        ws.fail(method="*", times=8, status=429, retry_after=30)
        ws.fail(method="*", times=6, status=503)
        for _ in range(60):
            await dispatcher.run_once()
            if not _pending(core):
                break
            clock.advance(seconds=301)  # past the longest backoff and any Retry-After
        assert not _pending(core)
        assert not ws.faults.pending  # the outage really happened, all of it
        posted = _posted(ws)
        assert sum(posted.values()) == messages
        assert set(posted.values()) == {1}
        with core.uow() as uow:
            assert len(uow.requests.list(limit=100)) == 5
    finally:
        core.uow.engine.dispose()  # type: ignore[attr-defined]
        await runner.cleanup()


async def test_dispatcher_killed_mid_delivery_hands_over_without_repeats(tmp_path: Path) -> None:
    ws = _workspace()
    runner, api_url = await start_workspace(ws, token=TOKEN)
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'pb.db'}",
        "PROCUREBOT_POLICY": str(EXAMPLE_POLICY),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "OUTBOX_LEASE_SECONDS": "2",
    }
    upgrade(env["DATABASE_URL"])
    core = build_core(Settings(**env), migrate=False)  # type: ignore[arg-type]
    argv = [sys.executable, "-m", "tests.hardening.dispatcher_main"]
    first = second = None
    try:
        for n in range(20):
            core.service.submit(
                requester=REQUESTER, draft=draft(title=f"Seats {n}"), channel=Channel.SLACK
            )
        messages = _outbox_size(core)
        first = processes.spawn(argv, env=env, log_path=tmp_path / "first.log")
        await ws.wait_for(lambda: len(ws.calls_to("chat.postMessage", ok=True)) >= 10, timeout=30)
        # Slack turns slow and failing; the calls in flight when the process dies never land.
        ws.fail(method="*", status=503, delay=1.0, fraction=1.0)
        await asyncio.sleep(0.3)
        first.kill()
        assert _pending(core) > 0, "the first dispatcher finished before it was killed"
        ws.faults.clear()
        second = processes.spawn(argv, env=env, log_path=tmp_path / "second.log")
        for _ in range(300):
            if not _pending(core):
                break
            await asyncio.sleep(0.1)
        assert not _pending(core), second.log()
        posted = _posted(ws)
        assert sum(posted.values()) == messages
        assert set(posted.values()) == {1}, [k for k, v in posted.items() if v > 1]
        with core.uow() as uow:
            assert len(uow.requests.list(limit=100)) == 20
    finally:
        for child in (first, second):
            if child is not None:
                child.stop()
        core.uow.engine.dispose()  # type: ignore[attr-defined]
        await runner.cleanup()


# --------------------------------------------------------------------- PostgreSQL restarted

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(*argv: str) -> subprocess.CompletedProcess[str]:
    command = list(argv)
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def private_postgres() -> Iterator[tuple[str, Path]]:
    """A throwaway PostgreSQL cluster on a free port (never the shared server on 5432)."""
    problem = None
    if not (PG_BIN / "initdb").exists():
        problem = f"no PostgreSQL 15 binaries in {PG_BIN}"
    elif os.geteuid() == 0 and shutil.which("runuser") is None:
        problem = "running as root without runuser"
    if problem:
        if os.environ.get("PROCUREBOT_SKIP_POSTGRES") == "1":
            pytest.skip(problem)
        pytest.fail(f"{problem} (set PROCUREBOT_SKIP_POSTGRES=1 to skip)")
    # Not under pytest's tmp_path: the postgres user cannot enter root's private directories.
    base = Path(tempfile.mkdtemp(prefix="pb-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    port = processes.free_port()
    init = _as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust")
    assert init.returncode == 0, init.stderr
    # In the cluster's own config, so that every later start uses this port, never 5432.
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\nport = {port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{base}'\nfsync = off\n"
        )
    pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(base / "log")]
    started = _as_postgres(*pg_ctl, "-w", "start")
    assert started.returncode == 0, started.stderr + started.stdout
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", data
    finally:
        _as_postgres(*pg_ctl, "-m", "immediate", "stop")
        shutil.rmtree(base, ignore_errors=True)


def _pg_ctl(data: Path, action: str) -> None:
    log = str(data.parent / "log")
    done = _as_postgres(
        str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", log, "-m", "fast", "-w", action
    )
    assert done.returncode == 0, done.stderr + done.stdout


async def _health(url: str) -> int:
    async with aiohttp.ClientSession() as session, session.get(f"{url}/healthz") as response:
        return response.status


async def test_postgresql_restart_mid_run_loses_no_request(
    tmp_path: Path, private_postgres: tuple[str, Path]
) -> None:
    url, data = private_postgres
    ws = _workspace()
    runner, api_url = await start_workspace(ws, token=TOKEN)
    env = {
        "DATABASE_URL": url,
        "PROCUREBOT_POLICY": str(EXAMPLE_POLICY),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
    }
    server = await processes.serve(env=env, log_path=tmp_path / "serve.log")
    sender = SlackSender(f"{server.url}/slack/events", SECRET, ws)
    requester = ws.get_user(REQUESTER).id

    async def buy(title: str) -> dict[str, str]:
        """Submit the form; the errors it comes back with ({} when it closed)."""
        assert (await sender.command(requester, "")).status == 200
        modal = await ws.wait_for(lambda: ws.current_modal(requester), timeout=10)
        answer = await sender.fill_and_submit(
            requester, modal.id, {**FORM, "What do you need?": title}
        )
        if answer.json.get("response_action") == "update":  # "you already buy from Figma"
            answer = await sender.submit_view(requester, modal.id)
        assert answer.status == 200, answer.body
        return dict(answer.json.get("errors") or {})

    def dms() -> list[str]:
        return [m.text for m in ws.messages_in(ws.open_im(requester).id)]

    core = None
    try:
        for n in range(3):
            assert await buy(f"Before {n}") == {}
        await ws.wait_for(lambda: sum("Before" in t for t in dms()) >= 3, timeout=20)

        _pg_ctl(data, "stop")
        assert await _health(server.url) == 503
        # The form stays open and says why; what was typed is still in it.
        errors = await buy("During the outage")
        assert "database" in errors["title"] and "try again" in errors["title"]

        _pg_ctl(data, "start")
        for _ in range(100):
            if await _health(server.url) == 200:
                break
            await asyncio.sleep(0.1)
        assert await _health(server.url) == 200
        assert await buy("After") == {}
        core = build_core(Settings(**env), migrate=False)  # type: ignore[arg-type]
        with core.uow() as uow:
            titles = sorted(r.title for r in uow.requests.list(limit=100))
        assert titles == ["After", "Before 0", "Before 1", "Before 2"]
        await ws.wait_for(lambda: not _pending(core), timeout=20)  # type: ignore[arg-type]
        assert any("After" in t for t in dms())
    finally:
        await sender.close()
        server.stop()
        if core is not None:
            core.uow.engine.dispose()  # type: ignore[attr-defined]
        await runner.cleanup()
