"""A neutral view of a request for one viewer; each chat adapter renders it its own way.

Both adapters render the same Card, so Slack and Teams always show the same facts and offer
the same actions, which come straight from the state machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Generic, TypeVar

from bot.domain import limits, workflow
from bot.domain.benchmarks import PriceBenchmark, comparison, unit_price
from bot.domain.budgets import BudgetCheck
from bot.domain.clipping import clip
from bot.domain.formatting import amount_line, day, money
from bot.domain.model import (
    Category,
    DataAccess,
    Delegation,
    Event,
    PurchaseRequest,
    Recurrence,
    RequestStatus,
    StepStatus,
    VendorStatus,
)
from bot.domain.views import VendorHistory
from bot.domain.wording import vendor_state
from bot.domain.workflow import Action

ACTION_LABELS = {
    Action.APPROVE: "Approve",
    Action.REJECT: "Reject",
    Action.ASK: "Ask a question",
    Action.ANSWER: "Reply",
    Action.EDIT: "Edit request",
    Action.CANCEL: "Cancel request",
    Action.RECORD_PO: "Record PO",
    Action.MARK_RECEIVED: "Mark received",
    Action.RENEW: "Renew",
    Action.LET_LAPSE: "Let lapse",
}
ACTION_STYLES = {
    Action.APPROVE: "primary",
    Action.REJECT: "danger",
    Action.CANCEL: "danger",
    Action.RECORD_PO: "primary",
    Action.RENEW: "primary",
}
# Actions that need words from the person first (a reason, a question, a PO number, the
# edited request). Cancel is not among them: it is confirmed with one more click, not typed.
ACTIONS_WITH_FORM = {
    Action.REJECT,
    Action.ASK,
    Action.ANSWER,
    Action.EDIT,
    Action.RECORD_PO,
}
# How long the text typed into an action's one-field form may be (its field's limit).
TEXT_LIMITS = {
    Action.REJECT: limits.MAX_LENGTH["reason"],
    Action.ASK: limits.MAX_LENGTH["question"],
    Action.ANSWER: limits.MAX_LENGTH["answer"],
    Action.RECORD_PO: limits.MAX_LENGTH["po_number"],
}


# How much of a request a card shows, the same on every platform: routes of 30 steps with 25
# approvers each, years of events and 3,000-character texts are legal, and Slack and Teams
# both refuse a message past their limits (docs: README "Limits").
NAMES_SHOWN = 3  # people named before "and N others"
STEPS_SHOWN = 3  # waiting steps named in the status line
COMMENT_CHARS = 300  # a comment or reason quoted in the timeline
HEADLINE_CHARS = 2000  # the question to answer or the rejection reason (the forms' limit)
PO_CHARS = 100  # a purchase order number in the status line
LIST_PAGE = 10  # requests per page of a list ("Show more" for the next)
LIST_MAX = 1000  # a person's own requests that their list pages through, newest first


@dataclass(frozen=True, slots=True)
class Detail:
    """How much of the route, the timeline and of long texts a rendered card shows."""

    route: int  # route lines
    timeline: int  # most recent events
    text: int  # characters of a long text (justification, notice) before it is clipped
    points_to_status: bool  # whether what is cut points to the status command

    def fallbacks(self) -> Iterator[Detail]:
        """This detail, then ever smaller ones, for a platform whose size budget it missed."""
        detail = self
        yield detail
        while detail.route > 2 or detail.timeline > 1 or detail.text > 200:
            detail = replace(
                detail,
                route=max(2, detail.route // 2),
                timeline=max(1, detail.timeline // 2),
                text=max(200, detail.text // 2),
            )
            yield detail


CARD = Detail(route=8, timeline=6, text=3000, points_to_status=True)  # a DM card
STATUS = Detail(route=40, timeline=20, text=3000, points_to_status=False)  # `status PR-1042`
HOME = Detail(route=5, timeline=2, text=600, points_to_status=True)  # App Home


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class RouteLine:
    step: str
    status: StepStatus
    approvers: str  # names, joined
    decided_by: str  # names, joined; empty while undecided
    reason: str  # the policy rule(s) behind the step


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime  # UTC; adapters show it in the reader's zone
    text: str


@dataclass(frozen=True, slots=True)
class CardAction:
    action: Action
    label: str
    style: str | None
    request_id: int
    step: str | None  # the step this viewer would decide

    @property
    def needs_form(self) -> bool:
        return self.action in ACTIONS_WITH_FORM


@dataclass(frozen=True, slots=True)
class Card:
    request_id: int
    number: str
    title: str
    status: RequestStatus
    status_text: str  # one line: where the request is and who it waits on
    headline: str | None  # the question to answer, a rejection reason, 'from the catalogue'...
    facts: Sequence[Fact]
    route: Sequence[RouteLine]
    timeline: Sequence[TimelineEntry]
    actions: Sequence[CardAction]
    notice: str | None  # for approvers: a rejected vendor it looks like, the vendor's history
    viewer_role: str  # requester | approver | purchaser | observer

    @property
    def action_names(self) -> list[str]:
        return [a.action.value for a in self.actions]

    def route_shown(self, detail: Detail) -> tuple[list[RouteLine], int]:
        """The route lines `detail` has room for (open steps first, in route order) and how
        many are left out."""
        if len(self.route) <= detail.route:
            return list(self.route), 0
        open_first = sorted(
            range(len(self.route)),
            key=lambda i: (self.route[i].status not in _OPEN_STEPS, i),
        )
        kept = sorted(open_first[: detail.route])
        return [self.route[i] for i in kept], len(self.route) - len(kept)

    def timeline_shown(self, detail: Detail) -> tuple[list[TimelineEntry], int]:
        """The most recent events `detail` has room for and how many earlier ones are not."""
        shown = list(self.timeline[-detail.timeline :]) if detail.timeline else []
        return shown, len(self.timeline) - len(shown)


_OPEN_STEPS = (StepStatus.ACTIVE, StepStatus.REJECTED)


def people(names: Sequence[str], *, shown: int = NAMES_SHOWN) -> str:
    """'Ines', 'Ines and Omar', 'Ines, Omar and Sam', 'Ines, Omar and 23 others'."""
    names = [" ".join(n.split()) for n in names]
    if len(names) > shown:
        names = [*names[: shown - 1], f"{len(names) - shown + 1} others"]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def more_steps(hidden: int, *, status: str | None) -> str:
    """'… and 22 more steps (see /buy status PR-1042)' under a cut route."""
    see = f" (see {status})" if status else ""
    return f"… and {hidden} more step{'s' if hidden != 1 else ''}{see}"


def earlier_events(hidden: int, *, status: str | None) -> str:
    """'… and 14 earlier events (see /buy status PR-1042)' above a capped timeline."""
    see = f" (see {status})" if status else ""
    return f"… and {hidden} earlier event{'s' if hidden != 1 else ''}{see}"


def one_line(text: str) -> str:
    """Text that someone typed, on one line: a newline in it must not start a line that
    looks like one of the bot's."""
    return " ".join(text.split())


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list: its items, where it starts and how many there are in all."""

    items: Sequence[T]
    offset: int
    total: int

    @property
    def next_offset(self) -> int | None:
        """Where "Show more" continues, or None on the last page."""
        end = self.offset + len(self.items)
        return end if end < self.total else None

    def counted(self, what: str) -> str:
        """'Showing 11–20 of 1,000 waiting'."""
        if not self.items:
            return f"No more {what}."
        first, last = self.offset + 1, self.offset + len(self.items)
        return f"Showing {first:,}–{last:,} of {self.total:,} {what}"


def page_of(items: Sequence[T], *, offset: int = 0, size: int = LIST_PAGE) -> Page[T]:
    """The page of `items` starting at `offset` (clamped into the list)."""
    offset = min(max(0, offset), max(0, len(items) - 1))
    return Page(items=items[offset : offset + size], offset=offset, total=len(items))


def build_card(
    *,
    request: PurchaseRequest,
    viewer: str,
    now: datetime,
    events: Iterable[Event] = (),
    delegations: Iterable[Delegation] = (),
    purchasers: Iterable[str] = (),
    names: Mapping[str, str] | None = None,
    history: VendorHistory | None = None,
    budget: BudgetCheck | None = None,
    renewal_due: date | None = None,
    lookalike: str | None = None,
    vendor_status: VendorStatus | None = None,
    cost_centre_warning: str | None = None,
    benchmark: PriceBenchmark | None = None,
) -> Card:
    """The card `viewer` sees of `request` now (`vendor_status`: the registry's, else the one
    at submit); with renewal_due (a reminder went out and
    nobody chose yet) its owner and procurement may Renew or Let lapse; `lookalike` warns of
    a rejected vendor the vendor's name looks like; `benchmark` adds the price check."""
    assert request.id is not None, "only saved requests have cards"
    events = list(events)
    names = dict(names or {})
    purchasers = list(purchasers)
    delegations = list(delegations)

    def name(email: str) -> str:
        return one_line(names.get(email) or email)

    allowed = workflow.allowed_actions(
        request,
        viewer,
        now=now,
        delegations=delegations,
        purchasers=purchasers,
        renewal_due=renewal_due is not None,
    )
    # The step the buttons decide: the same one allowed_actions offered them for.
    open_steps = workflow.open_steps_for(request, viewer, now=now, delegations=delegations)
    my_step = open_steps[0].name if open_steps else None
    actions = [
        CardAction(
            action=a,
            label=ACTION_LABELS[a],
            style=ACTION_STYLES.get(a),
            request_id=request.id,
            step=my_step if a in (Action.APPROVE, Action.REJECT, Action.ASK) else None,
        )
        for a in allowed
    ]
    if viewer == request.requester:
        role = "requester"
    elif any(viewer in s.approvers or viewer in s.deciders for s in request.steps) or my_step:
        role = "approver"
    elif viewer in purchasers:
        role = "purchaser"
    else:
        role = "observer"
    return Card(
        request_id=request.id,
        number=request.number,
        title=one_line(request.title),
        status=request.status,
        status_text=_status_text(request, name),
        headline=(
            f"Renews on {day(renewal_due)}: renew it or let it lapse."
            if renewal_due is not None
            else _headline(request, name) or _reopened(events, my_step, name)
        ),
        facts=_flag_cost_centre(
            _facts(
                request,
                name,
                budget,
                vendor_status or request.vendor_status,
                price_check(request, benchmark),
            ),
            cost_centre_warning,
        ),
        route=[
            RouteLine(
                step=s.name,
                status=s.status,
                approvers=people([name(a) for a in s.approvers]),
                decided_by=people([name(d) for d in s.deciders]),
                reason=s.reason,
            )
            for s in request.steps
        ],
        timeline=[TimelineEntry(at=e.at, text=_event_text(e, name)) for e in events],
        actions=actions,
        notice=_notice(lookalike, _history_notice(history, name) if history else None),
        viewer_role=role,
    )


