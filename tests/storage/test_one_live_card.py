"""The outbox keeps one live card per person per request: a second card for someone who has
one (a step escalated to them after another, an answered question) redraws the first."""

from __future__ import annotations

from typing import Any

from bot.app.facade import Procurement
from bot.app.outbox import Dispatcher
from bot.app.ports import MessageKind, MessageRef, OutboxMessage
from bot.domain.model import Channel, Person
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes import CIO, IT, REQUESTER, START, clock, draft, example_policy


class Recording:
    """A notifier that records what it posts and what it redraws."""

    platform = "slack"

    def __init__(self) -> None:
        self.posted: list[tuple[str, str]] = []
        self.updated: list[tuple[str, str]] = []

    async def can_reach(self, person: Person) -> bool:
        return True

    async def send(self, *, person: Person, card: Any | None, text: str) -> MessageRef | None:
        self.posted.append((person.email, "card" if card is not None else text))
        if card is None:
            return None
        return MessageRef(card.request_id, person.email, self.platform, "D1", str(len(self.posted)))

    async def update(self, *, ref: MessageRef, card: Any) -> None:
        self.updated.append((ref.recipient, ref.message_id))


async def test_a_second_card_for_the_same_person_redraws_the_first(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    at = clock()
    service = Procurement(uow=uow_factory, policy=example_policy(), clock=at)
    notifier = Recording()
    dispatcher = Dispatcher(uow=uow_factory, service=service, notifiers=[notifier], clock=at)
    request = service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    await dispatcher.run_once()
    assert notifier.posted.count((IT[0], "card")) == 1
    first = str(notifier.posted.index((IT[0], "card")) + 1)
    # Two more cards for Ines (as two escalated steps would queue), one for Lee.
    with uow_factory() as uow:
        for email in (IT[0], IT[0], CIO):
            uow.outbox.add(
                OutboxMessage(MessageKind.APPROVAL_CARD, email, request.id, next_attempt_at=START)
            )
        uow.commit()
    await dispatcher.run_once()
    assert notifier.posted.count((IT[0], "card")) == 1
    assert notifier.updated.count((IT[0], first)) == 2
    with uow_factory() as uow:
        assert uow.outbox.counts().get("pending", 0) == 0
