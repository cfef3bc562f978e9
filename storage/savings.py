"""bot.domain.savings.SavingsQueries in SQL: grouped, ranked and counted by the database
(GROUP BY and window functions, the same statements on SQLite and PostgreSQL), so the digest
of a million requests reads a few dozen rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, case, func, select, tuple_
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Subquery
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.model import Recurrence
from bot.domain.savings import (
    IDS_PER_SHARE,
    OUTLIER_MIN_PURCHASES,
    SHARES_SHOWN,
    Consolidation,
    Outlier,
    Overlap,
    Share,
)
from storage import tables as t
from storage._base import APPROVED_ACTIONS
from storage.benchmarks import SPENT, middle, to_money, unit_price_column
from storage.renewals import RENEWAL_CLOSED

_CENT = Decimal("0.01")


def _amount(value: Any) -> Decimal:
    """A SUM of the Amount column (already converted from cents on SQLite), to the cent."""
    return Decimal(value or 0).quantize(_CENT)


class SqlSavingsQueries:
    """The digest's savings over the caller's connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _running(self) -> Subquery:
        """Subscriptions the company pays for now: approved, ordered or received, recurring,
        and neither let lapse nor replaced by a renewal request."""
        r = t.requests.c
        # The few closed ones, looked up once through ix_events_action_at (SQLite would
        # otherwise probe the events of every request).
        closed = select(t.events.c.request_id).where(
            t.events.c.action.in_(RENEWAL_CLOSED), t.events.c.request_id.is_not(None)
        )
        return (
            select(r.id, r.category, r.vendor_key, r.vendor, r.cost_centre, r.base_amount)
            .where(
                r.status.in_(SPENT),
                r.recurrence != Recurrence.ONE_OFF.value,
                r.id.not_in(closed),
            )
            .subquery("running")
        )

    def _shares(
        self,
        running: Subquery,
        *,
        group: ColumnElement[Any],
        key: ColumnElement[Any],
        label: ColumnElement[Any],
        keys: list[Any],
    ) -> dict[Any, list[Share]]:
        """For each `group` value in `keys`: its largest `key` values (vendors or cost
        centres) with their spend and their largest requests."""
        u = running.c
        total = func.sum(u.base_amount)
        per_key = (
            select(
                group.label("grp"),
                key.label("key"),
                label.label("label"),
                total.label("amount"),
                func.count().label("n"),
                func.row_number()
                .over(partition_by=group, order_by=(total.desc(), key))
                .label("rank"),
            )
            .where(group.in_(keys))
            .group_by(group, key)
            .subquery("per_key")
        )
        p = per_key.c
        shares = self._connection.execute(
            select(p.grp, p.key, p.label, p.amount, p.n)
            .where(p.rank <= SHARES_SHOWN)
            .order_by(p.grp, p.rank)
        ).all()
        largest = (
            select(
                group.label("grp"),
                key.label("key"),
                u.id,
                func.row_number()
                .over(partition_by=(group, key), order_by=(u.base_amount.desc(), u.id))
                .label("rank"),
            )
            # Only the shares shown: a few vendors' rows, not the whole category's.
            .where(tuple_(group, key).in_([(row.grp, row.key) for row in shares]))
            .subquery("largest")
        )
        q = largest.c
        ids: dict[tuple[Any, Any], list[int]] = defaultdict(list)
        for grp, key_value, request_id in self._connection.execute(
            select(q.grp, q.key, q.id).where(q.rank <= IDS_PER_SHARE).order_by(q.rank)
        ):
            ids[(grp, key_value)].append(int(request_id))
        found: dict[Any, list[Share]] = defaultdict(list)
        for row in shares:
            found[row.grp].append(
                Share(
                    label=str(row.label),
                    amount=_amount(row.amount),
                    purchases=int(row.n),
                    request_ids=tuple(ids[(row.grp, row.key)]),
                )
            )
        return found

    def overlaps(self, *, limit: int) -> tuple[int, list[Overlap]]:
        """Categories where several vendors are bought by different cost centres."""
        running = self._running()
        u = running.c
        vendors = func.count(u.vendor_key.distinct())
        centres = func.count(u.cost_centre.distinct())
        total = func.sum(u.base_amount)
        rows = self._connection.execute(
            select(
                u.category,
                vendors.label("vendors"),
                centres.label("centres"),
                total.label("amount"),
                func.count().over().label("total"),
            )
            .group_by(u.category)
            .having(vendors >= 2, centres >= 2)
            .order_by(total.desc(), u.category)
            .limit(limit)
        ).all()
        if not rows:
            return 0, []
        shares = self._shares(
            running,
            group=u.category,
            key=u.vendor_key,
            label=func.min(u.vendor),
            keys=[row.category for row in rows],
        )
        return int(rows[0].total), [
            Overlap(
                category=str(row.category),
                vendors=int(row.vendors),
                cost_centres=int(row.centres),
                amount=_amount(row.amount),
                shares=shares[row.category],
            )
            for row in rows
        ]

    def consolidations(self, *, limit: int) -> tuple[int, list[Consolidation]]:
        """Vendors bought separately by several cost centres."""
        running = self._running()
        u = running.c
        centres = func.count(u.cost_centre.distinct())
        total = func.sum(u.base_amount)
        rows = self._connection.execute(
            select(
                u.vendor_key,
                func.min(u.vendor).label("vendor"),
                centres.label("centres"),
                total.label("amount"),
                func.count().over().label("total"),
            )
            .group_by(u.vendor_key)
            .having(centres >= 2)
            .order_by(total.desc(), u.vendor_key)
            .limit(limit)
        ).all()
        if not rows:
            return 0, []
        shares = self._shares(
            running,
            group=u.vendor_key,
            key=u.cost_centre,
            label=u.cost_centre,
            keys=[row.vendor_key for row in rows],
        )
        return int(rows[0].total), [
            Consolidation(
                vendor=str(row.vendor),
                cost_centres=int(row.centres),
                amount=_amount(row.amount),
                shares=shares[row.vendor_key],
            )
            for row in rows
        ]

    def outliers(
        self, *, start: datetime, end: datetime, above_pct: Decimal, limit: int
    ) -> tuple[int, list[Outlier]]:
        """Requests approved in [start, end) paying over `above_pct` % above their vendor's
        median unit price (subscriptions per month and one-off purchases apart)."""
        r = t.requests.c
        approved = select(t.events.c.request_id).where(
            t.events.c.action.in_(APPROVED_ACTIONS),
            t.events.c.step.is_(None),
            t.events.c.at >= start,
            t.events.c.at < end,
        )
        kind = case((r.recurrence == Recurrence.ONE_OFF.value, 0), else_=1)
        unit = unit_price_column(self._connection)
        # Only the vendors approved this period are ranked, not the whole history.
        vendors = select(r.vendor_key).where(r.id.in_(approved), r.status.in_(SPENT))
        pool = (
            select(
                r.id,
                r.vendor_key,
                kind.label("kind"),
                unit.label("unit"),
            )
            .where(r.status.in_(SPENT), r.vendor_key.in_(vendors))
            .subquery("pool")
        )
        p = pool.c
        ranked = select(
            p.id,
            p.vendor_key,
            p.kind,
            p.unit,
            func.row_number()
            .over(partition_by=(p.vendor_key, p.kind), order_by=(p.unit, p.id))
            .label("rn"),
            func.count().over(partition_by=(p.vendor_key, p.kind)).label("n"),
        ).subquery("ranked")
        k = ranked.c
        medians = (
            select(
                k.vendor_key,
                k.kind,
                func.avg(k.unit).label("median"),
                func.max(k.n).label("n"),
                func.min(k.id).label("first_id"),
                func.max(k.id).label("last_id"),
            )
            .where(k.rn.in_(middle(k.n)), k.n >= OUTLIER_MIN_PURCHASES)
            .group_by(k.vendor_key, k.kind)
            .subquery("medians")
        )
        m = medians.c
        ratio = unit / m.median
        rows = self._connection.execute(
            select(
                r.id,
                r.title,
                r.vendor,
                r.cost_centre,
                kind.cast(Integer).label("kind"),
                unit.label("unit"),
                m.median,
                m.n,
                m.first_id,
                m.last_id,
                func.count().over().label("total"),
            )
            .join(medians, (m.vendor_key == r.vendor_key) & (m.kind == kind))
            .where(
                r.id.in_(approved),
                r.status.in_(SPENT),
                m.median > 0,
                unit > m.median * float(1 + above_pct / 100),
            )
            .order_by(ratio.desc(), r.id)
            .limit(limit)
        ).all()
        if not rows:
            return 0, []
        return int(rows[0].total), [
            Outlier(
                request_id=int(row.id),
                title=str(row.title),
                vendor=str(row.vendor),
                cost_centre=str(row.cost_centre),
                per_month=bool(row.kind),
                unit_price=to_money(row.unit),
                median=to_money(row.median),
                purchases=int(row.n),
                median_ids=tuple(sorted({int(row.first_id), int(row.last_id)})),
            )
            for row in rows
        ]
