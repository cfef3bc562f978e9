"""Intake: preview a draft (route, catalogue, budget, vendor history) and submit it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date

from bot.app import context, cost_centres, vendor_review
from bot.app.context import Context
from bot.app.ports import MessageKind, UnitOfWork
from bot.app.registry import check_budget
from bot.domain import benchmarks, limits, lookalikes, purchasing, workflow
from bot.domain import vendors as vendor_rules
from bot.domain.budgets import BudgetCheck, OverBudget
from bot.domain.cards import existing_purchases
from bot.domain.errors import BudgetExceeded, NotAllowed, VendorRefused
from bot.domain.formatting import money
from bot.domain.model import (
    MAX_AMOUNT,
    Channel,
    Money,
    PurchaseRequest,
    RequestDraft,
    RequestStatus,
    Step,
    Vendor,
    VendorStatus,
    vendor_key,
)
from bot.domain.policy import RequestFacts, RouteStep
from bot.domain.policy_schema import CatalogueEntry
from bot.domain.preview import BUDGET_RULE, Preview
from bot.domain.renewals import renewal_pending
from bot.domain.wording import clause

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything submit decides before saving."""

    vendor: Vendor | None
    facts: RequestFacts
    catalogue: CatalogueEntry | None
    route: list[RouteStep]
    budget: BudgetCheck | None
    lookalike: str | None


def preview(
    ctx: Context, *, requester: str, draft: RequestDraft, renews: int | None = None
) -> Preview:
    """Route, catalogue match, budget and vendor history for a draft, saving nothing.
    Raises what submit would raise (a rejected vendor, a blocked overrun). A renewal
    is not told about the very purchase it renews."""
    limits.check_draft(draft)
    with ctx.uow() as uow:
        found = plan(ctx, uow, draft, requester=requester.lower())
        history = uow.requests.vendor_history(found.facts.vendor_key, exclude_id=renews)
        benchmark = benchmarks.load(
            uow.benchmarks,
            vendor=draft.vendor,
            title=draft.title,
            recurrence=draft.recurrence,
            currency=ctx.policy.base_currency,
            catalogue_entry=found.catalogue.name if found.catalogue else None,
            exclude_id=renews,
        )
        price = benchmarks.unit_price(
            base_amount=found.facts.annual_base_amount,
            quantity=draft.quantity,
            recurrence=draft.recurrence,
        )
        return Preview(
            route=found.route,
            catalogue=found.catalogue,
            vendor_status=found.facts.vendor_status,
            history=history,
            existing=existing_purchases(history, lambda e: context.name(uow, e)),
            budget=found.budget,
            lookalike=found.lookalike,
            cost_centre=cost_centres.warning(
                draft.cost_centre, cost_centres.budgeted(uow, ctx.policy)
            ),
            price=benchmarks.comparison(price=price, title=draft.title, benchmark=benchmark),
            price_above=benchmarks.above_median(price, benchmark),
        )


def submit(
    ctx: Context,
    *,
    requester: str,
    draft: RequestDraft,
    channel: Channel,
    idempotency_key: str | None = None,
    renews: int | None = None,
) -> PurchaseRequest:
    """Save a new request, route it (or approve it from the catalogue) and notify;
    `renews` names the recurring purchase it renews."""
    limits.check_draft(draft)
    requester = requester.lower()
    now = ctx.clock.now()
    policy = ctx.policy
    with ctx.uow() as uow:
        if idempotency_key:
            first, result = uow.idempotency.claim(idempotency_key, now=now)
            if not first and result:
                existing = uow.requests.get(int(result))
                if existing is not None:
                    return existing
        found = plan(ctx, uow, draft, requester=requester)
        vendor, facts = found.vendor, found.facts
        request = PurchaseRequest(
            id=None,
            requester=requester,
            title=draft.title,
            category=draft.category,
            vendor=vendor.name if vendor else draft.vendor,
            unit_price=Money(draft.unit_price, draft.currency),
            quantity=draft.quantity,
            recurrence=draft.recurrence,
            cost_centre=draft.cost_centre,
            data_access=draft.data_access,
            justification=draft.justification,
            created_at=now,
            updated_at=now,
            needed_by=draft.needed_by,
            link=draft.link,
            renewal_date=draft.renewal_date,
            base_amount=facts.annual_base_amount,
            base_currency=policy.base_currency,
            vendor_status=facts.vendor_status,
        )
        if found.catalogue is not None:
            workflow.auto_approve(request, entry=found.catalogue.name, now=now, channel=channel)
            activated: list[Step] = []
        else:
            steps = policy.build_steps(found.route, requester=requester)
            activated = workflow.submit(request, steps=steps, now=now, channel=channel)
        vendor_review.register_vendor(uow, vendor, request)
        uow.requests.add(request)
        assert request.id is not None
        context.queue(ctx, uow, MessageKind.REQUEST_CARD, request, request.requester)
        context.queue_approvers(ctx, uow, request, activated)
        if request.status is RequestStatus.APPROVED:
            context.queue_purchasers(ctx, uow, request)
        if idempotency_key:
            uow.idempotency.remember(idempotency_key, str(request.id))
        if renews is not None:
            renewed = context.load(uow, renews)
            purchasing.renewal_requested(
                renewed,
                actor=requester,
                purchasers=policy.purchasers,
                renewal_number=request.number,
                now=now,
                channel=channel,
                renews_on=renewal_pending(renewed, uow.events.for_request(renews)),
            )
            uow.requests.save(renewed)
            context.queue(ctx, uow, MessageKind.REFRESH, renewed, None)
        uow.commit()
    log.info("%s submitted by %s: %s", request.number, requester, request.status.value)
    return request


