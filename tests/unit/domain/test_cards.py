"""The neutral card: the actions of the state machine, who it waits on, headline and timeline."""

from __future__ import annotations

import inspect
import re
from decimal import Decimal
from typing import Any

import pytest

from bot.domain import purchasing, resubmission, step_changes, steps, workflow
from bot.domain.cards import Card, Fact, build_card
from bot.domain.model import (
    Category,
    Channel,
    DataAccess,
    Event,
    Money,
    PurchaseRequest,
    Recurrence,
    RequestStatus,
    StepMode,
    StepStatus,
)
from bot.domain.views import VendorHistory
from tests.unit.builders import (
    CARLA,
    DANA,
    DELEGATIONS,
    FRED,
    INES,
    LEE,
    NOW,
    OMAR,
    PAUL,
    PRIYA,
    PURCHASERS,
    REQUESTER,
    SAM,
    VIEWERS,
    make_request,
    make_step,
    request_in,
    submitted,
)

NAMES = {
    REQUESTER: "Rita",
    INES: "Ines",
    OMAR: "Omar",
    FRED: "Fred",
    CARLA: "Carla",
    SAM: "Sam",
    PRIYA: "Priya",
    PAUL: "Paul",
    DANA: "Dana",
    LEE: "Lee",
}
S = RequestStatus


def _card(request: PurchaseRequest, viewer: str = REQUESTER, **kwargs: Any) -> Card:
    return build_card(
        request=request,
        viewer=viewer,
        now=NOW,
        delegations=DELEGATIONS,
        purchasers=PURCHASERS,
        names=NAMES,
        **kwargs,
    )


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("state", list(RequestStatus))
def test_the_card_offers_exactly_the_actions_of_the_state_machine(
    state: RequestStatus, viewer: str
) -> None:
    request = request_in(state)
    email = VIEWERS[viewer]
    allowed = workflow.allowed_actions(
        request, email, now=NOW, delegations=DELEGATIONS, purchasers=PURCHASERS
    )
    card = _card(request, email)
    assert [a.action for a in card.actions] == allowed
    assert all(a.request_id == 1 for a in card.actions)
    deciding = {a.step for a in card.actions if a.action.value in ("approve", "reject", "ask")}
    assert deciding <= {"IT review"}  # the step the click would decide


def test_the_actions_carry_labels_styles_and_whether_they_need_a_form() -> None:
    card = _card(request_in(S.PENDING), OMAR)
    assert [(a.label, a.style, a.step, a.needs_form) for a in card.actions] == [
        ("Approve", "primary", "IT review", False),
        ("Reject", "danger", "IT review", True),
        ("Ask a question", None, "IT review", True),
    ]
    assert card.action_names == ["approve", "reject", "ask"]
    requester = _card(request_in(S.CHANGES_REQUESTED), REQUESTER)
    assert [(a.label, a.step, a.needs_form) for a in requester.actions] == [
        ("Reply", None, True),
        ("Edit request", None, True),
        ("Cancel request", None, False),
    ]
    purchaser = _card(request_in(S.APPROVED), PAUL)
    assert [(a.label, a.style) for a in purchaser.actions] == [("Record PO", "primary")]
    received = _card(request_in(S.ORDERED), REQUESTER)
    assert [(a.label, a.needs_form) for a in received.actions] == [("Mark received", False)]


def test_the_buttons_of_someone_in_two_parallel_steps_decide_the_one_still_open() -> None:
    request = submitted(
        [
            make_step("Finance", approvers=[LEE, FRED], stage=2, mode=StepMode.ALL),
            make_step("Security review", approvers=[LEE], stage=2),
        ]
    )
    workflow.approve(request, actor=LEE, now=NOW, channel=Channel.SLACK)
    card = _card(request, LEE)
    assert {a.step for a in card.actions} == {"Security review"}


@pytest.mark.parametrize(
    ("state", "roles"),
    [
        (
            S.PENDING,
            ["requester", "approver", "approver", "approver", "approver", "purchaser", "observer"],
        ),
        (
            S.APPROVED,
            ["requester", "approver", "approver", "approver", "observer", "purchaser", "observer"],
        ),
    ],
)
def test_viewer_roles(state: RequestStatus, roles: list[str]) -> None:
    request = request_in(state)
    assert [_card(request, email).viewer_role for email in VIEWERS.values()] == roles


