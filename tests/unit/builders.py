"""Builders for the domain unit tests: requests in every state, steps, facts and a small policy."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from bot.domain import purchasing, step_changes, workflow
from bot.domain.model import (
    Category,
    Channel,
    DataAccess,
    Delegation,
    Money,
    PurchaseRequest,
    Recurrence,
    RequestStatus,
    Step,
    StepMode,
    StepStatus,
    VendorStatus,
    vendor_key,
)
from bot.domain.policy import Policy, RequestFacts

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
TODAY = NOW.date()

# The people of the scenarios; the example policy uses the same addresses.
REQUESTER = "rita.req@acme.example"
INES = "ines.it@acme.example"
OMAR = "omar.it@acme.example"
SAM = "sam.sec@acme.example"
PRIYA = "priya.proc@acme.example"
FRED = "fred.fin@acme.example"
CARLA = "carla.cfo@acme.example"
LEE = "lee.cio@acme.example"
DANA = "dana.deputy@acme.example"  # stands in for OMAR in the scenarios
PAUL = "paul.buyer@acme.example"  # records purchase orders
STRANGER = "stan.sales@acme.example"

PURCHASERS = (PAUL,)
DELEGATIONS = (Delegation(approver=OMAR, delegate=DANA, start=TODAY, end=TODAY),)

# Who looks at the scenario requests of request_in(), by role.
VIEWERS = {
    "requester": REQUESTER,
    "approver of the active step": OMAR,
    "approver of a waiting step": FRED,
    "approver who already voted": INES,
    "delegate": DANA,
    "purchaser": PAUL,
    "stranger": STRANGER,
}


def make_step(
    name: str,
    *,
    approvers: Sequence[str],
    stage: int = 1,
    mode: StepMode = StepMode.ANY,
    group: str | None = None,
    status: StepStatus = StepStatus.WAITING,
    reason: str = "a test rule",
) -> Step:
    """A step as the policy builds it at submit time."""
    return Step(
        name=name,
        group=group or name,
        stage=stage,
        mode=mode,
        approvers=list(approvers),
        reason=reason,
        status=status,
    )


def make_request(
    *,
    request_id: int | None = 1,
    requester: str = REQUESTER,
    status: RequestStatus = RequestStatus.PENDING,
    steps: Sequence[Step] = (),
    **fields: Any,
) -> PurchaseRequest:
    """A request for 3 Figma seats at $45 a month, not yet submitted unless given steps."""
    values: dict[str, Any] = {
        "title": "3 Figma Professional seats",
        "category": Category.SAAS,
        "vendor": "Figma",
        "unit_price": Money(Decimal("45.00"), "USD"),
        "quantity": 3,
        "recurrence": Recurrence.MONTHLY,
        "cost_centre": "Design",
        "data_access": DataAccess.INTERNAL,
        "justification": "The design team moves off Sketch this quarter.",
        "created_at": NOW,
        "updated_at": NOW,
        "base_amount": Decimal("1620.00"),
    }
    values.update(fields)
    return PurchaseRequest(
        id=request_id, requester=requester, status=status, steps=list(steps), **values
    )


def full_route() -> list[Step]:
    """IT first; security and procurement in parallel; finance last, every member needed."""
    return [
        make_step("IT review", approvers=[INES, OMAR], stage=1),
        make_step("Security review", approvers=[SAM], stage=2),
        make_step("Procurement", approvers=[PRIYA], stage=2),
        make_step("Finance", approvers=[FRED, CARLA], stage=3, mode=StepMode.ALL),
    ]


def submitted(steps: Sequence[Step] | None = None, **fields: Any) -> PurchaseRequest:
    """A request just submitted on `steps` (the full route by default), events cleared."""
    request = make_request(**fields)
    workflow.submit(
        request, steps=full_route() if steps is None else steps, now=NOW, channel=Channel.SLACK
    )
    request.pending_events.clear()
    return request


# ---------------------------------------------------------------------------------------------
# One request in every state, on the same two-stage route, so tables can run every move
# against every state. IT review needs both INES and OMAR (mode all); Finance is FRED alone.
# INES has already approved, so in the open states OMAR (or DANA for him) is the one awaited.


def scenario_steps() -> list[Step]:
    """The route of the state scenarios."""
    return [
        make_step("IT review", approvers=[INES, OMAR], stage=1, mode=StepMode.ALL),
        make_step("Finance", approvers=[FRED], stage=2),
    ]


def _pending() -> PurchaseRequest:
    request = make_request()
    workflow.submit(request, steps=scenario_steps(), now=NOW, channel=Channel.SLACK)
    workflow.approve(request, actor=INES, now=NOW, channel=Channel.SLACK)
    return request


def _changes_requested() -> PurchaseRequest:
    request = _pending()
    workflow.ask(
        request, actor=OMAR, question="Which team uses it?", now=NOW, channel=Channel.SLACK
    )
    return request


def _approved() -> PurchaseRequest:
    request = _pending()
    workflow.approve(request, actor=OMAR, now=NOW, channel=Channel.SLACK)
    workflow.approve(request, actor=FRED, now=NOW, channel=Channel.TEAMS)
    return request


def _rejected() -> PurchaseRequest:
    request = _pending()
    workflow.reject(
        request,
        actor=OMAR,
        reason="Use the Miro we already pay for.",
        now=NOW,
        channel=Channel.SLACK,
    )
    return request


def _cancelled() -> PurchaseRequest:
    request = _pending()
    step_changes.cancel(request, actor=REQUESTER, now=NOW, channel=Channel.SLACK)
    return request


def _ordered() -> PurchaseRequest:
    request = _approved()
    purchasing.record_po(
        request,
        actor=PAUL,
        po_number="PO-4500",
        purchasers=PURCHASERS,
        now=NOW,
        channel=Channel.SLACK,
    )
    return request


def _received() -> PurchaseRequest:
    request = _ordered()
    purchasing.mark_received(
        request, actor=REQUESTER, purchasers=PURCHASERS, now=NOW, channel=Channel.SLACK
    )
    return request


_STATES: dict[RequestStatus, Callable[[], PurchaseRequest]] = {
    RequestStatus.PENDING: _pending,
    RequestStatus.CHANGES_REQUESTED: _changes_requested,
    RequestStatus.APPROVED: _approved,
    RequestStatus.REJECTED: _rejected,
    RequestStatus.CANCELLED: _cancelled,
    RequestStatus.ORDERED: _ordered,
    RequestStatus.RECEIVED: _received,
}


def request_in(status: RequestStatus) -> PurchaseRequest:
    """The scenario request in `status`, reached through the state machine; events cleared."""
    request = _STATES[status]()
    assert request.status is status
    request.pending_events.clear()
    return request


# ---------------------------------------------------------------------------------------------
# Policy


def facts(
    policy: Policy,
    *,
    unit_price: str | Decimal,
    category: Category = Category.SAAS,
    currency: str = "USD",
    quantity: int = 1,
    recurrence: Recurrence = Recurrence.ONE_OFF,
    vendor: str = "Figma",
    vendor_status: VendorStatus = VendorStatus.NEW,
    data_access: DataAccess = DataAccess.NONE,
    title: str = "Figma Professional",
    department: str = "Design",
) -> RequestFacts:
    """Routing facts; the yearly base amount is computed as Procurement._facts does."""
    price = Decimal(unit_price)
    yearly = price * quantity * recurrence.periods_per_year
    return RequestFacts(
        title=title,
        category=category,
        vendor_key=vendor_key(vendor),
        vendor_status=vendor_status,
        unit_price=price,
        currency=currency,
        quantity=quantity,
        recurrence=recurrence,
        department=department,
        data_access=data_access,
        annual_base_amount=policy.to_base(yearly, currency),
    )


# A small valid policy; tests break one line of it and assert the exact line number in the
# message, so add lines only at the end.
SMALL_POLICY = """\
base_currency: USD
exchange_rates:
  EUR: 1.08
