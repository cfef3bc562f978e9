"""Procurement's scheduled use cases: reminders and escalation, renewals, delegations.

Each acts in its own unit of work per request and is safe to run in several processes at
once: a step's reminder or escalation, a renewal notice and a delegate's card are each
claimed by an idempotency key before anything is queued.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.app.ports import MessageKind, UnitOfWork
from bot.domain import workflow
from bot.domain.digest import age
from bot.domain.formatting import short_amount
from bot.domain.model import (
    Channel,
    Event,
    PurchaseRequest,
    Recurrence,
    RequestDraft,
    RequestStatus,
)
from bot.domain.reminders import Nudge, nudge_due

if TYPE_CHECKING:
    from bot.app.facade import Procurement

log = logging.getLogger(__name__)

_SPENT = (RequestStatus.APPROVED, RequestStatus.ORDERED, RequestStatus.RECEIVED)
_OPEN_LIMIT = 10_000
# A monthly subscription renews every month: announcing it a full notice period ahead would
# mean a reminder every day of the year, so monthly ones get at most a week's notice.
MONTHLY_NOTICE_DAYS = 7
EXPIRY_GRACE = timedelta(days=7)


def nudge_waiting(service: Procurement) -> tuple[int, int]:
    """See Procurement.nudge_waiting."""
    policy = service.policy
    now = service.clock.now()
    with service._uow() as uow:
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

        def apply(
            uow: UnitOfWork,
            request: PurchaseRequest,
            now: datetime,
            step_name: str = step_name,
            nudge: Nudge = nudge,
            done: list[bool] = done,
        ) -> None:
            step = request.step(step_name)
            settings = policy.reminders
            zone = policy.digest.timezone
            if step is None or nudge_due(step, now=now, settings=settings, timezone=zone) != nudge:
                return  # another process (or a decision) got there first
            if nudge is Nudge.REMIND:
                _remind(service, uow, request, step_name, now)
            else:
                _escalate(service, uow, request, step_name, now)
            done.append(True)

        service._change(request_id, "policy", apply, f"nudge:{request_id}:{step_name}:{nudge}")
        if done:
            counts[nudge] += 1
    return counts[Nudge.REMIND], counts[Nudge.ESCALATE]


def _remind(
    service: Procurement, uow: UnitOfWork, request: PurchaseRequest, step_name: str, now: datetime
) -> None:
    step = request.step(step_name)
    assert step is not None and step.activated_at is not None
    waited = age(step.activated_at, now)
    waiting = workflow.remind(request, step_name=step_name, now=now)
    # Whoever covers an absent approver today is reminded in their place too.
    covering = [
        d.delegate
        for d in service.policy.delegation_list()
        if d.approver in waiting and d.active_on(now.date()) and d.delegate != request.requester
    ]
    for approver in dict.fromkeys([*waiting, *covering]):
        service._queue(
            uow,
            MessageKind.NOTE,
            request,
            approver,
            f"Reminder: {request.number} · {request.title} · {short_amount(request)} has "
            f"waited {waited} for your decision at {step_name}. Here it is again.",
        )
        service._queue(uow, MessageKind.APPROVAL_CARD, request, approver, data={"reminder": True})


def _escalate(
    service: Procurement, uow: UnitOfWork, request: PurchaseRequest, step_name: str, now: datetime
) -> None:
    policy = service.policy
    group = policy.escalation_group(step_name)
    members = policy.members(group) if group else []
    step = request.step(step_name)
    assert step is not None and step.activated_at is not None
    waited = age(step.activated_at, now)
    added = workflow.add_approvers(
        request,
        step_name=step_name,
        approvers=members,
        now=now,
        reason=f"Waited {waited}; added {policy.groups[group].name if group else 'nobody'}.",
    )
    service._queue(uow, MessageKind.REFRESH, request, None)
    for approver in added:
        service._queue(uow, MessageKind.APPROVAL_CARD, request, approver)
    names = ", ".join(service._name(uow, a) for a in added)
    if added:
        text = (
            f"{request.number} · {request.title} · {short_amount(request)} waited {waited} at "
            f"{step_name}, so I added {names} ({policy.groups[group].name if group else ''}) "
            "as approvers. Any of them can now decide."
        )
    else:
        text = (
            f"{request.number} · {request.title} · {short_amount(request)} has waited "
            f"{waited} at {step_name}. Nudge {', '.join(step.approvers)} or ask IT to reassign it."
        )
    service._queue(uow, MessageKind.NOTE, request, request.requester, text)


# --------------------------------------------------------------------------- renewals


def renewal_pending(request: PurchaseRequest, events: Sequence[Event]) -> date | None:
    """The renewal date announced for a running subscription that nobody has chosen on yet."""
    if request.status not in _SPENT or request.recurrence is Recurrence.ONE_OFF:
        return None
    due: date | None = None
    for event in events:
        if event.action == "RenewalNoticed":
            due = date.fromisoformat(event.comment)
        elif event.action in ("LetLapse", "RenewalRequested"):
            due = None
    return due


def renewal_draft(request: PurchaseRequest) -> RequestDraft:
    """The request's fields as a new draft, to renew it."""
    # The old dates belong to the old purchase; the renewal asks for its own.
    return replace(
        request.as_draft(),
        needed_by=None,
        renewal_date=None,
        justification=f"Renewal of {request.number}. {request.justification}".strip(),
    )


