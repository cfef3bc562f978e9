"""Reading: a request, its card for one viewer, a person's requests and what waits for them."""

from __future__ import annotations

from decimal import Decimal

from bot.app import context, cost_centres
from bot.app.context import Context, load, names
from bot.app.ports import UnitOfWork
from bot.app.registry import OPEN, SPENT, check_budget
from bot.domain import benchmarks, lookalikes
from bot.domain.cards import Card, build_card
from bot.domain.errors import NotAllowed
from bot.domain.model import PurchaseRequest, VendorStatus, vendor_key
from bot.domain.renewals import renewal_pending


def get(ctx: Context, request_id: int) -> PurchaseRequest:
    """The request or NotFound."""
    with ctx.uow() as uow:
        return load(uow, request_id)


def card_for(ctx: Context, *, request_id: int, viewer: str, check_visible: bool = False) -> Card:
    """The neutral card of a request for one viewer, with the actions they may take.

    With check_visible, refuse viewers with no part in the request: purchases can be
    confidential, so only the people on it, procurement and escalation see them.
    """
    with ctx.uow() as uow:
        request = load(uow, request_id)
        if check_visible and not may_see(ctx, request, viewer):
            raise NotAllowed(
                f"{request.number} isn't yours and you're not one of its "
                "approvers, so I can't show it."
            )
        return _card(ctx, uow, request, viewer)


def cards_for(ctx: Context, requests: list[PurchaseRequest], *, viewer: str) -> list[Card]:
    """Cards for several requests at once (lists, App Home)."""
    with ctx.uow() as uow:
        return [_card(ctx, uow, r, viewer) for r in requests]


def may_see(ctx: Context, request: PurchaseRequest, viewer: str) -> bool:
    """Whether the viewer has a part in the request (or covers for, or leads, someone who has)."""
    involved = {request.requester, *ctx.policy.purchasers}
    for step in request.steps:
        involved.update(step.approvers)
        involved.update(step.deciders)
    today = ctx.clock.now().date()
    covering = {
        d.delegate for d in ctx.delegations() if d.approver in involved and d.active_on(today)
    }
    escalation = ctx.policy.reminders.escalate_to
    leaders = set(ctx.policy.members(escalation)) if escalation else set()
    return viewer in involved | covering | leaders


def my_requests(ctx: Context, *, requester: str, limit: int = 20) -> list[PurchaseRequest]:
    """The requester's newest requests."""
    with ctx.uow() as uow:
        return uow.requests.list(requester=requester.lower(), limit=limit)


def waiting_for(ctx: Context, *, approver: str) -> list[PurchaseRequest]:
    """Requests with a step waiting for this approver (or someone they cover for)."""
    approver = approver.lower()
    today = ctx.clock.now().date()
    covered = [
        d.approver for d in ctx.delegations() if d.delegate == approver and d.active_on(today)
    ]
    with ctx.uow() as uow:
        found: dict[int, PurchaseRequest] = {}
        for email in [approver, *covered]:
            for request in uow.requests.waiting_for(email):
                if request.requester != approver and request.id is not None:
                    found[request.id] = request
        return sorted(found.values(), key=lambda r: r.created_at)


def known_vendors(ctx: Context) -> list[str]:
    """Vendor names in the registry (for guessing the vendor in a one-line request)."""
    with ctx.uow() as uow:
        return [v.name for v in uow.vendors.list()]


def _card(ctx: Context, uow: UnitOfWork, request: PurchaseRequest, viewer: str) -> Card:
    assert request.id is not None
    policy = ctx.policy
    events = uow.events.for_request(request.id)
    reviewer = viewer != request.requester
    history = (
        uow.requests.vendor_history(vendor_key(request.vendor), exclude_id=request.id)
        if reviewer
        else None
    )
    lookalike = _lookalike(uow, request.vendor) if reviewer else None
    known = names(uow, request)
    if history:  # its notice names the owners of the vendor's other requests
        known.update((r.requester, context.name(uow, r.requester)) for r in history.recent)
    vendor = uow.vendors.get(vendor_key(request.vendor))  # its state now, not at submit
    counted = request.status in SPENT or (
        request.status in OPEN and policy.budgets.count_open_requests
    )
    budget = check_budget(
        uow,
        policy,
        cost_centre=request.cost_centre,
        amount=request.base_amount if counted else Decimal("0.00"),
        day=request.created_at.date(),
        exclude_id=request.id,
    )
    return build_card(
        request=request,
        viewer=viewer,
        now=ctx.clock.now(),
        events=events,
        delegations=ctx.delegations(),
        purchasers=policy.purchasers,
        names=known,
        history=history,
        budget=budget,
        renewal_due=renewal_pending(request, events),
        lookalike=lookalike,
        vendor_status=vendor.status if vendor else None,
        cost_centre_warning=None
        if budget
        else cost_centres.warning(request.cost_centre, cost_centres.budgeted(uow, policy)),
        benchmark=benchmarks.load(
            uow.benchmarks,
            vendor=request.vendor,
            title=request.title,
            recurrence=request.recurrence,
            currency=request.base_currency,
            catalogue_entry=request.catalogue_entry,
            exclude_id=request.id,
        ),
    )


def _lookalike(uow: UnitOfWork, vendor: str) -> str | None:
    """'… looks like rejected vendor Sketchy Ltd (…)' for a vendor other than that one."""
    key = vendor_key(vendor)
    rejected = [v for v in uow.vendors.list(status=VendorStatus.REJECTED) if v.key != key]
    found = lookalikes.find(vendor, rejected)
    return found.warning(vendor) if found else None
