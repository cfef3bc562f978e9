"""The weekly digest's use case: this week's and last week's numbers, aggregated by the
database through the unit of work's DigestQueries, as a neutral Digest."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.app.ports import UnitOfWorkFactory
from bot.domain.digest import (
    BACKLOG_SHOWN,
    CHART_WEEKS,
    RENEWAL_DAYS,
    RENEWALS_SHOWN,
    TOP,
    WEEK,
    Digest,
    Line,
)
from bot.domain.policy import Policy
from bot.domain.savings import collect


def build_digest(*, uow: UnitOfWorkFactory, policy: Policy, end: datetime) -> Digest:
    """The digest of the week that ends at `end` (normally the scheduled moment)."""
    start, before = end - WEEK, end - 2 * WEEK
    sla = policy.digest.step_sla_hours
    today = end.astimezone(ZoneInfo(policy.digest.timezone)).date()
    with uow() as work:
        q = work.digest

        def lines(dimension: str, limit: int) -> list[Line]:
            now = q.spend_by(dimension, start=start, end=end, limit=limit)
            previous = {
                t.label: t.amount
                for t in q.spend_by(dimension, start=before, end=start, limit=1000)
            }
            return [
                Line(t.label, t.count, t.amount, previous.get(t.label, Decimal("0.00")))
                for t in now
            ]

        backlog_total, backlog = q.backlog(limit=BACKLOG_SHOWN)
        entered, approved = q.new_vendors(start=start, end=end)
        starts = [end - WEEK * k for k in range(CHART_WEEKS, 0, -1)]
        renewals_total, renewals = q.renewals(
            start=today, end=today + timedelta(days=RENEWAL_DAYS), limit=RENEWALS_SHOWN
        )
        savings = collect(queries=work.savings, digest=q, start=start, end=end, today=today)
        names = {}
        people = {e for item in backlog for e in item.waiting_on} | {
            r.requester for r in (*renewals, *savings.renewals)
        }
        for email in people:
            person = work.people.get(email)
            names[email] = person.display if person else email
        return Digest(
            start=start,
            end=end,
            timezone=policy.digest.timezone,
            currency=policy.base_currency,
            this_week=q.week(start=start, end=end),
            last_week=q.week(start=before, end=start),
            by_category=lines("category", 20),
            by_department=lines("department", TOP),
            top_vendors=lines("vendor", TOP),
            backlog_total=backlog_total,
            backlog=backlog,
            step_timings=q.step_timings(start=start, end=end, sla_hours=sla),
            sla_hours=sla,
            vendors_in_review=entered,
            vendors_approved=approved,
            renewals_total=renewals_total,
            renewals=renewals,
            weekly=[
                (week, {t.label: t.amount for t in tallies})
                for week, tallies in q.weekly_spend(starts=starts)
            ],
            names=names,
            savings=replace(savings, names=names),
        )