def _status_text(request: PurchaseRequest, name: Callable[[str], str]) -> str:
    status = request.status
    if status is RequestStatus.PENDING:
        waiting = [
            f"{s.name} ({people([name(a) for a in s.approvers if s.decision_of(a) is None])})"
            for s in request.active_steps
        ]
        if len(waiting) > STEPS_SHOWN:
            hidden = len(waiting) - STEPS_SHOWN + 1
            waiting = [*waiting[: STEPS_SHOWN - 1], f"{hidden} more steps"]
        return "Waiting for " + "; ".join(waiting) if waiting else "Pending"
    if status is RequestStatus.CHANGES_REQUESTED:
        question = request.open_question
        who = name(question.asked_by) if question else "an approver"
        return f"Waiting for {name(request.requester)} to answer {who}"
    if status is RequestStatus.APPROVED:
        if request.catalogue_entry:
            return f"Approved from the catalogue ({request.catalogue_entry}); ready to order"
        return "Approved; ready to order"
    if status is RequestStatus.REJECTED:
        decided = next((s for s in request.steps if s.status is StepStatus.REJECTED), None)
        if decided is None:
            return "Rejected"
        # Only who rejected: in an all-of step others may have approved before.
        rejecters = [d.approver for d in decided.decisions if d.outcome is StepStatus.REJECTED]
        by = f" by {people([name(r) for r in rejecters])} at {decided.name}"
        return f"Rejected{by}"
    if status is RequestStatus.ORDERED:
        return f"Ordered (PO {clip(one_line(request.po_number or ''), PO_CHARS)})"
    return status.label


