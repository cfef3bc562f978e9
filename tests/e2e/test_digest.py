"""The weekly digest reaches the fake Slack: channel message, chart in its thread, DMs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from adapters.http import SLACK
from adapters.slack.digest import SlackChannelPublisher
from bot.app.clock import FixedClock
from bot.app.facade import Procurement
from bot.app.ports import RecipientUnreachable
from bot.app.scheduler import DIGEST_JOB, Scheduler
from bot.domain.digest import last_slot
from bot.domain.model import Channel
from tests.e2e.conftest import Harness
from tests.fakes import CIO, IT, PROCUREMENT, REQUESTER, SECURITY, draft


def scheduler(h: Harness, clock: FixedClock) -> Scheduler:
    client = h.app[SLACK].client
    return Scheduler(
        service=Procurement(uow=h.core.uow, policy=h.core.policy, clock=clock),
        uow=h.core.uow,
        publishers=[SlackChannelPublisher(client=client)],
        clock=clock,
        instance="test",
    )


def seed_week(h: Harness, slot: datetime) -> None:
    """One approved Figma purchase two days before the slot."""
    clock = FixedClock(slot - timedelta(days=2))
    service = Procurement(uow=h.core.uow, policy=h.core.policy, clock=clock)
    request = service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    assert request.id is not None
    for actor in (IT[0], SECURITY, PROCUREMENT):
        clock.advance(hours=1)
        service.approve(request_id=request.id, actor=actor, channel=Channel.SLACK)


async def test_digest_in_the_channel_with_its_chart_in_the_thread(harness: Harness) -> None:
    slot = last_slot(harness.core.policy, datetime.now(UTC))
    await asyncio.to_thread(seed_week, harness, slot)
    clock = FixedClock(slot + timedelta(minutes=1))
    assert await scheduler(harness, clock).run_digest() is True
    channel = harness.ws.resolve_channel("#it-leadership")
    posted = [m for m in harness.ws.messages_in(channel.id) if m.thread_ts in (None, m.ts)]
    assert len(posted) == 1
    digest = posted[0]
    assert digest.blocks[0]["text"]["text"].startswith("Procurement digest · week of")
    assert "1 submitted, 1 approved, $1,620.00 approved spend" in digest.text
    replies = [
        m
        for m in harness.ws.messages_in(channel.id)
        if m.thread_ts == digest.ts and m.ts != digest.ts
    ]
    assert len(replies) == 1 and len(replies[0].files) == 1
    chart = harness.ws.files[replies[0].files[0]]
    assert chart.name == "spend-by-category.png" and chart.data.startswith(b"\x89PNG\r\n")
    # The CIO is listed in digest.recipients: a DM too.
    assert any("Procurement digest" in m.text for m in harness.dms(CIO))
    # Another tick, or another process, finds the slot taken.
    assert await scheduler(harness, clock).run_digest() is False
    assert len([m for m in harness.ws.messages_in(channel.id) if m.thread_ts in (None, m.ts)]) == 1


async def test_a_digest_missed_while_down_is_sent_once_within_the_grace_time(
    harness: Harness,
) -> None:
    slot = last_slot(harness.core.policy, datetime.now(UTC))
    grace = harness.core.policy.digest.grace_hours
    channel = harness.ws.resolve_channel("#it-leadership")
    late = FixedClock(slot + timedelta(hours=grace, minutes=1))
    assert await scheduler(harness, late).run_digest() is False  # too late: skipped
    assert harness.ws.messages_in(channel.id) == []
    back = FixedClock(slot + timedelta(hours=grace - 1))
    assert await scheduler(harness, back).run_digest() is True  # came back in time
    assert await scheduler(harness, back).run_digest() is False
    assert len([m for m in harness.ws.messages_in(channel.id) if not m.files]) == 1


async def test_bot_not_in_the_channel_gives_the_slot_back(harness: Harness) -> None:
    channel = harness.ws.resolve_channel("#it-leadership")
    channel.members.remove(harness.ws.bot.id)
    slot = last_slot(harness.core.policy, datetime.now(UTC))
    clock = FixedClock(slot + timedelta(minutes=5))
    with pytest.raises(RecipientUnreachable, match="invite the bot"):
        await scheduler(harness, clock).run_digest()
    channel.members.append(harness.ws.bot.id)
    assert await scheduler(harness, clock).run_digest() is True  # the next tick sends it
    with harness.core.uow() as uow:
        assert uow.jobs.claim_run(DIGEST_JOB, slot.isoformat(), now=slot, by="x") is False
