"""APScheduler jobs run inside every `procurebot serve`: the weekly digest and housekeeping.

APScheduler 3 keeps no shared state between processes (several schedulers on one job store
run jobs twice or never), so each process schedules everything in memory and every run
first claims its slot in the database (job_runs has a unique (job, period)). Of several
processes on one PostgreSQL exactly one wins each slot; the others skip it. A digest slot
missed while every process was down is claimed and sent by the first process to start (or
tick) within the policy's grace hours.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.app.digest import build_digest
from bot.app.facade import Procurement
from bot.app.observe import JobObserver, observe_job
from bot.app.ports import (
    ChannelPublisher,
    Clock,
    DeliveryDeferred,
    DeliveryRefused,
    RecipientUnreachable,
    UnitOfWorkFactory,
)
from bot.domain.digest import Digest, last_slot

log = logging.getLogger(__name__)

DIGEST_JOB = "digest"
HOUSEKEEPING_JOB = "housekeeping"
HOUSEKEEPING_MINUTES = 5
CHART_NAME = "spend-by-category.png"


def instance_name() -> str:
    """Who claimed a run, for the job_runs table: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


async def publish_digest(
    *,
    digest: Digest,
    service: Procurement,
    publishers: Sequence[ChannelPublisher],
    chart: bytes | None = None,
    sent: list[str] | None = None,
) -> list[str]:
    """Post the digest to each platform's channel with the chart in its thread (drawn here
    unless given), and DM the listed people; returns (and appends to `sent` as it goes)
    where it went.

    A channel that fails does not keep the digest from the other channel and the people;
    its error is raised at the end (at once when nothing went out, so the slot can be
    given back)."""
    if chart is None:
        # matplotlib costs some 40 MB; a server pays for it once a week, not from the start.
        from bot.app.chart import spend_chart

        chart = await asyncio.to_thread(
            spend_chart, digest.weekly, currency=digest.currency, timezone=digest.timezone
        )
    settings = service.policy.digest
    channels = {"slack": settings.slack_channel, "teams": settings.teams_channel}
    sent = [] if sent is None else sent
    failures: list[DeliveryDeferred | DeliveryRefused | RecipientUnreachable] = []
    for publisher in publishers:
        channel = channels.get(publisher.platform)
        if not channel:
            continue
        try:
            thread = await publisher.post(channel=channel, view=digest)
            sent.append(f"{publisher.platform}:{channel}")
            await publisher.attach(
                channel=channel, thread=thread, data=chart, filename=CHART_NAME, title=digest.title
            )
        except (DeliveryDeferred, DeliveryRefused, RecipientUnreachable) as error:
            log.warning("digest not posted in %s:%s: %s", publisher.platform, channel, error)
            failures.append(error)
    if failures and not sent:
        raise failures[0]
    for email in settings.recipients:
        person = await asyncio.to_thread(service.person, email)
        preferred = person.preferred_channel.value if person.preferred_channel else None
        ordered = sorted(publishers, key=lambda p: p.platform != preferred)
        if not ordered:
            continue
        try:
            await ordered[0].direct(person=person, view=digest)
        except RecipientUnreachable as error:
            # One unknown address must not keep the digest from the others.
            log.warning("digest not sent to %s: %s", email, error)
            continue
        sent.append(email)
    if failures:
        raise failures[0]
    return sent