def send_renewal_notices(service: Procurement) -> int:
    """See Procurement.send_renewal_notices."""
    policy = service.policy
    now = service.clock.now()
    today = now.astimezone(ZoneInfo(policy.digest.timezone)).date()
    notice = policy.reminders.renewal_notice_days
    due = []
    windows = {
        Recurrence.ANNUAL: notice,
        Recurrence.MONTHLY: min(notice, MONTHLY_NOTICE_DAYS),
    }
    with service._uow() as uow:
        for recurrence, days in windows.items():
            _, found = uow.digest.renewals(
                start=today,
                end=today + timedelta(days=days),
                limit=_OPEN_LIMIT,
                recurrence=recurrence.value,
            )
            due += found
    sent = 0
    for renewal in due:
        with service._uow() as uow:
            key = f"renewal:{renewal.request_id}:{renewal.renews_on.isoformat()}"
            first, _ = uow.idempotency.claim(key, now=now)
            if not first:
                continue
            request = service._load(uow, renewal.request_id)
            uow.events.append(
                Event(
                    action="RenewalNoticed",
                    actor="policy",
                    at=now,
                    channel=Channel.SYSTEM,
                    from_status=request.status,
                    to_status=request.status,
                    comment=renewal.renews_on.isoformat(),
                    request_id=request.id,
                )
            )
            for person in dict.fromkeys([request.requester, *policy.purchasers]):
                service._queue(
                    uow,
                    MessageKind.APPROVAL_CARD,
                    request,
                    person,
                    data={"renewal": renewal.renews_on.isoformat()},
                )
            uow.commit()
            sent += 1
            log.info("%s: renewal on %s announced", request.number, renewal.renews_on)
    return sent


# --------------------------------------------------------------------------- delegations


def start_delegations(service: Procurement) -> int:
    """See Procurement.start_delegations."""
    now = service.clock.now()
    # The same day the workflow checks a delegate's click against (workflow.acting_for).
    today = now.date()
    queued = 0
    for delegation in service.policy.delegation_list():
        started = delegation.active_on(today)
        # The day after the last one the delegate's cards lose their buttons (a refresh);
        # looked at for a week, in case every process was down that day.
        ended = delegation.end < today <= delegation.end + EXPIRY_GRACE
        if not (started or ended):
            continue
        with service._uow() as uow:
            waiting = uow.requests.waiting_for(delegation.approver)
        for request in waiting:
            if request.requester == delegation.delegate or request.id is None:
                continue
            with service._uow() as uow:
                stage = "start" if started else "end"
                key = (
                    f"delegation-{stage}:{delegation.approver}:{delegation.delegate}:"
                    f"{delegation.start.isoformat()}:{request.id}"
                )
                first, _ = uow.idempotency.claim(key, now=now)
                if not first:
                    continue
                if started:
                    service._queue(
                        uow,
                        MessageKind.NOTE,
                        request,
                        delegation.delegate,
                        f"You cover for {service._name(uow, delegation.approver)} until "
                        f"{delegation.end:%a %d %b %Y}: {request.number} waits for them.",
                    )
                    service._queue(uow, MessageKind.APPROVAL_CARD, request, delegation.delegate)
                else:
                    service._queue(uow, MessageKind.REFRESH, request, None)
                uow.commit()
                queued += 1
    return queued