def _headline(request: PurchaseRequest, name: Callable[[str], str]) -> str | None:
    question = request.open_question
    if request.status is RequestStatus.CHANGES_REQUESTED and question is not None:
        return f"{name(question.asked_by)} asks: “{clip(question.text, HEADLINE_CHARS)}”"
    if request.status is RequestStatus.REJECTED and request.rejection_reason:
        return f"Reason: “{clip(request.rejection_reason, HEADLINE_CHARS)}”"
    if request.catalogue_entry and request.status is RequestStatus.APPROVED:
        return "Approved at once from the catalogue: no approval needed."
    return None


def _reopened(events: Sequence[Event], step: str | None, name: Callable[[str], str]) -> str | None:
    """For an approver whose step an edit re-opened: what changed, and that they decide again."""
    edited = reopening = None
    for event in events:
        if event.action == "Edited":
            edited = event
        elif event.action == "Reopened" and event.step == step and edited is not None:
            reopening = edited
    if step is None or reopening is None:
        return None
    return (
        f"{name(reopening.actor)} edited the request after {step} was decided: "
        f"{reopening.comment} Decide again: earlier decisions no longer count."
    )


def price_check(request: PurchaseRequest, benchmark: PriceBenchmark | None) -> str | None:
    """How the request's unit price compares with what the company already pays, or None."""
    if benchmark is None:
        return None
    price = unit_price(
        base_amount=request.base_amount, quantity=request.quantity, recurrence=request.recurrence
    )
    return comparison(price=price, title=request.title, benchmark=benchmark)


