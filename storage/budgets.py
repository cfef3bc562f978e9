"""Imported budgets over SQLAlchemy Core."""

from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy import insert, select, update

from bot.domain.budgets import Budget, Period, cost_centre_key
from storage import tables as t
from storage._base import Repository


class SqlBudgetRepository(Repository):
    """Imported budgets, one per cost centre and period."""

    def list(self) -> builtins.list[Budget]:
        """By cost centre and period."""
        rows = self._conn.execute(
            select(t.budgets).order_by(t.budgets.c.cost_centre_key, t.budgets.c.period)
        )
        return [
            Budget(
                cost_centre=row.cost_centre,
                period=Period.parse(row.period),
                amount=row.amount,
                currency=row.currency,
                source="import",
            )
            for row in rows
        ]

    def put(self, budget: Budget, *, now: datetime) -> bool:
        """Insert, or replace the budget of the same cost centre and period; True if new."""
        key = cost_centre_key(budget.cost_centre)
        values = {
            "cost_centre": " ".join(budget.cost_centre.split()),
            "cost_centre_key": key,
            "period": budget.period.label,
            "amount": budget.amount,
            "currency": budget.currency,
            "imported_at": now,
        }
        result = self._conn.execute(
            update(t.budgets)
            .where(t.budgets.c.cost_centre_key == key, t.budgets.c.period == budget.period.label)
            .values(**values)
        )
        if result.rowcount:
            return False
        self._conn.execute(insert(t.budgets).values(**values))
        return True
