"""Renewals due in a window, as SQL: a renewal date the requester gave, or else the
anniversaries of the approval of an annual or monthly purchase."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Date, and_, case, cast, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.model import Recurrence
from bot.domain.views import Renewal
from storage import tables as t
from storage._base import APPROVED_ACTIONS, SPENT, money

# Events that end a recurring purchase's renewals: nobody wants the reminder again.
RENEWAL_CLOSED = ("LetLapse", "RenewalRequested")
_YEARS_BACK = 5  # anniversaries looked for: a subscription older than this is surely reviewed
_MONTHS_BACK = 12


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clipped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def renewals(
    conn: Connection,
    *,
    start: date,
    end: date,
    limit: int = 1000,
    recurrence: str | None = None,
) -> tuple[int, list[Renewal]]:
    """Approved recurring purchases renewing in [start, end], soonest first."""
    postgres = conn.dialect.name == "postgresql"
    r = t.requests.c
    closed = (
        select(t.events.c.id)
        .where(t.events.c.request_id == r.id, t.events.c.action.in_(RENEWAL_CLOSED))
        .exists()
    )
    running = [r.status.in_(SPENT), ~closed]
    kinds = [Recurrence.ANNUAL, Recurrence.MONTHLY]
    if recurrence is not None:
        running.append(r.recurrence == recurrence)
        kinds = [k for k in kinds if k.value == recurrence]
    else:
        running.append(r.recurrence != Recurrence.ONE_OFF.value)
    columns = [r.id, r.title, r.vendor, r.requester, r.base_amount, r.recurrence]
    # A renewal date the requester gave wins over the approval anniversary.
    parts = [
        select(*columns, r.renewal_date.label("renews_on")).where(
            *running, r.renewal_date >= start, r.renewal_date <= end
        )
    ]
    for kind in kinds:
        months, periods = (12, _YEARS_BACK) if kind is Recurrence.ANNUAL else (1, _MONTHS_BACK)
        # approved + k periods in [start, end]  <=>  approved in [start - k, end - k]
        ranges = [
            (
                and_(
                    t.events.c.at >= _midnight(add_months(start, -k * months)),
                    t.events.c.at < _midnight(add_months(end, -k * months) + timedelta(days=1)),
                ),
                k * months,
            )
            for k in range(1, periods + 1)
        ]
        shift = case(*ranges)
        approvals = (
            select(
                t.events.c.request_id.label("request_id"),
                _plus_months(t.events.c.at, shift, postgres=postgres).label("renews_on"),
            )
            .where(
                t.events.c.action.in_(APPROVED_ACTIONS),
                t.events.c.step.is_(None),
                or_(*(condition for condition, _ in ranges)),
            )
            .subquery()
        )
        parts.append(
            select(*columns, approvals.c.renews_on)
            .join(approvals, approvals.c.request_id == r.id)
            .where(
                *running,
                r.recurrence == kind.value,
                r.renewal_date.is_(None),
                approvals.c.renews_on >= start,
                approvals.c.renews_on <= end,
            )
        )
    due = parts[0].union_all(*parts[1:]).subquery()
    # One pass: the window count is the total before LIMIT.
    rows = conn.execute(
        select(due, func.count().over().label("total"))
        .order_by(due.c.renews_on, due.c.id)
        .limit(limit)
    ).all()
    total = rows[0].total if rows else 0
    return int(total), [
        Renewal(
            request_id=row.id,
            title=row.title,
            vendor=row.vendor,
            requester=row.requester,
            amount=money(row.base_amount),
            renews_on=_day(row.renews_on),
            recurrence=row.recurrence,
        )
        for row in rows
    ]


def _plus_months(moment: Any, months: Any, *, postgres: bool) -> ColumnElement[Any]:
    """The day of `moment` plus `months` months, clipped to the month end (as PostgreSQL's
    interval arithmetic does); a DATE on PostgreSQL, 'YYYY-MM-DD' text on SQLite."""
    if postgres:
        return cast(cast(moment, Date) + func.make_interval(0, months), Date)
    shifted = func.date(moment, func.printf("+%d months", months))
    # SQLite rolls 31 Jan + 1 month over to 3 Mar; step back to the end of February.
    rolled = func.strftime("%d", shifted) != func.strftime("%d", moment)
    return case((rolled, func.date(shifted, "start of month", "-1 day")), else_=shifted)


def _day(value: Any) -> date:
    """A DATE from either database (SQLite returns text from date())."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)
