"""A cost centre that looks misspelt, told before it is saved and on the approvers' card:
'No budget for Desgin — did you mean Design?'. Cost centres stay free text (many are real
without a budget); only a near miss of a budgeted one is flagged."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from bot.app.ports import UnitOfWork
from bot.app.registry import all_budgets
from bot.domain.budgets import cost_centre_key
from bot.domain.policy import Policy

_CUTOFF = 0.75  # difflib's ratio: 'desgin' ~ 'design' (0.83), 'marketing' !~ 'engineering'


def budgeted(uow: UnitOfWork, policy: Policy) -> list[str]:
    """The cost centres with a budget (the policy's and imported ones), as first written."""
    names: dict[str, str] = {}
    for budget in all_budgets(uow, policy):
        names.setdefault(cost_centre_key(budget.cost_centre), budget.cost_centre)
    return sorted(names.values())


def misspelt(cost_centre: str, known: Sequence[str]) -> str | None:
    """The budgeted cost centre `cost_centre` is a near miss of, or None (it is one of them,
    or nothing like any)."""
    key = cost_centre_key(cost_centre)
    keys = {cost_centre_key(k): k for k in known}
    if not key or key in keys:
        return None
    close = difflib.get_close_matches(key, list(keys), n=1, cutoff=_CUTOFF)
    return keys[close[0]] if close else None


def warning(cost_centre: str, known: Sequence[str]) -> str | None:
    """'No budget for Desgin — did you mean Design?', or None."""
    near = misspelt(cost_centre, known)
    return f"No budget for {cost_centre.strip()} — did you mean {near}?" if near else None
