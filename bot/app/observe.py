"""What the outbox and the scheduler report as they work, for whoever measures it (metrics).

The domain only calls these small protocols; adapters/metrics.py implements them with
prometheus_client, so nothing in bot/ depends on a metrics library.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from bot.app.ports import (
    DeliveryDeferred,
    DeliveryRefused,
    MessageRef,
    Notifier,
    RecipientUnreachable,
)
from bot.domain.model import Person

log = logging.getLogger(__name__)
T = TypeVar("T")

# What became of one call to a platform (a card sent, a card updated).
DELIVERED = "delivered"
DEFERRED = "deferred"  # the outbox will try again: 429, 5xx, timeout
REFUSED = "refused"  # will not work however often tried: unknown person, refused card

# What became of one scheduled job run.
RAN = "ran"
SKIPPED = "skipped"  # another process claimed the slot, or nothing was due
FAILED = "failed"


class DeliveryObserver(Protocol):
    """Told of every call the outbox makes to a chat platform."""

    def delivery(self, *, platform: str, outcome: str, rate_limited: bool = False) -> None:
        """One send or update to `platform` ended with `outcome` (DELIVERED, DEFERRED...)."""


class JobObserver(Protocol):
    """Told of every scheduled job run."""

    def job_run(self, *, job: str, outcome: str) -> None:
        """One run of `job` ended with `outcome` (RAN, SKIPPED or FAILED)."""


class ObservedNotifier:
    """A Notifier that reports the outcome of each send and update to an observer."""

    def __init__(self, notifier: Notifier, observer: DeliveryObserver) -> None:
        self._notifier = notifier
        self._observer = observer
        self.platform = notifier.platform

    async def can_reach(self, person: Person) -> bool:
        """As the wrapped notifier (no platform call, nothing to report)."""
        return await self._notifier.can_reach(person)

    async def send(self, *, person: Person, card: Any | None, text: str) -> MessageRef | None:
        """Send through the wrapped notifier and report how it went."""
        return await self._observed(self._notifier.send(person=person, card=card, text=text))

    async def update(self, *, ref: MessageRef, card: Any) -> None:
        """Update through the wrapped notifier and report how it went."""
        await self._observed(self._notifier.update(ref=ref, card=card))

    async def _observed(self, call: Awaitable[T]) -> T:
        try:
            result = await call
        except DeliveryDeferred as deferred:
            self._report(DEFERRED, rate_limited=deferred.rate_limited)
            raise
        except (RecipientUnreachable, DeliveryRefused):
            self._report(REFUSED)
            raise
        self._report(DELIVERED)
        return result

    def _report(self, outcome: str, *, rate_limited: bool = False) -> None:
        try:
            self._observer.delivery(
                platform=self.platform, outcome=outcome, rate_limited=rate_limited
            )
        except Exception:
            # Counting must never cost a delivery (or record one as failed after it went out).
            log.exception("delivery observer failed")


def observed(notifier: Notifier, observer: DeliveryObserver | None) -> Notifier:
    """The notifier, reporting to `observer` when there is one."""
    return notifier if observer is None else ObservedNotifier(notifier, observer)


async def observe_job(
    observer: JobObserver | None, job: str, run: Callable[[], Awaitable[bool]]
) -> bool:
    """Run a job (which returns whether it did the work) and report its outcome."""
    try:
        ran = await run()
    except Exception:
        if observer is not None:
            observer.job_run(job=job, outcome=FAILED)
        raise
    if observer is not None:
        observer.job_run(job=job, outcome=RAN if ran else SKIPPED)
    return ran