STATUS_TEXTS = [
    (S.PENDING, "Waiting for IT review (Omar)"),  # Ines already approved the all-of step
    (S.CHANGES_REQUESTED, "Waiting for Rita to answer Omar"),
    (S.APPROVED, "Approved; ready to order"),
    (S.REJECTED, "Rejected by Omar at IT review"),  # not Ines, who approved before
    (S.CANCELLED, "Cancelled"),
    (S.ORDERED, "Ordered (PO PO-4500)"),
    (S.RECEIVED, "Received"),
]


@pytest.mark.parametrize(("state", "text"), STATUS_TEXTS)
def test_status_text_says_where_the_request_is_and_who_it_waits_on(
    state: RequestStatus, text: str
) -> None:
    card = _card(request_in(state))
    assert card.status is state
    assert card.status_text == text


def test_status_text_of_parallel_steps_names_everyone_awaited() -> None:
    request = submitted()
    workflow.approve(request, actor=INES, now=NOW, channel=Channel.SLACK)
    assert _card(request).status_text == "Waiting for Security review (Sam); Procurement (Priya)"


def test_unknown_people_are_shown_by_email() -> None:
    card = build_card(request=request_in(S.PENDING), viewer=REQUESTER, now=NOW)
    assert card.status_text == f"Waiting for IT review ({OMAR})"


def _catalogue_request() -> PurchaseRequest:
    request = make_request(
        category=Category.HARDWARE,
        recurrence=Recurrence.ONE_OFF,
        title="MacBook Pro 14",
        vendor="Apple",
    )
    workflow.auto_approve(request, entry="Standard laptop", now=NOW, channel=Channel.SLACK)
    return request


def test_a_catalogue_approval_says_so() -> None:
    card = _card(_catalogue_request())
    assert card.status_text == "Approved from the catalogue (Standard laptop); ready to order"
    assert card.headline == "Approved at once from the catalogue: no approval needed."
    assert card.route == []


HEADLINES = [
    (S.PENDING, None),
    (S.CHANGES_REQUESTED, "Omar asks: “Which team uses it?”"),
    (S.APPROVED, None),
    (S.REJECTED, "Reason: “Use the Miro we already pay for.”"),
    (S.CANCELLED, None),
    (S.ORDERED, None),
    (S.RECEIVED, None),
]


@pytest.mark.parametrize(("state", "headline"), HEADLINES)
def test_headline(state: RequestStatus, headline: str | None) -> None:
    assert _card(request_in(state)).headline == headline


def test_an_answered_question_leaves_the_headline() -> None:
    request = request_in(S.CHANGES_REQUESTED)
    resubmission.answer(request, actor=REQUESTER, text="Design.", now=NOW, channel=Channel.SLACK)
    assert _card(request).headline is None


def test_the_route_shows_each_step_its_approvers_and_who_decided() -> None:
    card = _card(request_in(S.APPROVED))
    assert [(r.step, r.status, r.approvers, r.decided_by, r.reason) for r in card.route] == [
        ("IT review", StepStatus.APPROVED, "Ines and Omar", "Ines and Omar", "a test rule"),
        ("Finance", StepStatus.APPROVED, "Fred", "Fred", "a test rule"),
    ]


def test_facts_of_a_foreign_currency_subscription() -> None:
    request = make_request(
        unit_price=Money(Decimal("45.00"), "EUR"),
        base_amount=Decimal("1749.60"),
        link="https://figma.com/pricing",
        po_number="PO-9",
    )
    card = _card(request)
    assert card.number == "PR-1001"
    assert card.title == "3 Figma Professional seats"
    assert list(card.facts) == [
        Fact("Requester", "Rita"),
        Fact("Vendor", "Figma (new vendor)"),
        Fact("Cost", "3 × €45.00 = €135.00/month (€1,620.00 a year)"),
        Fact("Category", "SaaS subscription"),
        Fact("Cost centre", "Design"),
        Fact("Needed by", "—"),
        Fact("In USD", "$1,749.60 a year"),
        Fact("Data access", "Internal data"),
        Fact("Justification", "The design team moves off Sketch this quarter."),
        Fact("Quote", "https://figma.com/pricing"),
        Fact("PO", "PO-9"),
    ]


