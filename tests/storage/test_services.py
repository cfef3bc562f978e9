"""The use cases end to end through real storage, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from bot.app.facade import Procurement
from bot.domain.errors import AlreadyDecided, IllegalTransition, NotAllowed, VendorRefused
from bot.domain.model import Category, Channel, RequestStatus, StepStatus, Vendor, VendorStatus
from storage.repository import SqlUnitOfWorkFactory
from tests.fakes import (
    CIO,
    FINANCE,
    IT,
    PROCUREMENT,
    REQUESTER,
    SECURITY,
    clock,
    draft,
    example_policy,
)


@pytest.fixture
def service(uow_factory: SqlUnitOfWorkFactory) -> Procurement:
    return Procurement(uow=uow_factory, policy=example_policy(), clock=clock())


def outbox(uow_factory: SqlUnitOfWorkFactory) -> list[tuple[str, str | None]]:
    with uow_factory() as uow:
        now = clock().now().replace(year=2100)
        return [
            (m.kind.value, m.recipient)
            for m in uow.outbox.claim_due(now=now, limit=1000, lease_until=now)
        ]


def test_submit_routes_new_vendor_through_it_then_security_and_procurement(
    service: Procurement, uow_factory: SqlUnitOfWorkFactory
) -> None:
    request = service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    assert request.number == "PR-1001"
    assert [(s.name, s.stage, s.status) for s in request.steps] == [
        ("IT review", 1, StepStatus.ACTIVE),
        ("Security review", 2, StepStatus.WAITING),
        ("Procurement", 2, StepStatus.WAITING),
    ]
    assert request.base_amount == Decimal("1620.00")
    messages = outbox(uow_factory)
    assert ("request_card", REQUESTER) in messages
    assert {r for k, r in messages if k == "approval_card"} == set(IT)
    with uow_factory() as uow:
        assert uow.vendors.get("figma").status is VendorStatus.UNDER_REVIEW
        assert [e.action for e in uow.events.for_request(request.id)] == ["Submitted"]


def test_full_approval_approves_vendor_and_second_request_skips_qualification(
    service: Procurement, uow_factory: SqlUnitOfWorkFactory
) -> None:
    first = service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    service.approve(request_id=first.id, actor=IT[0], channel=Channel.SLACK)
    service.approve(request_id=first.id, actor=SECURITY, channel=Channel.TEAMS)
    done = service.approve(request_id=first.id, actor=PROCUREMENT, channel=Channel.SLACK)
    assert done.status is RequestStatus.APPROVED
    with uow_factory() as uow:
        vendor = uow.vendors.get("figma")
        assert vendor.status is VendorStatus.APPROVED and vendor.reviewed_by == PROCUREMENT
    second = service.submit(requester=REQUESTER, draft=draft(quantity=1), channel=Channel.SLACK)
    assert [s.name for s in second.steps] == ["IT review"]


def test_rejected_vendor_is_refused_with_alternatives(
    service: Procurement, uow_factory: SqlUnitOfWorkFactory
) -> None:
    with uow_factory() as uow:
        uow.vendors.add(
            Vendor(
                name="Sketchy Inc",
                status=VendorStatus.REJECTED,
                category=Category.SAAS,
                review_outcome="no SOC 2",
            )
        )
        uow.vendors.add(Vendor(name="Figma", status=VendorStatus.APPROVED, category=Category.SAAS))
        uow.commit()
    with pytest.raises(VendorRefused, match=r"no SOC 2.*Figma"):
        service.submit(
            requester=REQUESTER, draft=draft(vendor="SKETCHY, INC."), channel=Channel.SLACK
        )
    with uow_factory() as uow:
        assert uow.requests.list() == []


def test_catalogue_purchase_by_it_is_approved_at_once(service: Procurement) -> None:
    request = service.submit(
        requester=IT[0],
        draft=draft(
            title="MacBook Pro 14 M4",
            category=Category.HARDWARE,
            vendor="Apple",
            unit_price=Decimal("2399"),
            quantity=1,
            recurrence=draft().recurrence.ONE_OFF,
        ),
        channel=Channel.SLACK,
    )
    assert request.status is RequestStatus.APPROVED
    assert request.catalogue_entry == "Standard laptop"


def test_reject_ask_answer_cancel_and_notes(
    service: Procurement, uow_factory: SqlUnitOfWorkFactory
) -> None:
    request = service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    asked = service.ask(
        request_id=request.id, actor=IT[1], question="Why not Sketch?", channel=Channel.SLACK
    )
    assert asked.status is RequestStatus.CHANGES_REQUESTED
    with pytest.raises(IllegalTransition, match="waiting for the requester"):
        service.approve(request_id=request.id, actor=IT[0], channel=Channel.SLACK)
    answered = service.answer(
        request_id=request.id,
        actor=REQUESTER,
        text="The team already uses Figma files.",
        channel=Channel.SLACK,
    )
    assert answered.status is RequestStatus.PENDING
    rejected = service.reject(
        request_id=request.id, actor=IT[0], reason="Use the shared seats.", channel=Channel.SLACK
    )
    assert rejected.status is RequestStatus.REJECTED
    with pytest.raises(IllegalTransition):
        service.cancel(request_id=request.id, actor=REQUESTER, channel=Channel.SLACK)
    notes = [r for k, r in outbox(uow_factory) if k == "note"]
    assert REQUESTER in notes
    with uow_factory() as uow:
        actions = [e.action for e in uow.events.for_request(request.id)]
    assert actions == ["Submitted", "QuestionAsked", "Answered", "Rejected"]


def test_edit_adds_steps_the_new_amount_needs(service: Procurement) -> None:
    request = service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    service.ask(
        request_id=request.id, actor=IT[0], question="All 40 designers?", channel=Channel.SLACK
    )
    edited = service.edit(
        request_id=request.id, actor=REQUESTER, draft=draft(quantity=60), channel=Channel.SLACK
    )
    assert edited.status is RequestStatus.PENDING
    assert [s.name for s in edited.steps][-1] == "Finance"
    assert edited.base_amount == Decimal("32400.00")
    assert "quantity: 3 → 60" in edited.questions[-1].answer


def test_self_approval_and_strangers_are_refused(service: Procurement) -> None:
    request = service.submit(requester=IT[0], draft=draft(), channel=Channel.SLACK)
    assert request.steps[0].approvers == [IT[1]]
    with pytest.raises(NotAllowed, match="your own request"):
        service.approve(request_id=request.id, actor=IT[0], channel=Channel.SLACK)
    with pytest.raises(NotAllowed, match="not an approver of PR-1001"):
        service.approve(request_id=request.id, actor=FINANCE[0], channel=Channel.SLACK)


def test_idempotency_key_makes_retries_harmless(
    service: Procurement, uow_factory: SqlUnitOfWorkFactory
) -> None:
    a = service.submit(
        requester=REQUESTER, draft=draft(), channel=Channel.SLACK, idempotency_key="view-1"
    )
    b = service.submit(
        requester=REQUESTER, draft=draft(), channel=Channel.SLACK, idempotency_key="view-1"
    )
    assert a.id == b.id
    service.approve(request_id=a.id, actor=IT[0], channel=Channel.SLACK, idempotency_key="c1")
    again = service.approve(
        request_id=a.id, actor=IT[0], channel=Channel.SLACK, idempotency_key="c1"
    )
    assert again.steps[0].status is StepStatus.APPROVED
    with uow_factory() as uow:
        assert len(uow.requests.list()) == 1
        assert [e.action for e in uow.events.for_request(a.id)].count("StepApproved") == 1


def test_visibility_of_cards(service: Procurement) -> None:
    request = service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    assert service.card_for(request_id=request.id, viewer=CIO, check_visible=True)
    with pytest.raises(NotAllowed, match="isn't yours"):
        service.card_for(request_id=request.id, viewer="eve@acme.example", check_visible=True)


def test_failed_service_call_writes_nothing(
    service: Procurement, uow_factory: SqlUnitOfWorkFactory
) -> None:
    request = service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    before = len(outbox(uow_factory))
    with pytest.raises(IllegalTransition):
        service.reject(request_id=request.id, actor=IT[0], reason="  ", channel=Channel.SLACK)
    assert len(outbox(uow_factory)) == before
    assert service.get(request.id).status is RequestStatus.PENDING


@pytest.mark.parametrize("db_kind", ["postgresql"], indirect=True)
def test_twenty_approvers_at_once_one_decision(
    service: Procurement, uow_factory: SqlUnitOfWorkFactory
) -> None:
    """20 threads click Approve on one step: exactly one wins, 19 are told who decided."""
    many = [f"it{i}@acme.example" for i in range(20)]
    policy = example_policy()
    groups = dict(policy.groups)
    groups["it"] = groups["it"].model_copy(update={"members": many})
    service.policy = policy.model_copy(update={"groups": groups})
    request = service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    barrier = threading.Barrier(len(many))
    outcomes: list[str] = []

    def click(email: str) -> None:
        barrier.wait()
        try:
            service.approve(request_id=request.id, actor=email, channel=Channel.SLACK)
            outcomes.append("won")
        except AlreadyDecided as refused:
            outcomes.append(str(refused))

    threads = [threading.Thread(target=click, args=(email,)) for email in many]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("won") == 1
    refusals = [o for o in outcomes if o != "won"]
    assert len(refusals) == 19
    final = service.get(request.id)
    winner = final.steps[0].deciders
    assert len(winner) == 1
    assert all(f"IT review was already approved by {winner[0]}" in r for r in refusals)
    with uow_factory() as uow:
        assert [e.action for e in uow.events.for_request(request.id)].count("StepApproved") == 1
