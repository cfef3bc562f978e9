"""The requester answers an approver's question, with words or by editing the request;
an edit that changes what routing looks at starts the request over on its new route."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.domain import limits
from bot.domain.errors import IllegalTransition
from bot.domain.model import (
    Channel,
    PurchaseRequest,
    Question,
    RequestStatus,
    Step,
)
from bot.domain.steps import activate_stage, answered, record, require_requester


def answer(
    request: PurchaseRequest, *, actor: str, text: str, now: datetime, channel: Channel
) -> Question:
    """The requester answers the open question; the request returns to the same step."""
    require_requester(request, actor, "answer questions on")
    if request.status is not RequestStatus.CHANGES_REQUESTED or request.open_question is None:
        raise IllegalTransition(f"{request.number} has no open question.")
    if not text.strip():
        raise IllegalTransition("Type an answer for the approver.")
    limits.check("answer", text.strip())
    return answered(request, actor=actor, text=text.strip(), now=now, channel=channel)


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
    require_requester(request, actor, "edit")
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
        question = answered(
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
    question = answered(
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
    if not activate_stage(request, now=now):
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
    record(
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
