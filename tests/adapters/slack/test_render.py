"""Block Kit rendering of the neutral card, by snapshot (UPDATE_SNAPSHOTS=1 rewrites them)."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from slack_sdk.models.blocks import Block, Option
from slack_sdk.models.views import View

from adapters.slack import ids
from adapters.slack.render import (
    form_values,
    home_view,
    intake_modal,
    parse_action_value,
    reason_modal,
    render_card,
    vendor_options,
)
from bot.domain import workflow
from bot.domain.budgets import Budget, Period
from bot.domain.budgets import check as check_budget
from bot.domain.cards import Card, build_card, page_of
from bot.domain.model import Channel, Money, PurchaseRequest
from bot.domain.workflow import Action
from tests.fakes import IT, REQUESTER, START, draft, example_policy

SNAPSHOTS = Path(__file__).parent / "snapshots"


def check(name: str, value: object) -> None:
    path = SNAPSHOTS / f"{name}.json"
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(text)
    assert path.exists(), f"no snapshot {path.name}; run with UPDATE_SNAPSHOTS=1 once"
    assert text == path.read_text()


def request_in(state: str) -> PurchaseRequest:
    d = draft()
    policy = example_policy()
    request = PurchaseRequest(
        id=1,
        requester=REQUESTER,
        title=d.title,
        category=d.category,
        vendor=d.vendor,
        unit_price=Money(d.unit_price, d.currency),
        quantity=d.quantity,
        recurrence=d.recurrence,
        cost_centre=d.cost_centre,
        data_access=d.data_access,
        justification=d.justification,
        created_at=START,
        updated_at=START,
        needed_by=d.needed_by,
        link=d.link,
    )
    from bot.domain.model import VendorStatus
    from bot.domain.policy import RequestFacts

    facts = RequestFacts(
        title=d.title,
        category=d.category,
        vendor_key="figma",
        vendor_status=VendorStatus.NEW,
        unit_price=d.unit_price,
        currency="USD",
        quantity=3,
        recurrence=d.recurrence,
        department="Design",
        data_access=d.data_access,
        annual_base_amount=request.annual_value.amount,
    )
    steps = policy.build_steps(policy.route(facts), requester=REQUESTER)
    workflow.submit(request, steps=steps, now=START, channel=Channel.SLACK)
    later = START + timedelta(hours=2)
    if state in ("asked", "rejected"):
        workflow.ask(
            request, actor=IT[0], question="Would two seats do?", now=later, channel=Channel.SLACK
        )
    if state == "rejected":
        workflow.reject(
            request,
            actor=IT[0],
            reason="Use the shared design seats.",
            now=later,
            channel=Channel.SLACK,
        )
    return request


def card(state: str, viewer: str) -> Card:
    request = request_in(state)
    return build_card(
        request=request,
        viewer=viewer,
        now=START,
        events=request.pending_events,
        purchasers=example_policy().purchasers,
    )


@pytest.mark.parametrize(
    ("state", "viewer"),
    [
        ("pending", IT[0]),
        ("pending", REQUESTER),
        ("asked", REQUESTER),
        ("rejected", IT[1]),
    ],
)
def test_card_snapshot(state: str, viewer: str) -> None:
    rendered = render_card(card(state, viewer))
    check(f"card_{state}_{viewer.split('@')[0]}", rendered)
    assert len(rendered) <= 50


def test_card_buttons_are_the_allowed_actions() -> None:
    approver = card("pending", IT[0])
    blocks = render_card(approver)
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == [ids.action_id(a.action) for a in approver.actions]
    assert [ids.action_from_id(b["action_id"]) for b in buttons] == [
        Action.APPROVE,
        Action.REJECT,
        Action.ASK,
    ]
    assert parse_action_value(buttons[0]["value"]) == (1, "IT review")
    decided = render_card(card("rejected", IT[1]))
    assert not [b for b in decided if b["type"] == "actions"]


def test_blocks_pass_slack_sdk_validation() -> None:
    for block in render_card(card("asked", REQUESTER)):
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    View(**intake_modal(values={}, currencies=["USD", "EUR"])).validate_json()


def test_intake_modal_snapshot_and_hidden_fields() -> None:
    full = intake_modal(
        values={
            "title": "Figma seats",
            "category": "saas",
            "quantity": "3",
            "unit_price": "45",
            "recurrence": "monthly",
        },
        currencies=["USD", "EUR"],
    )
    check("intake_saas", full)
    hardware = intake_modal(values={"category": "hardware"}, currencies=["USD"])
    shown = {b.get("block_id") for b in hardware["blocks"]}
    assert {"recurrence", "data_access", "renewal_date"}.isdisjoint(shown)
    assert {"title", "vendor", "unit_price", "justification"} <= shown


def test_form_values_reads_every_element_type() -> None:
    state = {
        "title": {"title": {"type": "plain_text_input", "value": "Figma"}},
        "category": {"category": {"type": "static_select", "selected_option": {"value": "saas"}}},
        "needed_by": {"needed_by": {"type": "datepicker", "selected_date": "2026-12-01"}},
        "recurrence": {
            "recurrence": {"type": "radio_buttons", "selected_option": {"value": "monthly"}}
        },
        "link": {"link": {"type": "url_text_input", "value": None}},
        "unit_price": {"unit_price": {"type": "number_input", "value": "45"}},
    }
    assert form_values(state) == {
        "title": "Figma",
        "category": "saas",
        "needed_by": "2026-12-01",
        "recurrence": "monthly",
        "unit_price": "45",
    }


def test_reason_modal_and_home() -> None:
    check(
        "reason_reject",
        reason_modal(
            action=Action.REJECT, number="PR-1001", metadata='{"r": 1}', prompt="PR-1001 · Figma"
        ),
    )
    home = home_view(
        mine=page_of([card("pending", REQUESTER)]), waiting=page_of([card("pending", IT[0])])
    )
    assert home["type"] == "home"
    texts = json.dumps(home)
    assert "Waiting for you" in texts and "My requests" in texts


def test_vendor_field_is_a_typeahead_prefilled_with_an_initial_option() -> None:
    modal = intake_modal(values={"vendor": "Figma, Inc."}, currencies=["USD"])
    vendor = next(b for b in modal["blocks"] if b.get("block_id") == "vendor")
    assert vendor["element"]["type"] == "external_select"
    assert vendor["element"]["action_id"] == ids.VENDOR_SUGGEST
    assert vendor["element"]["initial_option"]["value"] == "Figma, Inc."
    View(**modal).validate_json()
    empty = intake_modal(values={}, currencies=["USD"])
    assert "initial_option" not in next(
        b["element"] for b in empty["blocks"] if b.get("block_id") == "vendor"
    )


def test_vendor_options_offer_registry_vendors_then_the_typed_text_as_new() -> None:
    options = vendor_options(
        typed="  fig  ", vendors=[("Figma", "approved until 2027-11-23"), ("Figjam Ltd", "new")]
    )
    assert [(o["value"], o["text"]["text"]) for o in options] == [
        ("Figma", "Figma · approved until 2027-11-23"),
        ("Figjam Ltd", "Figjam Ltd · new"),
        ("fig", "New vendor: fig"),
    ]
    # The typed text naming a registry vendor forgivingly is that vendor, not a new one.
    same = vendor_options(typed="FIGMA INC", vendors=[("Figma", "approved")])
    assert [o["value"] for o in same] == ["Figma"]
    assert vendor_options(typed="   ", vendors=[]) == []
    long = vendor_options(typed="x" * 300, vendors=[("y" * 200, "approved")])
    assert all(len(o["text"]["text"]) <= 75 for o in long)
    assert all(len(o["value"]) <= 150 for o in long)
    for option in long:
        Option(**{"value": option["value"], "text": option["text"]["text"]}).validate_json()


def test_card_with_budget_snapshot() -> None:
    request = request_in("pending")
    budget = check_budget(
        Budget("Design", Period(2026, 4), Decimal("1000.00"), "EUR"),
        limit=Decimal("1080.00"),
        spent=Decimal("0.00"),
        request=request.annual_value.amount,
        base_currency="USD",
    )
    approver = build_card(
        request=request,
        viewer=IT[0],
        now=START,
        events=request.pending_events,
        purchasers=example_policy().purchasers,
        budget=budget,
    )
    facts = {f.label: f.value for f in approver.facts}
    assert facts["Budget"] == (
        "Over budget: $540.00 over the $1,080.00 (Design, 2026-Q4) after this request"
    )
    check("card_over_budget_ines.it", render_card(approver))


def test_the_intake_notice_cannot_ping_or_link() -> None:
    modal = intake_modal(
        values={}, currencies=["USD"], notice="Design already has <!channel> & <http://x|Figma>"
    )
    assert modal["blocks"][0]["text"]["text"] == (
        "Design already has &lt;!channel&gt; &amp; &lt;http://x|Figma&gt;"
    )
