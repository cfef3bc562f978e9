"""Scheduled use cases: reminders and escalation of waiting steps, and delegations.

Each acts in its own unit of work per request and is safe to run in several processes at
once: a step's reminder or escalation and a delegate's card are each claimed by an
idempotency key before anything is queued.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from bot.app import texts
from bot.app.context import Context, change, name, queue
from bot.app.ports import MessageKind, UnitOfWork
from bot.domain import step_changes
from bot.domain.digest import age
from bot.domain.model import PurchaseRequest, RequestStatus
from bot.domain.reminders import Nudge, nudge_due

_OPEN_LIMIT = 10_000
EXPIRY_GRACE = timedelta(days=7)


def nudge_waiting(ctx: Context) -> tuple[int, int]:
    """Remind approvers who have not acted after the policy's hours and escalate steps
    waiting past the escalation hours; returns (reminded, escalated) steps."""
    policy = ctx.policy
    now = ctx.clock.now()
    with ctx.uow() as uow:
        waiting = uow.requests.list(statuses=[RequestStatus.PENDING], limit=_OPEN_LIMIT)
    due = [
        (request.id, step.name, nudge)
        for request in waiting
        for step in request.active_steps
        if (
            nudge := nudge_due(
                step, now=now, settings=policy.reminders, timezone=policy.digest.timezone
            )
        )
        is not None
    ]
    counts = {Nudge.REMIND: 0, Nudge.ESCALATE: 0}
    for request_id, step_name, nudge in due:
        assert request_id is not None
        done: list[bool] = []
        change(
            ctx,
            request_id=request_id,
            actor="policy",
            apply=partial(_nudge, ctx, step_name=step_name, nudge=nudge, done=done),
            idempotency_key=f"nudge:{request_id}:{step_name}:{nudge}",
        )
        if done:
            counts[nudge] += 1
    return counts[Nudge.REMIND], counts[Nudge.ESCALATE]


def _nudge(
    ctx: Context,
    uow: UnitOfWork,
    request: PurchaseRequest,
    now: datetime,
    *,
    step_name: str,
    nudge: Nudge,
    done: list[bool],
) -> None:
    """Remind or escalate one step, unless it no longer needs it; `done` records that it did."""
    step = request.step(step_name)
    settings = ctx.policy.reminders
    zone = ctx.policy.digest.timezone
    if step is None or nudge_due(step, now=now, settings=settings, timezone=zone) != nudge:
        return  # another process (or a decision) got there first
    if nudge is Nudge.REMIND:
        _remind(ctx, uow, request, step_name, now)
    else:
        _escalate(ctx, uow, request, step_name, now)
    done.append(True)


def _remind(
    ctx: Context, uow: UnitOfWork, request: PurchaseRequest, step_name: str, now: datetime
) -> None:
    step = request.step(step_name)
    assert step is not None and step.activated_at is not None
    waited = age(step.activated_at, now)
    waiting = step_changes.remind(request, step_name=step_name, now=now)
    # Whoever covers an absent approver today is reminded in their place too.
    covering = [
        d.delegate
        for d in ctx.delegations()
        if d.approver in waiting and d.active_on(now.date()) and d.delegate != request.requester
    ]
    for approver in dict.fromkeys([*waiting, *covering]):
        text = texts.reminder(request, waited=waited, step=step_name)
        queue(ctx, uow, MessageKind.NOTE, request, approver, text)
        queue(ctx, uow, MessageKind.APPROVAL_CARD, request, approver, data={"reminder": True})


def _escalate(
    ctx: Context, uow: UnitOfWork, request: PurchaseRequest, step_name: str, now: datetime
) -> None:
    policy = ctx.policy
    group = policy.escalation_group(step_name)
    members = policy.members(group) if group else []
    step = request.step(step_name)
    assert step is not None and step.activated_at is not None
    waited = age(step.activated_at, now)
    added = step_changes.add_approvers(
        request,
        step_name=step_name,
        approvers=members,
        now=now,
        reason=f"Waited {waited}; added {policy.groups[group].name if group else 'nobody'}.",
    )
    queue(ctx, uow, MessageKind.REFRESH, request, None)
    for approver in added:
        queue(ctx, uow, MessageKind.APPROVAL_CARD, request, approver)
    names = ", ".join(name(uow, a) for a in added)
    if added:
        text = texts.escalated(
            request,
            waited=waited,
            step=step_name,
            names=names,
            group=policy.groups[group].name if group else "",
        )
    else:
        approvers = ", ".join(step.approvers)
        text = texts.still_waiting(request, waited=waited, step=step_name, approvers=approvers)
    queue(ctx, uow, MessageKind.NOTE, request, request.requester, text)


def start_delegations(ctx: Context) -> int:
    """Hand delegates the cards waiting for the approvers they cover from today, once, and
    refresh those cards once the delegation has ended; returns how many were queued."""
    now = ctx.clock.now()
    # The same day the workflow checks a delegate's click against (workflow.acting_for).
    today = now.date()
    queued = 0
    for delegation in ctx.delegations():
        started = delegation.active_on(today)
        # The day after the last one the delegate's cards lose their buttons (a refresh);
        # looked at for a week, in case every process was down that day.
        ended = delegation.end < today <= delegation.end + EXPIRY_GRACE
        if not (started or ended):
            continue
        with ctx.uow() as uow:
            waiting = uow.requests.waiting_for(delegation.approver)
        for request in waiting:
            if request.requester == delegation.delegate or request.id is None:
                continue
            with ctx.uow() as uow:
                stage = "start" if started else "end"
                key = (
                    f"delegation-{stage}:{delegation.approver}:{delegation.delegate}:"
                    f"{delegation.start.isoformat()}:{request.id}"
                )
                first, _ = uow.idempotency.claim(key, now=now)
                if not first:
                    continue
                if started:
                    approver = name(uow, delegation.approver)
                    text = texts.covering(request, approver=approver, until=delegation.end)
                    queue(ctx, uow, MessageKind.NOTE, request, delegation.delegate, text)
                    queue(ctx, uow, MessageKind.APPROVAL_CARD, request, delegation.delegate)
                else:
                    queue(ctx, uow, MessageKind.REFRESH, request, None)
                uow.commit()
                queued += 1
    return queued