def _facts(
    request: PurchaseRequest,
    name: Callable[[str], str],
    budget: BudgetCheck | None,
    vendor_status: VendorStatus,
    price: str | None = None,
) -> list[Fact]:
    facts = [
        Fact("Requester", name(request.requester)),
        Fact("Vendor", f"{request.vendor} ({vendor_state(vendor_status)})"),
        Fact("Cost", amount_line(request)),
        Fact("Category", Category(request.category).label),
        Fact("Cost centre", request.cost_centre),
        Fact("Needed by", day(request.needed_by)),
    ]
    if request.base_currency != request.unit_price.currency:
        facts.append(
            Fact(
                f"In {request.base_currency}",
                f"{money(request.base_amount, request.base_currency)} a year"
                if request.recurrence.value != "one_off"
                else money(request.base_amount, request.base_currency),
            )
        )
    if price is not None:
        facts.append(Fact("Price check", price))
    if budget is not None:
        facts.append(Fact("Budget", budget_line(budget, counted=bool(budget.request))))
    if request.data_access is not DataAccess.NONE or request.category is not Category.HARDWARE:
        facts.append(Fact("Data access", DataAccess(request.data_access).label))
    if request.renewal_date:
        facts.append(Fact("Renews", day(request.renewal_date)))
    facts.append(Fact("Justification", request.justification))
    if request.link:
        facts.append(Fact("Quote", request.link))
    if request.po_number:
        facts.append(Fact("PO", request.po_number))
    return facts


