"""The digest's numbers as SQL aggregates (bot.app.ports.DigestQueries) on SQLite and PostgreSQL.

Every query groups and counts in the database: the digest of a million requests reads a few
hundred rows at most. Percentiles use percentile_cont on PostgreSQL; SQLite has none, so there
they are interpolated from ranked rows with window functions, the same way percentile_cont does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, Float, Integer, and_, case, cast, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.model import Recurrence, RequestStatus, StepStatus
from bot.domain.views import BacklogItem, Renewal, StepTiming, Tally, WeekCounts
from storage import tables as t

if TYPE_CHECKING:
    from storage.repository import SqlUnitOfWork

_OPEN = (RequestStatus.PENDING.value, RequestStatus.CHANGES_REQUESTED.value)
_SPENT = (RequestStatus.APPROVED.value, RequestStatus.ORDERED.value, RequestStatus.RECEIVED.value)
_DECIDED = (StepStatus.APPROVED.value, StepStatus.REJECTED.value)
# Request-level outcomes. A step-level "Approved" (one vote of an all-of step) carries its
# step's name; the request's own approval does not.
APPROVED_ACTIONS = ("Approved", "AutoApproved")
# Events that end a recurring purchase's renewals: nobody wants the reminder again.
RENEWAL_CLOSED = ("LetLapse", "RenewalRequested")
_DIMENSIONS = {
    "category": t.requests.c.category,
    "department": t.requests.c.cost_centre,
    "vendor": t.requests.c.vendor_key,
}
_ZERO = Decimal("0.00")
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


class SqlDigestQueries:
    """bot.app.ports.DigestQueries over the unit of work's connection."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    @property
    def _postgres(self) -> bool:
        return self._uow.connection.dialect.name == "postgresql"

    def _scalar(self, query: Any) -> Any:
        return self._uow.connection.execute(query).scalar_one()

    # ------------------------------------------------------------------ counts and spend

    def _approved_in(self, start: datetime, end: datetime) -> Any:
        """Ids of the requests approved (by people or the catalogue) in [start, end)."""
        return select(t.events.c.request_id).where(
            t.events.c.action.in_(APPROVED_ACTIONS),
            t.events.c.step.is_(None),
            t.events.c.at >= start,
            t.events.c.at < end,
        )

    def _count_events(self, action: str, start: datetime, end: datetime) -> int:
        conditions = [t.events.c.action == action, t.events.c.at >= start, t.events.c.at < end]
        if action == "Approved":
            conditions.append(t.events.c.step.is_(None))
        return int(self._scalar(select(func.count()).select_from(t.events).where(*conditions)) or 0)

    def week(self, *, start: datetime, end: datetime) -> WeekCounts:
        """Submitted, decided and approved spend in [start, end)."""
        submitted = self._scalar(
            select(func.count())
            .select_from(t.requests)
            .where(t.requests.c.created_at >= start, t.requests.c.created_at < end)
        )
        approved_ids = self._approved_in(start, end)
        recurring = t.requests.c.recurrence != Recurrence.ONE_OFF.value
        spend = self._uow.connection.execute(
            select(
                func.sum(t.requests.c.base_amount).label("spend"),
                func.sum(case((recurring, t.requests.c.base_amount), else_=literal(0))).label(
                    "recurring"
                ),
            ).where(t.requests.c.id.in_(approved_ids))
        ).one()
        return WeekCounts(
            submitted=int(submitted or 0),
            approved=self._count_events("Approved", start, end),
            rejected=self._count_events("Rejected", start, end),
            auto_approved=self._count_events("AutoApproved", start, end),
            approved_spend=_money(self, spend.spend),
            recurring_added=_money(self, spend.recurring),
        )

    def spend_by(
        self, dimension: str, *, start: datetime, end: datetime, limit: int
    ) -> list[Tally]:
        """Approved spend in [start, end) by category, department or vendor, largest first."""
        column = _DIMENSIONS[dimension]
        # A vendor is grouped by its key ('Figma, Inc.' = 'figma') and shown by one of its names.
        label = func.min(t.requests.c.vendor) if dimension == "vendor" else column
        total = func.sum(t.requests.c.base_amount)
        rows = self._uow.connection.execute(
            select(label.label("label"), func.count().label("n"), total.label("amount"))
            .where(t.requests.c.id.in_(self._approved_in(start, end)))
            .group_by(column)
            .order_by(total.desc(), column)
            .limit(limit)
        ).all()
        return [
            Tally(label=str(r.label), count=int(r.n), amount=_money(self, r.amount)) for r in rows
        ]

    def weekly_spend(self, *, starts: Sequence[datetime]) -> list[tuple[datetime, list[Tally]]]:
        """Approved spend by category for each 7-day week beginning at `starts`."""
        return [
            (start, self.spend_by("category", start=start, end=start + timedelta(days=7), limit=50))
            for start in starts
        ]

    # ------------------------------------------------------------------ cycle time

    def _hours(self, start: Any, end: Any) -> ColumnElement[float]:
        if self._postgres:
            return cast(func.extract("epoch", end - start) / 3600.0, Float)
        return cast((func.julianday(end) - func.julianday(start)) * 24.0, Float)

    def step_timings(self, *, start: datetime, end: datetime, sla_hours: float) -> list[StepTiming]:
        """Median and p90 decision time per step name for steps decided in [start, end)."""
        hours = self._hours(t.steps.c.activated_at, t.steps.c.decided_at)
        decided = and_(
            t.steps.c.status.in_(_DECIDED),
            t.steps.c.activated_at.is_not(None),
            t.steps.c.decided_at >= start,
            t.steps.c.decided_at < end,
        )
        if self._postgres:
            query = (
                select(
                    t.steps.c.name,
                    func.count().label("n"),
                    func.percentile_cont(0.5).within_group(hours).label("p50"),
                    func.percentile_cont(0.9).within_group(hours).label("p90"),
                    func.count().filter(hours > sla_hours).label("late"),
                )
                .where(decided)
                .group_by(t.steps.c.name)
                .order_by(t.steps.c.name)
            )
        else:
            query = self._ranked_percentiles(hours, decided, sla_hours)
        return [
            StepTiming(
                step=r.name,
                decided=int(r.n),
                median_hours=round(float(r.p50), 2),
                p90_hours=round(float(r.p90), 2),
                over_sla=int(r.late or 0),
            )
            for r in self._uow.connection.execute(query)
        ]

    def _ranked_percentiles(
        self, hours: ColumnElement[float], decided: ColumnElement[bool], sla_hours: float
    ) -> Any:
        """percentile_cont(0.5) and (0.9) per step name from row_number() and count() windows."""
        ranked = (
            select(
                t.steps.c.name.label("name"),
                hours.label("h"),
                func.row_number().over(partition_by=t.steps.c.name, order_by=hours).label("rn"),
                func.count().over(partition_by=t.steps.c.name).label("n"),
            )
            .where(decided)
            .subquery()
        )

        def percentile(p: float) -> ColumnElement[Any]:
            # percentile_cont: position 1 + p(n-1); interpolate between its floor and ceiling.
            position = 1.0 + p * (ranked.c.n - 1)
            low = cast(position, Integer)  # positive, so truncation is the floor
            fraction = position - low
            below = func.max(case((ranked.c.rn == low, ranked.c.h)))
            above = func.max(case((ranked.c.rn == low + 1, ranked.c.h), else_=None))
            return below + func.coalesce(
                func.max(case((ranked.c.rn == low, fraction))) * (above - below), 0.0
            )

        return (
            select(
                ranked.c.name,
                func.count().label("n"),
                percentile(0.5).label("p50"),
                percentile(0.9).label("p90"),
                func.sum(case((ranked.c.h > sla_hours, 1), else_=0)).label("late"),
            )
            .group_by(ranked.c.name)
            .order_by(ranked.c.name)
        )

    # ------------------------------------------------------------------ backlog

    def backlog(self, *, limit: int) -> tuple[int, list[BacklogItem]]:
        """Open requests: how many, and the oldest `limit` with whom each waits on."""
        conn = self._uow.connection
        total = self._scalar(
            select(func.count()).select_from(t.requests).where(t.requests.c.status.in_(_OPEN))
        )
        since = (
            select(func.min(t.steps.c.activated_at))
            .where(
                t.steps.c.request_id == t.requests.c.id,
                t.steps.c.status == StepStatus.ACTIVE.value,
            )
            .scalar_subquery()
        )
        rows = conn.execute(
            select(
                t.requests.c.id,
                t.requests.c.title,
                t.requests.c.base_amount,
                t.requests.c.created_at,
                t.requests.c.status,
                t.requests.c.requester,
                func.coalesce(since, t.requests.c.created_at).label("since"),
            )
            .where(t.requests.c.status.in_(_OPEN))
            .order_by(t.requests.c.created_at, t.requests.c.id)
            .limit(limit)
        ).all()
        waiting = self._waiting_on([r.id for r in rows])
        items = []
        for row in rows:
            asked = row.status == RequestStatus.CHANGES_REQUESTED.value
            items.append(
                BacklogItem(
                    request_id=row.id,
                    title=row.title,
                    amount=row.base_amount,
                    created_at=row.created_at,
                    waiting_since=row.since,
                    waiting_on=[row.requester] if asked else waiting.get(row.id, []),
                )
            )
        return int(total or 0), items

    def _waiting_on(self, request_ids: list[int]) -> dict[int, list[str]]:
        """Approvers of active steps who have not voted (nor had a delegate vote for them)."""
        if not request_ids:
            return {}
        voted = (
            select(t.decisions.c.id)
            .where(
                t.decisions.c.step_id == t.steps.c.id,
                or_(
                    t.decisions.c.approver == t.step_approvers.c.email,
                    t.decisions.c.on_behalf_of == t.step_approvers.c.email,
                ),
            )
            .exists()
        )
        rows = self._uow.connection.execute(
            select(t.steps.c.request_id, t.step_approvers.c.email)
            .join(t.step_approvers, t.step_approvers.c.step_id == t.steps.c.id)
            .where(
                t.steps.c.request_id.in_(request_ids),
                t.steps.c.status == StepStatus.ACTIVE.value,
                ~voted,
            )
            .order_by(t.steps.c.request_id, t.steps.c.position, t.step_approvers.c.position)
        ).all()
        found: dict[int, list[str]] = {}
        for row in rows:
            emails = found.setdefault(row.request_id, [])
            if row.email not in emails:
                emails.append(row.email)
        return found

    # ------------------------------------------------------------------ vendors

    def new_vendors(self, *, start: datetime, end: datetime) -> tuple[list[str], list[str]]:
        """Vendors whose qualification began in the window, and vendors approved in it."""
        qualifying = (
            select(t.steps.c.id)
            .where(t.steps.c.request_id == t.requests.c.id, t.steps.c.vendor_qualification)
            .exists()
        )
        entered = self._uow.connection.execute(
            select(func.min(t.requests.c.vendor))
            .where(
                t.requests.c.created_at >= start,
                t.requests.c.created_at < end,
                t.requests.c.vendor_status == "new",
                qualifying,
            )
            .group_by(t.requests.c.vendor_key)
            .order_by(func.min(t.requests.c.vendor))
        ).scalars()
        # Newly approved: a request that found the vendor unapproved had its qualification
        # decided in the window, and the registry now says approved. (A later request's
        # procurement step re-stamps an approved vendor's review; that is no news.)
        approved = self._uow.connection.execute(
            select(func.min(t.requests.c.vendor))
            .join(t.steps, t.steps.c.request_id == t.requests.c.id)
            .join(t.vendors, t.vendors.c.key == t.requests.c.vendor_key)
            .where(
                t.requests.c.vendor_status.in_(("new", "under_review")),
                t.steps.c.vendor_qualification,
                t.steps.c.status == StepStatus.APPROVED.value,
                t.steps.c.decided_at >= start,
                t.steps.c.decided_at < end,
                t.vendors.c.status == "approved",
            )
            .group_by(t.requests.c.vendor_key)
            .order_by(func.min(t.requests.c.vendor))
        ).scalars()
        return list(entered), list(approved)

    # ------------------------------------------------------------------ renewals

    def renewals(
        self, *, start: date, end: date, limit: int = 1000, recurrence: str | None = None
    ) -> tuple[int, list[Renewal]]:
        """Approved recurring purchases renewing in [start, end], soonest first."""
        r = t.requests.c
        closed = (
            select(t.events.c.id)
            .where(t.events.c.request_id == r.id, t.events.c.action.in_(RENEWAL_CLOSED))
            .exists()
        )
        running = [r.status.in_(_SPENT), ~closed]
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
                    self._plus_months(t.events.c.at, shift).label("renews_on"),
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
        rows = self._uow.connection.execute(
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
                amount=_money(self, row.base_amount),
                renews_on=_day(row.renews_on),
                recurrence=row.recurrence,
            )
            for row in rows
        ]

    def _plus_months(self, moment: Any, months: Any) -> ColumnElement[Any]:
        """The day of `moment` plus `months` months, clipped to the month end (as PostgreSQL's
        interval arithmetic does); a DATE on PostgreSQL, 'YYYY-MM-DD' text on SQLite."""
        if self._postgres:
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


def _money(queries: SqlDigestQueries, value: Any) -> Decimal:
    """A SUM of the Amount column, which SQLAlchemy already converted (cents on SQLite)."""
    if value is None:
        return _ZERO
    return Decimal(value).quantize(Decimal("0.01"))
