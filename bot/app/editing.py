"""The requester edits a request in answer to a question; a change that routing or a
reviewer depends on routes it anew and re-opens its decisions."""

from __future__ import annotations

from datetime import datetime

from bot.app import intake, texts, vendor_review
from bot.app.context import Context, announce_approved, change, name, next_step_text, queue
from bot.app.ports import MessageKind, UnitOfWork
from bot.domain import edits, limits, resubmission
from bot.domain.model import Channel, Money, PurchaseRequest, RequestDraft, RequestStatus, Step


def edit(
    ctx: Context,
    *,
    request_id: int,
    actor: str,
    draft: RequestDraft,
    channel: Channel,
    idempotency_key: str | None = None,
) -> PurchaseRequest:
    """The requester changes the request in answer to a question. A change that routing
    or a reviewer depends on (bot.domain.edits) routes it anew under the current policy and
    re-opens every decision, and the approvers concerned are told; wording keeps them."""
    limits.check_draft(draft)

    def apply(uow: UnitOfWork, request: PurchaseRequest, now: datetime) -> None:
        resubmission.check_edit(request, actor=actor)
        changed = edits.changes(request, draft)
        could_act = open_votes(request)
        plan = None
        if edits.reroutes(changed):
            vendor_review.release_vendor(uow, request)
            plan = intake.plan(
                ctx,
                uow,
                draft,
                requester=request.requester,
                exclude_id=request.id,
                day=request.created_at.date(),
            )
        _apply_draft(request, draft, plan)
        done = resubmission.resubmit(
            request,
            actor=actor,
            changes=edits.describe(changed),
            route=None if plan is None else _edited_route(ctx, request, plan),
            now=now,
            channel=channel,
        )
        if plan is not None:
            vendor_review.register_vendor(uow, plan.vendor, request)
        queue(ctx, uow, MessageKind.REFRESH, request, None)
        _tell_edited(ctx, uow, request, done, could_act=could_act, changes=changed)

    return change(
        ctx, request_id=request_id, actor=actor, apply=apply, idempotency_key=idempotency_key
    )


def open_votes(request: PurchaseRequest) -> set[tuple[str, str]]:
    """(step, approver) for every vote an active step still waits for."""
    return {
        (step.name, approver)
        for step in request.active_steps
        for approver in step.approvers
        if step.decision_of(approver) is None
    }


def _edited_route(ctx: Context, request: PurchaseRequest, plan: intake.Plan) -> list[Step]:
    # A catalogue match approves only new requests: an edited one takes the policy's route.
    route = plan.route or ctx.policy.route(plan.facts)
    return ctx.policy.build_steps(route, requester=request.requester)


def _tell_edited(
    ctx: Context,
    uow: UnitOfWork,
    request: PurchaseRequest,
    done: resubmission.Resubmission,
    *,
    could_act: set[tuple[str, str]],
    changes: list[edits.Change],
) -> None:
    """A card to everyone who may decide now and could not before (re-opened, new, the
    one who asked), a note to the others the edit concerns, and if no step is left, the
    approval's news."""
    can_act = open_votes(request)
    asker = done.question.asked_by
    deciding = {a for _, a in can_act}
    for approver in sorted({a for _, a in can_act - could_act} | ({asker} & deciding)):
        data: dict[str, object] | None = {"answered": True} if approver == asker else None
        queue(ctx, uow, MessageKind.APPROVAL_CARD, request, approver, data=data)
    if request.status is RequestStatus.APPROVED:
        announce_approved(ctx, uow, request)
    # Whoever had a live card, asked, or decided, and may not decide now, hears why.
    concerned = {approver: step for step, approver in sorted(could_act)}
    concerned[asker] = done.question.step
    for step in [*done.reopened, *done.dropped]:
        concerned.update((decider, step.name) for decider in step.deciders)
    opening = texts.edited(
        request, by=name(uow, request.requester), changes=edits.describe(changes)
    )
    dropped = {s.name for s in done.dropped}
    for person, step_name in sorted(concerned.items()):
        if person in deciding:
            continue
        if step_name in dropped:
            text = texts.edit_dropped_step(opening, step=step_name)
        else:
            next_text = next_step_text(uow, request)
            text = texts.edit_reopened_step(opening, step=step_name, next_text=next_text)
        queue(ctx, uow, MessageKind.NOTE, request, person, text)


def _apply_draft(request: PurchaseRequest, draft: RequestDraft, plan: intake.Plan | None) -> None:
    """Write an edit's wording; with a plan (an edit that re-routes) every other field too."""
    request.title = draft.title
    request.cost_centre = draft.cost_centre  # the same one, maybe spelt anew, without a plan
    request.needed_by = draft.needed_by
    request.justification = draft.justification
    request.link = draft.link
    request.renewal_date = draft.renewal_date
    if plan is None:
        return
    request.category = draft.category
    request.vendor = plan.vendor.name if plan.vendor else draft.vendor
    request.vendor_status = plan.facts.vendor_status
    request.unit_price = Money(draft.unit_price, draft.currency)
    request.quantity = draft.quantity
    request.recurrence = draft.recurrence
    request.data_access = draft.data_access
    request.base_amount = plan.facts.annual_base_amount
