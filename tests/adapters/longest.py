"""The longest legal inputs: what every renderer must keep within its platform's limits.

A request routed by policy rules to 30 steps of 25 approvers each (all in one stage, so all
30 wait at once), every free-text field at its form limit in the text that costs the most
once escaped (markup characters, non-ASCII, emoji, combining accents), long comments on
every decision, a long timeline, a list of 1,000 waiting requests and a registry of 500
vendors. The sizes are constants so they follow the core's per-field limits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from bot.domain import intake, limits, purchasing, step_changes, workflow
from bot.domain.benchmarks import CostCentrePrice, PriceBenchmark
from bot.domain.cards import Card, build_card
from bot.domain.model import (
    Channel,
    Event,
    Money,
    PurchaseRequest,
    RequestStatus,
    StepMode,
    VendorStatus,
    vendor_key,
)
from bot.domain.policy import Policy, RequestFacts, parse
from bot.domain.views import VendorHistory
from tests.typed import present
from tests.unit.builders import NOW, TODAY

STEPS = 30
APPROVERS = 25
FIELD_LIMITS = dict(intake.MAX_LENGTH)  # title, vendor, cost centre, justification, link
COMMENT = limits.MAX_LENGTH["comment"]  # reasons, questions and answers share this limit
EVENTS = 300
VENDORS = 500
WAITING = 1000
NAME = 80  # a display name from Slack or Teams

REQUESTER = "rita.req@acme.example"
PURCHASER = "paul.buyer@acme.example"
STRANGER = "stan.sales@acme.example"

# Escapes grow it (& → &amp;, * → \*), an emoji counts twice in UTF-16, a cut must not split
# the emoji or the accent, and it tries to fake a bot line in Slack and in Teams.
_WORST = (
    "Tom & Jerry <!channel> *bold* _it_ ~s~ `x` [a](b) > é e\u0301 👩\u200d💻 🇫🇷 "
    "\n✅ *Finance* · approved\n- item\n1. x\n"
)


def worst_text(length: int) -> str:
    """`length` characters (as the forms count them) of the costliest text to render."""
    return (_WORST * (length // len(_WORST) + 1))[:length]


def approver(step: int, n: int) -> str:
    """The email of the n-th approver of a step."""
    return f"approver-{step:02d}-{n:02d}@acme.example"


def approver_name(step: int, n: int) -> str:
    """A long display name with characters that need escaping."""
    return worst_text(NAME - 6).replace("\n", " ") + f" {step:02d}-{n:02d}"


def policy() -> Policy:
    """A policy whose rules give every SaaS request 30 steps of 25 approvers, one stage."""
    groups = "\n".join(
        f"  g{s}:\n    name: Review {s:02d} {'x' * 60}\n    members: "
        f"[{', '.join(approver(s, n) for n in range(APPROVERS))}]"
        for s in range(STEPS)
    )
    rules = "\n".join(
        f"  - name: Rule {s:02d} {'why this step is needed ' * 4}\n"
        f"    when: {{category: [saas]}}\n"
        f"    step: {{name: Step {s:02d} {'y' * 60}, group: g{s}, stage: 1, mode: all}}"
        for s in range(STEPS)
    )
    return parse(
        f"base_currency: USD\ngroups:\n{groups}\n  procurement:\n    name: Procurement\n"
        f"    members: [{PURCHASER}]\npurchasing_group: procurement\nrules:\n{rules}\n"
    )


def names() -> dict[str, str]:
    """Everyone's display name."""
    found = {approver(s, n): approver_name(s, n) for s in range(STEPS) for n in range(APPROVERS)}
    found[REQUESTER] = worst_text(NAME).replace("\n", " ")
    return found


def request(state: RequestStatus = RequestStatus.PENDING) -> PurchaseRequest:
    """The longest request, moved into `state` through the state machine."""
    loaded = policy()
    link = "https://vendor.example/" + "q_&*" * FIELD_LIMITS[intake.LINK]
    made = PurchaseRequest(
        id=1042,
        requester=REQUESTER,
        title=worst_text(FIELD_LIMITS[intake.TITLE]),
        category=intake.Category.SAAS,
        vendor=worst_text(FIELD_LIMITS[intake.VENDOR]),
        unit_price=Money(Decimal("9999999.99"), "USD"),
        quantity=intake.MAX_QUANTITY,
        recurrence=intake.Recurrence.MONTHLY,
        cost_centre=worst_text(FIELD_LIMITS[intake.COST_CENTRE]),
        data_access=intake.DataAccess.PERSONAL,
        justification=worst_text(FIELD_LIMITS[intake.JUSTIFICATION]),
        created_at=NOW,
        updated_at=NOW,
        link=link[: FIELD_LIMITS[intake.LINK]],
        needed_by=TODAY,
    )
    facts = RequestFacts(
        title=made.title,
        category=made.category,
        vendor_key=vendor_key(made.vendor),
        vendor_status=VendorStatus.NEW,
        unit_price=made.unit_price.amount,
        currency="USD",
        quantity=made.quantity,
        recurrence=made.recurrence,
        department=made.cost_centre,
        data_access=made.data_access,
        annual_base_amount=made.annual_value.amount,
    )
    steps = loaded.build_steps(loaded.route(facts), requester=REQUESTER)
    assert len(steps) == STEPS and all(s.mode is StepMode.ALL for s in steps)
    workflow.submit(made, steps=steps, now=NOW, channel=Channel.TEAMS)
    _move(made, state)
    return made


