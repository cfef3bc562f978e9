"""bot.domain.spend.SpendQueries in SQL: grouped and summed by the database (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, cast, func, literal, select
from sqlalchemy.engine import Connection

from bot.domain.spend import DIMENSIONS, SpendLine
from storage import tables as t
from storage._base import APPROVED_ACTIONS, SPENT, money

_COLUMNS = {
    "vendor": t.requests.c.vendor_key,
    "category": t.requests.c.category,
    "cost_centre": t.requests.c.cost_centre,
}
assert set(_COLUMNS) == set(DIMENSIONS)


class SqlSpendQueries:
    """Approved spend by vendor, category or cost centre, over the caller's connection."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def spend(self, *, by: str, start: datetime, end: datetime) -> list[SpendLine]:
        """Spend of the requests approved in [start, end) by `by`, largest first."""
        r = t.requests.c
        column = _COLUMNS[by]
        # A vendor is grouped by its key ('Figma, Inc.' = 'figma') and shown by one of its names.
        label = func.min(r.vendor) if by == "vendor" else column
        text_id = cast(r.id, String)
        if self._connection.dialect.name == "postgresql":
            ids = func.string_agg(text_id, literal(","))
        else:
            ids = func.group_concat(text_id, literal(","))
        approved = select(t.events.c.request_id).where(
            t.events.c.action.in_(APPROVED_ACTIONS),
            t.events.c.step.is_(None),
            t.events.c.at >= start,
            t.events.c.at < end,
        )
        total = func.sum(r.base_amount)
        rows = self._connection.execute(
            select(label.label("label"), total.label("amount"), ids.label("ids"))
            .where(r.id.in_(approved), r.status.in_(SPENT))
            .group_by(column)
            .order_by(total.desc(), column)
        ).all()
        return [
            SpendLine(
                dimension=by,
                label=str(row.label),
                amount=money(row.amount),
                request_ids=tuple(sorted(int(i) for i in str(row.ids).split(","))),
            )
            for row in rows
        ]
