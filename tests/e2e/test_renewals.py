"""Renewal cards in Slack: Renew opens the /buy form prefilled; Let lapse tells the owner."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

from adapters.slack import ids
from bot.app.clock import FixedClock
from bot.app.facade import Procurement
from bot.domain.model import Channel, Recurrence, RequestStatus
from bot.domain.workflow import Action
from tests.e2e.conftest import Harness
from tests.fakes import IT, PROCUREMENT, REQUESTER, SECURITY, draft

RENEW = ids.action_id(Action.RENEW)
LET_LAPSE = ids.action_id(Action.LET_LAPSE)


def announce(h: Harness) -> int:
    """An annual plan approved in Dec 2025, its renewal announced a month before."""
    clock = FixedClock(datetime(2025, 12, 10, 15, tzinfo=UTC))
    service = Procurement(uow=h.core.uow, policy=h.core.policy, clock=clock)
    request = service.submit(
        requester=REQUESTER,
        draft=draft(
            title="Slack Enterprise Grid",
            vendor="Slack",
            unit_price=Decimal("12000"),
            quantity=1,
            recurrence=Recurrence.ANNUAL,
        ),
        channel=Channel.SLACK,
    )
    assert request.id is not None
    for actor in (IT[0], SECURITY, PROCUREMENT):
        service.approve(request_id=request.id, actor=actor, channel=Channel.SLACK)
    clock.set(datetime(2026, 11, 15, 15, tzinfo=UTC))
    assert service.send_renewal_notices() == 1
    return request.id


async def test_renew_opens_the_prefilled_form(harness: Harness) -> None:
    h = harness
    old = await asyncio.to_thread(announce, h)
    await h.settle()
    card = h.last_card(REQUESTER, "PR-1001")
    assert "Renews on Thu 10 Dec 2026" in str(card.blocks)
    await h.click(REQUESTER, card, RENEW)
    form = await h.modal(REQUESTER)
    assert form.callback_id == ids.INTAKE
    assert "Slack Enterprise Grid" in str(form.blocks)
    # No "Design already has Slack Enterprise Grid" notice: that is the purchase renewed.
    answer = await h.sender.fill_and_submit(h.user(REQUESTER), form.id, {})
    assert answer.json == {}
    await h.settle()
    new = h.core.service.get(old + 1)
    assert (new.title, new.recurrence, new.status) == (
        "Slack Enterprise Grid",
        Recurrence.ANNUAL,
        RequestStatus.PENDING,
    )
    card = h.last_card(REQUESTER, "PR-1001")
    assert RENEW not in str(card.blocks)  # the old card was updated in place
    with h.core.uow() as uow:
        assert uow.events.for_request(old)[-1].action == "RenewalRequested"


async def test_let_lapse_tells_the_owner(harness: Harness) -> None:
    h = harness
    await asyncio.to_thread(announce, h)
    await h.settle()
    await h.click(PROCUREMENT, h.last_card(PROCUREMENT, "PR-1001"), LET_LAPSE)
    await h.settle()
    assert any(
        "will not be renewed on Thu 10 Dec 2026 (Priya Procurement chose to let it lapse)" in t
        for t in h.texts(REQUESTER)
    )
    assert LET_LAPSE not in str(h.last_card(PROCUREMENT, "PR-1001").blocks)


async def test_someone_else_cannot_renew(harness: Harness) -> None:
    h = harness
    await asyncio.to_thread(announce, h)
    await h.settle()
    card = h.last_card(REQUESTER, "PR-1001")
    await h.sender.click(h.user(IT[1]), card, RENEW)  # a forwarded card
    await h.settle()
    assert (
        any(
            "Only rita.req@acme.example or procurement can renew PR-1001." in t
            for t in h.texts(IT[1])
        )
        or h.ws.current_modal(h.user(IT[1])) is None
    )
