"""The approval state machine: pure functions over a PurchaseRequest.

Every move checks who may make it and from which state, changes the request in place and
appends an audit Event to ``request.pending_events``. Illegal moves raise a DomainError whose
message is shown to the person as is.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from bot.domain import limits
from bot.domain.errors import AlreadyDecided, IllegalTransition, InvalidInput, NotAllowed
from bot.domain.model import (
    Channel,
    Decision,
    Delegation,
    Event,
    PurchaseRequest,
    Question,
    RequestStatus,
    Step,
    StepMode,
    StepStatus,
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


_OPEN = (RequestStatus.PENDING, RequestStatus.CHANGES_REQUESTED)


def _record(
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


def _activate_stage(request: PurchaseRequest, *, now: datetime) -> list[Step]:
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


def _close_open_steps(request: PurchaseRequest, *, now: datetime) -> None:
    for step in request.steps:
        if step.status in (StepStatus.WAITING, StepStatus.ACTIVE):
            step.status = StepStatus.CLOSED
            step.decided_at = now


def submit(
    request: PurchaseRequest, *, steps: Sequence[Step], now: datetime, channel: Channel
) -> list[Step]:
    """Start a new request on its route; returns the steps asked first (none: approved)."""
    if request.steps or request.status is not RequestStatus.PENDING:
        raise IllegalTransition(f"{request.number} was already submitted.")
    request.steps = list(steps)
    request.status = RequestStatus.PENDING
    _record(
        request, action="Submitted", actor=request.requester, at=now, channel=channel, before=None
    )
    activated = _activate_stage(request, now=now)
    if not activated:
        request.status = RequestStatus.APPROVED
        _record(
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
    _record(
        request, action="Submitted", actor=request.requester, at=now, channel=channel, before=None
    )
    request.status = RequestStatus.APPROVED
    request.catalogue_entry = entry
    _record(
        request,
        action="AutoApproved",
        actor="policy",
        at=now,
        channel=Channel.SYSTEM,
        before=RequestStatus.PENDING,
        comment=f"Catalogue entry: {entry}",
    )


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


def _step_for(
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
    if request.status not in _OPEN or step.status is StepStatus.CLOSED:
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


def _vote(
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
    step, principal = _step_for(request, actor, step_name, now=now, delegations=delegations)
    if request.status is RequestStatus.CHANGES_REQUESTED:
        raise IllegalTransition(
            f"{request.number} is waiting for the requester's answer; approve it after they reply."
        )
    _vote(
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
        _record(
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
    _record(
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
    activated = _activate_stage(request, now=now)
    if not activated:
        request.status = RequestStatus.APPROVED
        _record(
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
    step, principal = _step_for(request, actor, step_name, now=now, delegations=delegations)
    _vote(
        step, actor=actor, principal=principal, outcome=StepStatus.REJECTED, now=now, comment=reason
    )
    step.status = StepStatus.REJECTED
    step.decided_at = now
    before = request.status
    request.status = RequestStatus.REJECTED
    request.rejection_reason = reason
    _close_open_steps(request, now=now)
    _record(
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
    step, _ = _step_for(request, actor, step_name, now=now, delegations=delegations)
    if request.status is RequestStatus.CHANGES_REQUESTED:
        raise IllegalTransition(f"{request.number} already waits for an answer from the requester.")
    asked = Question(asked_by=actor, step=step.name, text=question.strip(), asked_at=now)
    request.questions.append(asked)
    before = request.status
    request.status = RequestStatus.CHANGES_REQUESTED
    _record(
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


def _require_requester(request: PurchaseRequest, actor: str, doing: str) -> None:
    if actor != request.requester:
        raise NotAllowed(f"Only {request.requester} can {doing} {request.number}.")


def answer(
    request: PurchaseRequest, *, actor: str, text: str, now: datetime, channel: Channel
) -> Question:
    """The requester answers the open question; the request returns to the same step."""
    _require_requester(request, actor, "answer questions on")
    if request.status is not RequestStatus.CHANGES_REQUESTED or request.open_question is None:
        raise IllegalTransition(f"{request.number} has no open question.")
    if not text.strip():
        raise IllegalTransition("Type an answer for the approver.")
    limits.check("answer", text.strip())
    return _answered(request, actor=actor, text=text.strip(), now=now, channel=channel)


def _answered(
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
    _record(
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


@dataclass(frozen=True, slots=True)
class Resubmission:
    """What an edit did: the question it answered and, when it re-routed the request, the
    steps (as they were) whose decisions no longer count, those dropped and those added."""

    question: Question
    reopened: list[Step] = field(default_factory=list)
    dropped: list[Step] = field(default_factory=list)
    added: list[Step] = field(default_factory=list)


def check_edit(request: PurchaseRequest, *, actor: str) -> None:
    """Refuse an edit by anyone but the requester, or while no approver waits for an answer."""
    _require_requester(request, actor, "edit")
    if request.status is not RequestStatus.CHANGES_REQUESTED:
        raise IllegalTransition(
            f"{request.number} can be edited only when an approver asks for changes."
        )


def resubmit(
    request: PurchaseRequest,
    *,
    actor: str,
    changes: str,
    route: Sequence[Step] | None,
    now: datetime,
    channel: Channel,
) -> Resubmission:
    """The requester edited the request (fields already applied) in answer to a question.

    `route` None: the edit changed only wording, so the route and its decisions stand and the
    request returns to the step that asked. Otherwise `route` holds the steps the current
    policy gives the edited request, which starts over on them: every decision is re-opened
    (the votes stay in the audit log), steps no longer needed are dropped, new ones added and
    the first stage is asked again; with no step left the policy approves it.
    """
    check_edit(request, actor=actor)
    if route is None:
        question = _answered(
            request, actor=actor, text=changes, now=now, channel=channel, action="Edited"
        )
        return Resubmission(question=question)
    needed = {s.name for s in route}
    known = {s.name for s in request.steps}
    reopened = [s for s in request.steps if s.name in needed and s.decisions]
    dropped = [s for s in request.steps if s.name not in needed]
    added = [s for s in route if s.name not in known]
    if reopened:
        changes = f"{changes}. Re-opened: {', '.join(s.name for s in reopened)}."
    question = _answered(
        request, actor=actor, text=changes, now=now, channel=channel, action="Edited"
    )
    for step in dropped:
        _record_routing(
            request, action="StepDropped", step=step.name, now=now, comment=_votes(step)
        )
    for step in reopened:
        _record_routing(request, action="Reopened", step=step.name, now=now, comment=_votes(step))
    for step in added:
        _record_routing(request, action="StepAdded", step=step.name, now=now, comment=step.reason)
    request.steps = list(route)
    if not _activate_stage(request, now=now):
        request.status = RequestStatus.APPROVED
        _record_routing(
            request,
            action="Approved",
            now=now,
            comment="No approval step applies under the policy.",
        )
    return Resubmission(question=question, reopened=reopened, dropped=dropped, added=added)


def _record_routing(
    request: PurchaseRequest, *, action: str, now: datetime, comment: str, step: str | None = None
) -> None:
    """An event the policy causes (not a person): routing after an edit."""
    _record(
        request,
        action=action,
        actor="policy",
        at=now,
        channel=Channel.SYSTEM,
        before=RequestStatus.PENDING,
        step=step,
        comment=comment,
    )


def _votes(step: Step) -> str:
    """'approved by ines@… on 2026-11-23 14:00 UTC' for each vote cast on the step."""
    return "; ".join(
        f"{d.outcome.value} by {d.approver}"
        + (f" for {d.on_behalf_of}" if d.on_behalf_of else "")
        + f" on {d.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        + (f" ({d.comment})" if d.comment else "")
        for d in step.decisions
    )


def cancel(
    request: PurchaseRequest, *, actor: str, now: datetime, channel: Channel, reason: str = ""
) -> None:
    """The requester withdraws a request that is not yet approved."""
    _require_requester(request, actor, "cancel")
    limits.check("cancel_reason", reason)
    if request.status not in _OPEN:
        raise IllegalTransition(
            f"{request.number} is {request.status.label.lower()} and can no longer be cancelled."
        )
    before = request.status
    request.status = RequestStatus.CANCELLED
    _close_open_steps(request, now=now)
    _record(
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
    step, principal = _step_for(request, actor, step_name, now=now, delegations=delegations)
    to = to.strip().lower()
    if "@" not in to:
        raise InvalidInput({"to": "Give the email address of the person to hand this to."})
    if to == request.requester:
        raise NotAllowed(f"{to} made {request.number} and can't approve it.")
    if to in step.approvers:
        raise IllegalTransition(f"{to} is already an approver of {step.name}.")
    step.approvers = [to if a == principal else a for a in step.approvers]
    _record(
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
    if step is None or step.status is not StepStatus.ACTIVE or request.status not in _OPEN:
        return []
    added = [a for a in approvers if a not in step.approvers and a != request.requester]
    if step.mode is StepMode.ALL:
        # Widening an all-of step would demand more votes, not fewer; escalation means any.
        step.mode = StepMode.ANY
    step.approvers.extend(added)
    step.escalated_at = now
    _record(
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
    if step is None or step.status is not StepStatus.ACTIVE or request.status not in _OPEN:
        return []
    step.reminded_at = now
    waiting = [a for a in step.approvers if step.decision_of(a) is None]
    _record(
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


_SPENT = (RequestStatus.APPROVED, RequestStatus.ORDERED, RequestStatus.RECEIVED)


def _renewable(request: PurchaseRequest) -> bool:
    return request.status in _SPENT and request.recurrence.value != "one_off"


def _require_renewal_party(
    request: PurchaseRequest,
    actor: str,
    purchasers: Iterable[str],
    doing: str,
    renews_on: date | None,
) -> None:
    if actor != request.requester and actor not in set(purchasers):
        raise NotAllowed(f"Only {request.requester} or procurement can {doing} {request.number}.")
    if not _renewable(request):
        raise IllegalTransition(f"{request.number} is not a running subscription to renew.")
    if renews_on is None:
        raise IllegalTransition(f"{request.number} has no renewal waiting for a choice.")


def let_lapse(
    request: PurchaseRequest,
    *,
    actor: str,
    purchasers: Iterable[str],
    now: datetime,
    channel: Channel,
    renews_on: date | None,
) -> None:
    """The owner or procurement decides not to renew a recurring purchase; `renews_on` is the
    renewal announced and still waiting for a choice (None: there is none)."""
    _require_renewal_party(request, actor, purchasers, "let lapse", renews_on)
    _record(
        request,
        action="LetLapse",
        actor=actor,
        at=now,
        channel=channel,
        before=request.status,
        comment=f"Not renewed on {renews_on.isoformat()}" if renews_on else "",
    )


def renewal_requested(
    request: PurchaseRequest,
    *,
    actor: str,
    purchasers: Iterable[str],
    renewal_number: str,
    now: datetime,
    channel: Channel,
    renews_on: date | None,
) -> None:
    """A new request renews this recurring purchase (see let_lapse for `renews_on`)."""
    _require_renewal_party(request, actor, purchasers, "renew", renews_on)
    _record(
        request,
        action="RenewalRequested",
        actor=actor,
        at=now,
        channel=channel,
        before=request.status,
        comment=f"Renewed by {renewal_number}",
    )


def record_po(
    request: PurchaseRequest,
    *,
    actor: str,
    po_number: str,
    purchasers: Iterable[str],
    now: datetime,
    channel: Channel,
) -> None:
    """Procurement placed the order."""
    if actor not in set(purchasers):
        raise NotAllowed("Only procurement can record a purchase order.")
    if request.status is not RequestStatus.APPROVED:
        raise IllegalTransition(
            f"{request.number} is {request.status.label.lower()}; only "
            "approved requests can be ordered."
        )
    if not po_number.strip():
        raise IllegalTransition("Type the purchase order number.")
    limits.check("po_number", po_number.strip())
    before = request.status
    request.status = RequestStatus.ORDERED
    request.po_number = po_number.strip()
    _record(
        request,
        action="Ordered",
        actor=actor,
        at=now,
        channel=channel,
        before=before,
        comment=f"PO {request.po_number}",
    )


def mark_received(
    request: PurchaseRequest,
    *,
    actor: str,
    purchasers: Iterable[str],
    now: datetime,
    channel: Channel,
) -> None:
    """The requester or procurement confirms delivery."""
    if actor != request.requester and actor not in set(purchasers):
        raise NotAllowed(
            f"Only {request.requester} or procurement can mark {request.number} received."
        )
    if request.status is not RequestStatus.ORDERED:
        raise IllegalTransition(
            f"{request.number} is {request.status.label.lower()}; only "
            "ordered requests can be received."
        )
    before = request.status
    request.status = RequestStatus.RECEIVED
    _record(request, action="Received", actor=actor, at=now, channel=channel, before=before)


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
        and request.status in _OPEN
        and open_steps_for(request, viewer, now=now, delegations=delegations)
    ):
        if request.status is RequestStatus.PENDING:
            actions += [Action.APPROVE, Action.REJECT, Action.ASK]
        else:
            actions += [Action.REJECT]
    if viewer == request.requester:
        if request.status is RequestStatus.CHANGES_REQUESTED:
            actions += [Action.ANSWER, Action.EDIT]
        if request.status in _OPEN:
            actions.append(Action.CANCEL)
    purchasing = viewer in set(purchasers)
    if request.status is RequestStatus.APPROVED and purchasing:
        actions.append(Action.RECORD_PO)
    if request.status is RequestStatus.ORDERED and (purchasing or viewer == request.requester):
        actions.append(Action.MARK_RECEIVED)
    if renewal_due and _renewable(request) and (purchasing or viewer == request.requester):
        actions += [Action.RENEW, Action.LET_LAPSE]
    return actions