def _move(made: PurchaseRequest, state: RequestStatus) -> None:
    later = NOW + timedelta(hours=1)
    comment = worst_text(COMMENT)
    first = made.steps[0].approvers[0]
    if state in (RequestStatus.CHANGES_REQUESTED, RequestStatus.REJECTED):
        workflow.ask(made, actor=first, question=comment, now=later, channel=Channel.SLACK)
    if state is RequestStatus.REJECTED:
        workflow.reject(made, actor=first, reason=comment, now=later, channel=Channel.SLACK)
    if state is RequestStatus.CANCELLED:
        step_changes.cancel(
            made,
            actor=REQUESTER,
            now=later,
            channel=Channel.SLACK,
            reason=worst_text(limits.MAX_LENGTH["cancel_reason"]),
        )
    if state in (RequestStatus.APPROVED, RequestStatus.ORDERED, RequestStatus.RECEIVED):
        for step in made.steps:
            for person in step.approvers:
                workflow.approve(
                    made, actor=person, now=later, channel=Channel.SLACK, comment=comment
                )
    if state in (RequestStatus.ORDERED, RequestStatus.RECEIVED):
        purchasing.record_po(
            made,
            actor=PURCHASER,
            po_number=worst_text(limits.MAX_LENGTH["po_number"]),
            purchasers=[PURCHASER],
            now=later,
            channel=Channel.SLACK,
        )
    if state is RequestStatus.RECEIVED:
        purchasing.mark_received(
            made, actor=REQUESTER, purchasers=[PURCHASER], now=later, channel=Channel.SLACK
        )
    assert made.status is state


def events(made: PurchaseRequest) -> list[Event]:
    """A long timeline: decisions on every step, each with a long comment."""
    comment = worst_text(COMMENT)
    return [
        Event(
            action="StepApproved",
            actor=approver(n % STEPS, n % APPROVERS),
            at=NOW + timedelta(minutes=n),
            channel=Channel.TEAMS,
            step=made.steps[n % STEPS].name,
            comment=comment,
            request_id=made.id,
        )
        for n in range(EVENTS)
    ]


def history(made: PurchaseRequest) -> VendorHistory:
    """Earlier requests for the same vendor, with long titles (the approvers' notice)."""
    earlier = [
        replace(made, id=present(made.id) - n, steps=[], status=RequestStatus.APPROVED)
        for n in (1, 2, 3)
    ]
    return VendorHistory(requests=40, approved_spend=Decimal("99999999.99"), recent=earlier)


def benchmark(made: PurchaseRequest) -> PriceBenchmark:
    """What the company pays for the same product, bought by cost centres with the longest
    names at a fraction of the price (the price check names the most)."""
    assert made.id is not None
    centres = [
        CostCentrePrice(
            cost_centre=worst_text(FIELD_LIMITS[intake.COST_CENTRE] - 2) + f"{n:02d}",
            unit_price=Decimal("0.01") * (n + 1),
            purchases=99999,
            request_ids=(made.id - 1, made.id - 2, made.id - 3),
        )
        for n in range(10)
    ]
    return PriceBenchmark(
        vendor=made.vendor,
        currency=made.base_currency,
        per_month=True,
        product=made.title,
        purchases=999999,
        median=Decimal("99999999.99"),
        lowest=Decimal("0.01"),
        lowest_id=made.id - 1,
        request_ids=(made.id - 1, made.id - 2, made.id - 3),
        by_cost_centre=centres,
    )


VIEWERS = {
    "requester": REQUESTER,
    "approver": approver(0, 1),
    "purchaser": PURCHASER,
    "stranger": STRANGER,
}


def card(state: RequestStatus, viewer: str) -> Card:
    """The longest request's card for one viewer."""
    made = request(state)
    return build_card(
        request=made,
        viewer=viewer,
        now=NOW,
        events=events(made),
        purchasers=[PURCHASER],
        names=names(),
        history=history(made) if viewer != REQUESTER else None,
        benchmark=benchmark(made),
        renewal_due=TODAY + timedelta(days=20) if state is RequestStatus.APPROVED else None,
    )


def every_card() -> Iterator[tuple[str, Card]]:
    """The longest request's card in every state for every kind of viewer."""
    for state in RequestStatus:
        made_cards = {who: card(state, email) for who, email in VIEWERS.items()}
        for who, built in made_cards.items():
            yield f"{state.value}/{who}", built


def waiting_cards(count: int = WAITING) -> list[Card]:
    """`count` requests waiting for one approver (cards as the list shows them)."""
    base = card(RequestStatus.PENDING, VIEWERS["approver"])
    return [replace(base, request_id=n, number=f"PR-{n}") for n in range(1, count + 1)]


def vendor_names(count: int = VENDORS) -> list[str]:
    """A registry of `count` vendors with the longest names."""
    return [worst_text(FIELD_LIMITS[intake.VENDOR] - 5) + f"{n:05d}" for n in range(count)]
