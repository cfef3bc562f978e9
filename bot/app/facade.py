"""Use cases: each public method is one unit of work that also queues the messages it implies."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlsplit

from bot.app import housekeeping
from bot.app.ports import (
    Clock,
    MessageKind,
    OutboxMessage,
    UnitOfWork,
    UnitOfWorkFactory,
    VendorHistory,
)
from bot.app.registry import OPEN, SPENT, Registry, check_budget
from bot.domain import edits, limits, lookalikes, workflow
from bot.domain import vendors as vendor_rules
from bot.domain.budgets import BudgetCheck, OverBudget
from bot.domain.cards import Card, budget_line, build_card, existing_purchases
from bot.domain.errors import (
    AlreadyDecided,
    BudgetExceeded,
    ConcurrentUpdate,
    NotAllowed,
    NotFound,
    VendorRefused,
)
from bot.domain.formatting import money, short_amount
from bot.domain.model import (
    MAX_AMOUNT,
    Channel,
    DataAccess,
    Delegation,
    Money,
    Person,
    PurchaseRequest,
    RequestDraft,
    RequestStatus,
    Step,
    StepStatus,
    Vendor,
    VendorStatus,
    format_number,
    vendor_key,
)
from bot.domain.policy import CatalogueEntry, Policy, RequestFacts, RouteStep

log = logging.getLogger(__name__)
_RETRIES = 5


@dataclass(frozen=True, slots=True)
class Preview:
    """What would happen if the draft were submitted now: shown before and after submit."""

    route: list[RouteStep]
    catalogue: CatalogueEntry | None
    vendor_status: VendorStatus
    history: VendorHistory
    existing: str | None = None  # existing purchases of the vendor, owners named
    budget: BudgetCheck | None = None
    lookalike: str | None = None  # 'Sketchy Ltd.io looks like rejected vendor Sketchy Ltd (...)'

    @property
    def existing_notice(self) -> str | None:
        """'Design already has 3 × Figma seats (Figma, monthly), PR-1001, owner ...' or None."""
        return f"{self.existing} You can still go ahead." if self.existing else None

    @property
    def budget_notice(self) -> str | None:
        """'Budget: $3,380.00 left of $5,000.00 (Design, 2026-Q4) after this request' or None."""
        if self.budget is None:
            return None
        if self.budget.over:
            return f"{budget_line(self.budget)}. {self.budget_consequence}"
        return f"Budget: {budget_line(self.budget)}."

    @property
    def budget_consequence(self) -> str:
        """What going over budget means for this request."""
        extra = [
            r.spec.name for r in self.route if any(x.startswith(_BUDGET_RULE) for x in r.rules)
        ]
        if extra:
            return f"{extra[0]} will be asked to approve the overrun."
        return "Nothing is added for it under the policy."

    @property
    def lookalike_notice(self) -> str | None:
        """The rejected vendor the vendor's name looks like, or None."""
        if self.lookalike is None:
            return None
        return f"{self.lookalike}. Make sure it is another company before you go ahead."

    @property
    def notice(self) -> str | None:
        """Everything the requester should read before submitting, or None."""
        parts = [p for p in (self.lookalike_notice, self.existing_notice, self.budget_notice) if p]
        return " ".join(parts) or None

    @property
    def needs_confirmation(self) -> bool:
        """Whether the requester should see the notice before the request is saved."""
        return bool(self.existing or self.lookalike) or bool(self.budget and self.budget.over)

    @property
    def to_confirm(self) -> str | None:
        """The notice to show before saving, or None to save at once (catalogue purchases are
        approved on the spot and never held)."""
        if self.catalogue or not self.needs_confirmation:
            return None
        return self.notice


@dataclass(frozen=True, slots=True)
class _Plan:
    vendor: Vendor | None
    facts: RequestFacts
    catalogue: CatalogueEntry | None
    route: list[RouteStep]
    budget: BudgetCheck | None
    lookalike: str | None


_BUDGET_RULE = "Over the "  # the reason of a budget step: "Over the Design budget for 2026"


