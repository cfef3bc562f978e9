"""The digest's savings from SQL on SQLite and PostgreSQL, with the requests behind each line."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from bot.domain.model import Category, Channel, Event, Recurrence, RequestStatus
from bot.domain.savings import Consolidation, Outlier, Overlap, Share
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.purchases import T0, bought

D = Decimal
WEEK = timedelta(days=7)


def test_consolidation_candidates_name_cost_centres_and_requests(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    a = bought(uow_factory, cost_centre="Design", unit="45", quantity=10)  # 5,400/yr
    b = bought(uow_factory, cost_centre="Design", unit="45", quantity=2)  # 1,080/yr
    c = bought(uow_factory, cost_centre="Marketing", unit="45", quantity=3)  # 1,620/yr
    d = bought(uow_factory, vendor="Figma, Inc.", cost_centre="Sales", unit="40")  # 480/yr
    # Not counted: one cost centre only, a one-off, a lapsed subscription, a pending one.
    bought(uow_factory, vendor="Miro", cost_centre="Design", unit="10")
    bought(
        uow_factory, vendor="Miro", cost_centre="Sales", unit="10", recurrence=Recurrence.ONE_OFF
    )
    lapsed = bought(uow_factory, vendor="Miro", cost_centre="IT", unit="10")
    bought(uow_factory, vendor="Miro", cost_centre="HR", unit="10", status=RequestStatus.PENDING)
    with uow_factory() as uow:
        uow.events.append(
            Event(
                action="LetLapse",
                actor="ann@example.com",
                at=T0,
                channel=Channel.SLACK,
                request_id=lapsed,
            )
        )
        uow.commit()
    with uow_factory() as uow:
        total, found = uow.savings.consolidations(limit=5)
        assert (total, found) == (
            1,
            [
                Consolidation(
                    vendor="Figma",
                    cost_centres=3,
                    amount=D("8580.00"),
                    shares=[
                        Share("Design", D("6480.00"), 2, (a, b)),
                        Share("Marketing", D("1620.00"), 1, (c,)),
                        Share("Sales", D("480.00"), 1, (d,)),
                    ],
                )
            ],
        )
        assert uow.savings.consolidations(limit=0) == (0, [])


def test_overlapping_tools_by_category(uow_factory: SqlUnitOfWorkFactory) -> None:
    figma = bought(uow_factory, cost_centre="Design", unit="45", quantity=10)  # 5,400
    sketch = bought(uow_factory, vendor="Sketch", cost_centre="Marketing", unit="10")  # 120
    canva = bought(
        uow_factory, vendor="Canva", cost_centre="Sales", unit="100", recurrence=Recurrence.ANNUAL
    )  # 100
    canva2 = bought(
        uow_factory, vendor="Canva", cost_centre="Sales", unit="50", recurrence=Recurrence.ANNUAL
    )  # 50
    # Two vendors, one cost centre: not an overlap across teams.
    bought(uow_factory, vendor="Jira", cost_centre="IT", unit="10", category=Category.SOFTWARE)
    bought(uow_factory, vendor="Linear", cost_centre="IT", unit="10", category=Category.SOFTWARE)
    with uow_factory() as uow:
        total, found = uow.savings.overlaps(limit=5)
    assert (total, found) == (
        1,
        [
            Overlap(
                category="saas",
                vendors=3,
                cost_centres=3,
                amount=D("5670.00"),
                shares=[
                    Share("Figma", D("5400.00"), 1, (figma,)),
                    Share("Canva", D("150.00"), 2, (canva, canva2)),
                    Share("Sketch", D("120.00"), 1, (sketch,)),
                ],
            )
        ],
    )


def test_price_outliers_approved_this_week(uow_factory: SqlUnitOfWorkFactory) -> None:
    start = T0 + WEEK
    earlier = [
        bought(uow_factory, cost_centre="Design", unit=u, approved_at=T0)
        for u in ("36", "40", "44")
    ]
    high = bought(
        uow_factory, cost_centre="Sales", unit="60", approved_at=start + timedelta(days=1)
    )
    fair = bought(uow_factory, cost_centre="IT", unit="45", approved_at=start + timedelta(days=2))
    # Too few purchases of Miro for a median; a one-off Figma purchase is compared apart.
    bought(uow_factory, vendor="Miro", unit="10", approved_at=T0)
    bought(uow_factory, vendor="Miro", unit="99", approved_at=start)
    bought(uow_factory, unit="500", recurrence=Recurrence.ONE_OFF, approved_at=start)
    with uow_factory() as uow:
        total, found = uow.savings.outliers(start=start, end=start + WEEK, above_pct=D(25), limit=5)
        assert (total, found) == (
            1,
            [
                Outlier(
                    request_id=high,
                    title="Figma seats",
                    vendor="Figma",
                    cost_centre="Sales",
                    per_month=True,
                    unit_price=D("60.00"),
                    median=D("44.00"),
                    purchases=5,
                    median_ids=(earlier[2],),
                )
            ],
        )
        assert fair not in [o.request_id for o in found]
        # Outside the window: nothing.
        assert uow.savings.outliers(start=T0 - WEEK, end=T0, above_pct=D(25), limit=5) == (0, [])
