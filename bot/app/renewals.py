"""Renewals of running subscriptions: the notice ahead of the date, letting one lapse, and
the draft of its renewal."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.app import texts
from bot.app.context import Context, change, load, name, queue
from bot.app.ports import MessageKind, UnitOfWork
from bot.domain import purchasing, renewals
from bot.domain.errors import AlreadyDecided, NotAllowed
from bot.domain.model import Channel, Event, PurchaseRequest, Recurrence, RequestDraft

log = logging.getLogger(__name__)

_OPEN_LIMIT = 10_000
# A monthly subscription renews every month: announcing it a full notice period ahead would
# mean a reminder every day of the year, so monthly ones get at most a week's notice.
MONTHLY_NOTICE_DAYS = 7


def send_renewal_notices(ctx: Context) -> int:
    """Card the owner and procurement of purchases renewing within the notice days, once
    per renewal; returns how many purchases were announced."""
    policy = ctx.policy
    now = ctx.clock.now()
    today = now.astimezone(ZoneInfo(policy.digest.timezone)).date()
    notice = policy.reminders.renewal_notice_days
    due = []
    windows = {
        Recurrence.ANNUAL: notice,
        Recurrence.MONTHLY: min(notice, MONTHLY_NOTICE_DAYS),
    }
    with ctx.uow() as uow:
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
        with ctx.uow() as uow:
            key = f"renewal:{renewal.request_id}:{renewal.renews_on.isoformat()}"
            first, _ = uow.idempotency.claim(key, now=now)
            if not first:
                continue
            request = load(uow, renewal.request_id)
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
                queue(
                    ctx,
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


def let_lapse(
    ctx: Context,
    *,
    request_id: int,
    actor: str,
    channel: Channel,
    idempotency_key: str | None = None,
) -> PurchaseRequest:
    """The owner or procurement chooses not to renew; the owner is told."""

    def apply(uow: UnitOfWork, request: PurchaseRequest, now: datetime) -> None:
        due = renewals.renewal_pending(request, uow.events.for_request(request_id))
        purchasing.let_lapse(
            request,
            actor=actor,
            purchasers=ctx.policy.purchasers,
            now=now,
            channel=channel,
            renews_on=due,
        )
        assert due is not None  # let_lapse refuses otherwise
        queue(ctx, uow, MessageKind.REFRESH, request, None)
        text = texts.lapsing(request, due=due, by=name(uow, actor))
        queue(ctx, uow, MessageKind.NOTE, request, request.requester, text)

    return change(
        ctx, request_id=request_id, actor=actor, apply=apply, idempotency_key=idempotency_key
    )


def renewal_draft(ctx: Context, *, request_id: int, actor: str) -> RequestDraft:
    """The form values of a renewal of a recurring purchase, for its owner or procurement."""
    with ctx.uow() as uow:
        request = load(uow, request_id)
        if renewals.renewal_pending(request, uow.events.for_request(request_id)) is None:
            raise AlreadyDecided(f"{request.number} has no renewal waiting for a choice.")
    if actor != request.requester and actor not in ctx.policy.purchasers:
        raise NotAllowed(f"Only {request.requester} or procurement can renew {request.number}.")
    return renewals.renewal_draft(request)
