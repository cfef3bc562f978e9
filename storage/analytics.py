"""The digest's numbers as SQL aggregates (bot.app.ports.DigestQueries) on SQLite and PostgreSQL.

Every query groups and counts in the database: the digest of a million requests reads a few
hundred rows at most. Decision times are in storage/cycle_time.py, renewals in
storage/renewals.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, literal, or_, select

from bot.domain.model import Recurrence, RequestStatus, StepStatus
from bot.domain.views import BacklogItem, Renewal, StepTiming, Tally, WeekCounts
from storage import cycle_time, renewals
from storage import tables as t
from storage._base import APPROVED_ACTIONS, OPEN, money

_DIMENSIONS = {
    "category": t.requests.c.category,
    "department": t.requests.c.cost_centre,
    "vendor": t.requests.c.vendor_key,
}


class SqlDigestQueries:
    """bot.app.ports.DigestQueries on one connection, so they run in its open transaction."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def _scalar(self, query: Any) -> Any:
        return self._conn.execute(query).scalar_one()

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
        spend = self._conn.execute(
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
            approved_spend=money(spend.spend),
            recurring_added=money(spend.recurring),
        )

    def spend_by(
        self, dimension: str, *, start: datetime, end: datetime, limit: int
    ) -> list[Tally]:
        """Approved spend in [start, end) by category, department or vendor, largest first."""
        column = _DIMENSIONS[dimension]
        # A vendor is grouped by its key ('Figma, Inc.' = 'figma') and shown by one of its names.
        label = func.min(t.requests.c.vendor) if dimension == "vendor" else column
        total = func.sum(t.requests.c.base_amount)
        rows = self._conn.execute(
            select(label.label("label"), func.count().label("n"), total.label("amount"))
            .where(t.requests.c.id.in_(self._approved_in(start, end)))
            .group_by(column)
            .order_by(total.desc(), column)
            .limit(limit)
        ).all()
        return [Tally(label=str(r.label), count=int(r.n), amount=money(r.amount)) for r in rows]

    def weekly_spend(self, *, starts: Sequence[datetime]) -> list[tuple[datetime, list[Tally]]]:
        """Approved spend by category for each 7-day week beginning at `starts`."""
        return [
            (start, self.spend_by("category", start=start, end=start + timedelta(days=7), limit=50))
            for start in starts
        ]

    def step_timings(self, *, start: datetime, end: datetime, sla_hours: float) -> list[StepTiming]:
        """Median and p90 decision time per step name for steps decided in [start, end)."""
        return cycle_time.step_timings(self._conn, start=start, end=end, sla_hours=sla_hours)

    # ------------------------------------------------------------------ backlog

    def backlog(self, *, limit: int) -> tuple[int, list[BacklogItem]]:
        """Open requests: how many, and the oldest `limit` with whom each waits on."""
        total = self._scalar(
            select(func.count()).select_from(t.requests).where(t.requests.c.status.in_(OPEN))
        )
        since = (
            select(func.min(t.steps.c.activated_at))
            .where(
                t.steps.c.request_id == t.requests.c.id,
                t.steps.c.status == StepStatus.ACTIVE.value,
            )
            .scalar_subquery()
        )
        rows = self._conn.execute(
            select(
                t.requests.c.id,
                t.requests.c.title,
                t.requests.c.base_amount,
                t.requests.c.created_at,
                t.requests.c.status,
                t.requests.c.requester,
                func.coalesce(since, t.requests.c.created_at).label("since"),
            )
            .where(t.requests.c.status.in_(OPEN))
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
        rows = self._conn.execute(
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
        entered = self._conn.execute(
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
        approved = self._conn.execute(
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

    def renewals(
        self, *, start: date, end: date, limit: int = 1000, recurrence: str | None = None
    ) -> tuple[int, list[Renewal]]:
        """Approved recurring purchases renewing in [start, end], soonest first."""
        return renewals.renewals(
            self._conn, start=start, end=end, limit=limit, recurrence=recurrence
        )
