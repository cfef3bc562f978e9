"""SqlBudgetRepository: imported budgets."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from bot.domain.budgets import Budget, Period
from storage.uow import SqlUnitOfWorkFactory
from tests.storage.builders import (
    T0,
)


def test_imported_budgets_replace_the_same_cost_centre_and_period(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    design = Budget("Design", Period(2026, 4), Decimal("5000.00"), "EUR", source="import")
    with uow_factory() as uow:
        assert uow.budgets.put(design, now=T0) is True
        assert (
            uow.budgets.put(replace(design, cost_centre=" DESIGN", amount=Decimal("7000")), now=T0)
            is False
        )
        assert uow.budgets.put(replace(design, period=Period(2026)), now=T0) is True
        uow.commit()
    with uow_factory() as uow:
        stored = uow.budgets.list()
    assert [(b.cost_centre, b.period.label, b.amount, b.currency) for b in stored] == [
        ("Design", "2026", Decimal("5000.00"), "EUR"),
        ("DESIGN", "2026-Q4", Decimal("7000.00"), "EUR"),
    ]
