"""After approval: procurement orders, delivery is confirmed, and a running subscription is
renewed or left to lapse."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from bot.domain import limits
from bot.domain.errors import IllegalTransition, NotAllowed
from bot.domain.model import (
    Channel,
    PurchaseRequest,
    RequestStatus,
)
from bot.domain.steps import record

_SPENT = (RequestStatus.APPROVED, RequestStatus.ORDERED, RequestStatus.RECEIVED)


def renewable(request: PurchaseRequest) -> bool:
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
    if not renewable(request):
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
    record(
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
    record(
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
    record(
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
    record(request, action="Received", actor=actor, at=now, channel=channel, before=before)
