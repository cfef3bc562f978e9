"""A neutral view of a request for one viewer; each chat adapter renders it its own way.

Both adapters render the same Card, so Slack and Teams always show the same facts and offer
the same actions, which come straight from the state machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot import workflow
from bot.budgets import BudgetCheck
from bot.formatting import amount_line, day, money
from bot.model import (
    Category,
    DataAccess,
    Delegation,
    Event,
    PurchaseRequest,
    Recurrence,
    RequestStatus,
    StepStatus,
)
from bot.ports import VendorHistory
from bot.workflow import Action

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
) -> Card:
    """The card `viewer` sees of `request` now; with renewal_due (a reminder went out and
    nobody chose yet) its owner and procurement may Renew or Let lapse; `lookalike` warns of
    a rejected vendor the vendor's name looks like."""
    assert request.id is not None, "only saved requests have cards"
    names = dict(names or {})
    purchasers = list(purchasers)
    delegations = list(delegations)

    def name(email: str) -> str:
        return names.get(email) or email

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
        title=request.title,
        status=request.status,
        status_text=_status_text(request, name),
        headline=(
            f"Renews on {day(renewal_due)}: renew it or let it lapse."
            if renewal_due is not None
            else _headline(request, name)
        ),
        facts=_facts(request, name, budget),
        route=[
            RouteLine(
                step=s.name,
                status=s.status,
                approvers=", ".join(name(a) for a in s.approvers),
                decided_by=", ".join(name(d) for d in s.deciders),
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
            f"{s.name} ({', '.join(name(a) for a in s.approvers if s.decision_of(a) is None)})"
            for s in request.active_steps
        ]
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
        by = f" by {', '.join(name(r) for r in rejecters)} at {decided.name}"
        return f"Rejected{by}"
    if status is RequestStatus.ORDERED:
        return f"Ordered (PO {request.po_number})"
    return status.label


def _headline(request: PurchaseRequest, name: Callable[[str], str]) -> str | None:
    question = request.open_question
    if request.status is RequestStatus.CHANGES_REQUESTED and question is not None:
        return f"{name(question.asked_by)} asks: “{question.text}”"
    if request.status is RequestStatus.REJECTED and request.rejection_reason:
        return f"Reason: “{request.rejection_reason}”"
    if request.catalogue_entry and request.status is RequestStatus.APPROVED:
        return "Approved at once from the catalogue: no approval needed."
    return None


def _facts(
    request: PurchaseRequest, name: Callable[[str], str], budget: BudgetCheck | None
) -> list[Fact]:
    facts = [
        Fact("Requester", name(request.requester)),
        Fact("Vendor", f"{request.vendor} ({request.vendor_status.label.lower()} vendor)"),
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
    comment = f": “{event.comment}”" if event.comment else ""
    texts = {
        "Submitted": f"Submitted by {who}",
        "AutoApproved": f"Approved from the catalogue{comment}",
        "Approved": f"Approved{step} by {who}{comment}" if event.step else f"Approved{comment}",
        "StepApproved": f"{event.step} approved by {who}{comment}",
        "Rejected": f"Rejected at{step} by {who}{comment}",
        "QuestionAsked": f"{who} asked{comment}",
        "Answered": f"{who} answered{comment}",
        "Edited": f"{who} edited the request{comment}",
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
