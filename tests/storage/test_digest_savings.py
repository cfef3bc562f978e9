"""The digest's savings section built from SQL on SQLite and PostgreSQL, over the digest seed."""

from __future__ import annotations

from datetime import timedelta

from bot.app.clock import FixedClock
from bot.app.digest import build_digest
from bot.app.facade import Procurement
from bot.domain.digest import render_text
from bot.domain.model import format_number
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes import example_policy
from tests.seed import END, seed
from tests.storage.purchases import bought


def test_the_digest_carries_the_savings(uow_factory: SqlUnitOfWorkFactory) -> None:
    clock = FixedClock(END)
    ids = seed(Procurement(uow=uow_factory, policy=example_policy(), clock=clock), clock)
    dear = bought(
        uow_factory, cost_centre="Marketing", unit="60", quantity=3, approved_at=END - timedelta(1)
    )
    digest = build_digest(uow=uow_factory, policy=example_policy(), end=END)
    savings = digest.savings
    assert [(c.vendor, c.cost_centres, c.amount) for c in savings.consolidations] == [
        ("Figma", 2, 9180)
    ]
    assert [s.request_ids for s in savings.consolidations[0].shares] == [
        (ids["figma2"], ids["figma1"]),
        (dear,),
    ]
    # Figma at $45, $45 and $60 a seat a month: the median is the second $45 (by id).
    assert [(o.request_id, o.median, o.median_ids) for o in savings.outliers] == [
        (dear, 45, (ids["figma2"],))
    ]
    # The Slack plan of the seed renews on 1 Dec 2026, eight days after the digest; the monthly
    # Figma subscriptions renew every month.
    assert savings.renewals_total == 4
    assert [(r.request_id, r.amount, r.renews_on.isoformat()) for r in savings.renewals] == [
        (ids["slack"], 12000, "2026-12-01"),
        (ids["figma1"], 1620, "2026-12-11"),
        (ids["figma2"], 5400, "2026-12-19"),
        (dear, 2160, "2026-12-22"),
    ]
    text = render_text(digest)
    assert f"{format_number(dear)} Figma seats (Marketing) pays $60.00/unit/mo" in text
    assert "Renewals in the next 60 days: 4" in text
