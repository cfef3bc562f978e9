"""Edits in answer to a question, through real storage on SQLite and PostgreSQL: a change that
routing or a reviewer depends on re-opens the decisions and re-routes; wording keeps them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.app.facade import Procurement
from bot.app.ports import MessageKind, OutboxMessage
from bot.domain.errors import IllegalTransition, VendorRefused
from bot.domain.model import (
    Channel,
    DataAccess,
    PurchaseRequest,
    RequestStatus,
    StepStatus,
    Vendor,
    VendorStatus,
)
from storage.repository import SqlUnitOfWorkFactory
from tests.fakes import FINANCE, IT, PROCUREMENT, REQUESTER, SECURITY, clock, draft, example_policy

SLACK = Channel.SLACK


@pytest.fixture
def service(uow_factory: SqlUnitOfWorkFactory) -> Procurement:
    return Procurement(uow=uow_factory, policy=example_policy(), clock=clock())


def _outbox(uow_factory: SqlUnitOfWorkFactory) -> list[OutboxMessage]:
    """Everything queued so far (claimed, so the next call sees only what came after)."""
    with uow_factory() as uow:
        now = clock().now().replace(year=2100)
        claimed = uow.outbox.claim_due(now=now, limit=1000, lease_until=now)
        uow.commit()
        return claimed


def _vendor(uow_factory: SqlUnitOfWorkFactory, name: str) -> Vendor:
    with uow_factory() as uow:
        found = uow.vendors.get(name.casefold())
        assert found is not None, name
        return found


def _events(uow_factory: SqlUnitOfWorkFactory, request_id: int) -> list[tuple[str, str | None]]:
    with uow_factory() as uow:
        return [(e.action, e.step) for e in uow.events.for_request(request_id)]


def _statuses(request: PurchaseRequest) -> dict[str, StepStatus]:
    return {s.name: s.status for s in request.steps}


def _asked_after_two_approvals(service: Procurement) -> int:
    """Figma, a new vendor: IT and Security approve, Procurement asks; the request's id."""
    request_id = service.submit(requester=REQUESTER, draft=draft(), channel=SLACK).id
    assert request_id is not None
    service.approve(request_id=request_id, actor=IT[0], channel=SLACK)
    service.approve(request_id=request_id, actor=SECURITY, channel=SLACK)
    service.ask(request_id=request_id, actor=PROCUREMENT, question="Why not Canva?", channel=SLACK)
    return request_id


def test_switching_vendor_reopens_the_approvals_and_fixes_both_vendors_records(
    service: Procurement, uow_factory: SqlUnitOfWorkFactory
) -> None:
    request_id = _asked_after_two_approvals(service)
    assert _vendor(uow_factory, "Figma").status is VendorStatus.UNDER_REVIEW
    _outbox(uow_factory)

    edited = service.edit(
        request_id=request_id, actor=REQUESTER, draft=draft(vendor="Canva"), channel=SLACK
    )

    # Every step starts over: Sam approved Figma, not Canva.
    assert edited.status is RequestStatus.PENDING and edited.vendor == "Canva"
    assert _statuses(edited) == {
        "IT review": StepStatus.ACTIVE,
        "Security review": StepStatus.WAITING,
        "Procurement": StepStatus.WAITING,
    }
    assert all(not s.decisions for s in edited.steps)
    # Figma is no longer under review by this request; Canva is.
    assert _vendor(uow_factory, "Figma").status is VendorStatus.NEW
    assert _vendor(uow_factory, "Canva").status is VendorStatus.UNDER_REVIEW
    with uow_factory() as uow:
        events = uow.events.for_request(request_id)[-3:]
    assert [(e.action, e.step) for e in events] == [
        ("Edited", "Procurement"),
        ("Reopened", "IT review"),
        ("Reopened", "Security review"),
    ]
    assert events[0].comment == "vendor: Figma → Canva. Re-opened: IT review, Security review."
    assert events[2].comment == f"approved by {SECURITY} on 2026-11-23 14:00 UTC"
    # IT decides again on fresh cards; Sam and Priya hear why they wait; old cards redrawn.
    queued = _outbox(uow_factory)
    assert sorted((m.kind, m.recipient) for m in queued) == sorted(
        [
            (MessageKind.REFRESH, None),
            (MessageKind.APPROVAL_CARD, IT[0]),
            (MessageKind.APPROVAL_CARD, IT[1]),
            (MessageKind.NOTE, SECURITY),
            (MessageKind.NOTE, PROCUREMENT),
        ]
    )
    note = next(m.text for m in queued if m.recipient == SECURITY)
    assert note == (
        "PR-1001 · Figma Professional seats · $1,620.00/yr was edited by "
        f"{REQUESTER} (vendor: Figma → Canva), so Security review is asked again and earlier "
        f"decisions on it no longer count. Next: IT review ({IT[0]}, {IT[1]}). I'll send you "
        "a new card when it is its turn."
    )

    # Canva is approved by those who decided on Canva; Figma stays unreviewed.
    service.approve(request_id=request_id, actor=IT[1], channel=SLACK)
    service.approve(request_id=request_id, actor=SECURITY, channel=SLACK)
    done = service.approve(request_id=request_id, actor=PROCUREMENT, channel=SLACK)
    assert done.status is RequestStatus.APPROVED
    canva = _vendor(uow_factory, "Canva")
    assert canva.status is VendorStatus.APPROVED
    assert canva.review_outcome == f"Approved on PR-1001 by {PROCUREMENT}, {SECURITY}"
    assert _vendor(uow_factory, "Figma").status is VendorStatus.NEW