def test_hardware_facts_skip_data_access_unless_it_touches_data() -> None:
    def labels(request: PurchaseRequest) -> list[str]:
        return [fact.label for fact in _card(request).facts]

    assert "Data access" not in labels(
        make_request(category=Category.HARDWARE, data_access=DataAccess.NONE)
    )
    assert "Data access" in labels(
        make_request(category=Category.SAAS, data_access=DataAccess.NONE)
    )
    assert "Data access" in labels(
        make_request(category=Category.HARDWARE, data_access=DataAccess.PERSONAL)
    )
    assert "In USD" not in labels(make_request())


def test_vendor_history_notice() -> None:
    first = _card(
        request_in(S.PENDING),
        history=VendorHistory(requests=0, approved_spend=Decimal(0), recent=[]),
    )
    assert first.notice == "First request for this vendor."
    earlier = [request_in(S.APPROVED), request_in(S.PENDING)]
    earlier[0].id, earlier[1].id = 2, 3
    notice = _card(
        request_in(S.PENDING),
        history=VendorHistory(requests=2, approved_spend=Decimal("3240"), recent=earlier),
    ).notice
    # Approvers read what the requester was told: who holds what, owner and number.
    assert notice == (
        "Design already has 3 Figma Professional seats (Figma, monthly), PR-1002, owner Rita; "
        "Design has asked for 3 Figma Professional seats (Figma, monthly), PR-1003, owner Rita; "
        "ask for a seat instead? ($3,240.00 a year approved for this vendor so far.)"
    )
    gone = [request_in(S.REJECTED)]
    gone[0].id = 4
    only_rejected = _card(
        request_in(S.PENDING),
        history=VendorHistory(requests=1, approved_spend=Decimal(0), recent=gone),
    ).notice
    assert only_rejected == (
        "1 earlier request for this vendor, $0.00 a year approved. Recent: PR-1004 (rejected)."
    )
    assert _card(request_in(S.PENDING)).notice is None


def test_only_saved_requests_have_cards() -> None:
    with pytest.raises(AssertionError):
        _card(make_request(request_id=None))


# ---------------------------------------------------------------------------------------------
# Timeline


def _event(action: str, *, actor: str = OMAR, step: str | None = None, comment: str = "") -> Event:
    return Event(
        action=action, actor=actor, at=NOW, channel=Channel.SLACK, step=step, comment=comment
    )


