"""A database seeded through the real use cases, with digest numbers known by hand.

The week under test ends Monday 23 Nov 2026 09:00 New York (tests.fakes.START, 14:00 UTC):
this week is [16 Nov 14:00, 23 Nov 14:00) UTC and the week before the seven days earlier.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bot.app.clock import FixedClock
from bot.app.facade import Procurement
from bot.domain.model import Category, Channel, DataAccess, Recurrence
from tests.fakes import IT, PROCUREMENT, REQUESTER, SECURITY, draft

END = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def at(day: int, hour: int, *, month: int = 11, year: int = 2026) -> datetime:
    """A moment in UTC (November 2026 unless told)."""
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


def seed(service: Procurement, clock: FixedClock) -> dict[str, int]:
    """Requests with known outcomes; returns their ids by nickname."""
    ids: dict[str, int] = {}

    def submit(name: str, when: datetime, requester: str = REQUESTER, **fields: object) -> None:
        clock.set(when)
        request = service.submit(requester=requester, draft=draft(**fields), channel=Channel.SLACK)
        assert request.id is not None
        ids[name] = request.id

    def approve(name: str, actor: str, when: datetime) -> None:
        clock.set(when)
        service.approve(request_id=ids[name], actor=actor, channel=Channel.SLACK)

    # A year ago: an annual Slack plan, renewing 1 Dec 2026.
    submit(
        "slack",
        at(1, 10, month=12, year=2025),
        title="Slack Enterprise Grid",
        vendor="Slack",
        unit_price=Decimal("12000"),
        quantity=1,
        recurrence=Recurrence.ANNUAL,
        cost_centre="IT",
    )
    for actor in (IT[0], SECURITY, PROCUREMENT):
        approve("slack", actor, at(1, 11, month=12, year=2025))

    # The week before: Figma (new vendor) approved; Zoom half way.
    submit("figma1", at(10, 10))  # 3 x 45/month = 1,620 a year, Design
    approve("figma1", IT[0], at(10, 12))
    approve("figma1", SECURITY, at(11, 10))
    approve("figma1", PROCUREMENT, at(11, 10))
    submit(
        "zoom",
        at(12, 9),
        title="Zoom Business",
        vendor="Zoom",
        unit_price=Decimal("15"),
        quantity=20,
        cost_centre="Sales",
    )
    approve("zoom", IT[0], at(13, 9))

    # This week.
    submit(
        "laptop",
        at(17, 9),
        requester=IT[0],
        title="MacBook Air 13",
        category=Category.HARDWARE,
        vendor="Apple",
        unit_price=Decimal("1500"),
        quantity=1,
        recurrence=Recurrence.ONE_OFF,
        cost_centre="IT",
        data_access=DataAccess.NONE,
    )  # from the catalogue
    submit("figma2", at(17, 10), quantity=10)  # 5,400 a year; Figma is approved now
    approve("figma2", IT[1], at(17, 16))  # IT review: 6 h
    approve("figma2", PROCUREMENT, at(19, 10))  # Procurement: 42 h
    submit(
        "miro",
        at(18, 9),
        title="Miro Business",
        vendor="Miro",
        unit_price=Decimal("8000"),
        quantity=1,
        recurrence=Recurrence.ANNUAL,
        cost_centre="Marketing",
    )
    clock.set(at(18, 13))
    service.reject(
        request_id=ids["miro"], actor=IT[0], reason="We have FigJam.", channel=Channel.SLACK
    )  # IT review: 4 h
    approve("zoom", SECURITY, at(20, 9))  # Security review: 168 h, past the 48 h SLA
    submit(
        "monitor",
        at(20, 9),
        title="Dell UltraSharp monitor",
        category=Category.HARDWARE,
        vendor="Dell",
        unit_price=Decimal("600"),
        quantity=2,
        recurrence=Recurrence.ONE_OFF,
        cost_centre="Design",
        data_access=DataAccess.NONE,
    )
    clock.set(END)
    return ids
