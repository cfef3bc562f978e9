"""Price benchmarks from SQL on SQLite and PostgreSQL: medians, lowest and cost centres, with
the requests behind each figure."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from bot.domain import benchmarks
from bot.domain.benchmarks import CostCentrePrice, PriceBenchmark
from bot.domain.model import Recurrence, RequestStatus
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.purchases import T0, bought

D = Decimal


def figma(uow_factory: SqlUnitOfWorkFactory, *, title: str = "Figma seats") -> PriceBenchmark:
    with uow_factory() as uow:
        return benchmarks.load(
            uow.benchmarks,
            vendor="Figma",
            title=title,
            recurrence=Recurrence.MONTHLY,
            currency="USD",
        )


def test_median_lowest_and_cost_centres_name_their_requests(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    day = timedelta(days=1)
    a = bought(uow_factory, cost_centre="Design", unit="36", quantity=5, approved_at=T0)
    b = bought(uow_factory, cost_centre="Marketing", unit="45", quantity=2, approved_at=T0 + day)
    c = bought(
        uow_factory,
        cost_centre="Marketing",
        unit="540",
        quantity=1,
        recurrence=Recurrence.ANNUAL,
        approved_at=T0 + 2 * day,
    )  # $45 a month
    d = bought(
        uow_factory,
        cost_centre="Sales",
        unit="50",
        status=RequestStatus.RECEIVED,
        approved_at=T0 + 3 * day,
    )
    # Not counted: pending, rejected, another vendor, a one-off purchase.
    bought(uow_factory, unit="10", status=RequestStatus.PENDING)
    bought(uow_factory, unit="10", status=RequestStatus.REJECTED)
    bought(uow_factory, vendor="Miro", unit="10")
    bought(uow_factory, unit="10", recurrence=Recurrence.ONE_OFF)
    found = figma(uow_factory)
    assert found.product == "Figma seats"
    assert found.purchases == 4
    assert found.median == D("45.00")
    assert (found.lowest, found.lowest_id) == (D("36.00"), a)
    assert found.request_ids == (d, c, b)  # newest first
    assert list(found.by_cost_centre) == [
        CostCentrePrice("Design", D("36.00"), 1, (a,)),
        CostCentrePrice("Marketing", D("45.00"), 2, (c, b)),
        CostCentrePrice("Sales", D("50.00"), 1, (d,)),
    ]


def test_the_product_wins_over_the_vendor_when_bought_before(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    pro = bought(uow_factory, title="Figma PRO seats", unit="20")
    bought(uow_factory, title="FigJam", unit="5")
    bought(uow_factory, title="FigJam", unit="7")
    found = figma(uow_factory, title="figma  pro seats")
    assert (found.product, found.purchases, found.median, found.request_ids) == (
        "figma pro seats",
        1,
        D("20.00"),
        (pro,),
    )
    vendor_wide = figma(uow_factory, title="Figma Dev Mode")
    assert (vendor_wide.product, vendor_wide.purchases, vendor_wide.median) == (None, 3, D("7.00"))


def test_a_catalogue_entry_matches_whatever_the_title(uow_factory: SqlUnitOfWorkFactory) -> None:
    mac = bought(
        uow_factory,
        vendor="Apple",
        title="MacBook Air for Ann",
        unit="1500",
        recurrence=Recurrence.ONE_OFF,
        catalogue_entry="Standard laptop",
    )
    bought(uow_factory, vendor="Apple", title="iPhone", unit="900", recurrence=Recurrence.ONE_OFF)
    with uow_factory() as uow:
        found = benchmarks.load(
            uow.benchmarks,
            vendor="Apple",
            title="MacBook for Bob",
            recurrence=Recurrence.ONE_OFF,
            currency="USD",
            catalogue_entry="Standard laptop",
        )
    assert (found.product, found.per_month, found.median, found.lowest_id) == (
        "Standard laptop",
        False,
        D("1500.00"),
        mac,
    )


def test_nothing_bought_yet_and_the_request_itself_left_out(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    assert figma(uow_factory).purchases == 0
    only = bought(uow_factory, unit="45")
    with uow_factory() as uow:
        found = benchmarks.load(
            uow.benchmarks,
            vendor="figma ",
            title="Figma seats",
            recurrence=Recurrence.MONTHLY,
            currency="USD",
            exclude_id=only,
        )
    assert found == PriceBenchmark(
        vendor="figma", currency="USD", per_month=True, product=None, purchases=0
    )