TIMELINE = [
    (_event("Submitted", actor=REQUESTER), "Submitted by Rita"),
    (
        _event("AutoApproved", actor="policy", comment="Catalogue entry: Standard laptop"),
        "Approved from the catalogue: “Catalogue entry: Standard laptop”",
    ),
    (
        _event("Approved", step="IT review", comment="Waiting for the other approvers."),
        "Approved IT review by Omar: “Waiting for the other approvers.”",
    ),
    (_event("Approved", comment="Every step approved."), "Approved: “Every step approved.”"),
    (
        _event("Approved", actor="policy", comment="No approval step applies under the policy."),
        "Approved: “No approval step applies under the policy.”",
    ),
    (_event("StepApproved", step="IT review"), "IT review approved by Omar"),
    (
        _event("StepApproved", step="IT review", comment="Fine."),
        "IT review approved by Omar: “Fine.”",
    ),
    (
        _event("Rejected", step="IT review", comment="Use Miro."),
        "Rejected at IT review by Omar: “Use Miro.”",
    ),
    (_event("QuestionAsked", step="IT review", comment="Which team?"), "Omar asked: “Which team?”"),
    (
        _event("Answered", actor=REQUESTER, step="IT review", comment="Design."),
        "Rita answered: “Design.”",
    ),
    (
        _event("Edited", actor=REQUESTER, comment="quantity: 3 → 2"),
        "Rita edited the request: “quantity: 3 → 2”",
    ),
    (
        _event("Reopened", actor="policy", step="IT review", comment=f"approved by {INES}"),
        f"IT review re-opened by the edit; earlier votes: “approved by {INES}”",
    ),
    (
        _event("StepDropped", actor="policy", step="Finance"),
        "Finance no longer needed under the policy",
    ),
    (
        _event("StepAdded", actor="policy", step="Finance", comment="Finance from 25,000 USD"),
        "Finance added under the policy: “Finance from 25,000 USD”",
    ),
    (_event("Cancelled", actor=REQUESTER), "Cancelled by Rita"),
    (
        _event("Cancelled", actor=REQUESTER, comment="Not needed."),
        "Cancelled by Rita: “Not needed.”",
    ),
    (
        _event("Reassigned", step="IT review", comment=f"{OMAR} -> {LEE}"),
        f"IT review reassigned by Omar: “{OMAR} -> {LEE}”",
    ),
    (
        _event("Escalated", actor="policy", step="IT review", comment="No decision in 72 hours."),
        "IT review escalated: “No decision in 72 hours.”",
    ),
    (_event("Reminded", actor="policy", step="IT review"), "Reminder sent for IT review"),
    (_event("Ordered", actor=PAUL, comment="PO PO-77"), "Ordered by Paul: “PO PO-77”"),
    (_event("Received", actor=REQUESTER), "Received, confirmed by Rita"),
    (
        _event("RenewalNoticed", actor="policy", comment="2026-12-30"),
        "Renewal reminder sent (renews 2026-12-30)",
    ),
    (
        _event("LetLapse", actor=PAUL, comment="Not renewed on 2026-12-30"),
        "Paul chose not to renew: “Not renewed on 2026-12-30”",
    ),
    (
        _event("RenewalRequested", actor=REQUESTER, comment="Renewed by PR-1042"),
        "Rita asked to renew: “Renewed by PR-1042”",
    ),
    (
        _event("VendorApproved", actor=SAM, comment="SOC 2 report on file."),
        "VendorApproved by Sam: “SOC 2 report on file.”",
    ),
]


@pytest.mark.parametrize(("event", "text"), TIMELINE, ids=[t for _, t in TIMELINE])
def test_timeline_text(event: Event, text: str) -> None:
    card = _card(request_in(S.PENDING), events=[event])
    assert [(entry.at, entry.text) for entry in card.timeline] == [(NOW, text)]


def test_every_event_the_state_machine_records_has_its_own_timeline_text() -> None:
    # A new event in the state machine would otherwise show as a bare "NewThing by Omar".
    source = "".join(
        inspect.getsource(m) for m in (workflow, steps, resubmission, step_changes, purchasing)
    )
    recorded = set(re.findall(r'action(?::\s*str)?\s*=\s*"(\w+)"', source))
    assert {"Submitted", "Answered", "Edited", "Escalated"} <= recorded
    assert recorded <= {event.action for event, _ in TIMELINE} - {"VendorApproved"}


def test_an_approver_whose_decision_an_edit_reopened_is_told_what_changed() -> None:
    request = submitted(
        [
            make_step("IT review", approvers=[INES, OMAR]),
            make_step("Finance", approvers=[FRED], stage=2),
        ]
    )
    workflow.approve(request, actor=INES, now=NOW, channel=Channel.SLACK)
    workflow.ask(request, actor=FRED, question="Why Miro?", now=NOW, channel=Channel.SLACK)
    resubmission.resubmit(
        request,
        actor=REQUESTER,
        changes="vendor: Figma → Miro",
        route=[make_step("IT review", approvers=[INES, OMAR])],
        now=NOW,
        channel=Channel.SLACK,
    )
    events = list(request.pending_events)
    card = _card(request, INES, events=events)
    assert card.headline == (
        "Rita edited the request after IT review was decided: vendor: Figma → Miro. "
        "Re-opened: IT review. Decide again: earlier decisions no longer count."
    )
    assert card.action_names == ["approve", "reject", "ask"]
    assert _card(request, REQUESTER, events=events).headline is None
    workflow.approve(request, actor=INES, now=NOW, channel=Channel.SLACK)
    assert _card(request, INES, events=events).headline is None  # decided again
