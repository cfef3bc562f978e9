"""The moves every transition of the state machine shares: recording an audit event,
activating the next stage, finding the step a person may decide and for whom, casting a vote."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.domain.errors import AlreadyDecided, IllegalTransition, NotAllowed
from bot.domain.model import (
    Channel,
    Decision,
    Delegation,
    Event,
    PurchaseRequest,
    Question,
    RequestStatus,
    Step,
    StepStatus,
)

OPEN = (RequestStatus.PENDING, RequestStatus.CHANGES_REQUESTED)


def record(
    request: PurchaseRequest,
    *,
    action: str,
    actor: str,
    at: datetime,
    channel: Channel,
    before: RequestStatus | None,
    step: str | None = None,
    comment: str = "",
) -> None:
    request.pending_events.append(
        Event(
            action=action,
            actor=actor,
            at=at,
            channel=channel,
            from_status=before,
            to_status=request.status,
            step=step,
            comment=comment,
            request_id=request.id,
        )
    )
    request.updated_at = at


def activate_stage(request: PurchaseRequest, *, now: datetime) -> list[Step]:
    """Activate the lowest stage that still has waiting steps; return the steps activated."""
    waiting = [s for s in request.steps if s.status is StepStatus.WAITING]
    if not waiting:
        return []
    stage = min(s.stage for s in waiting)
    activated = [s for s in waiting if s.stage == stage]
    for step in activated:
        step.status = StepStatus.ACTIVE
        step.activated_at = now
    return activated


def close_open_steps(request: PurchaseRequest, *, now: datetime) -> None:
    for step in request.steps:
        if step.status in (StepStatus.WAITING, StepStatus.ACTIVE):
            step.status = StepStatus.CLOSED
            step.decided_at = now


def acting_for(
    step: Step, actor: str, *, now: datetime, delegations: Iterable[Delegation]
) -> str | None:
    """The approver of `step` whom `actor` acts for (themself or via a delegation), or None."""
    own = actor in step.approvers
    if own and step.decision_of(actor) is None:
        return actor
    # A delegate may be an approver too (a colleague covering a holiday): once their own vote
    # is in, they still cast the absent approver's, or an all-of step could never complete.
    today = now.date()
    for delegation in delegations:
        if (
            delegation.delegate == actor
            and delegation.approver in step.approvers
            and delegation.active_on(today)
            and step.decision_of(delegation.approver) is None
        ):
            return delegation.approver
    return actor if own else None


def open_steps_for(
    request: PurchaseRequest, viewer: str, *, now: datetime, delegations: Iterable[Delegation]
) -> list[Step]:
    """The active steps on which `viewer` (or the approver they stand in for) has yet to vote."""
    delegations = list(delegations)
    open_steps = []
    for step in request.active_steps:
        principal = acting_for(step, viewer, now=now, delegations=delegations)
        if principal is not None and step.decision_of(principal) is None:
            open_steps.append(step)
    return open_steps


def _decided_message(step: Step) -> str:
    # Only the votes that settled it: in an all-of step others may have approved before a reject.
    who = ", ".join(d.approver for d in step.decisions if d.outcome is step.status)
    who = who or "someone else"
    return f"{step.name} was already {step.status.value} by {who}."


def _spent_vote(
    step: Step, actor: str, *, now: datetime, delegations: Sequence[Delegation]
) -> Decision | None:
    """The vote that already used up `actor`'s say on `step`: theirs, or their principal's."""
    for decision in step.decisions:
        if decision.approver == actor:
            return decision
    today = now.date()
    for delegation in delegations:
        if delegation.delegate == actor and delegation.active_on(today):
            principals = step.decision_of(delegation.approver)
            if principals is not None and delegation.approver in step.approvers:
                return principals
    return None


def _already_decided(
    request: PurchaseRequest, step: Step, actor: str, decision: Decision
) -> AlreadyDecided:
    if decision.approver == actor:
        return AlreadyDecided(f"You already decided {step.name} on {request.number}.")
    for_you = " for you" if decision.on_behalf_of == actor else ""
    return AlreadyDecided(
        f"{decision.approver} already decided {step.name} on {request.number}{for_you}."
    )


def step_for(
    request: PurchaseRequest,
    actor: str,
    step_name: str | None,
    *,
    now: datetime,
    delegations: Iterable[Delegation],
) -> tuple[Step, str]:
    """Find the step `actor` may decide and whom they act for; explain why not otherwise."""
    delegations = list(delegations)
    if actor == request.requester:
        raise NotAllowed(f"You can't decide on your own request {request.number}.")
    if step_name is None:
        candidates = [
            s
            for s in request.steps
            if acting_for(s, actor, now=now, delegations=delegations)
            or _spent_vote(s, actor, now=now, delegations=delegations)
        ]
        if not candidates:
            raise NotAllowed(f"You are not an approver of {request.number}.")
        # Prefer the step allowed_actions offers (active, vote not cast yet), then any active
        # one, so someone in two parallel steps decides the one still waiting for them.
        step = (
            open_steps_for(request, actor, now=now, delegations=delegations)
            or [s for s in candidates if s.status is StepStatus.ACTIVE]
            or candidates
        )[0]
    else:
        found = request.step(step_name)
        if found is None:
            raise NotAllowed(f"{request.number} has no step called {step_name}.")
        step = found
    if step.status in (StepStatus.APPROVED, StepStatus.REJECTED):
        raise AlreadyDecided(_decided_message(step))
    if request.status not in OPEN or step.status is StepStatus.CLOSED:
        raise IllegalTransition(
            f"{request.number} is {request.status.label.lower()}; nothing is left to decide."
        )
    principal = acting_for(step, actor, now=now, delegations=delegations)
    if principal is None:
        # A delegate whose vote (or whose principal's) is in gets told so, not "not an approver".
        spent = _spent_vote(step, actor, now=now, delegations=delegations)
        if spent is not None:
            raise _already_decided(request, step, actor, spent)
        raise NotAllowed(
            f"Only {step.group} approvers can decide {step.name} on "
            f"{request.number}. Your click changed nothing."
        )
    if step.status is StepStatus.WAITING:
        raise IllegalTransition(
            f"{step.name} on {request.number} starts after the earlier steps are approved."
        )
    decided = step.decision_of(principal)
    if decided is not None:
        raise _already_decided(request, step, actor, decided)
    return step, principal


def vote(
    step: Step, *, actor: str, principal: str, outcome: StepStatus, now: datetime, comment: str
) -> None:
    """Record actor's vote; on_behalf_of names the approver a delegate stood in for."""
    step.decisions.append(
        Decision(
            approver=actor,
            outcome=outcome,
            at=now,
            comment=comment,
            on_behalf_of=principal if principal != actor else None,
        )
    )


def require_requester(request: PurchaseRequest, actor: str, doing: str) -> None:
    if actor != request.requester:
        raise NotAllowed(f"Only {request.requester} can {doing} {request.number}.")


def answered(
    request: PurchaseRequest,
    *,
    actor: str,
    text: str,
    now: datetime,
    channel: Channel,
    action: str = "Answered",
) -> Question:
    question = request.open_question
    assert question is not None, "checked by the caller"
    question.answer = text
    question.answered_at = now
    before = request.status
    request.status = RequestStatus.PENDING
    record(
        request,
        action=action,
        actor=actor,
        at=now,
        channel=channel,
        before=before,
        step=question.step,
        comment=text,
    )
    return question
