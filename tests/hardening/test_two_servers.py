"""Two `procurebot serve` processes on one PostgreSQL database, approvers clicking on both."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from adapters.slack import ids
from bot.bootstrap import build_core
from bot.domain.model import Channel
from bot.domain.workflow import Action
from bot.settings import Settings
from storage import tables
from storage.migrate import upgrade
from tests.dbs import postgres_database
from tests.fakes import EXAMPLE_POLICY, REQUESTER, draft
from tests.hardening import processes
from workspace import SlackSender, Workspace, start_workspace
from workspace.model import Message

pytestmark = pytest.mark.postgres

TOKEN = "xoxb-two-servers"
SECRET = "two-servers-secret"
APPROVE = ids.action_id(Action.APPROVE)
APPROVERS = {f"approver{n}@acme.example": f"Approver {n}" for n in range(5)}
REQUESTS = 10


def _policy(directory: Path) -> Path:
    data = yaml.safe_load(EXAMPLE_POLICY.read_text())
    data["groups"]["it"]["members"] = list(APPROVERS)
    path = directory / "policy.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def _cards(ws: Workspace, email: str) -> list[Message]:
    user = ws.get_user(email)
    im = ws.im_of(user.id)
    return [m for m in ws.messages_in(im.id)] if im else []


async def _wait(predicate, *, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def test_fifty_clicks_on_two_servers_make_one_decision_per_step(tmp_path: Path) -> None:
    ws = Workspace.seed(
        users=[{"name": "rita", "email": REQUESTER}]
        + [{"name": e.split("@")[0], "real_name": n, "email": e} for e, n in APPROVERS.items()]
    )
    api_runner, api_url = await start_workspace(ws, token=TOKEN)
    with postgres_database() as url:
        upgrade(url)
        env = {
            "DATABASE_URL": url,
            "PROCUREBOT_POLICY": str(_policy(tmp_path)),
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": api_url,
        }
        servers = await asyncio.gather(
            processes.serve(env=env, log_path=tmp_path / "a.log"),
            processes.serve(env=env, log_path=tmp_path / "b.log"),
        )
        core = build_core(Settings(**env), migrate=False)  # type: ignore[arg-type]
        senders = [SlackSender(f"{s.url}/slack/events", SECRET, ws) for s in servers]
        try:
            for n in range(REQUESTS):
                core.service.submit(
                    requester=REQUESTER,
                    draft=draft(title=f"Figma seats {n}"),
                    channel=Channel.SLACK,
                )
            await _wait(
                lambda: all(len(_cards(ws, e)) >= REQUESTS for e in APPROVERS),
                timeout=60,
                what="every approver's cards",
            )
            clicks = [(e, card) for e in APPROVERS for card in _cards(ws, e)]
            assert len(clicks) == len(APPROVERS) * REQUESTS  # each card delivered once
            random.Random(8).shuffle(clicks)
            answers = await asyncio.gather(
                *(
                    senders[n % 2].click(email, card, APPROVE)
                    for n, (email, card) in enumerate(clicks)
                )
            )
            assert [a.status for a in answers] == [200] * len(clicks)

            def settled() -> bool:
                with core.uow() as uow:
                    pending = uow.connection.execute(  # type: ignore[attr-defined]
                        select(func.count())
                        .select_from(tables.outbox)
                        .where(tables.outbox.c.status == "pending")
                    ).scalar_one()
                return pending == 0 and not any(
                    APPROVE in json.dumps(m.blocks) for e in APPROVERS for m in _cards(ws, e)
                )

            await _wait(settled, timeout=60, what="the outbox to drain and cards to update")
            await asyncio.sleep(1.5)  # a late update would show up here
            for request_id in range(1, REQUESTS + 1):
                request = core.service.get(request_id)
                it_step = request.steps[0]
                assert len(it_step.deciders) == 1, (request.number, it_step.deciders)
                name = APPROVERS[it_step.deciders[0]]
                shown = {
                    other
                    for email in APPROVERS
                    for card in _cards(ws, email)
                    if request.number in card.text
                    for other in APPROVERS.values()
                    if f"approved by {other}" in json.dumps(card.blocks)
                }
                assert shown == {name}, (request.number, shown)
            with core.uow() as uow:
                decisions = uow.connection.execute(  # type: ignore[attr-defined]
                    select(func.count()).select_from(tables.decisions)
                ).scalar_one()
            assert decisions == REQUESTS
        finally:
            for sender in senders:
                await sender.close()
            for server in servers:
                server.stop()
            core.uow.engine.dispose()  # type: ignore[attr-defined]
    await api_runner.cleanup()