groups:
  it:
    name: IT review
    members: [ines.it@acme.example, omar.it@acme.example]
    fallback: leads
  leads:
    name: IT leadership
    members: [lee.cio@acme.example]
  procurement:
    name: Procurement
    members: [priya.proc@acme.example]
purchasing_group: procurement
rules:
  - name: IT reviews technology
    when: {category: [hardware, saas]}
    step: {name: IT review, group: it, stage: 1}
  - name: Procurement from 1000
    when:
      amount_gte: 1000
      amount_lt: 50000
    step:
      name: Procurement
      group: procurement
      stage: 2
catalogue:
  - name: Laptop
    match: [MacBook]
    category: hardware
    max_unit_price: 2800
    requesters: [it]
delegations:
  - approver: ines.it@acme.example
    delegate: omar.it@acme.example
    start: 2026-12-21
    end: 2027-01-03
reminders:
  remind_after_hours: 24
  escalate_after_hours: 72
  escalate_to: leads
digest:
  time: "09:00"
  timezone: Europe/Paris
"""


def edit(text: str, old: str, new: str) -> str:
    """`text` with the one occurrence of `old` replaced (fails loudly if it is not unique)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


# The valid intake form, as an adapter collects it.
VALID_FORM: dict[str, str | None] = {
    "title": "3 Figma Professional seats",
    "category": "saas",
    "vendor": "Figma",
    "unit_price": "45.00",
    "currency": "USD",
    "quantity": "3",
    "recurrence": "monthly",
    "cost_centre": "Design",
    "needed_by": "2026-12-01",
    "data_access": "internal",
    "justification": "The design team moves off Sketch this quarter.",
    "link": "https://www.figma.com/pricing",
    "renewal_date": "2027-12-01",
}
CURRENCIES = ["USD", "EUR", "GBP", "CAD"]
FORM_TODAY = date(2026, 11, 23)
