"""The outbox dispatcher on real storage (SQLite and PostgreSQL) with a notifier that breaks
below the HTTP boundary: a card it cannot build fails at once, with its traceback logged once,
and the messages behind it still go out."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.app.facade import Procurement
from bot.app.outbox import Dispatcher
from bot.app.ports import MessageKind, MessageRef, OutboxMessage
from bot.domain.model import Channel, Person
from storage.repository import SqlUnitOfWorkFactory
from tests.fakes import IT, REQUESTER, START, clock, draft, example_policy

OMAR = IT[1]


class BrokenForOmar:
    """A notifier whose renderer raises for Omar's card while `broken` (as a Block Kit
    renderer does for a section over 3,000 characters), and records what it sends."""

    platform = "slack"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.broken = True

    async def can_reach(self, person: Person) -> bool:
        return True

    async def send(self, *, person: Person, card: Any | None, text: str) -> MessageRef | None:
        if self.broken and card is not None and person.email == OMAR:
            raise ValueError("text attribute cannot exceed 3000 characters")
        self.sent.append((person.email, "card" if card is not None else text))
        if card is None:
            return None
        return MessageRef(card.request_id, person.email, self.platform, "D1", str(len(self.sent)))

    async def update(self, *, ref: MessageRef, card: Any) -> None:
        pass


@pytest.fixture
def rig(uow_factory: SqlUnitOfWorkFactory) -> tuple[Procurement, Dispatcher, BrokenForOmar]:
    at = clock()
    service = Procurement(uow=uow_factory, policy=example_policy(), clock=at)
    notifier = BrokenForOmar()
    dispatcher = Dispatcher(uow=uow_factory, service=service, notifiers=[notifier], clock=at)
    return service, dispatcher, notifier


async def test_a_card_that_cannot_be_built_fails_once_and_holds_back_nothing(
    rig: tuple[Procurement, Dispatcher, BrokenForOmar],
    uow_factory: SqlUnitOfWorkFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    service, dispatcher, notifier = rig
    request = service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    with uow_factory() as uow:  # queued behind Omar's card, in the same lane
        uow.outbox.add(
            OutboxMessage(
                MessageKind.NOTE, OMAR, request.id, text="Welcome, Omar", next_attempt_at=START
            )
        )
        uow.commit()

    for _ in range(5):
        await dispatcher.run_once()

    with uow_factory() as uow:
        (failed,) = uow.outbox.failed(limit=10)
        assert uow.outbox.counts() == {"pending": 0, "failed": 1}
    assert (failed.kind, failed.recipient, failed.attempts) == (MessageKind.APPROVAL_CARD, OMAR, 1)
    assert failed.last_error == "ValueError: text attribute cannot exceed 3000 characters"
    assert (OMAR, "Welcome, Omar") in notifier.sent and (IT[0], "card") in notifier.sent
    told = [text for email, text in notifier.sent if email == REQUESTER]
    assert any("I couldn't deliver PR-1001" in t and OMAR in t for t in told)
    (logged,) = [
        r
        for r in caplog.records
        if r.levelno == logging.ERROR and r.getMessage().startswith(f"outbox {failed.id}:")
    ]
    assert logged.exc_info is not None and "approval_card" in logged.getMessage()
    assert OMAR in logged.getMessage() and "PR-1001" in logged.getMessage()

    # Fixed (here: Omar's card builds again), it is queued again and delivered.
    notifier.broken = False
    with uow_factory() as uow:
        assert uow.outbox.requeue(failed.id or 0, now=clock().now()) is not None
        uow.commit()
    await dispatcher.run_once()
    assert (OMAR, "card") in notifier.sent
    with uow_factory() as uow:
        assert uow.outbox.counts() == {"pending": 0, "failed": 0}
