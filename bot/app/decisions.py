"""Approvers' decisions on a request: approve, reject, ask, reassign; the requester's
answer and withdrawal."""

from __future__ import annotations

from datetime import datetime

from bot.app import texts, vendor_review
from bot.app.context import (
    Context,
    announce_approved,
    change,
    name,
    next_step_text,
    queue,
    queue_approvers,
)
from bot.app.ports import MessageKind, UnitOfWork
from bot.domain import resubmission, step_changes, workflow
from bot.domain.model import Channel, PurchaseRequest, RequestStatus, StepStatus


def approve(
    ctx: Context,
    *,
    request_id: int,
    actor: str,
    channel: Channel,
    step: str | None = None,
    comment: str = "",
    idempotency_key: str | None = None,
) -> PurchaseRequest:
    """An approver approves their step; the next stage or the requester hears of it."""

    def apply(uow: UnitOfWork, request: PurchaseRequest, now: datetime) -> None:
        done_before = {s.name for s in request.steps if s.status is StepStatus.APPROVED}
        activated = workflow.approve(
            request,
            actor=actor,
            step_name=step,
            now=now,
            channel=channel,
            delegations=ctx.delegations(),
            comment=comment,
        )
        finished = [
            s
            for s in request.steps
            if s.status is StepStatus.APPROVED and s.name not in done_before
        ]
        for done in finished:
            if done.vendor_qualification:
                vendor_review.decide_vendor(uow, request, approved=True, actor=actor, now=now)
        queue(ctx, uow, MessageKind.REFRESH, request, None)
        queue_approvers(ctx, uow, request, activated)
        if request.status is RequestStatus.APPROVED:
            announce_approved(ctx, uow, request)
        elif finished:
            text = texts.step_approved(
                request,
                step=finished[0].name,
                by=name(uow, actor),
                next_text=next_step_text(uow, request),
            )
            queue(ctx, uow, MessageKind.NOTE, request, request.requester, text)

    return change(
        ctx, request_id=request_id, actor=actor, apply=apply, idempotency_key=idempotency_key
    )


def reject(
    ctx: Context,
    *,
    request_id: int,
    actor: str,
    reason: str,
    channel: Channel,
    step: str | None = None,
    idempotency_key: str | None = None,
) -> PurchaseRequest:
    """An approver rejects the request with a reason the requester sees."""

    def apply(uow: UnitOfWork, request: PurchaseRequest, now: datetime) -> None:
        rejected = workflow.reject(
            request,
            actor=actor,
            reason=reason,
            step_name=step,
            now=now,
            channel=channel,
            delegations=ctx.delegations(),
        )
        if rejected.vendor_qualification:
            vendor_review.decide_vendor(
                uow, request, approved=False, actor=actor, now=now, outcome=reason
            )
        queue(ctx, uow, MessageKind.REFRESH, request, None)
        text = texts.rejected(request, by=name(uow, actor), step=rejected.name, reason=reason)
        queue(ctx, uow, MessageKind.NOTE, request, request.requester, text)

    return change(
        ctx, request_id=request_id, actor=actor, apply=apply, idempotency_key=idempotency_key
    )


def ask(
    ctx: Context,
    *,
    request_id: int,
    actor: str,
    question: str,
    channel: Channel,
    step: str | None = None,
    idempotency_key: str | None = None,
) -> PurchaseRequest:
    """An approver asks the requester a question; the requester gets a card to answer."""

    def apply(uow: UnitOfWork, request: PurchaseRequest, now: datetime) -> None:
        workflow.ask(
            request,
            actor=actor,
            question=question,
            step_name=step,
            now=now,
            channel=channel,
            delegations=ctx.delegations(),
        )
        queue(ctx, uow, MessageKind.REFRESH, request, None)
        queue(ctx, uow, MessageKind.REQUEST_CARD, request, request.requester)

    return change(
        ctx, request_id=request_id, actor=actor, apply=apply, idempotency_key=idempotency_key
    )


def answer(
    ctx: Context,
    *,
    request_id: int,
    actor: str,
    text: str,
    channel: Channel,
    idempotency_key: str | None = None,
) -> PurchaseRequest:
    """The requester answers; the request goes back to the approver who asked."""

    def apply(uow: UnitOfWork, request: PurchaseRequest, now: datetime) -> None:
        asked = resubmission.answer(request, actor=actor, text=text, now=now, channel=channel)
        queue(ctx, uow, MessageKind.REFRESH, request, None)
        queue(ctx, uow, MessageKind.APPROVAL_CARD, request, asked.asked_by, data={"answered": True})

    return change(
        ctx, request_id=request_id, actor=actor, apply=apply, idempotency_key=idempotency_key
    )


def cancel(
    ctx: Context,
    *,
    request_id: int,
    actor: str,
    channel: Channel,
    reason: str = "",
    idempotency_key: str | None = None,
) -> PurchaseRequest:
    """The requester withdraws the request; its approvers are told."""

    def apply(uow: UnitOfWork, request: PurchaseRequest, now: datetime) -> None:
        waiting = {a for s in request.active_steps for a in s.approvers if s.decision_of(a) is None}
        step_changes.cancel(request, actor=actor, now=now, channel=channel, reason=reason)
        queue(ctx, uow, MessageKind.REFRESH, request, None)
        for approver in sorted(waiting):
            text = texts.cancelled(request, by=name(uow, actor))
            queue(ctx, uow, MessageKind.NOTE, request, approver, text)

    return change(
        ctx, request_id=request_id, actor=actor, apply=apply, idempotency_key=idempotency_key
    )


def reassign(
    ctx: Context,
    *,
    request_id: int,
    actor: str,
    to: str,
    channel: Channel,
    step: str | None = None,
) -> PurchaseRequest:
    """An approver hands their place on a step to a colleague."""

    def apply(uow: UnitOfWork, request: PurchaseRequest, now: datetime) -> None:
        changed = step_changes.reassign(
            request,
            actor=actor,
            to=to,
            step_name=step,
            now=now,
            channel=channel,
            delegations=ctx.delegations(),
        )
        queue(ctx, uow, MessageKind.REFRESH, request, None)
        if changed.status is StepStatus.ACTIVE:
            queue(ctx, uow, MessageKind.APPROVAL_CARD, request, to.strip().lower())

    return change(ctx, request_id=request_id, actor=actor, apply=apply)