class Procurement:
    """The application's use cases over one policy, one database and one clock."""

    def __init__(self, *, uow: UnitOfWorkFactory, policy: Policy, clock: Clock) -> None:
        self._uow = uow
        self.policy = policy
        self.clock = clock
        self.registry = Registry(uow=uow, policy=policy, clock=clock)

    # ------------------------------------------------------------------ intake

    def preview(self, *, requester: str, draft: RequestDraft, renews: int | None = None) -> Preview:
        """Route, catalogue match, budget and vendor history for a draft, saving nothing.
        Raises what submit would raise (a rejected vendor, a blocked overrun). A renewal
        is not told about the very purchase it renews."""
        limits.check_draft(draft)
        with self._uow() as uow:
            plan = self._plan(uow, draft, requester=requester.lower())
            history = uow.requests.vendor_history(plan.facts.vendor_key, exclude_id=renews)
            return Preview(
                route=plan.route,
                catalogue=plan.catalogue,
                vendor_status=plan.facts.vendor_status,
                history=history,
                existing=existing_purchases(history, lambda e: self._name(uow, e)),
                budget=plan.budget,
                lookalike=plan.lookalike,
            )

    def _plan(
        self,
        uow: UnitOfWork,
        draft: RequestDraft,
        *,
        requester: str,
        exclude_id: int | None = None,
        day: date | None = None,
    ) -> _Plan:
        """Everything submit decides before saving: vendor, catalogue, route and budget."""
        vendor, facts, lookalike = self._assess(uow, draft)
        if facts.annual_base_amount > MAX_AMOUNT:
            # Priced in a currency worth a million of the base one, the form's own limits
            # would still let through more than storage and cards take.
            raise NotAllowed(
                f"This request comes to {self._yearly(facts)}, more than procurebot records "
                f"({money(MAX_AMOUNT, self.policy.base_currency)}). Check the price, quantity "
                "and currency."
            )
        budget = check_budget(
            uow,
            self.policy,
            cost_centre=draft.cost_centre,
            amount=facts.annual_base_amount,
            day=day or self.clock.now().date(),
            exclude_id=exclude_id,
        )
        over = budget is not None and budget.over
        if over and self.policy.budgets.over_budget is OverBudget.BLOCK:
            assert budget is not None
            raise BudgetExceeded(
                f"This request ({self._yearly(facts)}) would go "
                f"{budget.text()}. Lower the amount, pick another cost centre, or ask "
                "finance to raise the budget."
            )
        # Over budget, nothing is bought at once: the overrun needs its approval first.
        entry = None if over else self.policy.catalogue_match(facts, requester=requester)
        route = [] if entry else self.policy.route(facts)
        if over:
            assert budget is not None
            route = _with_step(route, self.policy.budget_step(f"{_BUDGET_RULE}{budget.name}"))
        return _Plan(
            vendor=vendor,
            facts=facts,
            catalogue=entry,
            route=route,
            budget=budget,
            lookalike=lookalike.warning(draft.vendor.strip()) if lookalike else None,
        )

    def _yearly(self, facts: RequestFacts) -> str:
        """'$1,620.00 a year', or the total of a one-off purchase."""
        per = " a year" if facts.recurrence.periods_per_year > 1 else ""
        return f"{money(facts.annual_base_amount, self.policy.base_currency)}{per}"

    def submit(
        self,
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
        now = self.clock.now()
        with self._uow() as uow:
            if idempotency_key:
                first, result = uow.idempotency.claim(idempotency_key, now=now)
                if not first and result:
                    existing = uow.requests.get(int(result))
                    if existing is not None:
                        return existing
            plan = self._plan(uow, draft, requester=requester)
            vendor, facts = plan.vendor, plan.facts
            status = facts.vendor_status
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
                base_currency=self.policy.base_currency,
                vendor_status=status,
            )
            if plan.catalogue is not None:
                workflow.auto_approve(request, entry=plan.catalogue.name, now=now, channel=channel)
                activated: list[Step] = []
            else:
                steps = self.policy.build_steps(plan.route, requester=requester)
                activated = workflow.submit(request, steps=steps, now=now, channel=channel)
            self._register_vendor(uow, vendor, request)
            uow.requests.add(request)
            assert request.id is not None
            self._queue(uow, MessageKind.REQUEST_CARD, request, request.requester)
            self._queue_approvers(uow, request, activated)
            if request.status is RequestStatus.APPROVED:
                self._queue_purchasers(uow, request)
            if idempotency_key:
                uow.idempotency.remember(idempotency_key, str(request.id))
            if renews is not None:
                renewed = self._load(uow, renews)
                workflow.renewal_requested(
                    renewed,
                    actor=requester,
                    purchasers=self.policy.purchasers,
                    renewal_number=request.number,
                    now=now,
                    channel=channel,
                    renews_on=housekeeping.renewal_pending(renewed, uow.events.for_request(renews)),
                )
                uow.requests.save(renewed)
                self._queue(uow, MessageKind.REFRESH, renewed, None)
            uow.commit()
        log.info("%s submitted by %s: %s", request.number, requester, request.status.value)
        return request

    def _assess(
        self, uow: UnitOfWork, draft: RequestDraft
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
        return vendor, self._facts(draft, self._vendor_status(uow, vendor, draft)), lookalike

    def _vendor_status(
        self, uow: UnitOfWork, vendor: Vendor | None, draft: RequestDraft
    ) -> VendorStatus:
        if vendor is None:
            return VendorStatus.NEW
        if vendor.status is VendorStatus.REJECTED:
            if self.policy.vendors.allow_rejected_exception:
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
            reason = f" ({vendor.review_outcome})" if vendor.review_outcome else ""
            raise VendorRefused(f"{vendor.name} was rejected in vendor review{reason}.{hint}")
        # An approved vendor whose review expired is qualified again like a new one.
        return vendor_rules.effective_status(
            vendor, now=self.clock.now(), months=self.policy.vendors.review_valid_months
        )

    def _facts(self, draft: RequestDraft, status: VendorStatus) -> RequestFacts:
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
            annual_base_amount=self.policy.to_base(total, draft.currency),
        )

    # ------------------------------------------------------------------ decisions

    def approve(
        self,
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
                delegations=self._delegations(),
                comment=comment,
            )
            finished = [
                s
                for s in request.steps
                if s.status is StepStatus.APPROVED and s.name not in done_before
            ]
            for done in finished:
                if done.vendor_qualification:
                    self._decide_vendor(uow, request, approved=True, actor=actor, now=now)
            self._queue(uow, MessageKind.REFRESH, request, None)
            self._queue_approvers(uow, request, activated)
            name = self._name(uow, actor)
            head = f"{request.number} · {request.title} · {short_amount(request)}"
            if request.status is RequestStatus.APPROVED:
                self._announce_approved(uow, request)
            elif finished:
                self._queue(
                    uow,
                    MessageKind.NOTE,
                    request,
                    request.requester,
                    f"{head}: {finished[0].name} approved by {name}. "
                    f"{self._next_step_text(uow, request)}",
                )

        return self._change(request_id, actor, apply, idempotency_key)

    def reject(
        self,
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
                delegations=self._delegations(),
            )
            if rejected.vendor_qualification:
                self._decide_vendor(
                    uow, request, approved=False, actor=actor, now=now, outcome=reason
                )
            self._queue(uow, MessageKind.REFRESH, request, None)
            self._queue(
                uow,
                MessageKind.NOTE,
                request,
                request.requester,
                f"{request.number} · {request.title} · {short_amount(request)} was "
                f"rejected by {self._name(uow, actor)} at {rejected.name}: “{reason}”. "
                "If you can address it, submit a new request with the changes.",
            )

        return self._change(request_id, actor, apply, idempotency_key)

    def ask(
        self,
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
                delegations=self._delegations(),
            )
            self._queue(uow, MessageKind.REFRESH, request, None)
            self._queue(uow, MessageKind.REQUEST_CARD, request, request.requester)

        return self._change(request_id, actor, apply, idempotency_key)

    def answer(
        self,
        *,
        request_id: int,
        actor: str,
        text: str,
        channel: Channel,
        idempotency_key: str | None = None,
    ) -> PurchaseRequest:
        """The requester answers; the request goes back to the approver who asked."""

        def apply(uow: UnitOfWork, request: PurchaseRequest, now: datetime) -> None:
            asked = workflow.answer(request, actor=actor, text=text, now=now, channel=channel)
            self._queue(uow, MessageKind.REFRESH, request, None)
            self._queue(
                uow, MessageKind.APPROVAL_CARD, request, asked.asked_by, data={"answered": True}
            )

        return self._change(request_id, actor, apply, idempotency_key)

    def edit(
        self,
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
            workflow.check_edit(request, actor=actor)
            changed = edits.changes(request, draft)
            could_act = _open_votes(request)
            plan = None
            if edits.reroutes(changed):
                self._release_vendor(uow, request)
                plan = self._plan(
                    uow,
                    draft,
                    requester=request.requester,
                    exclude_id=request.id,
                    day=request.created_at.date(),
                )
            _apply_draft(request, draft, plan)
            done = workflow.resubmit(
                request,
                actor=actor,
                changes=edits.describe(changed),
                route=None if plan is None else self._edited_route(request, plan),
                now=now,
                channel=channel,
            )
            if plan is not None:
                self._register_vendor(uow, plan.vendor, request)
            self._queue(uow, MessageKind.REFRESH, request, None)
            self._tell_edited(uow, request, done, could_act=could_act, changes=changed)

        return self._change(request_id, actor, apply, idempotency_key)

    def _edited_route(self, request: PurchaseRequest, plan: _Plan) -> list[Step]:
        # A catalogue match approves only new requests: an edited one takes the policy's route.
        route = plan.route or self.policy.route(plan.facts)
        return self.policy.build_steps(route, requester=request.requester)

    def _release_vendor(self, uow: UnitOfWork, request: PurchaseRequest) -> None:
        """Take the request's vendor out of the review its submission started, unless another
        open request qualifies it too: re-routing may qualify it again, or the edit switched
        to another vendor and this one must not stay under review for ever."""
        if request.vendor_status is not VendorStatus.NEW or not _qualifies(request):
            return
        key = vendor_key(request.vendor)
        vendor = uow.vendors.get(key)
        if vendor is None or vendor.status is not VendorStatus.UNDER_REVIEW:
            return
        others = uow.requests.list(vendor_key=key, statuses=list(OPEN), limit=1000)
        if any(r.id != request.id and _qualifies(r) for r in others):
            return
        vendor.status = VendorStatus.NEW
        uow.vendors.save(vendor)

    @staticmethod
    def _register_vendor(uow: UnitOfWork, vendor: Vendor | None, request: PurchaseRequest) -> None:
        """Add a vendor the registry doesn't know; a new one is under review while the
        request's route qualifies it."""
        if vendor is None:
            vendor = uow.vendors.add(Vendor(name=request.vendor, category=request.category))
        if request.vendor_status is VendorStatus.NEW and _qualifies(request):
            vendor.status = VendorStatus.UNDER_REVIEW
            uow.vendors.save(vendor)

    def _tell_edited(
        self,
        uow: UnitOfWork,
        request: PurchaseRequest,
        done: workflow.Resubmission,
        *,
        could_act: set[tuple[str, str]],
        changes: list[edits.Change],
    ) -> None:
        """A card to everyone who may decide now and could not before (re-opened, new, the
        one who asked), a note to the others the edit concerns, and if no step is left, the
        approval's news."""
        can_act = _open_votes(request)
        asker = done.question.asked_by
        deciding = {a for _, a in can_act}
        for approver in sorted({a for _, a in can_act - could_act} | ({asker} & deciding)):
            data: dict[str, object] | None = {"answered": True} if approver == asker else None
            self._queue(uow, MessageKind.APPROVAL_CARD, request, approver, data=data)
        if request.status is RequestStatus.APPROVED:
            self._announce_approved(uow, request)
        # Whoever had a live card, asked, or decided, and may not decide now, hears why.
        concerned = {approver: step for step, approver in sorted(could_act)}
        concerned[asker] = done.question.step
        for step in [*done.reopened, *done.dropped]:
            concerned.update((decider, step.name) for decider in step.deciders)
        head = (
            f"{request.number} · {request.title} · {short_amount(request)} was edited by "
            f"{self._name(uow, request.requester)} ({edits.describe(changes)})"
        )
        dropped = {s.name for s in done.dropped}
        for person, step_name in sorted(concerned.items()):
            if person in deciding:
                continue
            if step_name in dropped:
                text = (
                    f"{head} and no longer needs {step_name} under the policy: nothing left "
                    "for you to do."
                )
            else:
                text = (
                    f"{head}, so {step_name} is asked again and earlier decisions on it no "
                    f"longer count. {self._next_step_text(uow, request)} I'll send you a new "
                    "card when it is its turn."
                )
            self._queue(uow, MessageKind.NOTE, request, person, text)

    def cancel(
        self,
        *,
        request_id: int,
        actor: str,
        channel: Channel,
        reason: str = "",
        idempotency_key: str | None = None,
    ) -> PurchaseRequest:
        """The requester withdraws the request; its approvers are told."""

        def apply(uow: UnitOfWork, request: PurchaseRequest, now: datetime) -> None:
            waiting = {
                a for s in request.active_steps for a in s.approvers if s.decision_of(a) is None
            }
            workflow.cancel(request, actor=actor, now=now, channel=channel, reason=reason)
            self._queue(uow, MessageKind.REFRESH, request, None)
            for approver in sorted(waiting):
                self._queue(
                    uow,
                    MessageKind.NOTE,
                    request,
                    approver,
                    f"{request.number} · {request.title} · {short_amount(request)} was "
                    f"cancelled by {self._name(uow, actor)}. Nothing left for you to do.",
                )

        return self._change(request_id, actor, apply, idempotency_key)

    def reassign(
        self, *, request_id: int, actor: str, to: str, channel: Channel, step: str | None = None
    ) -> PurchaseRequest:
        """An approver hands their place on a step to a colleague."""

        def apply(uow: UnitOfWork, request: PurchaseRequest, now: datetime) -> None:
            changed = workflow.reassign(
                request,
                actor=actor,
                to=to,
                step_name=step,
                now=now,
                channel=channel,
                delegations=self._delegations(),
            )
            self._queue(uow, MessageKind.REFRESH, request, None)
            if changed.status is StepStatus.ACTIVE:
                self._queue(uow, MessageKind.APPROVAL_CARD, request, to.strip().lower())

        return self._change(request_id, actor, apply, None)

    def record_po(
        self,
        *,
        request_id: int,
        actor: str,
        po_number: str,
        channel: Channel,
        idempotency_key: str | None = None,
    ) -> PurchaseRequest:
        """Procurement records the purchase order."""

        def apply(uow: UnitOfWork, request: PurchaseRequest, now: datetime) -> None:
            workflow.record_po(
                request,
                actor=actor,
                po_number=po_number,
                purchasers=self.policy.purchasers,
                now=now,
                channel=channel,
            )
            self._queue(uow, MessageKind.REFRESH, request, None)
            self._queue(
                uow,
                MessageKind.NOTE,
                request,
                request.requester,
                f"{request.number} · {request.title} · {short_amount(request)} is "
                f"ordered (PO {request.po_number}). Mark it received when it arrives.",
            )

        return self._change(request_id, actor, apply, idempotency_key)

    def mark_received(
        self, *, request_id: int, actor: str, channel: Channel, idempotency_key: str | None = None
    ) -> PurchaseRequest:
        """The requester or procurement confirms delivery."""

        def apply(uow: UnitOfWork, request: PurchaseRequest, now: datetime) -> None:
            workflow.mark_received(
                request, actor=actor, purchasers=self.policy.purchasers, now=now, channel=channel
            )
            self._queue(uow, MessageKind.REFRESH, request, None)

        return self._change(request_id, actor, apply, idempotency_key)

    def _change(
        self,
        request_id: int,
        actor: str,
        apply: Callable[[UnitOfWork, PurchaseRequest, datetime], None],
        idempotency_key: str | None,
    ) -> PurchaseRequest:
        """Load, apply, save in one transaction; on a concurrent save, re-apply on fresh state
        so the loser gets the domain's own explanation (e.g. who decided first)."""
        for _ in range(_RETRIES):
            try:
                with self._uow() as uow:
                    request = self._load(uow, request_id)
                    if idempotency_key:
                        first, _result = uow.idempotency.claim(
                            idempotency_key, now=self.clock.now()
                        )
                        if not first:
                            return request  # a retry of work already done
                    try:
                        apply(uow, request, self.clock.now())
                    except AlreadyDecided as error:
                        # The domain names voters by email; the clicker knows them by name.
                        message = str(error)
                        for email, name in self._names(uow, request).items():
                            message = message.replace(email, name)
                        raise AlreadyDecided(message) from None
                    actions = [e.action for e in request.pending_events]  # commit drains them
                    uow.requests.save(request)
                    uow.commit()
                    log.info(
                        "%s: %s by %s -> %s",
                        request.number,
                        ", ".join(actions),
                        actor,
                        request.status.value,
                    )
                    return request
            except ConcurrentUpdate:
                continue
        raise AlreadyDecided(
            "Someone else changed this request at the same moment. Open it again and retry."
        )

    # ------------------------------------------------------------------ on a schedule

    def nudge_waiting(self) -> tuple[int, int]:
        """Remind approvers who have not acted after the policy's hours and escalate steps
        waiting past the escalation hours; returns (reminded, escalated) steps."""
        return housekeeping.nudge_waiting(self)

    def send_renewal_notices(self) -> int:
        """Card the owner and procurement of purchases renewing within the notice days, once
        per renewal; returns how many purchases were announced."""
        return housekeeping.send_renewal_notices(self)

    def start_delegations(self) -> int:
        """Hand delegates the cards waiting for the approvers they cover from today, once, and
        refresh those cards once the delegation has ended; returns how many were queued."""
        return housekeeping.start_delegations(self)

    def let_lapse(
        self, *, request_id: int, actor: str, channel: Channel, idempotency_key: str | None = None
    ) -> PurchaseRequest:
        """The owner or procurement chooses not to renew; the owner is told."""

        def apply(uow: UnitOfWork, request: PurchaseRequest, now: datetime) -> None:
            due = housekeeping.renewal_pending(request, uow.events.for_request(request_id))
            workflow.let_lapse(
                request,
                actor=actor,
                purchasers=self.policy.purchasers,
                now=now,
                channel=channel,
                renews_on=due,
            )
            assert due is not None  # let_lapse refuses otherwise
            self._queue(uow, MessageKind.REFRESH, request, None)
            self._queue(
                uow,
                MessageKind.NOTE,
                request,
                request.requester,
                f"{request.number} · {request.title} · {short_amount(request)} will not be "
                f"renewed on {due:%a %d %b %Y} ({self._name(uow, actor)} chose to let it "
                "lapse). Cancel it with the vendor if it renews on its own.",
            )

        return self._change(request_id, actor, apply, idempotency_key)

    def renewal_draft(self, *, request_id: int, actor: str) -> RequestDraft:
        """The form values of a renewal of a recurring purchase, for its owner or procurement."""
        with self._uow() as uow:
            request = self._load(uow, request_id)
            if housekeeping.renewal_pending(request, uow.events.for_request(request_id)) is None:
                raise AlreadyDecided(f"{request.number} has no renewal waiting for a choice.")
        if actor != request.requester and actor not in self.policy.purchasers:
            raise NotAllowed(f"Only {request.requester} or procurement can renew {request.number}.")
        return housekeeping.renewal_draft(request)

    # ------------------------------------------------------------------ reading

    def get(self, request_id: int) -> PurchaseRequest:
        """The request or NotFound."""
        with self._uow() as uow:
            return self._load(uow, request_id)

    def card_for(self, *, request_id: int, viewer: str, check_visible: bool = False) -> Card:
        """The neutral card of a request for one viewer, with the actions they may take.

        With check_visible, refuse viewers with no part in the request: purchases can be
        confidential, so only the people on it, procurement and escalation see them.
        """
        with self._uow() as uow:
            request = self._load(uow, request_id)
            if check_visible and not self._may_see(request, viewer):
                raise NotAllowed(
                    f"{request.number} isn't yours and you're not one of its "
                    "approvers, so I can't show it."
                )
            return self._card(uow, request, viewer)

    def cards_for(self, requests: list[PurchaseRequest], *, viewer: str) -> list[Card]:
        """Cards for several requests at once (lists, App Home)."""
        with self._uow() as uow:
            return [self._card(uow, r, viewer) for r in requests]

    def _may_see(self, request: PurchaseRequest, viewer: str) -> bool:
        involved = {request.requester, *self.policy.purchasers}
        for step in request.steps:
            involved.update(step.approvers)
            involved.update(step.deciders)
        today = self.clock.now().date()
        covering = {
            d.delegate for d in self._delegations() if d.approver in involved and d.active_on(today)
        }
        escalation = self.policy.reminders.escalate_to
        leaders = set(self.policy.members(escalation)) if escalation else set()
        return viewer in involved | covering | leaders

    def person_by_slack_id(self, user_id: str) -> Person | None:
        """Who a Slack user is, if we have seen them before."""
        with self._uow() as uow:
            return uow.people.by_slack_id(user_id)

    def person_by_teams_identity(self, *, tenant_id: str, aad_object_id: str) -> Person | None:
        """Who a Teams user is (by tenant and Microsoft Entra object id), if seen before."""
        with self._uow() as uow:
            return uow.people.by_teams_identity(tenant_id, aad_object_id)

    def link_teams_identity(self, *, email: str, tenant_id: str, aad_object_id: str) -> Person:
        """The person with this email, now known in Teams by tenant and object id; refused
        when the email already belongs to another Teams account (it must not move)."""
        with self._uow() as uow:
            person = uow.people.get(email.lower()) or Person(email=email.lower())
            known = (person.teams_tenant_id, person.teams_aad_object_id)
            if person.teams_aad_object_id and known != (tenant_id, aad_object_id):
                raise NotAllowed(
                    f"{person.email} already belongs to another Teams account here, so I "
                    "can't tell who you are. Ask IT to check your Microsoft 365 account."
                )
            person.teams_tenant_id, person.teams_aad_object_id = tenant_id, aad_object_id
            uow.people.save(person)
            uow.commit()
            return person

    def claim_once(self, key: str) -> bool:
        """True the first time `key` is seen (across processes); False for a retry."""
        with self._uow() as uow:
            first, _ = uow.idempotency.claim(key, now=self.clock.now())
            uow.commit()
            return first

    def known_vendors(self) -> list[str]:
        """Vendor names in the registry (for guessing the vendor in a one-line request)."""
        with self._uow() as uow:
            return [v.name for v in uow.vendors.list()]

    def _card(self, uow: UnitOfWork, request: PurchaseRequest, viewer: str) -> Card:
        assert request.id is not None
        names = self._names(uow, request)
        events = uow.events.for_request(request.id)
        reviewer = viewer != request.requester
        history = (
            uow.requests.vendor_history(vendor_key(request.vendor), exclude_id=request.id)
            if reviewer
            else None
        )
        lookalike = self._lookalike(uow, request.vendor) if reviewer else None
        counted = request.status in SPENT or (
            request.status in OPEN and self.policy.budgets.count_open_requests
        )
        budget = check_budget(
            uow,
            self.policy,
            cost_centre=request.cost_centre,
            amount=request.base_amount if counted else Decimal("0.00"),
            day=request.created_at.date(),
            exclude_id=request.id,
        )
        return build_card(
            request=request,
            viewer=viewer,
            now=self.clock.now(),
            events=events,
            delegations=self._delegations(),
            purchasers=self.policy.purchasers,
            names=names,
            history=history,
            budget=budget,
            renewal_due=housekeeping.renewal_pending(request, events),
            lookalike=lookalike,
        )

    @staticmethod
    def _lookalike(uow: UnitOfWork, vendor: str) -> str | None:
        """'… looks like rejected vendor Sketchy Ltd (…)' for a vendor other than that one."""
        key = vendor_key(vendor)
        rejected = [v for v in uow.vendors.list(status=VendorStatus.REJECTED) if v.key != key]
        found = lookalikes.find(vendor, rejected)
        return found.warning(vendor) if found else None

    def my_requests(self, *, requester: str, limit: int = 20) -> list[PurchaseRequest]:
        """The requester's newest requests."""
        with self._uow() as uow:
            return uow.requests.list(requester=requester.lower(), limit=limit)

    def waiting_for(self, *, approver: str) -> list[PurchaseRequest]:
        """Requests with a step waiting for this approver (or someone they cover for)."""
        approver = approver.lower()
        today = self.clock.now().date()
        covered = [
            d.approver for d in self._delegations() if d.delegate == approver and d.active_on(today)
        ]
        with self._uow() as uow:
            found: dict[int, PurchaseRequest] = {}
            for email in [approver, *covered]:
                for request in uow.requests.waiting_for(email):
                    if request.requester != approver and request.id is not None:
                        found[request.id] = request
            return sorted(found.values(), key=lambda r: r.created_at)

    def person(self, email: str) -> Person:
        """What we know of someone (name, zone, chat ids); a bare Person if nothing yet."""
        with self._uow() as uow:
            return uow.people.get(email.lower()) or Person(email=email.lower())

    def remember_person(self, person: Person) -> None:
        """Store a person's chat identity and preferences."""
        with self._uow() as uow:
            uow.people.save(replace(person, email=person.email.lower()))
            uow.commit()

    # ------------------------------------------------------------------ helpers

    def _delegations(self) -> list[Delegation]:
        return self.policy.delegation_list()

    @staticmethod
    def _load(uow: UnitOfWork, request_id: int) -> PurchaseRequest:
        request = uow.requests.get(request_id)
        if request is None:
            raise NotFound(
                f"There is no request {format_number(request_id)}. Check the number, or list yours."
            )
        return request

    @staticmethod
    def _name(uow: UnitOfWork, email: str) -> str:
        person = uow.people.get(email)
        return person.display if person else email

    def _names(self, uow: UnitOfWork, request: PurchaseRequest) -> dict[str, str]:
        emails = {
            request.requester,
            *(a for s in request.steps for a in s.approvers),
            *(d.approver for s in request.steps for d in s.decisions),
        }
        return {email: self._name(uow, email) for email in emails}

    def _next_step_text(self, uow: UnitOfWork, request: PurchaseRequest) -> str:
        active = request.active_steps
        if not active:
            return ""
        parts = [f"{s.name} ({', '.join(self._name(uow, a) for a in s.approvers)})" for s in active]
        return f"Next: {'; '.join(parts)}."

    def _queue(
        self,
        uow: UnitOfWork,
        kind: MessageKind,
        request: PurchaseRequest,
        recipient: str | None,
        text: str = "",
        data: dict[str, object] | None = None,
    ) -> None:
        uow.outbox.add(
            OutboxMessage(
                kind=kind,
                recipient=recipient,
                request_id=request.id,
                text=text,
                data=dict(data or {}),
                next_attempt_at=self.clock.now(),
            )
        )

    def _queue_approvers(
        self, uow: UnitOfWork, request: PurchaseRequest, steps: list[Step]
    ) -> None:
        for approver in sorted({a for s in steps for a in s.approvers}):
            self._queue(uow, MessageKind.APPROVAL_CARD, request, approver)

    def _announce_approved(self, uow: UnitOfWork, request: PurchaseRequest) -> None:
        """Tell the requester, and hand procurement the card to order it."""
        self._queue(
            uow,
            MessageKind.NOTE,
            request,
            request.requester,
            f"{request.number} · {request.title} · {short_amount(request)} is approved. "
            "Procurement will place the order; I'll tell you when it's ordered.",
        )
        self._queue_purchasers(uow, request)

    def _queue_purchasers(self, uow: UnitOfWork, request: PurchaseRequest) -> None:
        for purchaser in self.policy.purchasers:
            if purchaser != request.requester:
                self._queue(
                    uow, MessageKind.APPROVAL_CARD, request, purchaser, data={"order": True}
                )

    def _decide_vendor(
        self,
        uow: UnitOfWork,
        request: PurchaseRequest,
        *,
        approved: bool,
        actor: str,
        now: datetime,
        outcome: str = "",
    ) -> None:
        """A vendor-qualification step's decision is the vendor's review outcome."""
        if approved and request.vendor_status is VendorStatus.REJECTED:
            return  # an exception for one purchase; the vendor stays rejected
        key = vendor_key(request.vendor)
        vendor = uow.vendors.get(key) or uow.vendors.add(Vendor(name=request.vendor))
        if approved and any(
            s.vendor_qualification and s.status is not StepStatus.APPROVED for s in request.steps
        ):
            return  # every qualification step must approve before the vendor is approved
        vendor.status = VendorStatus.APPROVED if approved else VendorStatus.REJECTED
        vendor.reviewed_by = actor
        vendor.reviewed_at = now
        reviewers = sorted({d for s in request.steps if s.vendor_qualification for d in s.deciders})
        vendor.review_outcome = outcome or (
            f"Approved on {request.number} by {', '.join(reviewers) or actor}"
        )
        # What the first qualifying request tells us, kept unless someone recorded better.
        vendor.owner = vendor.owner or request.requester
        vendor.category = vendor.category or request.category
        if not vendor.notes and request.data_access is not DataAccess.NONE:
            vendor.notes = f"Data processing: {request.data_access.label} ({request.number})"
        if not vendor.website and request.link:
            parts = urlsplit(request.link)
            vendor.website = f"{parts.scheme}://{parts.netloc}"
        uow.vendors.save(vendor)


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


def _open_votes(request: PurchaseRequest) -> set[tuple[str, str]]:
    """(step, approver) for every vote an active step still waits for."""
    return {
        (step.name, approver)
        for step in request.active_steps
        for approver in step.approvers
        if step.decision_of(approver) is None
    }


def _qualifies(request: PurchaseRequest) -> bool:
    """Whether deciding the request decides its vendor's review."""
    return any(step.vendor_qualification for step in request.steps)


def _apply_draft(request: PurchaseRequest, draft: RequestDraft, plan: _Plan | None) -> None:
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
