"""The demo's seeded history, played through the real services on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from bot.app.demo_seed import HISTORY_DAYS, PEOPLE, seed
from bot.app.facade import Procurement
from bot.domain.model import RequestStatus, VendorStatus, vendor_key
from storage.repository import SqlUnitOfWorkFactory
from tests.fakes import CIO, FINANCE, IT, REQUESTER, SECURITY, START, clock, example_policy


def test_seed_plays_weeks_of_history(uow_factory: SqlUnitOfWorkFactory) -> None:
    policy = example_policy()
    made = seed(uow=uow_factory, policy=policy, now=START)
    service = Procurement(uow=uow_factory, policy=policy, clock=clock())
    with uow_factory() as uow:
        requests = uow.requests.list(limit=100)
        vendors = {v.key: v for v in uow.vendors.list()}
        figma = uow.requests.vendor_history(vendor_key("Figma"))
    assert made == len(requests) == 10
    statuses = Counter(r.status for r in requests)
    assert statuses == {
        RequestStatus.APPROVED: 4,
        RequestStatus.ORDERED: 1,
        RequestStatus.REJECTED: 2,
        RequestStatus.PENDING: 3,
    }
    assert len({r.category for r in requests}) == 3 and len({r.vendor for r in requests}) == 9
    assert sum(1 for r in requests if r.catalogue_entry) == 2
    # Weeks old, never in the future.
    assert all(START - timedelta(days=HISTORY_DAYS) <= r.created_at < START for r in requests)
    assert vendors[vendor_key("Figma")].status is VendorStatus.APPROVED
    assert vendors[vendor_key("Jasper")].status is VendorStatus.REJECTED
    # Two Figma requests, both approved: 1,620 + 1,080 USD a year is what the history shows.
    assert figma.requests == 2 and figma.approved_spend == 2700
    # Something waits for each kind of approver, and the requester has a mix of her own.
    assert [r.title for r in service.waiting_for(approver=IT[0])] == ["Wacom Intuos Pro tablet"]
    assert [r.title for r in service.waiting_for(approver=SECURITY)] == ["Datadog Pro hosts"]
    assert [r.title for r in service.waiting_for(approver=FINANCE[0])] == ["Salesforce Sales Cloud"]
    mine = {r.status for r in service.my_requests(requester=REQUESTER)}
    assert mine == {RequestStatus.PENDING, RequestStatus.REJECTED, RequestStatus.ORDERED}
    assert service.person(CIO).name == "Lee CIO"
    assert {p.email for p in PEOPLE} >= {REQUESTER, *IT, SECURITY, *FINANCE, CIO}