def plan(
    ctx: Context,
    uow: UnitOfWork,
    draft: RequestDraft,
    *,
    requester: str,
    exclude_id: int | None = None,
    day: date | None = None,
) -> Plan:
    """Everything submit decides before saving: vendor, catalogue, route and budget."""
    policy = ctx.policy
    vendor, facts, lookalike = _assess(ctx, uow, draft)
    if facts.annual_base_amount > MAX_AMOUNT:
        # Priced in a currency worth a million of the base one, the form's own limits
        # would still let through more than storage and cards take.
        raise NotAllowed(
            f"This request comes to {_yearly(ctx, facts)}, more than procurebot records "
            f"({money(MAX_AMOUNT, policy.base_currency)}). Check the price, quantity "
            "and currency."
        )
    budget = check_budget(
        uow,
        policy,
        cost_centre=draft.cost_centre,
        amount=facts.annual_base_amount,
        day=day or ctx.clock.now().date(),
        exclude_id=exclude_id,
    )
    over = budget is not None and budget.over
    if over and policy.budgets.over_budget is OverBudget.BLOCK:
        assert budget is not None
        raise BudgetExceeded(
            f"This request ({_yearly(ctx, facts)}) would go "
            f"{budget.text()}. Lower the amount, pick another cost centre, or ask "
            "finance to raise the budget."
        )
    # Over budget, nothing is bought at once: the overrun needs its approval first.
    entry = None if over else policy.catalogue_match(facts, requester=requester)
    route = [] if entry else policy.route(facts)
    if over:
        assert budget is not None
        route = _with_step(route, policy.budget_step(f"{BUDGET_RULE}{budget.name}"))
    return Plan(
        vendor=vendor,
        facts=facts,
        catalogue=entry,
        route=route,
        budget=budget,
        lookalike=lookalike.warning(draft.vendor.strip()) if lookalike else None,
    )


def _yearly(ctx: Context, facts: RequestFacts) -> str:
    """'$1,620.00 a year', or the total of a one-off purchase."""
    per = " a year" if facts.recurrence.periods_per_year > 1 else ""
    return f"{money(facts.annual_base_amount, ctx.policy.base_currency)}{per}"


def _assess(
    ctx: Context, uow: UnitOfWork, draft: RequestDraft
) -> tuple[Vendor | None, RequestFacts, lookalikes.Lookalike | None]:
    """The registry's vendor (if any), the facts routing looks at, and the rejected vendor
    the name looks like; refuses rejected vendors, also under a name that looks the same."""
    vendor = uow.vendors.get(vendor_key(draft.vendor))
    lookalike = None
    # An approved vendor was reviewed under its own name; any other may be a disguise.
    if vendor is None or vendor.status in (VendorStatus.NEW, VendorStatus.UNDER_REVIEW):
        rejected = uow.vendors.list(status=VendorStatus.REJECTED)
        lookalike = lookalikes.find(draft.vendor, rejected)
        if lookalike is not None and lookalike.same:
            # 'Ѕketchy Ltd' with a Cyrillic Ѕ is Sketchy Ltd: refused, or its exception path.
            vendor, lookalike = lookalike.vendor, None
            draft = replace(draft, vendor=vendor.name)
    return vendor, _facts(ctx, draft, _vendor_status(ctx, uow, vendor, draft)), lookalike


def _vendor_status(
    ctx: Context, uow: UnitOfWork, vendor: Vendor | None, draft: RequestDraft
) -> VendorStatus:
    if vendor is None:
        return VendorStatus.NEW
    if vendor.status is VendorStatus.REJECTED:
        if ctx.policy.vendors.allow_rejected_exception:
            return VendorStatus.REJECTED
        alternatives = [
            v.name
            for v in uow.vendors.list()
            if v.status is VendorStatus.APPROVED
            and v.category in (draft.category, None)
            and v.key != vendor.key
        ][:5]
        hint = (
            f" Approved alternatives: {', '.join(alternatives)}."
            if alternatives
            else " Ask IT for an approved alternative."
        )
        reason = f" ({clause(vendor.review_outcome)})" if vendor.review_outcome else ""
        raise VendorRefused(f"{vendor.name} was rejected in vendor review{reason}.{hint}")
    # An approved vendor whose review expired is qualified again like a new one.
    return vendor_rules.effective_status(
        vendor, now=ctx.clock.now(), months=ctx.policy.vendors.review_valid_months
    )


def _facts(ctx: Context, draft: RequestDraft, status: VendorStatus) -> RequestFacts:
    total = draft.unit_price * draft.quantity * draft.recurrence.periods_per_year
    return RequestFacts(
        title=draft.title,
        category=draft.category,
        vendor_key=vendor_key(draft.vendor),
        vendor_status=status,
        unit_price=draft.unit_price,
        currency=draft.currency,
        quantity=draft.quantity,
        recurrence=draft.recurrence,
        department=draft.cost_centre,
        data_access=draft.data_access,
        annual_base_amount=ctx.policy.to_base(total, draft.currency),
    )


def _with_step(route: list[RouteStep], extra: RouteStep | None) -> list[RouteStep]:
    """The route with one more step; a step of the same name gains the reason instead."""
    if extra is None:
        return route
    same = next((r for r in route if r.spec.name == extra.spec.name), None)
    if same is not None:
        return [
            RouteStep(spec=r.spec, rules=[*r.rules, *extra.rules]) if r is same else r
            for r in route
        ]
    return sorted([*route, extra], key=lambda r: r.spec.stage)
