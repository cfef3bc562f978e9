"""Vendors and budgets through the use cases and real storage, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.app.clock import FixedClock
from bot.app.facade import Procurement
from bot.domain.budgets import Budget, OverBudget, Period
from bot.domain.errors import BudgetExceeded, NotAllowed, NotFound, VendorRefused
from bot.domain.intake import MAX_QUANTITY, MAX_UNIT_PRICE
from bot.domain.model import (
    MAX_AMOUNT,
    MAX_RATE,
    Category,
    Channel,
    DataAccess,
    Recurrence,
    RequestStatus,
    Vendor,
    VendorStatus,
)
from bot.domain.policy import Policy
from bot.domain.vendors import parse_vendor_rows
from storage.repository import SqlUnitOfWorkFactory
from tests.fakes import FINANCE, IT, PROCUREMENT, REQUESTER, SECURITY, START, clock, draft
from tests.fakes import example_policy as load_example

Q4 = Period(2026, 4)  # START is in 2026-Q4


def service_with(uow_factory: SqlUnitOfWorkFactory, policy: Policy | None = None) -> Procurement:
    return Procurement(uow=uow_factory, policy=policy or load_example(), clock=clock())


def blocking(policy: Policy) -> Policy:
    budgets = policy.budgets.model_copy(update={"over_budget": OverBudget.BLOCK})
    return policy.model_copy(update={"budgets": budgets})


def approve_all(service: Procurement, request_id: int) -> None:
    for actor in (IT[0], SECURITY, PROCUREMENT):
        service.approve(request_id=request_id, actor=actor, channel=Channel.SLACK)


def test_qualification_records_the_review_on_the_vendor(uow_factory: SqlUnitOfWorkFactory) -> None:
    service = service_with(uow_factory)
    first = service.submit(
        requester=REQUESTER, draft=draft(data_access=DataAccess.PERSONAL), channel=Channel.SLACK
    )
    approve_all(service, first.id)
    report = service.registry.vendor_report("FIGMA INC")
    vendor = report.vendor
    assert vendor.status is VendorStatus.APPROVED
    assert (vendor.owner, vendor.website, vendor.category) == (
        REQUESTER,
        "https://www.figma.com",
        Category.SAAS,
    )
    assert vendor.notes == "Data processing: Personal data (PR-1001)"
    assert vendor.review_outcome == f"Approved on PR-1001 by {PROCUREMENT}, {SECURITY}"
    assert (vendor.reviewed_by, vendor.reviewed_at) == (PROCUREMENT, START)
    assert report.status_text == "approved until 2027-11-23"
    assert [r.number for r in report.requests] == ["PR-1001"]
    assert report.approved_spend == Decimal("1620.00")


def test_an_expired_review_qualifies_the_vendor_again(uow_factory: SqlUnitOfWorkFactory) -> None:
    service = service_with(uow_factory)
    approve_all(
        service, service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK).id
    )
    later = Procurement(
        uow=uow_factory, policy=load_example(), clock=FixedClock(START + timedelta(days=366))
    )
    again = later.submit(requester=REQUESTER, draft=draft(quantity=1), channel=Channel.SLACK)
    assert {s.name for s in again.steps} >= {"Security review", "Procurement"}
    assert again.vendor_status is VendorStatus.NEW
    assert later.registry.vendor_report("figma").vendor.status is VendorStatus.UNDER_REVIEW


def test_a_rejected_vendor_takes_the_exception_path_when_the_policy_allows_it(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    policy = load_example()
    policy = policy.model_copy(
        update={"vendors": policy.vendors.model_copy(update={"allow_rejected_exception": True})}
    )
    with uow_factory() as uow:
        uow.vendors.add(
            Vendor(name="Sketchy", status=VendorStatus.REJECTED, review_outcome="no DPA")
        )
        uow.commit()
    request = service_with(uow_factory, policy).submit(
        requester=REQUESTER, draft=draft(vendor="sketchy"), channel=Channel.SLACK
    )
    assert [s.name for s in request.steps] == [
        "IT review",
        "Procurement",
        "IT leadership exception",
    ]
    assert request.vendor_status is VendorStatus.REJECTED
    exception = service_with(uow_factory, policy)
    for actor in (IT[0], PROCUREMENT, "lee.cio@acme.example"):
        exception.approve(request_id=request.id, actor=actor, channel=Channel.SLACK)
    assert exception.get(request.id).status is RequestStatus.APPROVED
    # One purchase was excepted; the vendor itself stays rejected.
    assert exception.registry.vendor_report("Sketchy").vendor.status is VendorStatus.REJECTED


SKETCHY = Vendor(
    name="Sketchy Ltd",
    status=VendorStatus.REJECTED,
    category=Category.SAAS,
    reviewed_at=datetime(2026, 1, 10, tzinfo=UTC),
    review_outcome="No SOC 2 report",
)


def seed(uow_factory: SqlUnitOfWorkFactory, *vendors: Vendor) -> None:
    with uow_factory() as uow:
        for vendor in vendors:
            uow.vendors.add(replace(vendor))
        uow.commit()


def test_a_name_that_looks_the_same_as_a_rejected_vendor_is_that_vendor(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    # "Skеtchy" with a Cyrillic е, registered as new before lookalikes were caught.
    seed(uow_factory, SKETCHY, Vendor(name="Skеtchy", status=VendorStatus.UNDER_REVIEW))
    service = service_with(uow_factory)
    refused = r"^Sketchy Ltd was rejected in vendor review \(No SOC 2 report\)\."
    with pytest.raises(VendorRefused, match=refused):
        service.preview(requester=REQUESTER, draft=draft(vendor="Ѕketchy Ltd"))
    for typed in ("ＳＫＥＴＣＨＹ", "Skеtchy", "Sket\u200bchy Ltd"):
        with pytest.raises(VendorRefused, match=refused):
            service.submit(requester=REQUESTER, draft=draft(vendor=typed), channel=Channel.SLACK)
    assert service.my_requests(requester=REQUESTER) == []
    assert len(service.registry.vendors()) == 2

    # Where the policy allows an exception, it is the rejected vendor's exception.
    policy = load_example()
    policy = policy.model_copy(
        update={"vendors": policy.vendors.model_copy(update={"allow_rejected_exception": True})}
    )
    request = service_with(uow_factory, policy).submit(
        requester=REQUESTER, draft=draft(vendor="Ѕketchy Ltd"), channel=Channel.SLACK
    )
    assert (request.vendor, request.vendor_status) == ("Sketchy Ltd", VendorStatus.REJECTED)
    assert "IT leadership exception" in [s.name for s in request.steps]


def test_a_name_near_a_rejected_vendor_is_warned_of_on_the_form_and_the_card(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    seed(uow_factory, SKETCHY)
    service = service_with(uow_factory)
    near = draft(vendor="Sketchy Ltd.io")
    warning = (
        "Sketchy Ltd.io looks like rejected vendor Sketchy Ltd (rejected 2026-01-10: "
        "No SOC 2 report)"
    )
    preview = service.preview(requester=REQUESTER, draft=near)
    assert preview.to_confirm is not None
    assert preview.to_confirm.startswith(
        f"{warning}. Make sure it is another company before you go ahead. Budget: "
    )
    request = service.submit(requester=REQUESTER, draft=near, channel=Channel.SLACK)
    assert "Security review" in [s.name for s in request.steps]  # a new vendor: qualified
    card = service.card_for(request_id=request.id, viewer=IT[0])
    assert card.notice == f"Careful: {warning}; check it is another company. " + (
        "First request for this vendor."
    )
    assert service.card_for(request_id=request.id, viewer=REQUESTER).notice is None
    # A legitimately similar name is left alone.
    assert service.preview(requester=REQUESTER, draft=draft(vendor="Sketch")).lookalike is None


def test_vendor_import_is_idempotent_and_matches_names_forgivingly(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    service = service_with(uow_factory)
    service.submit(requester=REQUESTER, draft=draft(vendor="Miro"), channel=Channel.SLACK)
    header = ["name", "status", "category", "owner", "reviewed_at"]
    rows = parse_vendor_rows(
        [
            {
                "name": "MIRO LTD",
                "status": "approved",
                "owner": "it@acme.example",
                "reviewed_at": "2026-06-01",
            },
            {"name": "Zoom", "status": "new", "category": "saas"},
        ],
        header=header,
    )
    assert service.registry.import_vendors(rows) == (1, 1, 0)
    assert service.registry.import_vendors(rows) == (0, 0, 2)
    vendors = {v.name: v for v in service.registry.vendors()}
    assert set(vendors) == {"Miro", "Zoom"}  # the registry keeps the name it first saw
    assert vendors["Miro"].status is VendorStatus.APPROVED
    with pytest.raises(NotFound, match="Did you mean Miro"):
        service.registry.vendor_report("Mir")


def test_typeahead_lists_approved_vendors_first_with_their_status(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    service = service_with(uow_factory)
    with uow_factory() as uow:
        uow.vendors.add(Vendor(name="Figjam", status=VendorStatus.NEW))
        uow.vendors.add(Vendor(name="Figma", status=VendorStatus.APPROVED, reviewed_at=START))
        uow.commit()
    assert [(v.name, text) for v, text in service.registry.vendor_suggestions("fig")] == [
        ("Figma", "approved until 2027-11-23"),
        ("Figjam", "new"),
    ]


def test_a_request_shows_what_its_budget_has_left(uow_factory: SqlUnitOfWorkFactory) -> None:
    service = service_with(uow_factory)
    request = service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    for viewer in (REQUESTER, IT[0]):
        facts = {
            f.label: f.value for f in service.card_for(request_id=request.id, viewer=viewer).facts
        }
        assert facts["Budget"] == "$58,380.00 left of $60,000.00 (Design, 2026) after this request"
    preview = service.preview(requester=REQUESTER, draft=draft(quantity=1))
    assert preview.budget_notice == (
        "Budget: $57,840.00 left of $60,000.00 (Design, 2026) after this request."
    )
    assert not preview.needs_confirmation or preview.existing


def test_requests_in_other_currencies_count_at_the_policy_s_rate(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    service = service_with(uow_factory)
    service.registry.import_budgets(
        [Budget("Berlin", Q4, Decimal("5000"), "EUR", source="import")]
    )  # 5,400 USD
    eur = draft(cost_centre="Berlin", currency="EUR", unit_price=Decimal("100"), quantity=1)
    gbp = draft(
        cost_centre="berlin ",
        currency="GBP",
        unit_price=Decimal("1000"),
        quantity=1,
        recurrence=Recurrence.ONE_OFF,
        vendor="Miro",
    )
    service.submit(requester=REQUESTER, draft=eur, channel=Channel.SLACK)  # 1,200 EUR = 1,296 USD
    service.submit(requester=REQUESTER, draft=gbp, channel=Channel.SLACK)  # 1,000 GBP = 1,270 USD
    (berlin,) = [c for c in service.registry.budgets() if c.budget.cost_centre == "Berlin"]
    assert (berlin.limit, berlin.spent, berlin.remaining) == (
        Decimal("5400.00"),
        Decimal("2566.00"),
        Decimal("2834.00"),
    )


def test_the_largest_legal_amounts_fit_on_cards_and_larger_ones_are_refused(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    policy = load_example()
    rates = {**policy.exchange_rates, "XAU": MAX_RATE}  # the dearest currency a policy may have
    service = service_with(uow_factory, policy.model_copy(update={"exchange_rates": rates}))
    service.registry.import_budgets([Budget("Vault", Q4, MAX_AMOUNT, "XAU", source="import")])
    most = draft(
        cost_centre="Vault", unit_price=MAX_UNIT_PRICE, quantity=MAX_QUANTITY, vendor="Miro"
    )
    request = service.submit(requester=REQUESTER, draft=most, channel=Channel.SLACK)
    card = service.card_for(request_id=request.id, viewer=IT[0])
    assert {f.label: f.value for f in card.facts}["Budget"] == (
        "$9,999,998,800,000,000,000.00 left of $10,000,000,000,000,000,000.00 (Vault, 2026-Q4) "
        "after this request"
    )
    in_gold = replace(most, currency="XAU", quantity=1, recurrence=Recurrence.ONE_OFF)
    at_most = service.submit(requester=REQUESTER, draft=in_gold, channel=Channel.SLACK)
    assert at_most.base_amount == MAX_AMOUNT
    assert service.card_for(request_id=at_most.id, viewer=IT[0]).facts
    with pytest.raises(NotAllowed, match=r"comes to \$10,000,000,010,000.00, more than"):
        service.submit(
            requester=REQUESTER,
            draft=replace(in_gold, unit_price=Decimal("10000000.01")),
            channel=Channel.SLACK,
        )
    with pytest.raises(NotAllowed, match=r"comes to \$1,200,000,000,000,000,000.00 a year"):
        service.preview(requester=REQUESTER, draft=replace(most, currency="XAU"))


def test_over_budget_adds_the_finance_step(uow_factory: SqlUnitOfWorkFactory) -> None:
    service = service_with(uow_factory)
    service.registry.import_budgets([Budget("Design", Q4, Decimal("2000"), "USD", source="import")])
    first = service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)  # 1,620
    assert "Finance" not in [s.name for s in first.steps]
    preview = service.preview(requester=REQUESTER, draft=draft(quantity=1))  # 540 more: over
    assert preview.needs_confirmation
    assert preview.budget_notice == (
        "Over budget: $160.00 over the $2,000.00 (Design, 2026-Q4) after this request. "
        "Finance will be asked to approve the overrun."
    )
    second = service.submit(requester=REQUESTER, draft=draft(quantity=1), channel=Channel.SLACK)
    finance = second.step("Finance")
    assert finance is not None and finance.approvers == list(FINANCE)
    assert finance.reason == "Over the Design budget for 2026-Q4"
    # A rejected request frees its share: the next one fits again.
    service.reject(request_id=first.id, actor=IT[0], reason="No.", channel=Channel.SLACK)
    third = service.submit(requester=REQUESTER, draft=draft(quantity=1), channel=Channel.SLACK)
    assert third.step("Finance") is None


def test_over_budget_skips_the_catalogue(uow_factory: SqlUnitOfWorkFactory) -> None:
    service = service_with(uow_factory)
    service.registry.import_budgets([Budget("IT", Q4, Decimal("1000"), "USD", source="import")])
    laptop = draft(
        title="MacBook Pro 14",
        category=Category.HARDWARE,
        vendor="Apple",
        unit_price=Decimal("2399"),
        quantity=1,
        recurrence=Recurrence.ONE_OFF,
        cost_centre="IT",
    )
    request = service.submit(requester=IT[0], draft=laptop, channel=Channel.SLACK)
    assert request.status is RequestStatus.PENDING and request.catalogue_entry is None
    assert request.step("Finance") is not None


def test_over_budget_blocks_when_the_policy_says_so(uow_factory: SqlUnitOfWorkFactory) -> None:
    service = service_with(uow_factory, blocking(load_example()))
    service.registry.import_budgets([Budget("Design", Q4, Decimal("1000"), "USD", source="import")])
    with pytest.raises(BudgetExceeded) as refused:
        service.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    assert str(refused.value) == (
        "This request ($1,620.00 a year) would go $620.00 over the $1,000.00 (Design, 2026-Q4). "
        "Lower the amount, pick another cost centre, or ask finance to raise the budget."
    )
    with pytest.raises(BudgetExceeded):
        service.preview(requester=REQUESTER, draft=draft())
    assert service.my_requests(requester=REQUESTER) == []
    fits = service.submit(requester=REQUESTER, draft=draft(quantity=1), channel=Channel.SLACK)
    assert fits.status is RequestStatus.PENDING


def test_pending_requests_count_only_when_the_policy_says_so(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    policy = load_example()
    ignoring = policy.model_copy(
        update={"budgets": policy.budgets.model_copy(update={"count_open_requests": False})}
    )
    counting = service_with(uow_factory)
    counting.registry.import_budgets(
        [Budget("Design", Q4, Decimal("2000"), "USD", source="import")]
    )
    counting.submit(requester=REQUESTER, draft=draft(), channel=Channel.SLACK)
    design = [c for c in counting.registry.budgets() if c.budget.period == Q4]
    assert design[0].spent == Decimal("1620.00")
    design = [
        c for c in service_with(uow_factory, ignoring).registry.budgets() if c.budget.period == Q4
    ]
    assert design[0].spent == Decimal("0.00")


def test_an_overrun_joins_a_finance_step_the_amount_already_needs(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    service = service_with(uow_factory)
    service.registry.import_budgets(
        [Budget("Design", Q4, Decimal("20000"), "USD", source="import")]
    )
    big = service.submit(requester=REQUESTER, draft=draft(quantity=50), channel=Channel.SLACK)
    (finance,) = [s for s in big.steps if s.name == "Finance"]
    assert finance.reason == "Finance from 25,000 USD; Over the Design budget for 2026-Q4"