class Scheduler:
    """The jobs of one process; start() inside a running event loop, shutdown() at exit."""

    def __init__(
        self,
        *,
        service: Procurement,
        uow: UnitOfWorkFactory,
        publishers: Sequence[ChannelPublisher],
        clock: Clock,
        on_change: Callable[[], None] = lambda: None,
        instance: str | None = None,
        observer: JobObserver | None = None,
    ) -> None:
        self._observer = observer
        self._service = service
        self._uow = uow
        self._publishers = list(publishers)
        self._clock = clock
        self._on_change = on_change
        self._instance = instance or instance_name()
        self._scheduler: AsyncIOScheduler | None = None

    def start(self) -> None:
        """Schedule the digest at the policy's day, time and zone, a catch-up run now, and
        housekeeping every few minutes."""
        settings = self._service.policy.digest
        scheduler = AsyncIOScheduler(timezone="UTC")
        scheduler.add_job(
            partial(observe_job, self._observer, DIGEST_JOB, self.run_digest),
            CronTrigger(
                day_of_week=settings.day,
                hour=settings.time.hour,
                minute=settings.time.minute,
                timezone=settings.timezone,
            ),
            id=DIGEST_JOB,
            name=DIGEST_JOB,
            misfire_grace_time=settings.grace_hours * 3600 or None,
            coalesce=True,
        )
        now = datetime.now(UTC)
        scheduler.add_job(
            self.tick,
            IntervalTrigger(minutes=HOUSEKEEPING_MINUTES),
            id=HOUSEKEEPING_JOB,
            next_run_time=now,  # at start: catch up a missed digest and overdue reminders
            coalesce=True,
            max_instances=1,
        )
        scheduler.start()
        self._scheduler = scheduler
        log.info(
            "scheduler started as %s: digest every %s at %s %s",
            self._instance,
            settings.day,
            settings.time.strftime("%H:%M"),
            settings.timezone,
        )

    def shutdown(self) -> None:
        """Stop scheduling; a run under way finishes on its own."""
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        self._scheduler = None

    async def tick(self) -> None:
        """Housekeeping (reminders, escalation, renewals, delegations) and a missed digest."""
        try:
            await observe_job(self._observer, DIGEST_JOB, self.run_digest)
        finally:
            # A digest Slack refused must not hold up reminders.
            await observe_job(self._observer, HOUSEKEEPING_JOB, self.run_housekeeping)

    async def run_digest(self) -> bool:
        """Send the digest of the latest slot if it is within the grace time and nobody has
        claimed it; True when this process sent it."""
        policy = self._service.policy
        if not self._publishers:
            return False  # this process cannot post: leave the slot to one that can
        now = self._clock.now()
        slot = last_slot(policy, now)
        if now - slot > timedelta(hours=policy.digest.grace_hours):
            return False
        period = slot.isoformat()
        if not await asyncio.to_thread(self._claim, DIGEST_JOB, period):
            return False
        sent: list[str] = []
        try:
            digest = await asyncio.to_thread(build_digest, uow=self._uow, policy=policy, end=slot)
            await publish_digest(
                digest=digest,
                service=self._service,
                publishers=self._publishers,
                sent=sent,
            )
        except (DeliveryDeferred, DeliveryRefused, RecipientUnreachable):
            if not sent:
                # Nothing went out (Slack down, channel unknown): give the slot back so the
                # next tick within the grace time tries again. Once something went out the
                # claim stays: a second digest is worse than a missing DM.
                await asyncio.to_thread(self._release, DIGEST_JOB, period)
            raise
        log.info("digest for %s sent to %s by %s", period, ", ".join(sent), self._instance)
        return True

    async def run_housekeeping(self) -> bool:
        """One claimed round of reminders, escalations, renewals and delegations."""
        now = self._clock.now()
        bucket = now.replace(
            minute=now.minute - now.minute % HOUSEKEEPING_MINUTES, second=0, microsecond=0
        )
        if not await asyncio.to_thread(self._claim, HOUSEKEEPING_JOB, bucket.isoformat()):
            return False
        reminded, escalated = await asyncio.to_thread(self._service.nudge_waiting)
        renewals = await asyncio.to_thread(self._service.send_renewal_notices)
        delegated = await asyncio.to_thread(self._service.start_delegations)
        if reminded or escalated or renewals or delegated:
            log.info(
                "housekeeping: %s reminded, %s escalated, %s renewals, %s delegate cards",
                reminded,
                escalated,
                renewals,
                delegated,
            )
            self._on_change()
        return True

    def _release(self, job: str, period: str) -> None:
        with self._uow() as uow:
            uow.jobs.release_run(job, period)
            uow.commit()

    def _claim(self, job: str, period: str) -> bool:
        with self._uow() as uow:
            claimed = uow.jobs.claim_run(job, period, now=self._clock.now(), by=self._instance)
            uow.commit()
            return claimed
