"""Vendors, the catalogue, existing licences and budgets in Slack, over real HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from adapters.slack import ids
from bot.domain.budgets import Budget, OverBudget, Period
from bot.domain.model import Category, RequestStatus, Vendor, VendorStatus
from bot.domain.workflow import Action
from tests.e2e.conftest import FORM, Harness
from tests.fakes import FINANCE, IT, PROCUREMENT, REQUESTER, SECURITY

APPROVE = ids.action_id(Action.APPROVE)
DESIGNER = "ines.it@acme.example"  # another colleague asking for the same thing


def this_quarter() -> Period:
    today = datetime.now(UTC).date()
    return Period(today.year, (today.month - 1) // 3 + 1)


def seed_vendors(h: Harness, *vendors: Vendor) -> None:
    with h.core.uow() as uow:
        for vendor in vendors:
            uow.vendors.add(vendor)
        uow.commit()


async def approve_all(h: Harness, number: str) -> None:
    for email in (IT[0], SECURITY, PROCUREMENT):
        await h.click(email, h.last_card(email, number), APPROVE)


def modal_text(view: object) -> str:
    return json.dumps(getattr(view, "blocks", []), ensure_ascii=False)


async def test_new_vendor_is_qualified_once_then_skips_qualification(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    first = h.core.service.get(1)
    assert [s.name for s in first.steps] == ["IT review", "Security review", "Procurement"]
    assert h.core.service.registry.vendor_report("Figma").vendor.status is VendorStatus.UNDER_REVIEW
    await approve_all(h, "PR-1001")
    assert h.core.service.get(1).status is RequestStatus.APPROVED
    vendor = h.core.service.registry.vendor_report("figma, inc.").vendor
    assert vendor.status is VendorStatus.APPROVED
    assert (vendor.reviewed_by, vendor.owner) == (PROCUREMENT, REQUESTER)

    # The second request for Figma, typed loosely and picked from what the typeahead offers;
    # the requester is told about the seats Design already has.
    await h.command(REQUESTER, "")
    view = await h.modal(REQUESTER)
    typed = await h.sender.suggest(h.user(REQUESTER), view, ids.VENDOR_SUGGEST, "FIGMA INC")
    (figma,) = typed.json["options"]
    assert figma["value"] == "Figma" and figma["text"]["text"].startswith("Figma · approved")
    answer = await h.sender.fill_and_submit(
        h.user(REQUESTER), view.id, {**FORM, "Vendor": figma, "Quantity": "1"}
    )
    await h.settle()
    assert answer.json.get("response_action") == "update"
    confirm = await h.modal(REQUESTER)
    assert (
        "Design already has 3 × Figma Professional seats (Figma, monthly), PR-1001, owner "
        "Rita Requester; ask for a seat instead? You can still go ahead."
    ) in modal_text(confirm)
    assert confirm.submit and confirm.submit["text"] == "Submit anyway"
    await h.submit(REQUESTER, {})
    second = h.core.service.get(2)
    assert second.vendor == "Figma" and [s.name for s in second.steps] == ["IT review"]
    # Approvers read the same notice on their card.
    card = h.last_card(IT[1], "PR-1002")
    assert "Design already has 3 × Figma Professional seats" in str(card.blocks)
    assert "owner Rita Requester" in str(card.blocks)


async def test_rejected_vendor_is_refused_on_the_form_with_alternatives(harness: Harness) -> None:
    h = harness
    seed_vendors(
        h,
        Vendor(
            name="Sketchy Inc",
            status=VendorStatus.REJECTED,
            category=Category.SAAS,
            review_outcome="no SOC 2 report",
        ),
        Vendor(name="Figma", status=VendorStatus.APPROVED, category=Category.SAAS),
        Vendor(name="Miro", status=VendorStatus.APPROVED, category=Category.SAAS),
    )
    answer = await h.buy(REQUESTER, {**FORM, "Vendor": "Sketchy Inc"})
    assert answer.json["response_action"] == "errors"
    assert answer.json["errors"] == {
        "vendor": "Sketchy Inc was rejected in vendor review (no SOC 2 report). "
        "Approved alternatives: Figma, Miro."
    }
    assert h.core.service.my_requests(requester=REQUESTER) == []


async def test_a_lookalike_of_a_rejected_vendor_is_refused_and_a_near_one_flagged(
    harness: Harness,
) -> None:
    h = harness
    seed_vendors(
        h,
        Vendor(
            name="Sketchy Ltd",
            status=VendorStatus.REJECTED,
            category=Category.SAAS,
            reviewed_at=datetime(2026, 1, 10, tzinfo=UTC),
            review_outcome="No SOC 2 report",
        ),
        Vendor(name="Figma", status=VendorStatus.APPROVED, category=Category.SAAS),
    )
    answer = await h.buy(REQUESTER, {**FORM, "Vendor": "Ѕketchy Ltd"})  # a Cyrillic Ѕ
    assert answer.json["response_action"] == "errors"
    assert answer.json["errors"] == {
        "vendor": "Sketchy Ltd was rejected in vendor review (No SOC 2 report). "
        "Approved alternatives: Figma."
    }
    assert h.core.service.my_requests(requester=REQUESTER) == []

    # A name near it: the requester reads why before saving, the reviewers on their card.
    answer = await h.buy(REQUESTER, {**FORM, "Vendor": "Sketchy Ltd.io"})
    assert answer.json.get("response_action") == "update"
    warning = (
        "Sketchy Ltd.io looks like rejected vendor Sketchy Ltd (rejected 2026-01-10: "
        "No SOC 2 report)"
    )
    confirm = await h.modal(REQUESTER)
    assert f"{warning}. Make sure it is another company before you go ahead." in modal_text(confirm)
    await h.submit(REQUESTER, {})
    await h.settle()
    assert h.core.service.get(1).vendor == "Sketchy Ltd.io"
    assert f"Careful: {warning}; check it is another company." in str(
        h.last_card(IT[0], "PR-1001").blocks
    )


async def test_catalogue_item_is_approved_at_once_with_an_audit_event(harness: Harness) -> None:
    h = harness
    await h.buy(
        IT[0],
        {
            **FORM,
            "What do you need?": "MacBook Air 13",
            "Category": "Hardware",
            "Vendor": "Apple",
            "Price per unit": "1299",
            "Quantity": "2",
            "Cost centre": "IT",
        },
    )
    request = h.core.service.get(1)
    assert request.status is RequestStatus.APPROVED and request.steps == []
    card = h.last_card(IT[0], "PR-1001")
    assert "Approved from the catalogue (Standard laptop)" in str(card.blocks)
    with h.core.uow() as uow:
        events = [(e.action, e.comment) for e in uow.events.for_request(1)]
    assert ("AutoApproved", "Catalogue entry: Standard laptop") in events
    # Procurement is asked to order it; nobody is asked to approve.
    assert h.last_card(PROCUREMENT, "PR-1001")
    assert not [m for m in h.dms(IT[1]) if "PR-1001" in str(m.blocks)]


async def test_vendor_typeahead_offers_the_registry_and_a_new_vendor(harness: Harness) -> None:
    h = harness
    seed_vendors(
        h,
        Vendor(name="Figjam Tools", status=VendorStatus.NEW),
        Vendor(
            name="Figma, Inc.",
            status=VendorStatus.APPROVED,
            reviewed_at=datetime.now(UTC),
            category=Category.SAAS,
        ),
        Vendor(name="Sketchy Figments", status=VendorStatus.REJECTED),
    )
    await h.command(REQUESTER, "")
    view = await h.modal(REQUESTER)
    answer = await h.sender.suggest(h.user(REQUESTER), view, ids.VENDOR_SUGGEST, "fig")
    texts = [o["text"]["text"] for o in answer.json["options"]]
    assert texts[0].startswith("Figma, Inc. · approved until ")
    assert texts[1:] == ["Figjam Tools · new", "Sketchy Figments · rejected", "New vendor: fig"]
    # Typing the registry name loosely offers that vendor, and no "new vendor" twin.
    loose = await h.sender.suggest(h.user(REQUESTER), view, ids.VENDOR_SUGGEST, "FIGMA INC")
    assert [o["value"] for o in loose.json["options"]] == ["Figma, Inc."]
    # A brand-new vendor is picked from the "New vendor" option and lands in the registry.
    new = await h.sender.suggest(h.user(REQUESTER), view, ids.VENDOR_SUGGEST, "Canva Pty")
    assert [(o["text"]["text"], o["value"]) for o in new.json["options"]] == [
        ("New vendor: Canva Pty", "Canva Pty")
    ]
    await h.sender.fill_and_submit(h.user(REQUESTER), view.id, {**FORM, "Vendor": "Canva Pty"})
    await h.settle()
    request = h.core.service.get(1)
    assert request.vendor == "Canva Pty" and request.vendor_status is VendorStatus.NEW
    assert (
        h.core.service.registry.vendor_report("canva pty").vendor.status
        is VendorStatus.UNDER_REVIEW
    )


async def test_prefilled_vendor_is_the_initial_option(harness: Harness) -> None:
    h = harness
    await h.command(REQUESTER, "2 Miro seats $10/mo")
    view = await h.modal(REQUESTER)
    vendor = next(b for b in view.blocks if b.get("block_id") == "vendor")
    assert vendor["element"]["initial_option"]["value"] == "Miro"
    fields = {k: v for k, v in FORM.items() if k != "Vendor"}
    await h.sender.fill_and_submit(h.user(REQUESTER), view.id, fields)
    await h.settle()
    assert h.core.service.get(1).vendor == "Miro"


async def test_over_budget_adds_the_finance_step(harness: Harness) -> None:
    h = harness
    quarter = this_quarter()
    h.core.service.registry.import_budgets([Budget("Design", quarter, Decimal("2000"), "USD")])
    await h.buy(REQUESTER, FORM)  # 1,620 USD a year: fits
    card = h.last_card(REQUESTER, "PR-1001")
    assert f"$380.00 left of $2,000.00 (Design, {quarter}) after this request" in str(card.blocks)
    assert h.core.service.get(1).step("Finance") is None

    answer = await h.buy(DESIGNER, {**FORM, "Quantity": "1"})  # 540 more: 160 over
    assert answer.json.get("response_action") == "update"
    confirm = modal_text(await h.modal(DESIGNER))
    assert (
        f"Over budget: $160.00 over the $2,000.00 (Design, {quarter}) after this request. "
        "Finance will be asked to approve the overrun."
    ) in confirm
    await h.submit(DESIGNER, {})
    second = h.core.service.get(2)
    finance = second.step("Finance")
    assert finance is not None and finance.approvers == list(FINANCE)
    assert finance.reason == f"Over the Design budget for {quarter}"
    card = h.last_card(DESIGNER, "PR-1002")
    assert "Over budget: $160.00 over the $2,000.00" in str(card.blocks)
    approver = h.last_card(IT[1], "PR-1002")
    assert f"Over the Design budget for {quarter}" in str(approver.blocks)


async def test_over_budget_is_refused_on_the_form_when_the_policy_blocks(harness: Harness) -> None:
    h = harness
    service = h.core.service
    service.policy = service.policy.model_copy(
        update={
            "budgets": service.policy.budgets.model_copy(update={"over_budget": OverBudget.BLOCK})
        }
    )
    quarter = this_quarter()
    service.registry.import_budgets([Budget("Design", quarter, Decimal("1000"), "USD")])
    answer = await h.buy(REQUESTER, FORM)
    assert answer.json["response_action"] == "errors"
    assert answer.json["errors"] == {
        "cost_centre": f"This request ($1,620.00 a year) would go $620.00 over the $1,000.00 "
        f"(Design, {quarter}). Lower the amount, pick another cost centre, or ask finance to "
        "raise the budget."
    }
    assert service.my_requests(requester=REQUESTER) == []
    view = await h.modal(REQUESTER)  # the form stays open with what was typed
    await h.sender.fill_and_submit(h.user(REQUESTER), view.id, {"Quantity": "1"})
    await h.settle()
    assert service.get(1).status is RequestStatus.PENDING
