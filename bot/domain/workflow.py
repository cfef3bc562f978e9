"""The approval state machine: pure functions over a PurchaseRequest.

Every move checks who may make it and from which state, changes the request in place and
appends an audit Event to ``request.pending_events``. Illegal moves raise a DomainError whose
message is shown to the person as is. Here: submitting and the approvers' decisions, and
the actions a person may take now; beside it the requester's answers and edits
(resubmission), other changes to the steps (step_changes), what follows approval
(purchasing), and what they all share (steps).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.domain import limits
from bot.domain.errors import IllegalTransition
from bot.domain.model import (
    Channel,
    Delegation,
    PurchaseRequest,
    Question,
    RequestStatus,
    Step,
    StepMode,
    StepStatus,
)
from bot.domain.purchasing import renewable
from bot.domain.steps import (
    OPEN,
    activate_stage,
    close_open_steps,
    open_steps_for,
    record,
    step_for,
    vote,
)


class Action(enum.StrEnum):
    """What a person can do to a request; cards offer exactly the ones allowed now."""

    APPROVE = "approve"
    REJECT = "reject"
    ASK = "ask"
    ANSWER = "answer"
    EDIT = "edit"
    CANCEL = "cancel"
    RECORD_PO = "record_po"
    MARK_RECEIVED = "mark_received"
    RENEW = "renew"
    LET_LAPSE = "let_lapse"


def submit(
    request: PurchaseRequest, *, steps: Sequence[Step], now: datetime, channel: Channel
) -> list[Step]:
    """Start a new request on its route; returns the steps asked first (none: approved)."""
    if request.steps or request.status is not RequestStatus.PENDING:
        raise IllegalTransition(f"{request.number} was already submitted.")
    request.steps = list(steps)
    request.status = RequestStatus.PENDING
    record(
        request, action="Submitted", actor=request.requester, at=now, channel=channel, before=None
    )
    activated = activate_stage(request, now=now)
    if not activated:
        request.status = RequestStatus.APPROVED
        record(
            request,
            action="Approved",
            actor="policy",
            at=now,
            channel=Channel.SYSTEM,
            before=RequestStatus.PENDING,
            comment="No approval step applies under the policy.",
        )
    return activated


def auto_approve(request: PurchaseRequest, *, entry: str, now: datetime, channel: Channel) -> None:
    """Approve a new request at once because it matches a catalogue entry."""
    if request.steps or request.status is not RequestStatus.PENDING:
        raise IllegalTransition(f"{request.number} was already submitted.")
    record(
        request, action="Submitted", actor=request.requester, at=now, channel=channel, before=None
    )
    request.status = RequestStatus.APPROVED
    request.catalogue_entry = entry
    record(
        request,
        action="AutoApproved",
        actor="policy",
        at=now,
        channel=Channel.SYSTEM,
        before=RequestStatus.PENDING,
        comment=f"Catalogue entry: {entry}",
    )


def approve(
    request: PurchaseRequest,
    *,
    actor: str,
    step_name: str | None = None,
    now: datetime,
    channel: Channel,
    delegations: Iterable[Delegation] = (),
    comment: str = "",
) -> list[Step]:
    """Approve a step; returns the steps of the next stage that became active."""
    limits.check("comment", comment)
    step, principal = step_for(request, actor, step_name, now=now, delegations=delegations)
    if request.status is RequestStatus.CHANGES_REQUESTED:
        raise IllegalTransition(
            f"{request.number} is waiting for the requester's answer; approve it after they reply."
        )
    vote(
        step,
        actor=actor,
        principal=principal,
        outcome=StepStatus.APPROVED,
        now=now,
        comment=comment,
    )
    approvals = {
        d.on_behalf_of or d.approver for d in step.decisions if d.outcome is StepStatus.APPROVED
    }
    complete = step.mode is StepMode.ANY or set(step.approvers) <= approvals
    before = request.status
    if not complete:
        record(
            request,
            action="Approved",
            actor=actor,
            at=now,
            channel=channel,
            before=before,
            step=step.name,
            comment=comment or "Waiting for the other approvers.",
        )
        return []
    step.status = StepStatus.APPROVED
    step.decided_at = now
    record(
        request,
        action="StepApproved",
        actor=actor,
        at=now,
        channel=channel,
        before=before,
        step=step.name,
        comment=comment,
    )
    if any(s.status is StepStatus.ACTIVE for s in request.steps):
        return []
    activated = activate_stage(request, now=now)
    if not activated:
        request.status = RequestStatus.APPROVED
        record(
            request,
            action="Approved",
            actor=actor,
            at=now,
            channel=channel,
            before=before,
            comment="Every step approved.",
        )
    return activated


def reject(
    request: PurchaseRequest,
    *,
    actor: str,
    reason: str,
    step_name: str | None = None,
    now: datetime,
    channel: Channel,
    delegations: Iterable[Delegation] = (),
) -> Step:
    """Reject the request at one of its steps; a reason is required."""
    if not reason.strip():
        raise IllegalTransition("Give a reason so the requester knows what to change.")
    limits.check("reason", reason.strip())
    step, principal = step_for(request, actor, step_name, now=now, delegations=delegations)
    vote(
        step, actor=actor, principal=principal, outcome=StepStatus.REJECTED, now=now, comment=reason
    )
    step.status = StepStatus.REJECTED
    step.decided_at = now
    before = request.status
    request.status = RequestStatus.REJECTED
    request.rejection_reason = reason
    close_open_steps(request, now=now)
    record(
        request,
        action="Rejected",
        actor=actor,
        at=now,
        channel=channel,
        before=before,
        step=step.name,
        comment=reason,
    )
    return step


def ask(
    request: PurchaseRequest,
    *,
    actor: str,
    question: str,
    step_name: str | None = None,
    now: datetime,
    channel: Channel,
    delegations: Iterable[Delegation] = (),
) -> Question:
    """An approver asks the requester a question; the request waits for the answer."""
    if not question.strip():
        raise IllegalTransition("Type the question for the requester.")
    limits.check("question", question.strip())
    step, _ = step_for(request, actor, step_name, now=now, delegations=delegations)
    if request.status is RequestStatus.CHANGES_REQUESTED:
        raise IllegalTransition(f"{request.number} already waits for an answer from the requester.")
    asked = Question(asked_by=actor, step=step.name, text=question.strip(), asked_at=now)
    request.questions.append(asked)
    before = request.status
    request.status = RequestStatus.CHANGES_REQUESTED
    record(
        request,
        action="QuestionAsked",
        actor=actor,
        at=now,
        channel=channel,
        before=before,
        step=step.name,
        comment=asked.text,
    )
    return asked


def allowed_actions(
    request: PurchaseRequest,
    viewer: str,
    *,
    now: datetime,
    delegations: Iterable[Delegation] = (),
    purchasers: Iterable[str] = (),
    renewal_due: bool = False,
) -> list[Action]:
    """The actions `viewer` may take on `request` right now, in display order; renewal_due
    says a renewal was announced and nobody has chosen to renew or let it lapse yet."""
    delegations = list(delegations)
    actions: list[Action] = []
    if (
        viewer != request.requester
        and request.status in OPEN
        and open_steps_for(request, viewer, now=now, delegations=delegations)
    ):
        if request.status is RequestStatus.PENDING:
            actions += [Action.APPROVE, Action.REJECT, Action.ASK]
        else:
            actions += [Action.REJECT]
    if viewer == request.requester:
        if request.status is RequestStatus.CHANGES_REQUESTED:
            actions += [Action.ANSWER, Action.EDIT]
        if request.status in OPEN:
            actions.append(Action.CANCEL)
    purchasing = viewer in set(purchasers)
    if request.status is RequestStatus.APPROVED and purchasing:
        actions.append(Action.RECORD_PO)
    if request.status is RequestStatus.ORDERED and (purchasing or viewer == request.requester):
        actions.append(Action.MARK_RECEIVED)
    if renewal_due and renewable(request) and (purchasing or viewer == request.requester):
        actions += [Action.RENEW, Action.LET_LAPSE]
    return actions
