"""Scheduled use cases through real storage: reminders, escalation, renewals, delegations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from bot.app.clock import FixedClock
from bot.app.facade import Procurement
from bot.domain.errors import AlreadyDecided, NotAllowed
from bot.domain.model import Channel, Recurrence, RequestStatus
from bot.domain.workflow import Action
from storage.repository import SqlUnitOfWorkFactory
from tests.fakes import (
    CIO,
    FINANCE,
    IT,
    PROCUREMENT,
    REQUESTER,
    SECURITY,
    START,
    draft,
    example_policy,
)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)  # Monday 09:00 in New York


@pytest.fixture
def service(uow_factory: SqlUnitOfWorkFactory, clock: FixedClock) -> Procurement:
    return Procurement(uow=uow_factory, policy=example_policy(), clock=clock)


def drain(uow_factory: SqlUnitOfWorkFactory) -> list[tuple[str, str | None, str]]:
    """Take every queued message (kind, recipient, text) so the next call sees only new ones."""
    with uow_factory() as uow:
        now = datetime(2100, 1, 1, tzinfo=UTC)
        messages = uow.outbox.claim_due(now=now, limit=1000, lease_until=now)
        for message in messages:
            message.delivered_at = now
            uow.outbox.update(message)
        uow.commit()
    return [(m.kind.value, m.recipient, m.text) for m in messages]


def actions(service: Procurement, request_id: int) -> list[str]:
    with service._uow() as uow:
        return [e.action for e in uow.events.for_request(request_id)]


def test_one_reminder_after_a_working_day_then_escalation(
    service: Procurement, clock: FixedClock, uow_factory: SqlUnitOfWorkFactory
) -> None:
    request = service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    assert request.id is not None
    drain(uow_factory)
    clock.advance(hours=23, minutes=55)
    assert service.nudge_waiting() == (0, 0)
    clock.advance(minutes=5)
    assert service.nudge_waiting() == (1, 0)
    sent = drain(uow_factory)
    assert sorted((k, r) for k, r, _ in sent) == [
        ("approval_card", IT[0]),
        ("approval_card", IT[1]),
        ("note", IT[0]),
        ("note", IT[1]),
    ]
    note = next(text for kind, _, text in sent if kind == "note")
    assert note.startswith("Reminder: PR-1001 · Figma Professional seats")
    assert "waited 1d 0h for your decision at IT review" in note
    clock.advance(hours=1)
    assert service.nudge_waiting() == (0, 0)  # once only
    assert drain(uow_factory) == []
    clock.set(START + timedelta(hours=72))  # Thursday: 72 working hours
    assert service.nudge_waiting() == (0, 1)
    sent = drain(uow_factory)
    assert ("approval_card", CIO) in [(k, r) for k, r, _ in sent]
    told = [text for kind, who, text in sent if kind == "note" and who == REQUESTER]
    assert told and "so I added lee.cio@acme.example (IT leadership) as approvers" in told[0]
    assert service.nudge_waiting() == (0, 0)
    assert actions(service, request.id) == ["Submitted", "Reminded", "Escalated"]
    # The escalation group can now decide the step.
    approved = service.approve(request_id=request.id, actor=CIO, channel=Channel.SLACK)
    assert approved.step("IT review").status.value == "approved"  # type: ignore[union-attr]


def test_weekend_does_not_count(
    service: Procurement, clock: FixedClock, uow_factory: SqlUnitOfWorkFactory
) -> None:
    friday = START - timedelta(days=3)  # Friday 09:00 New York
    clock.set(friday)
    service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    clock.set(START - timedelta(hours=1))  # Monday 08:00: 15 + 8 = 23 working hours
    assert service.nudge_waiting() == (0, 0)
    clock.set(START)
    assert service.nudge_waiting() == (1, 0)


def test_a_decided_step_is_not_nudged(
    service: Procurement, clock: FixedClock, uow_factory: SqlUnitOfWorkFactory
) -> None:
    request = service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    assert request.id is not None
    clock.advance(hours=2)
    service.approve(request_id=request.id, actor=IT[0], channel=Channel.SLACK)
    clock.advance(hours=23)  # stage 2 has waited 23 h
    assert service.nudge_waiting() == (0, 0)
    clock.advance(hours=1)
    assert service.nudge_waiting() == (2, 0)  # security and procurement, each once


def approved_subscription(service: Procurement, clock: FixedClock, when: datetime) -> int:
    clock.set(when)
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
    return request.id


def test_renewal_notice_once_with_renew_and_let_lapse(
    service: Procurement, clock: FixedClock, uow_factory: SqlUnitOfWorkFactory
) -> None:
    request_id = approved_subscription(service, clock, datetime(2025, 12, 30, 15, tzinfo=UTC))
    drain(uow_factory)
    clock.set(datetime(2026, 11, 29, 15, tzinfo=UTC))  # 31 days before 30 Dec
    assert service.send_renewal_notices() == 0
    clock.advance(days=1)
    assert service.send_renewal_notices() == 1
    assert sorted((k, r) for k, r, _ in drain(uow_factory)) == [
        ("approval_card", PROCUREMENT),
        ("approval_card", REQUESTER),
    ]
    assert service.send_renewal_notices() == 0
    card = service.card_for(request_id=request_id, viewer=REQUESTER)
    assert card.action_names[-2:] == [Action.RENEW.value, Action.LET_LAPSE.value]
    assert card.headline == "Renews on Wed 30 Dec 2026: renew it or let it lapse."
    assert (
        Action.RENEW.value
        in service.card_for(request_id=request_id, viewer=PROCUREMENT).action_names
    )
    assert (
        Action.RENEW.value not in service.card_for(request_id=request_id, viewer=IT[0]).action_names
    )
    with pytest.raises(NotAllowed):
        service.let_lapse(request_id=request_id, actor=SECURITY, channel=Channel.SLACK)
    service.let_lapse(request_id=request_id, actor=REQUESTER, channel=Channel.SLACK)
    told = [t for k, r, t in drain(uow_factory) if k == "note" and r == REQUESTER]
    assert told and "will not be renewed on Wed 30 Dec 2026" in told[0]
    assert (
        Action.RENEW.value
        not in service.card_for(request_id=request_id, viewer=REQUESTER).action_names
    )
    with pytest.raises(AlreadyDecided):
        service.renewal_draft(request_id=request_id, actor=REQUESTER)
    with service._uow() as uow:
        assert uow.digest.renewals(start=date(2026, 12, 1), end=date(2027, 1, 31)) == (0, [])


def test_renew_opens_a_prefilled_request_that_closes_the_renewal(
    service: Procurement, clock: FixedClock, uow_factory: SqlUnitOfWorkFactory
) -> None:
    request_id = approved_subscription(service, clock, datetime(2025, 12, 30, 15, tzinfo=UTC))
    clock.set(datetime(2026, 12, 1, 15, tzinfo=UTC))
    with pytest.raises(AlreadyDecided):  # no notice went out yet
        service.renewal_draft(request_id=request_id, actor=REQUESTER)
    assert service.send_renewal_notices() == 1
    with pytest.raises(NotAllowed):
        service.renewal_draft(request_id=request_id, actor=IT[0])
    renewal = service.renewal_draft(request_id=request_id, actor=PROCUREMENT)
    assert (renewal.title, renewal.unit_price, renewal.recurrence) == (
        "Slack Enterprise Grid",
        Decimal("12000"),
        Recurrence.ANNUAL,
    )
    assert renewal.justification.startswith("Renewal of PR-1001.")
    new = service.submit(
        requester=REQUESTER, draft=renewal, channel=Channel.SLACK, renews=request_id
    )
    assert new.status is RequestStatus.PENDING
    assert actions(service, request_id)[-2:] == ["RenewalNoticed", "RenewalRequested"]
    assert (
        Action.RENEW.value
        not in service.card_for(request_id=request_id, viewer=REQUESTER).action_names
    )


def test_monthly_subscriptions_get_a_week_of_notice(
    service: Procurement, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 11, 2, 15, tzinfo=UTC))
    request = service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    assert request.id is not None
    for actor in (IT[0], SECURITY, PROCUREMENT):
        service.approve(request_id=request.id, actor=actor, channel=Channel.SLACK)
    clock.set(datetime(2026, 11, 24, 15, tzinfo=UTC))  # renews 2 Dec: 8 days
    assert service.send_renewal_notices() == 0
    clock.advance(days=1)
    assert service.send_renewal_notices() == 1


def finance_request(service: Procurement, clock: FixedClock, when: datetime) -> int:
    """A request whose Finance step (fred and carla, all of them) is active."""
    clock.set(when)
    request = service.submit(
        requester=REQUESTER,
        draft=draft(unit_price=Decimal("1000"), quantity=3),  # 36,000 a year
        channel=Channel.SLACK,
    )
    assert request.id is not None
    for actor in (IT[0], SECURITY, PROCUREMENT):
        if any(actor in s.approvers for s in request.steps):  # no security for a known vendor
            service.approve(request_id=request.id, actor=actor, channel=Channel.SLACK)
    service.approve(request_id=request.id, actor=FINANCE[1], channel=Channel.SLACK)
    return request.id


def test_delegation_takes_effect_on_its_first_day(
    service: Procurement, clock: FixedClock, uow_factory: SqlUnitOfWorkFactory
) -> None:
    # fred.fin is covered by carla.cfo from 21 Dec 2026 to 3 Jan 2027 in the example policy
    request_id = finance_request(service, clock, datetime(2026, 12, 18, 15, tzinfo=UTC))
    drain(uow_factory)
    clock.set(datetime(2026, 12, 20, 23, 59, tzinfo=UTC))
    assert service.start_delegations() == 0
    with pytest.raises(AlreadyDecided):
        service.approve(request_id=request_id, actor=FINANCE[1], channel=Channel.SLACK)
    clock.set(datetime(2026, 12, 21, 0, 0, tzinfo=UTC))
    assert service.start_delegations() == 1
    sent = drain(uow_factory)
    assert ("approval_card", FINANCE[1]) in [(k, r) for k, r, _ in sent]
    assert any("You cover for fred.fin@acme.example until Sun 03 Jan 2027" in t for _, _, t in sent)
    assert service.start_delegations() == 0
    approved = service.approve(request_id=request_id, actor=FINANCE[1], channel=Channel.SLACK)
    assert approved.status is RequestStatus.APPROVED


def test_delegation_expires_after_its_last_day(
    service: Procurement, clock: FixedClock, uow_factory: SqlUnitOfWorkFactory
) -> None:
    late = finance_request(service, clock, datetime(2027, 1, 3, 12, tzinfo=UTC))
    clock.set(datetime(2027, 1, 4, 0, 0, tzinfo=UTC))
    assert service.start_delegations() == 1  # only a refresh: no new card for Carla
    with pytest.raises(AlreadyDecided):
        service.approve(request_id=late, actor=FINANCE[1], channel=Channel.SLACK)
    on_time = finance_request(service, clock, datetime(2027, 1, 3, 23, 0, tzinfo=UTC))
    clock.set(datetime(2027, 1, 3, 23, 59, tzinfo=UTC))
    approved = service.approve(request_id=on_time, actor=FINANCE[1], channel=Channel.SLACK)
    assert approved.status is RequestStatus.APPROVED


def test_an_ended_delegation_refreshes_the_delegates_cards_once(
    service: Procurement, clock: FixedClock, uow_factory: SqlUnitOfWorkFactory
) -> None:
    request_id = finance_request(service, clock, datetime(2026, 12, 28, 15, tzinfo=UTC))
    assert service.start_delegations() == 1  # Carla covers Fred: his card goes to her
    drain(uow_factory)
    clock.set(datetime(2027, 1, 3, 23, 59, tzinfo=UTC))
    assert service.start_delegations() == 0
    clock.set(datetime(2027, 1, 4, 0, 0, tzinfo=UTC))
    assert service.start_delegations() == 1
    assert [(k, r) for k, r, _ in drain(uow_factory)] == [("refresh", None)]
    assert service.start_delegations() == 0
    card = service.card_for(request_id=request_id, viewer=FINANCE[1])
    assert card.actions == []  # her own vote is in and Fred's is his again
    clock.set(datetime(2027, 1, 12, 0, 0, tzinfo=UTC))
    assert service.start_delegations() == 0


def test_a_delegate_is_reminded_for_the_approver_they_cover(
    service: Procurement, clock: FixedClock, uow_factory: SqlUnitOfWorkFactory
) -> None:
    finance_request(service, clock, datetime(2026, 12, 21, 15, tzinfo=UTC))  # a Monday
    drain(uow_factory)
    clock.advance(hours=24)
    assert service.nudge_waiting() == (1, 0)
    reminded = sorted(r for k, r, _ in drain(uow_factory) if k == "approval_card")
    assert reminded == [FINANCE[1], FINANCE[0]]  # Fred, and Carla who covers him
