"""Changes to a request's steps besides a decision: the requester withdraws it, an approver
hands their place on, the policy widens a waiting step (escalation) or sends a reminder."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.domain import limits
from bot.domain.errors import IllegalTransition, InvalidInput, NotAllowed
from bot.domain.model import (
    Channel,
    Delegation,
    PurchaseRequest,
    RequestStatus,
    Step,
    StepMode,
    StepStatus,
)
from bot.domain.steps import OPEN, close_open_steps, record, require_requester, step_for


def cancel(
    request: PurchaseRequest, *, actor: str, now: datetime, channel: Channel, reason: str = ""
) -> None:
    """The requester withdraws a request that is not yet approved."""
    require_requester(request, actor, "cancel")
    limits.check("cancel_reason", reason)
    if request.status not in OPEN:
        raise IllegalTransition(
            f"{request.number} is {request.status.label.lower()} and can no longer be cancelled."
        )
    before = request.status
    request.status = RequestStatus.CANCELLED
    close_open_steps(request, now=now)
    record(
        request,
        action="Cancelled",
        actor=actor,
        at=now,
        channel=channel,
        before=before,
        comment=reason,
    )


def reassign(
    request: PurchaseRequest,
    *,
    actor: str,
    to: str,
    step_name: str | None = None,
    now: datetime,
    channel: Channel,
    delegations: Iterable[Delegation] = (),
) -> Step:
    """An approver hands their place on a step to someone else."""
    step, principal = step_for(request, actor, step_name, now=now, delegations=delegations)
    to = to.strip().lower()
    if "@" not in to:
        raise InvalidInput({"to": "Give the email address of the person to hand this to."})
    if to == request.requester:
        raise NotAllowed(f"{to} made {request.number} and can't approve it.")
    if to in step.approvers:
        raise IllegalTransition(f"{to} is already an approver of {step.name}.")
    step.approvers = [to if a == principal else a for a in step.approvers]
    record(
        request,
        action="Reassigned",
        actor=actor,
        at=now,
        channel=channel,
        before=request.status,
        step=step.name,
        comment=f"{principal} -> {to}",
    )
    return step


def add_approvers(
    request: PurchaseRequest,
    *,
    step_name: str,
    approvers: Sequence[str],
    now: datetime,
    reason: str,
) -> list[str]:
    """Escalation: widen an active step to more approvers; returns the ones added."""
    step = request.step(step_name)
    if step is None or step.status is not StepStatus.ACTIVE or request.status not in OPEN:
        return []
    added = [a for a in approvers if a not in step.approvers and a != request.requester]
    if step.mode is StepMode.ALL:
        # Widening an all-of step would demand more votes, not fewer; escalation means any.
        step.mode = StepMode.ANY
    step.approvers.extend(added)
    step.escalated_at = now
    record(
        request,
        action="Escalated",
        actor="policy",
        at=now,
        channel=Channel.SYSTEM,
        before=request.status,
        step=step.name,
        comment=reason,
    )
    return added


def remind(request: PurchaseRequest, *, step_name: str, now: datetime) -> list[str]:
    """Mark a reminder sent for an active step; returns the approvers still to vote."""
    step = request.step(step_name)
    if step is None or step.status is not StepStatus.ACTIVE or request.status not in OPEN:
        return []
    step.reminded_at = now
    waiting = [a for a in step.approvers if step.decision_of(a) is None]
    record(
        request,
        action="Reminded",
        actor="policy",
        at=now,
        channel=Channel.SYSTEM,
        before=request.status,
        step=step.name,
        comment=", ".join(waiting),
    )
    return waiting