def test_an_edit_of_wording_keeps_every_decision(
    service: Procurement, uow_factory: SqlUnitOfWorkFactory
) -> None:
    request_id = _asked_after_two_approvals(service)
    _outbox(uow_factory)
    edited = service.edit(
        request_id=request_id,
        actor=REQUESTER,
        draft=draft(
            title="Figma seats for the new designers",
            justification="Three designers start on 1 December and need Figma.",
            link="https://www.figma.com/pricing/#org",
            cost_centre="design",  # the same cost centre, spelt anew
            vendor="FIGMA, Inc.",  # the same vendor
        ),
        channel=SLACK,
    )
    assert _statuses(edited) == {
        "IT review": StepStatus.APPROVED,
        "Security review": StepStatus.APPROVED,
        "Procurement": StepStatus.ACTIVE,
    }
    assert edited.step("IT review").deciders == [IT[0]]
    assert edited.vendor == "Figma" and edited.cost_centre == "design"
    assert _events(uow_factory, request_id)[-1] == ("Edited", "Procurement")
    assert sorted((m.kind, m.recipient) for m in _outbox(uow_factory)) == [
        (MessageKind.APPROVAL_CARD, PROCUREMENT),
        (MessageKind.REFRESH, None),
    ]
    assert _vendor(uow_factory, "Figma").status is VendorStatus.UNDER_REVIEW


