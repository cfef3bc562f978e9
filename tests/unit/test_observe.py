"""The outbox's and the scheduler's observers: what each outcome reports."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app.observe import (
    DEFERRED,
    DELIVERED,
    FAILED,
    RAN,
    REFUSED,
    SKIPPED,
    ObservedNotifier,
    observe_job,
    observed,
)
from bot.app.ports import (
    DeliveryDeferred,
    DeliveryRefused,
    MessageRef,
    RecipientUnreachable,
)
from bot.domain.model import Person

PERSON = Person(email="rita@example.com")
REF = MessageRef(
    request_id=1, recipient=PERSON.email, platform="slack", conversation="D1", message_id="1.0"
)


class Recorder:
    """Keeps what it was told."""

    def __init__(self, *, broken: bool = False) -> None:
        self.deliveries: list[tuple[str, str, bool]] = []
        self.runs: list[tuple[str, str]] = []
        self.broken = broken

    def delivery(self, *, platform: str, outcome: str, rate_limited: bool = False) -> None:
        if self.broken:
            raise RuntimeError("the metrics broke")
        self.deliveries.append((platform, outcome, rate_limited))

    def job_run(self, *, job: str, outcome: str) -> None:
        self.runs.append((job, outcome))


class Platform:
    """A notifier that raises what it is given, or succeeds."""

    platform = "slack"

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error

    async def can_reach(self, person: Person) -> bool:
        return True

    async def send(self, *, person: Person, card: Any | None, text: str) -> MessageRef | None:
        if self.error is not None:
            raise self.error
        return REF

    async def update(self, *, ref: MessageRef, card: Any) -> None:
        if self.error is not None:
            raise self.error


@pytest.mark.parametrize(
    ("error", "reported"),
    [
        (None, ("slack", DELIVERED, False)),
        (
            DeliveryDeferred("Slack rate limit", retry_after="3", rate_limited=True),
            ("slack", DEFERRED, True),
        ),
        (DeliveryDeferred("Slack answered 503"), ("slack", DEFERRED, False)),
        (RecipientUnreachable("Slack says users_not_found"), ("slack", REFUSED, False)),
        (DeliveryRefused("Slack refused the message: invalid_blocks"), ("slack", REFUSED, False)),
    ],
)
async def test_each_outcome_is_reported_and_the_error_still_raised(
    error: Exception | None, reported: tuple[str, str, bool]
) -> None:
    recorder = Recorder()
    notifier = observed(Platform(error), recorder)
    assert notifier.platform == "slack" and await notifier.can_reach(PERSON)
    for call in (
        notifier.send(person=PERSON, card=None, text="hi"),
        notifier.update(ref=REF, card={}),
    ):
        if error is None:
            await call
        else:
            with pytest.raises(type(error)):
                await call
    assert recorder.deliveries == [reported, reported]


async def test_an_unexpected_error_is_not_counted_as_an_outcome() -> None:
    recorder = Recorder()
    with pytest.raises(KeyError):
        await observed(Platform(KeyError("card")), recorder).send(person=PERSON, card=None, text="")
    assert recorder.deliveries == []  # the dispatcher gives up on it and logs the traceback


async def test_a_broken_observer_never_costs_a_delivery() -> None:
    notifier = ObservedNotifier(Platform(), Recorder(broken=True))
    assert await notifier.send(person=PERSON, card=None, text="hi") == REF


def test_no_observer_leaves_the_notifier_as_it_is() -> None:
    platform = Platform()
    assert observed(platform, None) is platform


async def test_job_outcomes() -> None:
    recorder = Recorder()

    async def did() -> bool:
        return True

    async def nothing_due() -> bool:
        return False

    async def broke() -> bool:
        raise RuntimeError("no database")

    assert await observe_job(recorder, "digest", did) is True
    assert await observe_job(recorder, "digest", nothing_due) is False
    with pytest.raises(RuntimeError):
        await observe_job(recorder, "housekeeping", broke)
    assert await observe_job(None, "digest", did) is True
    assert recorder.runs == [("digest", RAN), ("digest", SKIPPED), ("housekeeping", FAILED)]