def _event_text(event: Event, name: Callable[[str], str]) -> str:
    who = name(event.actor) if event.actor != "policy" else "Policy"
    step = f" {event.step}" if event.step else ""
    comment = f": “{clip(one_line(event.comment), COMMENT_CHARS)}”" if event.comment else ""
    texts = {
        "Submitted": f"Submitted by {who}",
        "AutoApproved": f"Approved from the catalogue{comment}",
        "Approved": f"Approved{step} by {who}{comment}" if event.step else f"Approved{comment}",
        "StepApproved": f"{event.step} approved by {who}{comment}",
        "Rejected": f"Rejected at{step} by {who}{comment}",
        "QuestionAsked": f"{who} asked{comment}",
        "Answered": f"{who} answered{comment}",
        "Edited": f"{who} edited the request{comment}",
        "Reopened": f"{event.step} re-opened by the edit; earlier votes{comment}",
        "StepDropped": f"{event.step} no longer needed under the policy{comment}",
        "StepAdded": f"{event.step} added under the policy{comment}",
        "Cancelled": f"Cancelled by {who}{comment}",
        "Reassigned": f"{event.step} reassigned by {who}{comment}",
        "Escalated": f"{event.step} escalated{comment}",
        "Reminded": f"Reminder sent for{step}",
        "RenewalNoticed": f"Renewal reminder sent (renews {event.comment})",
        "LetLapse": f"{who} chose not to renew{comment}",
        "RenewalRequested": f"{who} asked to renew{comment}",
        "Ordered": f"Ordered by {who}{comment}",
        "Received": f"Received, confirmed by {who}",
    }
    return texts.get(event.action, f"{event.action} by {who}{comment}")


def _flag_cost_centre(facts: list[Fact], warning: str | None) -> list[Fact]:
    """The cost centre fact with its warning: 'Desgin · No budget for Desgin — did you mean…'."""
    if warning is None:
        return facts
    return [
        replace(f, value=f"{f.value} · ⚠ {warning}") if f.label == "Cost centre" else f
        for f in facts
    ]


def budget_line(budget: BudgetCheck, *, counted: bool = True) -> str:
    """'$3,380.00 left of $5,000.00 (Design, 2026-Q4) after this request', or the overrun."""
    after = " after this request" if counted else ""
    if budget.over:
        return f"Over budget: {budget.text()}{after}"
    return f"{budget.text()}{after}"


_HELD = (RequestStatus.APPROVED, RequestStatus.ORDERED, RequestStatus.RECEIVED)


def existing_purchases(
    history: VendorHistory, name: Callable[[str], str] = str, *, limit: int = 3
) -> str | None:
    """'Design already has 12 × Figma seats, PR-1031, owner Dana; ask for a seat instead?'
    from what the company holds or has asked for from the vendor (active recurring first)."""
    relevant = [r for r in history.recent if r.status in _HELD or r.status.is_open][:limit]
    if not relevant:
        return None
    parts = []
    for r in relevant:
        verb = "already has" if r.status in _HELD else "has asked for"
        # A title often says the count already ('3 Figma seats'); don't say it twice.
        counted = r.quantity == 1 or r.title[:1].isdigit()
        what = r.title if counted else f"{r.quantity} × {r.title}"
        billing = "" if r.recurrence is Recurrence.ONE_OFF else f", {r.recurrence.label.lower()}"
        parts.append(
            f"{r.cost_centre} {verb} {what} ({r.vendor}{billing}), {r.number}, "
            f"owner {name(r.requester)}"
        )
    recurring = any(r.recurrence is not Recurrence.ONE_OFF for r in relevant)
    ask = "ask for a seat instead?" if recurring else "could one of these do instead?"
    return f"{'; '.join(parts)}; {ask}"


def _notice(lookalike: str | None, history: str | None) -> str | None:
    warning = f"Careful: {lookalike}; check it is another company." if lookalike else None
    return " ".join(p for p in (warning, history) if p) or None


def _history_notice(history: VendorHistory, name: Callable[[str], str]) -> str | None:
    if not history.requests:
        return "First request for this vendor."
    existing = existing_purchases(history, name)
    if existing:
        spend = money(history.approved_spend, history.recent[0].base_currency)
        return f"{existing} ({spend} a year approved for this vendor so far.)"
    recent = ", ".join(f"{r.number} ({r.status.label.lower()})" for r in history.recent[:3])
    currency = history.recent[0].base_currency if history.recent else "USD"
    return (
        f"{history.requests} earlier request{'s' if history.requests != 1 else ''} for this "
        f"vendor, {money(history.approved_spend, currency)} a year approved. Recent: {recent}."
    )