@pytest.mark.parametrize(
    "change",
    [
        {"unit_price": Decimal("46.00")},
        {"currency": "EUR"},
        {"quantity": 4},
        {"recurrence": draft().recurrence.ANNUAL},
        {"category": draft().category.SOFTWARE},
        {"data_access": DataAccess.PERSONAL},
        {"cost_centre": "Marketing"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_any_change_routing_depends_on_reopens_the_decisions(
    service: Procurement, change: dict[str, object]
) -> None:
    request_id = _asked_after_two_approvals(service)
    edited = service.edit(
        request_id=request_id, actor=REQUESTER, draft=draft(**change), channel=SLACK
    )
    assert edited.step("IT review").status is StepStatus.ACTIVE
    assert all(not s.decisions for s in edited.steps)


def test_a_smaller_amount_drops_the_steps_it_no_longer_needs(
    service: Procurement, uow_factory: SqlUnitOfWorkFactory
) -> None:
    # 60 seats: $32,400 a year, so Finance (all of Fred and Carla) decides last.
    request_id = service.submit(requester=REQUESTER, draft=draft(quantity=60), channel=SLACK).id
    assert request_id is not None
    for approver in (IT[0], SECURITY, PROCUREMENT, FINANCE[1]):
        service.approve(request_id=request_id, actor=approver, channel=SLACK)
    service.ask(
        request_id=request_id, actor=FINANCE[0], question="Do all 60 need it?", channel=SLACK
    )
    _outbox(uow_factory)
    edited = service.edit(
        request_id=request_id, actor=REQUESTER, draft=draft(quantity=3), channel=SLACK
    )
    # Security and Procurement approved Figma on the way, so it is an approved vendor now:
    # Security is not needed again, Procurement is (from 1,000 USD), Finance no longer is.
    assert _vendor(uow_factory, "Figma").status is VendorStatus.APPROVED
    assert [s.name for s in edited.steps] == ["IT review", "Procurement"]
    assert edited.base_amount == Decimal("1620.00")
    with uow_factory() as uow:
        dropped = [e for e in uow.events.for_request(request_id) if e.action == "StepDropped"]
    assert [(e.step, e.comment) for e in dropped] == [
        ("Security review", f"approved by {SECURITY} on 2026-11-23 14:00 UTC"),
        ("Finance", f"approved by {FINANCE[1]} on 2026-11-23 14:00 UTC"),
    ]
    notes = {m.recipient: m.text for m in _outbox(uow_factory) if m.kind is MessageKind.NOTE}
    assert notes[FINANCE[0]].endswith(
        "and no longer needs Finance under the policy: nothing left for you to do."
    )
    assert notes[SECURITY].endswith(
        "no longer needs Security review under the policy: nothing left for you to do."
    )
    assert "Procurement is asked again" in notes[PROCUREMENT]
    assert set(notes) == {FINANCE[0], FINANCE[1], SECURITY, PROCUREMENT}


def test_an_edit_that_leaves_no_step_approves_the_request(
    service: Procurement, uow_factory: SqlUnitOfWorkFactory
) -> None:
    # Hardware from an approved vendor under 1,000 USD needs only IT; cheaper "other" needs
    # nothing at all under the example policy.
    with uow_factory() as uow:
        uow.vendors.add(Vendor(name="Dell", status=VendorStatus.APPROVED))
        uow.commit()
    one_off = draft().recurrence.ONE_OFF
    request = service.submit(
        requester=REQUESTER,
        draft=draft(vendor="Dell", category=draft().category.HARDWARE, recurrence=one_off),
        channel=SLACK,
    )
    request_id = request.id
    assert request_id is not None and [s.name for s in request.steps] == ["IT review"]
    service.ask(request_id=request_id, actor=IT[0], question="Is it IT's?", channel=SLACK)
    _outbox(uow_factory)
    edited = service.edit(
        request_id=request_id,
        actor=REQUESTER,
        draft=draft(
            vendor="Dell",
            category=draft().category.OTHER,
            recurrence=one_off,
            data_access=DataAccess.NONE,
        ),
        channel=SLACK,
    )
    assert edited.status is RequestStatus.APPROVED and edited.steps == []
    queued = {(m.kind, m.recipient) for m in _outbox(uow_factory)}
    assert (MessageKind.NOTE, REQUESTER) in queued  # approved: procurement places the order
    assert (MessageKind.APPROVAL_CARD, PROCUREMENT) in queued
    assert (MessageKind.NOTE, IT[0]) in queued  # no longer needs IT review


def test_a_vendor_another_open_request_qualifies_stays_under_review(
    service: Procurement, uow_factory: SqlUnitOfWorkFactory
) -> None:
    request_id = _asked_after_two_approvals(service)
    service.submit(requester=FINANCE[0], draft=draft(quantity=1), channel=SLACK)
    service.edit(request_id=request_id, actor=REQUESTER, draft=draft(vendor="Canva"), channel=SLACK)
    assert _vendor(uow_factory, "Figma").status is VendorStatus.UNDER_REVIEW


def test_an_edit_to_a_rejected_vendor_is_refused_and_changes_nothing(
    service: Procurement, uow_factory: SqlUnitOfWorkFactory
) -> None:
    request_id = _asked_after_two_approvals(service)
    with uow_factory() as uow:
        uow.vendors.add(Vendor(name="Sketchy Ltd", status=VendorStatus.REJECTED))
        uow.commit()
    with pytest.raises(VendorRefused):
        service.edit(
            request_id=request_id, actor=REQUESTER, draft=draft(vendor="Sketchy"), channel=SLACK
        )
    again = service.get(request_id)
    assert again.vendor == "Figma" and again.status is RequestStatus.CHANGES_REQUESTED
    assert again.step("IT review").deciders == [IT[0]]
    assert _vendor(uow_factory, "Figma").status is VendorStatus.UNDER_REVIEW


def test_only_a_request_waiting_for_its_requester_can_be_edited(service: Procurement) -> None:
    request_id = service.submit(requester=REQUESTER, draft=draft(), channel=SLACK).id
    assert request_id is not None
    with pytest.raises(IllegalTransition, match="only when an approver asks for changes"):
        service.edit(
            request_id=request_id, actor=REQUESTER, draft=draft(vendor="Canva"), channel=SLACK
        )
