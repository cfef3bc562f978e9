"""After approval: procurement records the purchase order, and delivery is confirmed."""

from __future__ import annotations

from datetime import datetime

from bot.app import texts
from bot.app.context import Context, change, queue
from bot.app.ports import MessageKind, UnitOfWork
from bot.domain import purchasing
from bot.domain.model import Channel, PurchaseRequest


def record_po(
    ctx: Context,
    *,
    request_id: int,
    actor: str,
    po_number: str,
    channel: Channel,
    idempotency_key: str | None = None,
) -> PurchaseRequest:
    """Procurement records the purchase order."""

    def apply(uow: UnitOfWork, request: PurchaseRequest, now: datetime) -> None:
        purchasing.record_po(
            request,
            actor=actor,
            po_number=po_number,
            purchasers=_purchasers(ctx, actor, channel),
            now=now,
            channel=channel,
        )
        queue(ctx, uow, MessageKind.REFRESH, request, None)
        queue(ctx, uow, MessageKind.NOTE, request, request.requester, texts.ordered(request))

    return change(
        ctx, request_id=request_id, actor=actor, apply=apply, idempotency_key=idempotency_key
    )


def mark_received(
    ctx: Context,
    *,
    request_id: int,
    actor: str,
    channel: Channel,
    idempotency_key: str | None = None,
) -> PurchaseRequest:
    """The requester or procurement confirms delivery."""

    def apply(uow: UnitOfWork, request: PurchaseRequest, now: datetime) -> None:
        purchasing.mark_received(
            request,
            actor=actor,
            purchasers=_purchasers(ctx, actor, channel),
            now=now,
            channel=channel,
        )
        queue(ctx, uow, MessageKind.REFRESH, request, None)

    return change(
        ctx, request_id=request_id, actor=actor, apply=apply, idempotency_key=idempotency_key
    )


def _purchasers(ctx: Context, actor: str, channel: Channel) -> list[str]:
    """Who may order and confirm delivery: procurement, and an API key, which an operator
    issued to the ERP to act for procurement."""
    purchasers = list(ctx.policy.purchasers)
    return [*purchasers, actor] if channel is Channel.API else purchasers
