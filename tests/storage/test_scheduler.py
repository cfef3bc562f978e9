"""The scheduler's claimed runs on both databases, with a fake publisher and a fixed clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app.clock import FixedClock
from bot.app.facade import Procurement
from bot.app.ports import DeliveryDeferred
from bot.app.scheduler import DIGEST_JOB, Scheduler
from bot.domain.model import Channel
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes import CIO, REQUESTER, FakePublisher, draft, example_policy
from tests.seed import END


def make(
    uow: SqlUnitOfWorkFactory, clock: FixedClock, name: str
) -> tuple[Scheduler, FakePublisher]:
    publisher = FakePublisher()
    service = Procurement(uow=uow, policy=example_policy(), clock=clock)
    return (
        Scheduler(service=service, uow=uow, publishers=[publisher], clock=clock, instance=name),
        publisher,
    )


async def test_two_schedulers_one_digest(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(END + timedelta(seconds=1))
    first, one = make(uow_factory, clock, "a")
    second, two = make(uow_factory, clock, "b")
    assert await first.run_digest() is True
    assert await second.run_digest() is False
    assert [c for c, _ in one.posts] == ["#it-leadership"] and two.posts == []
    assert one.files[0][1] == "spend-by-category.png" and one.files[0][2][:4] == b"\x89PNG"
    assert one.dms == [CIO]


async def test_missed_slot_within_grace_then_too_late(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(END + timedelta(hours=12, seconds=1))  # the example's grace is 12 h
    late, publisher = make(uow_factory, clock, "late")
    assert await late.run_digest() is False and publisher.posts == []
    clock.set(END + timedelta(hours=11, minutes=59))
    assert await late.run_digest() is True
    clock.set(END + timedelta(days=7, hours=1))  # next week's slot is a new period
    assert await late.run_digest() is True
    assert len(publisher.posts) == 2


async def test_a_failed_post_gives_the_slot_back(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(END + timedelta(minutes=1))
    scheduler, publisher = make(uow_factory, clock, "a")
    publisher.fail_post = DeliveryDeferred("Slack answered 503")
    with pytest.raises(DeliveryDeferred):
        await scheduler.run_digest()
    publisher.fail_post = None
    assert await scheduler.run_digest() is True
    assert len(publisher.posts) == 1


async def test_a_failed_chart_keeps_the_claim(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(END + timedelta(minutes=1))
    scheduler, publisher = make(uow_factory, clock, "a")
    publisher.fail_attach = DeliveryDeferred("upload failed")
    with pytest.raises(DeliveryDeferred):
        await scheduler.run_digest()
    publisher.fail_attach = None
    assert await scheduler.run_digest() is False  # the digest is out: never twice
    assert len(publisher.posts) == 1


async def test_housekeeping_runs_once_per_bucket(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(END)
    Procurement(uow=uow_factory, policy=example_policy(), clock=clock).submit(
        requester=REQUESTER, draft=draft(), channel=Channel.SLACK
    )
    clock.advance(hours=24)
    first, _ = make(uow_factory, clock, "a")
    second, _ = make(uow_factory, clock, "b")
    woken: list[str] = []
    first._on_change = lambda: woken.append("a")
    assert await first.run_housekeeping() is True
    assert await second.run_housekeeping() is False
    assert woken == ["a"]  # a reminder went out, so the dispatcher was woken
    clock.advance(minutes=5)
    assert await second.run_housekeeping() is True


async def test_start_schedules_the_digest_at_the_policy_time(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    scheduler, _ = make(uow_factory, FixedClock(END), "a")
    scheduler.start()
    try:
        jobs = {job.id: job for job in scheduler._scheduler.get_jobs()}  # type: ignore[union-attr]
        digest = jobs[DIGEST_JOB]
        fire = digest.next_run_time
        assert (fire.weekday(), fire.hour, fire.minute) == (0, 9, 0)
        assert str(fire.tzinfo) == "America/New_York"
        assert digest.misfire_grace_time == 12 * 3600
        assert "housekeeping" in jobs
    finally:
        scheduler.shutdown()


async def test_an_unknown_recipient_does_not_stop_the_others(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    from bot.app.digest import build_digest
    from bot.app.scheduler import publish_digest

    policy = example_policy()
    policy = policy.model_copy(
        update={
            "digest": policy.digest.model_copy(update={"recipients": ["gone@acme.example", CIO]})
        }
    )
    service = Procurement(uow=uow_factory, policy=policy, clock=FixedClock(END))
    publisher = FakePublisher()
    publisher.unknown = {"gone@acme.example"}
    digest = build_digest(uow=uow_factory, policy=policy, end=END)
    sent = await publish_digest(
        digest=digest, chart=b"png", service=service, publishers=[publisher]
    )
    assert sent == ["slack:#it-leadership", CIO]
    assert publisher.dms == [CIO]


async def test_a_process_without_a_chat_platform_leaves_the_slot(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    clock = FixedClock(END + timedelta(minutes=1))
    service = Procurement(uow=uow_factory, policy=example_policy(), clock=clock)
    mute = Scheduler(service=service, uow=uow_factory, publishers=[], clock=clock, instance="m")
    assert await mute.run_digest() is False
    able, publisher = make(uow_factory, clock, "a")
    assert await able.run_digest() is True and len(publisher.posts) == 1


async def test_one_failed_channel_does_not_keep_the_digest_from_the_other(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    policy = example_policy()
    policy = policy.model_copy(
        update={
            "digest": policy.digest.model_copy(update={"teams_channel": "19:leaders@thread.tacv2"})
        }
    )
    clock = FixedClock(END + timedelta(minutes=1))
    slack, teams = FakePublisher("slack"), FakePublisher("teams")
    slack.fail_post = DeliveryDeferred("Slack answered 503")
    scheduler = Scheduler(
        service=Procurement(uow=uow_factory, policy=policy, clock=clock),
        uow=uow_factory,
        publishers=[slack, teams],
        clock=clock,
        instance="a",
    )
    with pytest.raises(DeliveryDeferred, match="503"):
        await scheduler.run_digest()
    assert [c for c, _ in teams.posts] == ["19:leaders@thread.tacv2"] and len(teams.files) == 1
    assert slack.dms == [CIO]  # the CIO never chose a platform: the first one
    # Teams has it: the slot stays taken, so Teams never gets it twice.
    slack.fail_post = None
    assert await scheduler.run_digest() is False
    assert len(teams.posts) == 1 and slack.posts == []
