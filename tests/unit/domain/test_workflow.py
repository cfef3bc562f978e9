"""The approval state machine: every move from every state, who may make it, and its audit trail."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.domain import purchasing, resubmission, step_changes, workflow
from bot.domain.errors import (
    AlreadyDecided,
    DomainError,
    IllegalTransition,
    InvalidInput,
    NotAllowed,
)
from bot.domain.model import (
    Channel,
    Delegation,
    PurchaseRequest,
    Recurrence,
    RequestStatus,
    Step,
    StepMode,
    StepStatus,
)
from bot.domain.workflow import Action
from tests.typed import present
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
    STRANGER,
    TODAY,
    VIEWERS,
    make_request,
    make_step,
    request_in,
    submitted,
)

S = RequestStatus
PENDING, CHANGES, APPROVED, REJECTED, CANCELLED, ORDERED, RECEIVED = (
    S.PENDING,
    S.CHANGES_REQUESTED,
    S.APPROVED,
    S.REJECTED,
    S.CANCELLED,
    S.ORDERED,
    S.RECEIVED,
)
ALL_STATES = list(RequestStatus)
CH = Channel.TEAMS  # the moves under test come from Teams; the scenarios were built in Slack

# ---------------------------------------------------------------------------------------------
# Every move from every state (request_in: IT review needs INES and OMAR, INES has approved;
# Finance, stage 2, is FRED alone; DANA stands in for OMAR today; PAUL is procurement).

Move = Callable[[PurchaseRequest], object]

MOVES: dict[str, tuple[str, Move]] = {
    "approve by omar": (
        OMAR,
        lambda r: workflow.approve(r, actor=OMAR, now=NOW, channel=CH),
    ),
    "approve by fred (stage 2)": (
        FRED,
        lambda r: workflow.approve(r, actor=FRED, now=NOW, channel=CH),
    ),
    "approve by ines again": (
        INES,
        lambda r: workflow.approve(r, actor=INES, now=NOW, channel=CH),
    ),
    "approve by stranger": (
        STRANGER,
        lambda r: workflow.approve(r, actor=STRANGER, now=NOW, channel=CH),
    ),
    "approve by requester": (
        REQUESTER,
        lambda r: workflow.approve(r, actor=REQUESTER, now=NOW, channel=CH),
    ),
    "reject by omar": (
        OMAR,
        lambda r: workflow.reject(r, actor=OMAR, reason="Too dear.", now=NOW, channel=CH),
    ),
    "ask by omar": (
        OMAR,
        lambda r: workflow.ask(r, actor=OMAR, question="Why not Miro?", now=NOW, channel=CH),
    ),
    "answer by requester": (
        REQUESTER,
        lambda r: resubmission.answer(
            r, actor=REQUESTER, text="Design needs it.", now=NOW, channel=CH
        ),
    ),
    "edit by requester": (
        REQUESTER,
        lambda r: resubmission.resubmit(
            r, actor=REQUESTER, changes="quantity: 3 → 2", route=None, now=NOW, channel=CH
        ),
    ),
    "cancel by requester": (
        REQUESTER,
        lambda r: step_changes.cancel(
            r, actor=REQUESTER, now=NOW, channel=CH, reason="Not needed."
        ),
    ),
    "cancel by omar": (
        OMAR,
        lambda r: step_changes.cancel(r, actor=OMAR, now=NOW, channel=CH),
    ),
    "reassign by omar to lee": (
        OMAR,
        lambda r: step_changes.reassign(r, actor=OMAR, to=LEE, now=NOW, channel=CH),
    ),
    "record PO by purchaser": (
        PAUL,
        lambda r: purchasing.record_po(
            r, actor=PAUL, po_number="PO-77", purchasers=PURCHASERS, now=NOW, channel=CH
        ),
    ),
    "record PO by requester": (
        REQUESTER,
        lambda r: purchasing.record_po(
            r, actor=REQUESTER, po_number="PO-77", purchasers=PURCHASERS, now=NOW, channel=CH
        ),
    ),
    "mark received by requester": (
        REQUESTER,
        lambda r: purchasing.mark_received(
            r, actor=REQUESTER, purchasers=PURCHASERS, now=NOW, channel=CH
        ),
    ),
    "mark received by purchaser": (
        PAUL,
        lambda r: purchasing.mark_received(
            r, actor=PAUL, purchasers=PURCHASERS, now=NOW, channel=CH
        ),
    ),
    "mark received by stranger": (
        STRANGER,
        lambda r: purchasing.mark_received(
            r, actor=STRANGER, purchasers=PURCHASERS, now=NOW, channel=CH
        ),
    ),
}

# move -> the status it leads to from each state, or the error it raises there.
ILL, NOT, DONE = IllegalTransition, NotAllowed, AlreadyDecided
Outcome = RequestStatus | type[DomainError]


def row(*outcomes: Outcome) -> dict[RequestStatus, Outcome]:
    """Outcomes from: pending, changes_requested, approved, rejected, cancelled, ordered,
    received."""
    return dict(zip(ALL_STATES, outcomes, strict=True))


# fmt: off
TRANSITIONS: dict[str, dict[RequestStatus, Outcome]] = {
    # from:                           pending    changes    approved rej.  canc ordered   received
    "approve by omar":            row(PENDING,   ILL,       DONE,    DONE, ILL, DONE,     DONE),
    "approve by fred (stage 2)":  row(ILL,       ILL,       DONE,    ILL,  ILL, DONE,     DONE),
    "approve by ines again":      row(DONE,      DONE,      DONE,    DONE, ILL, DONE,     DONE),
    "approve by stranger":        row(NOT,       NOT,       NOT,     NOT,  NOT, NOT,      NOT),
    "approve by requester":       row(NOT,       NOT,       NOT,     NOT,  NOT, NOT,      NOT),
    "reject by omar":             row(REJECTED,  REJECTED,  DONE,    DONE, ILL, DONE,     DONE),
    "ask by omar":                row(CHANGES,   ILL,       DONE,    DONE, ILL, DONE,     DONE),
    "answer by requester":        row(ILL,       PENDING,   ILL,     ILL,  ILL, ILL,      ILL),
    "edit by requester":          row(ILL,       PENDING,   ILL,     ILL,  ILL, ILL,      ILL),
    "cancel by requester":        row(CANCELLED, CANCELLED, ILL,     ILL,  ILL, ILL,      ILL),
    "cancel by omar":             row(NOT,       NOT,       NOT,     NOT,  NOT, NOT,      NOT),
    "reassign by omar to lee":    row(PENDING,   CHANGES,   DONE,    DONE, ILL, DONE,     DONE),
    "record PO by purchaser":     row(ILL,       ILL,       ORDERED, ILL,  ILL, ILL,      ILL),
    "record PO by requester":     row(NOT,       NOT,       NOT,     NOT,  NOT, NOT,      NOT),
    "mark received by requester": row(ILL,       ILL,       ILL,     ILL,  ILL, RECEIVED, ILL),
    "mark received by purchaser": row(ILL,       ILL,       ILL,     ILL,  ILL, RECEIVED, ILL),
    "mark received by stranger":  row(NOT,       NOT,       NOT,     NOT,  NOT, NOT,      NOT),
}
# fmt: on
TRANSITION_ROWS = [
    pytest.param(move, state, expected, id=f"{move} from {state.value}")
    for move, row in TRANSITIONS.items()
    for state, expected in row.items()
]


def test_the_transition_table_covers_every_move_from_every_state() -> None:
    assert set(TRANSITIONS) == set(MOVES)
    assert all(set(row) == set(RequestStatus) for row in TRANSITIONS.values())


@pytest.mark.parametrize(("move", "state", "expected"), TRANSITION_ROWS)
def test_transition(move: str, state: RequestStatus, expected: Outcome) -> None:
    request = request_in(state)
    actor, do = MOVES[move]
    if isinstance(expected, RequestStatus):
        do(request)
        assert request.status is expected
        event = request.pending_events[-1]
        assert (event.from_status, event.to_status) == (state, expected)
        assert (event.actor, event.channel, event.at, event.request_id) == (actor, CH, NOW, 1)
        assert request.updated_at == NOW
    else:
        before = copy.deepcopy(request)
        with pytest.raises(expected) as raised:
            do(request)
        assert str(raised.value)  # a sentence for the person, never empty
        # An illegal move changes nothing (steps, votes, questions...) and leaves no trace.
        assert request == before
        assert request.pending_events == []


@pytest.mark.parametrize("state", ALL_STATES)
def test_submit_and_auto_approve_only_start_a_new_request(state: RequestStatus) -> None:
    request = request_in(state)
    with pytest.raises(IllegalTransition, match="already submitted"):
        workflow.submit(request, steps=[make_step("X", approvers=[LEE])], now=NOW, channel=CH)
    with pytest.raises(IllegalTransition, match="already submitted"):
        workflow.auto_approve(request, entry="Standard laptop", now=NOW, channel=CH)


@pytest.mark.parametrize(
    ("state", "escalates"),
    [
        (PENDING, True),
        (CHANGES, True),
        (APPROVED, False),
        (REJECTED, False),
        (CANCELLED, False),
        (ORDERED, False),
        (RECEIVED, False),
    ],
)
def test_add_approvers_only_widens_an_active_step_of_an_open_request(
    state: RequestStatus, escalates: bool
) -> None:
    request = request_in(state)
    added = step_changes.add_approvers(
        request, step_name="IT review", approvers=[LEE], now=NOW, reason="No decision in 72 hours."
    )
    assert added == ([LEE] if escalates else [])
    assert (LEE in present(request.step("IT review")).approvers) is escalates
    assert len(request.pending_events) == (1 if escalates else 0)
    assert request.status is state


# ---------------------------------------------------------------------------------------------
# allowed_actions for every state and viewer, and the moves agree with it

A = Action
DECIDER = [A.APPROVE, A.REJECT, A.ASK]
_NOTHING: dict[str, list[Action]] = {viewer: [] for viewer in VIEWERS}
ALLOWED: dict[RequestStatus, dict[str, list[Action]]] = {
    PENDING: {
        "requester": [A.CANCEL],
        "approver of the active step": DECIDER,
        "approver of a waiting step": [],
        "approver who already voted": [],
        "delegate": DECIDER,
        "purchaser": [],
        "stranger": [],
    },
    CHANGES: {
        "requester": [A.ANSWER, A.EDIT, A.CANCEL],
        "approver of the active step": [A.REJECT],
        "approver of a waiting step": [],
        "approver who already voted": [],
        "delegate": [A.REJECT],
        "purchaser": [],
        "stranger": [],
    },
    APPROVED: {**_NOTHING, "purchaser": [A.RECORD_PO]},
    REJECTED: _NOTHING,
    CANCELLED: _NOTHING,
    ORDERED: {**_NOTHING, "requester": [A.MARK_RECEIVED], "purchaser": [A.MARK_RECEIVED]},
    RECEIVED: _NOTHING,
}
VIEWER_ROWS = [
    pytest.param(state, viewer, id=f"{state.value}-{viewer}")
    for state in ALL_STATES
    for viewer in VIEWERS
]


@pytest.mark.parametrize(("state", "viewer"), VIEWER_ROWS)
def test_allowed_actions(state: RequestStatus, viewer: str) -> None:
    request = request_in(state)
    actions = workflow.allowed_actions(
        request, VIEWERS[viewer], now=NOW, delegations=DELEGATIONS, purchasers=PURCHASERS
    )
    assert actions == ALLOWED[state][viewer]


def _take(action: Action, request: PurchaseRequest, actor: str) -> None:
    common: dict[str, Any] = {"actor": actor, "now": NOW, "channel": CH}
    deciding: dict[str, Any] = {**common, "delegations": DELEGATIONS}
    match action:
        case A.APPROVE:
            workflow.approve(request, **deciding)
        case A.REJECT:
            workflow.reject(request, reason="Too dear.", **deciding)
        case A.ASK:
            workflow.ask(request, question="Why not Miro?", **deciding)
        case A.ANSWER:
            resubmission.answer(request, text="Design needs it.", **common)
        case A.EDIT:
            resubmission.resubmit(request, changes="title: a → b", route=None, **common)
        case A.CANCEL:
            step_changes.cancel(request, **common)
        case A.RECORD_PO:
            purchasing.record_po(request, po_number="PO-1", purchasers=PURCHASERS, **common)
        case A.MARK_RECEIVED:
            purchasing.mark_received(request, purchasers=PURCHASERS, **common)
        case A.RENEW:  # offered only once a renewal is announced: none is here
            purchasing.renewal_requested(
                request, purchasers=PURCHASERS, renewal_number="PR-2000", renews_on=None, **common
            )
        case A.LET_LAPSE:
            purchasing.let_lapse(request, purchasers=PURCHASERS, renews_on=None, **common)


@pytest.mark.parametrize(("state", "viewer"), VIEWER_ROWS)
def test_every_action_offered_succeeds_and_every_other_is_refused(
    state: RequestStatus, viewer: str
) -> None:
    # Cards show exactly allowed_actions: a button that fails, or a move no button offers,
    # would be a bug on both platforms at once.
    allowed = ALLOWED[state][viewer]
    wrong = []
    for action in Action:
        request = request_in(state)
        try:
            _take(action, request, VIEWERS[viewer])
            succeeded = True
        except DomainError:
            succeeded = False
        if succeeded is not (action in allowed):
            wrong.append(f"{action.value}: {'succeeded' if succeeded else 'refused'}")
    assert wrong == []


# ---------------------------------------------------------------------------------------------
# The audit events of every move

EVENT_ROWS = [
    # move, (action, actor, channel, step, comment, from, to)
    ("approve by omar", ("StepApproved", OMAR, CH, "IT review", "", PENDING, PENDING)),
    ("reject by omar", ("Rejected", OMAR, CH, "IT review", "Too dear.", PENDING, REJECTED)),
    ("ask by omar", ("QuestionAsked", OMAR, CH, "IT review", "Why not Miro?", PENDING, CHANGES)),
    ("cancel by requester", ("Cancelled", REQUESTER, CH, None, "Not needed.", PENDING, CANCELLED)),
    (
        "reassign by omar to lee",
        ("Reassigned", OMAR, CH, "IT review", f"{OMAR} -> {LEE}", PENDING, PENDING),
    ),
]


@pytest.mark.parametrize(("move", "expected"), EVENT_ROWS, ids=[r[0] for r in EVENT_ROWS])
def test_events_of_moves_on_a_pending_request(move: str, expected: tuple[object, ...]) -> None:
    request = request_in(PENDING)
    MOVES[move][1](request)
    event = request.pending_events[-1]
    assert (
        event.action,
        event.actor,
        event.channel,
        event.step,
        event.comment,
        event.from_status,
        event.to_status,
    ) == expected


@pytest.mark.parametrize(
    ("state", "move", "expected"),
    [
        (
            CHANGES,
            "answer by requester",
            ("Answered", REQUESTER, CH, "IT review", "Design needs it.", CHANGES, PENDING),
        ),
        (
            CHANGES,
            "edit by requester",
            ("Edited", REQUESTER, CH, "IT review", "quantity: 3 → 2", CHANGES, PENDING),
        ),
        (
            CHANGES,
            "reject by omar",
            ("Rejected", OMAR, CH, "IT review", "Too dear.", CHANGES, REJECTED),
        ),
        (
            APPROVED,
            "record PO by purchaser",
            ("Ordered", PAUL, CH, None, "PO PO-77", APPROVED, ORDERED),
        ),
        (
            ORDERED,
            "mark received by purchaser",
            ("Received", PAUL, CH, None, "", ORDERED, RECEIVED),
        ),
    ],
)
def test_events_of_later_moves(
    state: RequestStatus, move: str, expected: tuple[object, ...]
) -> None:
    request = request_in(state)
    MOVES[move][1](request)
    event = request.pending_events[-1]
    assert (
        event.action,
        event.actor,
        event.channel,
        event.step,
        event.comment,
        event.from_status,
        event.to_status,
    ) == expected


def _summary(request: PurchaseRequest) -> list[tuple[object, ...]]:
    return [
        (e.action, e.actor, e.channel, e.step, e.from_status, e.to_status)
        for e in request.pending_events
    ]


def test_submit_records_the_submission_and_asks_the_first_stage() -> None:
    request = make_request()
    steps = [
        make_step("IT review", approvers=[INES], stage=1),
        make_step("Finance", approvers=[FRED], stage=2),
    ]
    activated = workflow.submit(request, steps=steps, now=NOW, channel=Channel.SLACK)
    assert [s.name for s in activated] == ["IT review"]
    assert request.status is PENDING
    assert [s.status for s in request.steps] == [StepStatus.ACTIVE, StepStatus.WAITING]
    assert request.steps[0].activated_at == NOW
    assert _summary(request) == [("Submitted", REQUESTER, Channel.SLACK, None, None, PENDING)]


def test_submit_without_any_step_approves_at_once_on_the_policy_s_behalf() -> None:
    request = make_request()
    assert workflow.submit(request, steps=[], now=NOW, channel=Channel.SLACK) == []
    assert request.status is APPROVED
    assert _summary(request) == [
        ("Submitted", REQUESTER, Channel.SLACK, None, None, PENDING),
        ("Approved", "policy", Channel.SYSTEM, None, PENDING, APPROVED),
    ]
    assert "No approval step" in request.pending_events[-1].comment


def test_auto_approve_names_the_catalogue_entry() -> None:
    request = make_request()
    workflow.auto_approve(request, entry="Standard laptop", now=NOW, channel=Channel.TEAMS)
    assert request.status is APPROVED
    assert request.catalogue_entry == "Standard laptop"
    assert request.steps == []
    assert _summary(request) == [
        ("Submitted", REQUESTER, Channel.TEAMS, None, None, PENDING),
        ("AutoApproved", "policy", Channel.SYSTEM, None, PENDING, APPROVED),
    ]
    assert request.pending_events[-1].comment == "Catalogue entry: Standard laptop"


def test_add_approvers_records_an_escalation_by_the_policy() -> None:
    request = request_in(PENDING)
    step_changes.add_approvers(
        request, step_name="IT review", approvers=[LEE], now=NOW, reason="No decision in 72 hours."
    )
    assert _summary(request) == [
        ("Escalated", "policy", Channel.SYSTEM, "IT review", PENDING, PENDING)
    ]
    assert request.pending_events[-1].comment == "No decision in 72 hours."


# ---------------------------------------------------------------------------------------------
# Stages, parallel steps and modes


def _statuses(request: PurchaseRequest) -> dict[str, StepStatus]:
    return {s.name: s.status for s in request.steps}


def test_parallel_steps_of_a_stage_both_needed_before_the_next_stage() -> None:
    request = submitted()  # IT (1); Security + Procurement (2); Finance, all (3)
    activated = workflow.approve(request, actor=OMAR, now=NOW, channel=CH)
    assert [s.name for s in activated] == ["Security review", "Procurement"]
    assert _statuses(request) == {
        "IT review": StepStatus.APPROVED,
        "Security review": StepStatus.ACTIVE,
        "Procurement": StepStatus.ACTIVE,
        "Finance": StepStatus.WAITING,
    }

    assert workflow.approve(request, actor=SAM, now=NOW, channel=CH) == []
    assert present(request.step("Finance")).status is StepStatus.WAITING
    with pytest.raises(IllegalTransition, match="starts after the earlier steps"):
        workflow.approve(request, actor=FRED, now=NOW, channel=CH)

    activated = workflow.approve(request, actor=PRIYA, now=NOW, channel=CH)
    assert [s.name for s in activated] == ["Finance"]
    assert present(request.step("Finance")).activated_at == NOW
    assert request.status is PENDING


def test_all_mode_needs_every_approver_and_one_vote_leaves_the_step_active() -> None:
    request = submitted()
    for approver in (INES, SAM, PRIYA):
        workflow.approve(request, actor=approver, now=NOW, channel=CH)
    request.pending_events.clear()

    assert workflow.approve(request, actor=FRED, now=NOW, channel=CH, comment="Budgeted.") == []
    finance = present(request.step("Finance"))
    assert finance.status is StepStatus.ACTIVE
    assert request.status is PENDING
    assert _summary(request) == [("Approved", FRED, CH, "Finance", PENDING, PENDING)]
    assert request.pending_events[-1].comment == "Budgeted."
    with pytest.raises(AlreadyDecided, match="You already decided Finance"):
        workflow.approve(request, actor=FRED, now=NOW, channel=CH)

    workflow.approve(request, actor=CARLA, now=NOW, channel=CH)
    assert finance.status is StepStatus.APPROVED
    assert finance.deciders == [FRED, CARLA]
    assert request.status is APPROVED
    assert _summary(request)[-2:] == [
        ("StepApproved", CARLA, CH, "Finance", PENDING, PENDING),
        ("Approved", CARLA, CH, None, PENDING, APPROVED),
    ]
    assert request.pending_events[-1].comment == "Every step approved."


def test_all_mode_partial_vote_without_comment_says_it_waits_for_the_others() -> None:
    request = submitted([make_step("IT review", approvers=[INES, OMAR], mode=StepMode.ALL)])
    workflow.approve(request, actor=INES, now=NOW, channel=CH)
    assert request.pending_events[-1].comment == "Waiting for the other approvers."


def test_any_mode_one_approval_decides_the_step_for_everyone() -> None:
    request = submitted()
    workflow.approve(request, actor=INES, now=NOW, channel=CH, comment="Fine by IT.")
    it = present(request.step("IT review"))
    assert it.status is StepStatus.APPROVED
    assert it.decided_at == NOW
    assert [(d.approver, d.outcome, d.comment) for d in it.decisions] == [
        (INES, StepStatus.APPROVED, "Fine by IT.")
    ]
    with pytest.raises(AlreadyDecided) as raised:
        workflow.approve(request, actor=OMAR, step_name="IT review", now=NOW, channel=CH)
    assert str(raised.value) == f"IT review was already approved by {INES}."


def test_a_second_click_names_who_decided_first() -> None:
    request = submitted()
    workflow.reject(request, actor=INES, reason="Use Miro.", now=NOW, channel=CH)
    for move in (
        lambda: workflow.approve(request, actor=OMAR, now=NOW, channel=CH),
        lambda: workflow.reject(request, actor=OMAR, reason="No.", now=NOW, channel=CH),
        lambda: workflow.ask(request, actor=OMAR, question="Why?", now=NOW, channel=CH),
    ):
        with pytest.raises(AlreadyDecided, match=f"IT review was already rejected by {INES}"):
            move()


def test_already_rejected_names_only_who_rejected_in_an_all_mode_step() -> None:
    request = request_in(REJECTED)  # INES approved, then OMAR rejected the all-of IT review
    with pytest.raises(AlreadyDecided) as raised:
        workflow.approve(request, actor=INES, now=NOW, channel=CH)
    assert str(raised.value) == f"IT review was already rejected by {OMAR}."


def test_rejecting_closes_every_open_step_and_keeps_the_reason() -> None:
    request = submitted()
    workflow.approve(request, actor=INES, now=NOW, channel=CH)
    step = workflow.reject(
        request, actor=SAM, reason="Vendor fails our review.", now=NOW, channel=CH
    )
    assert step.name == "Security review"
    assert request.status is REJECTED
    assert request.rejection_reason == "Vendor fails our review."
    assert _statuses(request) == {
        "IT review": StepStatus.APPROVED,
        "Security review": StepStatus.REJECTED,
        "Procurement": StepStatus.CLOSED,
        "Finance": StepStatus.CLOSED,
    }
    assert step.decisions[0].outcome is StepStatus.REJECTED
    assert step.decisions[0].comment == "Vendor fails our review."


@pytest.mark.parametrize("reason", ["", "   ", "\n"])
def test_reject_needs_a_reason(reason: str) -> None:
    request = submitted()
    with pytest.raises(IllegalTransition, match="Give a reason"):
        workflow.reject(request, actor=INES, reason=reason, now=NOW, channel=CH)
    assert request.status is PENDING


def test_approve_while_waiting_for_the_requester_is_refused() -> None:
    request = submitted()
    workflow.ask(request, actor=INES, question="Which team?", now=NOW, channel=CH)
    with pytest.raises(IllegalTransition, match="waiting for the requester's answer"):
        workflow.approve(request, actor=OMAR, now=NOW, channel=CH)
    resubmission.answer(request, actor=REQUESTER, text="Design.", now=NOW, channel=CH)
    workflow.approve(request, actor=OMAR, now=NOW, channel=CH)
    assert present(request.step("IT review")).status is StepStatus.APPROVED


def test_approving_a_step_by_name() -> None:
    request = submitted()
    workflow.approve(request, actor=INES, now=NOW, channel=CH)
    workflow.approve(request, actor=PRIYA, step_name="Procurement", now=NOW, channel=CH)
    assert present(request.step("Procurement")).status is StepStatus.APPROVED
    with pytest.raises(NotAllowed, match="has no step called Legal"):
        workflow.approve(request, actor=PRIYA, step_name="Legal", now=NOW, channel=CH)


def test_someone_in_two_parallel_steps_decides_the_one_still_waiting_for_them() -> None:
    # LEE approves in both stage-2 steps; Finance needs both him and FRED.
    request = submitted(
        [
            make_step("Finance", approvers=[LEE, FRED], stage=2, mode=StepMode.ALL),
            make_step("Security review", approvers=[LEE], stage=2),
        ]
    )
    workflow.approve(request, actor=LEE, now=NOW, channel=CH)
    assert present(request.step("Finance")).deciders == [LEE]
    assert workflow.allowed_actions(request, LEE, now=NOW) == DECIDER
    workflow.approve(request, actor=LEE, now=NOW, channel=CH)  # the button he was offered
    assert present(request.step("Security review")).status is StepStatus.APPROVED


# ---------------------------------------------------------------------------------------------
# Questions and edits


def test_ask_and_answer_round_trip() -> None:
    request = submitted()
    question = workflow.ask(
        request, actor=OMAR, question="  Which team uses it?  ", now=NOW, channel=CH
    )
    assert (question.asked_by, question.step, question.text) == (
        OMAR,
        "IT review",
        "Which team uses it?",
    )
    assert request.open_question is question
    with pytest.raises(IllegalTransition, match="already waits for an answer"):
        workflow.ask(request, actor=INES, question="And when?", now=NOW, channel=CH)

    answered = resubmission.answer(request, actor=REQUESTER, text=" Design. ", now=NOW, channel=CH)
    assert answered is question
    assert (question.answer, question.answered_at) == ("Design.", NOW)
    assert request.open_question is None
    assert request.status is PENDING


def test_ask_needs_a_question_and_answer_needs_text() -> None:
    request = submitted()
    with pytest.raises(IllegalTransition, match="Type the question"):
        workflow.ask(request, actor=OMAR, question=" ", now=NOW, channel=CH)
    workflow.ask(request, actor=OMAR, question="Why?", now=NOW, channel=CH)
    with pytest.raises(IllegalTransition, match="Type an answer"):
        resubmission.answer(request, actor=REQUESTER, text="  ", now=NOW, channel=CH)
    with pytest.raises(NotAllowed, match=f"Only {REQUESTER} can answer"):
        resubmission.answer(request, actor=OMAR, text="Because.", now=NOW, channel=CH)
    with pytest.raises(NotAllowed, match=f"Only {REQUESTER} can edit"):
        resubmission.resubmit(request, actor=OMAR, changes="x", route=None, now=NOW, channel=CH)


def test_an_approver_may_still_reject_while_waiting_for_an_answer() -> None:
    request = submitted()
    workflow.ask(request, actor=OMAR, question="Why?", now=NOW, channel=CH)
    workflow.reject(request, actor=INES, reason="We have Miro.", now=NOW, channel=CH)
    assert request.status is REJECTED


def _asked_after_it_approved() -> PurchaseRequest:
    """IT approved by Ines, Security approved by Sam; Procurement asks a question."""
    request = submitted()
    workflow.approve(request, actor=INES, now=NOW, channel=CH)
    workflow.approve(request, actor=SAM, now=NOW, channel=CH)
    workflow.ask(request, actor=PRIYA, question="Why not Miro?", now=NOW, channel=CH)
    request.pending_events.clear()
    return request


def _reroute(
    request: PurchaseRequest, route: list[Step], *, at: datetime
) -> resubmission.Resubmission:
    return resubmission.resubmit(
        request, actor=REQUESTER, changes="vendor: Figma → Miro", route=route, now=at, channel=CH
    )


def test_an_edit_of_wording_keeps_every_decision_and_returns_to_the_step_that_asked() -> None:
    request = _asked_after_it_approved()
    done = resubmission.resubmit(
        request, actor=REQUESTER, changes="title: a → b", route=None, now=NOW, channel=CH
    )
    assert (done.question.answer, done.reopened, done.dropped, done.added) == (
        "title: a → b",
        [],
        [],
        [],
    )
    assert _statuses(request) == {
        "IT review": StepStatus.APPROVED,
        "Security review": StepStatus.APPROVED,
        "Procurement": StepStatus.ACTIVE,
        "Finance": StepStatus.WAITING,
    }
    assert [e.action for e in request.pending_events] == ["Edited"]


def test_an_edit_that_reroutes_reopens_every_decision_and_starts_over_on_the_new_route() -> None:
    request = _asked_after_it_approved()
    later = NOW + timedelta(hours=2)
    # The new route: no Finance any more, Legal added, the rest as before.
    route = [
        make_step("IT review", approvers=[INES, OMAR], stage=1),
        make_step("Security review", approvers=[SAM], stage=2),
        make_step("Procurement", approvers=[PRIYA], stage=2),
        make_step("Legal", approvers=[LEE], stage=2, reason="Contracts over 10k"),
    ]
    done = _reroute(request, route, at=later)
    assert [s.name for s in done.reopened] == ["IT review", "Security review"]
    assert [s.deciders for s in done.reopened] == [[INES], [SAM]]  # as they were
    assert [s.name for s in done.dropped] == ["Finance"]
    assert [s.name for s in done.added] == ["Legal"]
    assert request.status is PENDING
    assert _statuses(request) == {
        "IT review": StepStatus.ACTIVE,
        "Security review": StepStatus.WAITING,
        "Procurement": StepStatus.WAITING,
        "Legal": StepStatus.WAITING,
    }
    assert all(not s.decisions for s in request.steps)
    assert present(request.step("IT review")).activated_at == later
    assert [(e.action, e.step, e.comment, e.to_status) for e in request.pending_events] == [
        (
            "Edited",
            "Procurement",
            "vendor: Figma → Miro. Re-opened: IT review, Security review.",
            PENDING,
        ),
        ("StepDropped", "Finance", "", PENDING),
        ("Reopened", "IT review", f"approved by {INES} on 2026-11-23 14:00 UTC", PENDING),
        ("Reopened", "Security review", f"approved by {SAM} on 2026-11-23 14:00 UTC", PENDING),
        ("StepAdded", "Legal", "Contracts over 10k", PENDING),
    ]
    # The earlier approvals count for nothing: IT must approve again before stage 2.
    with pytest.raises(IllegalTransition, match="starts after the earlier steps"):
        workflow.approve(request, actor=SAM, now=later, channel=CH)
    assert [s.name for s in workflow.approve(request, actor=OMAR, now=later, channel=CH)] == [
        "Security review",
        "Procurement",
        "Legal",
    ]


def test_votes_of_an_unfinished_all_of_step_are_reopened_with_who_cast_them() -> None:
    request = submitted([make_step("Finance", approvers=[FRED, CARLA], mode=StepMode.ALL)])
    workflow.approve(request, actor=FRED, now=NOW, channel=CH, comment="Fine by me.")
    workflow.ask(request, actor=CARLA, question="Why annual?", now=NOW, channel=CH)
    done = _reroute(
        request,
        [make_step("Finance", approvers=[FRED, CARLA], mode=StepMode.ALL)],
        at=NOW,
    )
    assert [s.name for s in done.reopened] == ["Finance"]
    assert present(request.step("Finance")).decisions == []
    assert request.pending_events[-1].comment == (
        f"approved by {FRED} on 2026-11-23 14:00 UTC (Fine by me.)"
    )


def test_an_edit_that_leaves_no_step_is_approved_by_the_policy() -> None:
    request = _asked_after_it_approved()
    done = _reroute(request, [], at=NOW)
    assert request.status is APPROVED and request.steps == []
    assert len(done.dropped) == 4
    last = request.pending_events[-1]
    assert (last.action, last.actor, last.from_status, last.to_status) == (
        "Approved",
        "policy",
        PENDING,
        APPROVED,
    )


@pytest.mark.parametrize("state", [s for s in RequestStatus if s is not CHANGES])
def test_an_edit_reroutes_only_a_request_waiting_for_its_requester(state: RequestStatus) -> None:
    request = request_in(state)
    before = copy.deepcopy(request)
    with pytest.raises(IllegalTransition, match="can be edited only when an approver asks"):
        _reroute(request, [make_step("IT review", approvers=[INES])], at=NOW)
    assert request == before


# ---------------------------------------------------------------------------------------------
# Delegations

HOLIDAY = Delegation(approver=FRED, delegate=DANA, start=TODAY, end=TODAY + timedelta(days=10))


def _at_finance(*, mode: StepMode = StepMode.ANY) -> PurchaseRequest:
    return submitted([make_step("Finance", approvers=[FRED, CARLA], mode=mode)])


@pytest.mark.parametrize(
    ("when", "may_act"),
    [
        pytest.param(NOW, True, id="first day"),
        pytest.param(NOW + timedelta(days=10), True, id="last day"),
        pytest.param(NOW - timedelta(days=1), False, id="day before"),
        pytest.param(NOW + timedelta(days=11), False, id="day after"),
    ],
)
def test_a_delegate_acts_only_within_the_dates(when: datetime, may_act: bool) -> None:
    request = _at_finance()

    def move() -> None:
        workflow.approve(request, actor=DANA, now=when, channel=CH, delegations=[HOLIDAY])

    offered = workflow.allowed_actions(request, DANA, now=when, delegations=[HOLIDAY])
    if may_act:
        move()
        assert present(request.step("Finance")).status is StepStatus.APPROVED
        assert offered == DECIDER
    else:
        with pytest.raises(NotAllowed, match="not an approver"):
            move()
        assert offered == []


def test_a_delegate_s_decision_records_on_whose_behalf_and_the_principal_cannot_vote_again() -> (
    None
):
    request = _at_finance(mode=StepMode.ALL)
    workflow.approve(
        request, actor=DANA, now=NOW, channel=CH, delegations=[HOLIDAY], comment="For Fred."
    )
    decision = present(request.step("Finance")).decisions[0]
    assert (decision.approver, decision.on_behalf_of) == (DANA, FRED)
    assert present(request.step("Finance")).decision_of(FRED) is decision
    assert request.pending_events[-1].actor == DANA

    with pytest.raises(AlreadyDecided, match=f"{DANA} already decided Finance on PR-1001 for you"):
        workflow.approve(request, actor=FRED, now=NOW, channel=CH, delegations=[HOLIDAY])
    with pytest.raises(AlreadyDecided, match="You already decided"):
        workflow.approve(request, actor=DANA, now=NOW, channel=CH, delegations=[HOLIDAY])
    assert workflow.allowed_actions(request, FRED, now=NOW, delegations=[HOLIDAY]) == []
    assert workflow.allowed_actions(request, DANA, now=NOW, delegations=[HOLIDAY]) == []

    workflow.approve(request, actor=CARLA, now=NOW, channel=CH, delegations=[HOLIDAY])
    assert request.status is APPROVED


def test_a_delegate_is_told_when_the_principal_already_voted() -> None:
    request = _at_finance(mode=StepMode.ALL)
    workflow.approve(request, actor=FRED, now=NOW, channel=CH, delegations=[HOLIDAY])
    with pytest.raises(AlreadyDecided) as raised:
        workflow.approve(request, actor=DANA, now=NOW, channel=CH, delegations=[HOLIDAY])
    assert str(raised.value) == f"{FRED} already decided Finance on PR-1001."
    assert workflow.allowed_actions(request, DANA, now=NOW, delegations=[HOLIDAY]) == []


def test_an_approver_who_is_also_a_delegate_casts_both_votes_of_an_all_mode_step() -> None:
    # The example policy's case: Carla covers Fred's holiday and both sit in Finance (mode all).
    cover = Delegation(approver=FRED, delegate=CARLA, start=TODAY, end=TODAY)
    request = _at_finance(mode=StepMode.ALL)
    workflow.approve(request, actor=CARLA, now=NOW, channel=CH, delegations=[cover])
    assert present(request.step("Finance")).status is StepStatus.ACTIVE
    assert workflow.allowed_actions(request, CARLA, now=NOW, delegations=[cover]) == DECIDER
    workflow.approve(request, actor=CARLA, now=NOW, channel=CH, delegations=[cover])
    finance = present(request.step("Finance"))
    assert [(d.approver, d.on_behalf_of) for d in finance.decisions] == [
        (CARLA, None),
        (CARLA, FRED),
    ]
    assert request.status is APPROVED


def test_a_delegate_rejects_and_asks_on_behalf() -> None:
    request = _at_finance()
    workflow.ask(
        request, actor=DANA, question="Which budget?", now=NOW, channel=CH, delegations=[HOLIDAY]
    )
    assert present(request.open_question).asked_by == DANA
    workflow.reject(
        request, actor=DANA, reason="Not this year.", now=NOW, channel=CH, delegations=[HOLIDAY]
    )
    decision = present(request.step("Finance")).decisions[0]
    assert (decision.approver, decision.on_behalf_of, decision.outcome) == (
        DANA,
        FRED,
        StepStatus.REJECTED,
    )


# ---------------------------------------------------------------------------------------------
# Segregation of duties


def test_the_requester_can_never_decide_their_own_request() -> None:
    # Even when the route (wrongly) lists them, or they stand in for an approver.
    request = submitted([make_step("IT review", approvers=[REQUESTER, INES])])
    cover = [Delegation(approver=INES, delegate=REQUESTER, start=TODAY, end=TODAY)]
    for move in (
        lambda: workflow.approve(request, actor=REQUESTER, now=NOW, channel=CH, delegations=cover),
        lambda: workflow.reject(request, actor=REQUESTER, reason="x", now=NOW, channel=CH),
        lambda: workflow.ask(request, actor=REQUESTER, question="?", now=NOW, channel=CH),
        lambda: step_changes.reassign(request, actor=REQUESTER, to=LEE, now=NOW, channel=CH),
    ):
        with pytest.raises(NotAllowed, match="can't decide on your own request PR-1001"):
            move()
    assert workflow.allowed_actions(request, REQUESTER, now=NOW, delegations=cover) == [A.CANCEL]
    assert present(request.step("IT review")).decisions == []


def test_a_click_from_someone_outside_the_group_changes_nothing() -> None:
    request = submitted()
    with pytest.raises(NotAllowed) as raised:
        workflow.approve(request, actor=STRANGER, step_name="IT review", now=NOW, channel=CH)
    assert str(raised.value) == (
        "Only IT review approvers can decide IT review on PR-1001. Your click changed nothing."
    )
    with pytest.raises(NotAllowed, match="You are not an approver of PR-1001"):
        workflow.approve(request, actor=STRANGER, now=NOW, channel=CH)
    assert present(request.step("IT review")).decisions == []
    assert request.pending_events == []


# ---------------------------------------------------------------------------------------------
# Cancel, reassign, escalation, orders


def test_cancel_closes_the_open_steps() -> None:
    request = submitted()
    workflow.approve(request, actor=INES, now=NOW, channel=CH)
    step_changes.cancel(request, actor=REQUESTER, now=NOW, channel=CH)
    assert _statuses(request) == {
        "IT review": StepStatus.APPROVED,
        "Security review": StepStatus.CLOSED,
        "Procurement": StepStatus.CLOSED,
        "Finance": StepStatus.CLOSED,
    }
    with pytest.raises(IllegalTransition, match="is cancelled and can no longer be cancelled"):
        step_changes.cancel(request, actor=REQUESTER, now=NOW, channel=CH)
    with pytest.raises(IllegalTransition, match="nothing is left to decide"):
        workflow.approve(request, actor=SAM, now=NOW, channel=CH)


def test_cancel_is_for_the_requester_only() -> None:
    request = submitted()
    with pytest.raises(NotAllowed, match=f"Only {REQUESTER} can cancel PR-1001"):
        step_changes.cancel(request, actor=INES, now=NOW, channel=CH)


def test_reassign_hands_the_place_on_the_step_over() -> None:
    request = submitted()
    step = step_changes.reassign(
        request, actor=OMAR, to="  Lee.CIO@acme.example ", now=NOW, channel=CH
    )
    assert step.approvers == [INES, LEE]
    workflow.approve(request, actor=LEE, now=NOW, channel=CH)
    assert step.status is StepStatus.APPROVED


def test_reassign_refuses_the_requester_and_existing_approvers() -> None:
    request = submitted()
    with pytest.raises(NotAllowed, match=f"{REQUESTER} made PR-1001 and can't approve it"):
        step_changes.reassign(request, actor=OMAR, to=REQUESTER, now=NOW, channel=CH)
    with pytest.raises(IllegalTransition, match=f"{INES} is already an approver of IT review"):
        step_changes.reassign(request, actor=OMAR, to=INES, now=NOW, channel=CH)
    with pytest.raises(NotAllowed):
        step_changes.reassign(request, actor=STRANGER, to=LEE, now=NOW, channel=CH)
    for nobody in ("", "   ", "lee"):
        with pytest.raises(InvalidInput, match="email address"):
            step_changes.reassign(request, actor=OMAR, to=nobody, now=NOW, channel=CH)
    assert present(request.step("IT review")).approvers == [INES, OMAR]


def test_a_delegate_reassigns_the_place_of_the_approver_they_stand_in_for() -> None:
    request = _at_finance()
    step_changes.reassign(request, actor=DANA, to=LEE, now=NOW, channel=CH, delegations=[HOLIDAY])
    assert present(request.step("Finance")).approvers == [LEE, CARLA]
    assert request.pending_events[-1].comment == f"{FRED} -> {LEE}"


def test_escalation_widens_an_all_mode_step_to_any_and_skips_requester_and_members() -> None:
    request = submitted([make_step("Finance", approvers=[FRED, CARLA], mode=StepMode.ALL)])
    added = step_changes.add_approvers(
        request,
        step_name="Finance",
        approvers=[CARLA, REQUESTER, LEE],
        now=NOW,
        reason="No decision in 72 hours.",
    )
    finance = present(request.step("Finance"))
    assert added == [LEE]
    assert finance.approvers == [FRED, CARLA, LEE]
    assert finance.mode is StepMode.ANY
    assert finance.escalated_at == NOW
    workflow.approve(request, actor=LEE, now=NOW, channel=CH)
    assert request.status is APPROVED


def test_escalating_an_unknown_or_waiting_step_does_nothing() -> None:
    request = submitted()
    for name in ("Legal", "Finance"):
        assert (
            step_changes.add_approvers(
                request, step_name=name, approvers=[LEE], now=NOW, reason="late"
            )
            == []
        )
    assert request.pending_events == []


def test_record_po_needs_procurement_and_a_number() -> None:
    request = request_in(APPROVED)
    with pytest.raises(NotAllowed, match="Only procurement can record a purchase order"):
        purchasing.record_po(
            request, actor=OMAR, po_number="PO-1", purchasers=PURCHASERS, now=NOW, channel=CH
        )
    with pytest.raises(IllegalTransition, match="Type the purchase order number"):
        purchasing.record_po(
            request, actor=PAUL, po_number="  ", purchasers=PURCHASERS, now=NOW, channel=CH
        )
    purchasing.record_po(
        request, actor=PAUL, po_number=" PO-4500 ", purchasers=PURCHASERS, now=NOW, channel=CH
    )
    assert request.po_number == "PO-4500"


def test_record_po_refuses_a_request_not_approved() -> None:
    request = request_in(PENDING)
    with pytest.raises(
        IllegalTransition, match="PR-1001 is pending; only approved requests can be ordered"
    ):
        purchasing.record_po(
            request, actor=PAUL, po_number="PO-1", purchasers=PURCHASERS, now=NOW, channel=CH
        )


def test_mark_received_names_who_may_confirm() -> None:
    request = request_in(ORDERED)
    with pytest.raises(NotAllowed, match=f"Only {REQUESTER} or procurement can mark PR-1001"):
        purchasing.mark_received(request, actor=OMAR, purchasers=PURCHASERS, now=NOW, channel=CH)
    with pytest.raises(IllegalTransition, match="only ordered requests can be received"):
        purchasing.mark_received(
            request_in(APPROVED), actor=REQUESTER, purchasers=PURCHASERS, now=NOW, channel=CH
        )


def test_allowed_actions_of_a_request_made_by_someone_who_is_also_in_procurement() -> None:
    request = request_in(APPROVED)
    assert workflow.allowed_actions(request, REQUESTER, now=NOW, purchasers=[REQUESTER]) == [
        A.RECORD_PO
    ]


# ---------------------------------------------------------------------------------------------
# Reminders and renewals

RENEWS = TODAY + timedelta(days=20)


@pytest.mark.parametrize("state", [S.APPROVED, S.ORDERED, S.RECEIVED])
def test_an_announced_renewal_offers_renew_and_let_lapse_to_owner_and_procurement(
    state: RequestStatus,
) -> None:
    request = request_in(state)
    for viewer in (REQUESTER, PAUL):
        offered = workflow.allowed_actions(
            request, viewer, now=NOW, purchasers=PURCHASERS, renewal_due=True
        )
        assert offered[-2:] == [A.RENEW, A.LET_LAPSE]
    for viewer in (INES, STRANGER):
        offered = workflow.allowed_actions(
            request, viewer, now=NOW, purchasers=PURCHASERS, renewal_due=True
        )
        assert A.RENEW not in offered


def test_renewal_actions_need_a_running_subscription() -> None:
    one_off = request_in(S.APPROVED)
    one_off.recurrence = Recurrence.ONE_OFF
    assert A.RENEW not in workflow.allowed_actions(
        one_off, REQUESTER, now=NOW, purchasers=PURCHASERS, renewal_due=True
    )
    with pytest.raises(IllegalTransition, match="not a running subscription"):
        purchasing.let_lapse(
            one_off, actor=REQUESTER, purchasers=PURCHASERS, now=NOW, channel=CH, renews_on=RENEWS
        )
    pending = request_in(S.PENDING)
    assert A.RENEW not in workflow.allowed_actions(
        pending, REQUESTER, now=NOW, purchasers=PURCHASERS, renewal_due=True
    )


def test_let_lapse_and_renew_record_who_chose() -> None:
    request = request_in(S.APPROVED)
    with pytest.raises(NotAllowed, match="or procurement can let lapse"):
        purchasing.let_lapse(
            request, actor=INES, purchasers=PURCHASERS, now=NOW, channel=CH, renews_on=RENEWS
        )
    purchasing.let_lapse(
        request, actor=PAUL, purchasers=PURCHASERS, now=NOW, channel=CH, renews_on=RENEWS
    )
    event = request.pending_events[-1]
    assert (event.action, event.actor, event.comment) == (
        "LetLapse",
        PAUL,
        f"Not renewed on {RENEWS.isoformat()}",
    )
    assert request.status is S.APPROVED  # the purchase itself stands
    renewed = request_in(S.ORDERED)
    purchasing.renewal_requested(
        renewed,
        actor=REQUESTER,
        purchasers=PURCHASERS,
        renewal_number="PR-1042",
        now=NOW,
        channel=CH,
        renews_on=RENEWS,
    )
    assert renewed.pending_events[-1].comment == "Renewed by PR-1042"


def test_remind_marks_the_step_and_names_who_is_left() -> None:
    request = request_in(S.PENDING)  # IT review: INES approved, OMAR has not
    waiting = step_changes.remind(request, step_name="IT review", now=NOW)
    assert waiting == [OMAR]
    step = request.step("IT review")
    assert step is not None and step.reminded_at == NOW
    event = request.pending_events[-1]
    assert (event.action, event.actor, event.step) == ("Reminded", "policy", "IT review")
    assert step_changes.remind(request_in(S.APPROVED), step_name="IT review", now=NOW) == []
