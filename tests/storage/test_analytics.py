"""The digest's numbers from SQL, against a seeded database whose answers are known."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.app.clock import FixedClock
from bot.app.digest import build_digest
from bot.app.facade import Procurement
from bot.domain.digest import last_slot, render_text
from bot.domain.views import WeekCounts
from storage.analytics import SqlDigestQueries
from storage.engine import make_engine
from storage.renewals import add_months
from storage.uow import SqlUnitOfWorkFactory
from tests.fakes import IT, PROCUREMENT, example_policy
from tests.seed import END, at, seed
from tests.storage.builders import T0, make_request

D = Decimal


@pytest.fixture
def seeded(uow_factory: SqlUnitOfWorkFactory) -> tuple[SqlUnitOfWorkFactory, dict[str, int]]:
    clock = FixedClock(END)
    service = Procurement(uow=uow_factory, policy=example_policy(), clock=clock)
    return uow_factory, seed(service, clock)


def test_the_slot_is_monday_nine_in_new_york() -> None:
    policy = example_policy()
    assert last_slot(policy, END) == END
    assert last_slot(policy, END - timedelta(seconds=1)) == END - timedelta(days=7)
    assert last_slot(policy, END + timedelta(days=6, hours=23)) == END


def test_counts_this_week_and_the_week_before(seeded: tuple[SqlUnitOfWorkFactory, dict]) -> None:
    uow, _ = seeded
    digest = build_digest(uow=uow, policy=example_policy(), end=END)
    assert digest.this_week == WeekCounts(
        submitted=4,
        approved=1,
        rejected=1,
        auto_approved=1,
        approved_spend=D("6900.00"),
        recurring_added=D("5400.00"),
    )
    assert digest.last_week == WeekCounts(
        submitted=2,
        approved=1,
        rejected=0,
        auto_approved=0,
        approved_spend=D("1620.00"),
        recurring_added=D("1620.00"),
    )


def test_spend_by_category_department_and_vendor(seeded: tuple[SqlUnitOfWorkFactory, dict]) -> None:
    uow, _ = seeded
    digest = build_digest(uow=uow, policy=example_policy(), end=END)
    assert [(x.label, x.count, x.amount, x.previous) for x in digest.by_category] == [
        ("saas", 1, D("5400.00"), D("1620.00")),
        ("hardware", 1, D("1500.00"), D("0.00")),
    ]
    assert [(x.label, x.amount, x.previous) for x in digest.by_department] == [
        ("Design", D("5400.00"), D("1620.00")),
        ("IT", D("1500.00"), D("0.00")),
    ]
    assert [(x.label, x.amount) for x in digest.top_vendors] == [
        ("Figma", D("5400.00")),
        ("Apple", D("1500.00")),
    ]


def test_cycle_time_percentiles_and_sla(seeded: tuple[SqlUnitOfWorkFactory, dict]) -> None:
    uow, _ = seeded
    digest = build_digest(uow=uow, policy=example_policy(), end=END)
    timings = {
        t.step: (t.decided, t.median_hours, t.p90_hours, t.over_sla) for t in digest.step_timings
    }
    assert timings == {
        # IT review took 6 h (figma2) and 4 h (miro): percentile_cont gives 5.0 and 5.8
        "IT review": (2, 5.0, 5.8, 0),
        "Procurement": (1, 42.0, 42.0, 0),
        "Security review": (1, 168.0, 168.0, 1),
    }
    assert digest.sla_breaches == 1


def test_backlog_oldest_first_with_whom_it_waits_on(
    seeded: tuple[SqlUnitOfWorkFactory, dict],
) -> None:
    uow, ids = seeded
    digest = build_digest(uow=uow, policy=example_policy(), end=END)
    assert digest.backlog_total == 2
    assert [(b.request_id, list(b.waiting_on), b.waiting_since) for b in digest.backlog] == [
        (ids["zoom"], [PROCUREMENT], at(13, 9)),
        (ids["monitor"], list(IT), at(20, 9)),
    ]


def test_vendors_and_renewals(seeded: tuple[SqlUnitOfWorkFactory, dict]) -> None:
    uow, ids = seeded
    policy = example_policy()
    digest = build_digest(uow=uow, policy=policy, end=END)
    assert digest.vendors_in_review == ["Dell", "Miro"]
    assert digest.vendors_approved == []
    before = build_digest(uow=uow, policy=policy, end=END - timedelta(days=7))
    assert before.vendors_in_review == ["Figma", "Zoom"]
    assert before.vendors_approved == ["Figma"]
    assert digest.renewals_total == 3
    assert [(r.request_id, r.renews_on) for r in digest.renewals] == [
        (ids["slack"], date(2026, 12, 1)),
        (ids["figma1"], date(2026, 12, 11)),
        (ids["figma2"], date(2026, 12, 19)),
    ]


def test_weekly_spend_for_the_chart(seeded: tuple[SqlUnitOfWorkFactory, dict]) -> None:
    uow, _ = seeded
    digest = build_digest(uow=uow, policy=example_policy(), end=END)
    assert len(digest.weekly) == 8
    assert digest.weekly[-1] == (
        END - timedelta(days=7),
        {"saas": D("5400.00"), "hardware": D("1500.00")},
    )
    assert digest.weekly[-2][1] == {"saas": D("1620.00")}
    assert all(amounts == {} for _, amounts in digest.weekly[:-2])


def test_text_for_the_terminal(seeded: tuple[SqlUnitOfWorkFactory, dict]) -> None:
    uow, ids = seeded
    text = render_text(build_digest(uow=uow, policy=example_policy(), end=END))
    assert "Procurement digest · week of 16 Nov 2026" in text
    assert "Approved spend                         $6,900.00       $1,620.00    +326%" in text
    assert "SaaS subscription" in text and "$5,400.00" in text
    assert f"PR-{1000 + ids['zoom']} Zoom Business" in text
    assert "Security review                  1 decided  median  168.0h" in text
    assert "Renewals in the next 30 days: 3" in text


def test_an_empty_database_gives_zeros(uow_factory: SqlUnitOfWorkFactory) -> None:
    digest = build_digest(uow=uow_factory, policy=example_policy(), end=END)
    assert digest.this_week.approved_spend == D("0.00")
    assert digest.by_category == [] and digest.step_timings == [] and digest.backlog == []
    assert "nothing approved this week" in render_text(digest)


def test_month_arithmetic_clips_to_the_month_end() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 3, 15), -12) == date(2025, 3, 15)


def test_a_monthly_renewal_from_the_31st_clips_like_postgresql(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    from bot.domain.model import Channel
    from tests.fakes import SECURITY, draft

    clock = FixedClock(at(31, 15, month=1))
    service = Procurement(uow=uow_factory, policy=example_policy(), clock=clock)
    request = service.submit(
        requester="rita.req@acme.example", draft=draft(), channel=Channel.SLACK
    )
    for actor in (IT[0], SECURITY, PROCUREMENT):
        service.approve(request_id=request.id, actor=actor, channel=Channel.SLACK)  # type: ignore[arg-type]
    with uow_factory() as uow:
        total, found = uow.digest.renewals(start=date(2026, 2, 1), end=date(2026, 3, 5))
        assert total == 1 and found[0].renews_on == date(2026, 2, 28)
        total, found = uow.digest.renewals(start=date(2026, 3, 1), end=date(2026, 4, 5))
        assert found[0].renews_on == date(2026, 3, 31)
        assert uow.digest.renewals(
            start=date(2026, 3, 1), end=date(2026, 4, 5), recurrence="annual"
        ) == (0, [])
        # A purchase is listed once, at its next renewal, however many fall in the window.
        total, found = uow.digest.renewals(start=date(2026, 2, 1), end=date(2026, 12, 31))
        assert total == 1 and found[0].renews_on == date(2026, 2, 28)


def test_the_digest_indexes_migrate_down_and_up(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from storage.migrate import config, upgrade

    def indexes() -> set[str]:
        engine = make_engine(db_url)
        try:
            return {str(i["name"]) for i in inspect(engine).get_indexes("events")}
        finally:
            engine.dispose()

    upgrade(db_url)
    assert "ix_events_action_at" in indexes()
    command.downgrade(config(db_url), "0003")
    assert "ix_events_action_at" not in indexes()
    upgrade(db_url)
    assert "ix_events_action_at" in indexes()


def test_digest_queries_run_in_the_callers_transaction(uow_factory: SqlUnitOfWorkFactory) -> None:
    """The queries take the unit of work's connection: they count what its transaction wrote
    before any commit, and nothing once it rolled back."""
    start, end = T0 - timedelta(days=1), T0 + timedelta(days=1)
    uow = uow_factory()
    with uow:
        uow.requests.add(make_request(created_at=T0))
        assert SqlDigestQueries(uow.connection).week(start=start, end=end).submitted == 1
        assert uow.digest.week(start=start, end=end).submitted == 1
    with uow_factory() as later:
        assert later.digest.week(start=start, end=end).submitted == 0
    with pytest.raises(RuntimeError, match="with"):
        uow.digest.week(start=start, end=end)
