"""Fan-out: 1,000 approver cards through the outbox dispatcher while Slack rate-limits 30 %.

    .venv/bin/python -m benchmarks.fanout --db sqlite
    .venv/bin/python -m benchmarks.fanout --db postgresql

Ten requests go to an IT group of 100 approvers (a copy of the example policy with a bigger
group): 1,000 approval cards (and ten notes to the requester). The fake Slack Web API answers
30 % of all calls with 429 and Retry-After: 1. The dispatcher (bot/app/outbox.py, as `serve` runs
it) delivers; the report checks in the fake's records that every card arrived exactly once and
compares the time taken with the least time the Retry-After answers alone force: the longest
run of consecutive 429s any one message met, times Retry-After.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import tempfile
import time
from pathlib import Path

import yaml
from pydantic import SecretStr
from sqlalchemy import func, select

from adapters.http import slack_client
from adapters.slack.notifier import SlackNotifier
from benchmarks.common import SIGNING_SECRET, TOKEN, postgres_database
from bot.app.outbox import Dispatcher
from bot.bootstrap import build_core
from bot.domain.model import Channel
from bot.resources import example_policy_path
from bot.settings import Settings
from storage.tables import outbox
from tests.fakes import draft
from workspace import Workspace, start_workspace

APPROVERS = [f"approver{n:03d}@acme.example" for n in range(100)]
REQUESTS = 10
REQUESTER = "rita.req@acme.example"
RETRY_AFTER = 1
FRACTION = 0.3


def _policy(directory: Path) -> Path:
    data = yaml.safe_load(example_policy_path().read_text())
    data["groups"]["it"]["members"] = APPROVERS
    path = directory / "policy.yml"
    path.write_text(yaml.safe_dump(data))
    return path


async def run(url: str, directory: Path) -> str:
    """Submit, deliver under 429s, check the fake's records; returns the markdown report."""
    ws = Workspace.seed(
        users=[{"name": e.split("@")[0], "email": e} for e in [REQUESTER, *APPROVERS]]
    )
    runner, api_url = await start_workspace(ws, token=TOKEN)
    settings = Settings(
        DATABASE_URL=url,
        PROCUREBOT_POLICY=_policy(directory),
        SLACK_BOT_TOKEN=SecretStr(TOKEN),
        SLACK_SIGNING_SECRET=SecretStr(SIGNING_SECRET),
        SLACK_API_URL=api_url,
    )
    core = build_core(settings)
    for n in range(REQUESTS):
        core.service.submit(
            requester=REQUESTER,
            draft=draft(title=f"Figma seats batch {n}"),
            channel=Channel.SLACK,
        )
    dispatcher = Dispatcher(
        uow=core.uow,
        service=core.service,
        notifiers=[SlackNotifier(client=slack_client(settings))],
        clock=core.clock,
    )
    ws.fail(method="*", status=429, retry_after=RETRY_AFTER, fraction=FRACTION, seed=8)
    stop = asyncio.Event()
    started = time.monotonic()
    task = asyncio.create_task(dispatcher.run(stop, poll_seconds=0.1))
    while _pending(core) > 0:
        await asyncio.sleep(0.05)
    elapsed = time.monotonic() - started
    stop.set()
    await task
    core.uow.engine.dispose()
    await runner.cleanup()
    return _report(ws, elapsed)


def _pending(core: object) -> int:
    with core.uow() as uow:  # type: ignore[attr-defined]
        return int(
            uow.connection.execute(
                select(func.count()).select_from(outbox).where(outbox.c.status == "pending")
            ).scalar_one()
        )


def _report(ws: Workspace, elapsed: float) -> str:
    posts = ws.calls_to("chat.postMessage")
    delivered = collections.Counter(
        (c.params.get("channel"), c.params.get("text")) for c in posts if c.ok
    )
    # The notifier posts each card to the approver's user id (Slack opens the DM).
    approver_ids = {ws.get_user(e).id for e in APPROVERS}
    card_keys = [k for k in delivered if k[0] in approver_ids]
    twice = [k for k in card_keys if delivered[k] > 1]
    limited = [c for c in ws.calls if c.status == 429]
    longest = _longest_429_run(ws)
    minimum = longest * RETRY_AFTER
    return "\n".join(
        [
            "### Fan-out",
            "",
            "| measure | value |",
            "| --- | ---: |",
            f"| approver cards delivered (distinct approver and request) | {len(card_keys)} |",
            f"| delivered more than once | {len(twice)} |",
            f"| Web API calls | {len(ws.calls)} |",
            f"| answered 429 | {len(limited)} ({len(limited) / len(ws.calls):.0%}) |",
            f"| longest run of 429s met by one message | {longest} |",
            f"| rate-limit minimum (that run x Retry-After {RETRY_AFTER} s) | {minimum:.1f} s |",
            f"| total time to deliver everything | {elapsed:.1f} s |",
        ]
    )


def _longest_429_run(ws: Workspace) -> int:
    # A message is one (method, channel-or-email, text) call repeated until it succeeds.
    runs: dict[tuple[str, str, str], int] = collections.defaultdict(int)
    longest = 0
    for call in ws.calls:
        key = (
            call.method,
            str(call.params.get("channel") or call.params.get("email")),
            str(call.params.get("text")),
        )
        if call.status == 429:
            runs[key] += 1
            longest = max(longest, runs[key])
        else:
            runs[key] = 0
    return longest


async def main_async(db: str) -> None:
    """Run on `db` and print the report."""
    directory = Path(tempfile.mkdtemp(prefix="pb-fanout-"))
    if db == "sqlite":
        print(await run(f"sqlite:///{directory / 'pb.db'}", directory))
    else:
        with postgres_database() as url:
            print(await run(url, directory))


def main() -> None:
    """Command line: --db sqlite|postgresql."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    asyncio.run(main_async(parser.parse_args().db))


if __name__ == "__main__":
    main()
