"""Budgets per cost centre and period, and what a request leaves of them: pure arithmetic.

A request counts against the budget of the period it was submitted in, with its yearly value
(a one-off purchase: its total): that is what the company commits to when it approves it.
Amounts in other currencies are converted to the policy's base currency with its rates.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.domain import amounts
from bot.domain.formatting import money
from bot.domain.model import MAX_AMOUNT

_PERIOD = re.compile(r"^\s*(?P<year>\d{4})(?:\s*-?\s*Q(?P<quarter>[1-4]))?\s*$", re.IGNORECASE)


class OverBudget(enum.StrEnum):
    """What the policy does with a request that would go over its budget."""

    ADD_STEP = "add_step"
    BLOCK = "block"


@dataclass(frozen=True, slots=True)
class Period:
    """A calendar year (quarter None) or one of its quarters."""

    year: int
    quarter: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        """'2026' or '2026-Q4' (also '2026Q4', '2026 q4'); ValueError otherwise."""
        match = _PERIOD.match(str(text))
        if not match:
            raise ValueError(f"period {text!r} is not a year or a quarter; write 2026 or 2026-Q4")
        quarter = match.group("quarter")
        return cls(int(match.group("year")), int(quarter) if quarter else None)

    @property
    def start(self) -> date:
        """The first day of the period."""
        return date(self.year, 1 + 3 * ((self.quarter or 1) - 1), 1)

    @property
    def end(self) -> date:
        """The first day after the period."""
        if self.quarter is None or self.quarter == 4:
            return date(self.year + 1, 1, 1)
        return date(self.year, 1 + 3 * self.quarter, 1)

    def contains(self, day: date) -> bool:
        """Whether `day` falls in the period."""
        return self.start <= day < self.end

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.quarter}" if self.quarter else str(self.year)

    def __str__(self) -> str:
        return self.label


def cost_centre_key(name: str) -> str:
    """Cost centres are typed by hand: 'Design', ' design ' and 'DESIGN' are one."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True, slots=True)
class Budget:
    """What a cost centre may spend in a period, in the currency it was set in."""

    cost_centre: str
    period: Period
    amount: Decimal
    currency: str
    source: str = "policy"  # policy | import

    @property
    def key(self) -> tuple[str, str]:
        return cost_centre_key(self.cost_centre), self.period.label


def merge(policy: Iterable[Budget], imported: Iterable[Budget]) -> list[Budget]:
    """The policy's budgets, with an imported budget replacing the one of the same cost
    centre and period."""
    merged = {b.key: b for b in policy}
    merged.update({b.key: b for b in imported})
    return sorted(merged.values(), key=lambda b: (b.key[0], b.period.year, b.period.quarter or 0))


def applicable(budgets: Iterable[Budget], *, cost_centre: str, day: date) -> list[Budget]:
    """The budgets of `cost_centre` whose period contains `day` (a year and a quarter may both)."""
    key = cost_centre_key(cost_centre)
    return [b for b in budgets if b.key[0] == key and b.period.contains(day)]


@dataclass(frozen=True, slots=True)
class Spend:
    """What requests of one currency add up to: in that currency, and in the base currency as
    recorded at submit (used when the policy no longer has a rate for the currency)."""

    currency: str
    amount: Decimal
    recorded_base: Decimal


ToBase = Callable[[Decimal, str], Decimal | None]


def spent_in_base(spends: Iterable[Spend], *, to_base: ToBase) -> Decimal:
    """The sum of `spends` in the base currency, converted with today's policy rates."""
    total = Decimal("0.00")
    for spend in spends:
        converted = to_base(spend.amount, spend.currency)
        total += spend.recorded_base if converted is None else converted
    return total


@dataclass(frozen=True, slots=True)
class BudgetCheck:
    """A budget and where a request leaves it; amounts in the base currency."""

    budget: Budget
    limit: Decimal  # the budget converted to the base currency
    spent: Decimal  # by the other requests that count
    request: Decimal  # this request's yearly value; 0 when it does not count (rejected...)
    base_currency: str

    @property
    def remaining(self) -> Decimal:
        """What is left once this request is counted."""
        return self.limit - self.spent - self.request

    @property
    def over(self) -> bool:
        return self.remaining < 0

    @property
    def name(self) -> str:
        return f"{self.budget.cost_centre} budget for {self.budget.period}"

    def text(self) -> str:
        """'$3,380.00 left of $5,000.00 (Design, 2026-Q4)' or how far over it goes."""
        limit = money(self.limit, self.base_currency)
        where = f"{self.budget.cost_centre}, {self.budget.period}"
        if self.over:
            return f"{money(-self.remaining, self.base_currency)} over the {limit} ({where})"
        return f"{money(self.remaining, self.base_currency)} left of {limit} ({where})"


def check(
    budget: Budget, *, limit: Decimal, spent: Decimal, request: Decimal, base_currency: str
) -> BudgetCheck:
    """Where the request leaves the budget."""
    return BudgetCheck(
        budget=budget, limit=limit, spent=spent, request=request, base_currency=base_currency
    )


def tightest(checks: Sequence[BudgetCheck]) -> BudgetCheck | None:
    """The check with least left: the one that decides (a quarter may be tighter than the year)."""
    return min(checks, key=lambda c: c.remaining, default=None)


# --------------------------------------------------------------------------- CSV import

CSV_COLUMNS = ("cost_centre", "period", "amount", "currency")


def parse_budget_rows(
    rows: Sequence[Mapping[str, str | None]],
    *,
    header: Sequence[str],
    currencies: Sequence[str],
) -> list[Budget]:
    """Check every line of a budget CSV; ValueError lists each wrong line by number.
    An empty currency means the first of `currencies` (the policy's base currency)."""
    missing = [c for c in CSV_COLUMNS[:3] if c not in header]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if missing or unknown:
        wrong = [f"missing {', '.join(missing)}" if missing else "", *(repr(u) for u in unknown)]
        raise ValueError(
            f"line 1: columns must be {', '.join(CSV_COLUMNS)} ({'; '.join(w for w in wrong if w)})"
        )
    problems: list[str] = []
    budgets: list[Budget] = []
    seen: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows):
        line = index + 2
        cells = {k: (v or "").strip() for k, v in row.items() if k}
        if not any(cells.values()):
            continue
        errors: list[str] = []
        centre = " ".join(cells.get("cost_centre", "").split())
        if not centre:
            errors.append("the cost centre is empty")
        try:
            period = Period.parse(cells.get("period", ""))
        except ValueError as error:
            errors.append(str(error))
            period = None
        amount = _amount(cells.get("amount", ""), errors)
        currency = cells.get("currency", "").upper() or currencies[0]
        if currency not in currencies:
            errors.append(
                f"currency {currency!r} has no exchange rate; use {', '.join(currencies)}"
            )
        if period is not None and centre:
            key = (cost_centre_key(centre), period.label)
            if key in seen:
                errors.append(f"a second budget for {centre} in {period}, as on line {seen[key]}")
            seen.setdefault(key, line)
        if errors or period is None or amount is None:
            problems.extend(f"line {line}: {e}" for e in errors)
            continue
        budgets.append(
            Budget(centre, period, amount, currency, source="import"),
        )
    if problems:
        raise ValueError("\n".join(problems))
    return budgets


def _amount(text: str, errors: list[str]) -> Decimal | None:
    """The amount by the request form's rules (bot.domain.amounts), so '12,50' means one thing."""
    try:
        amount = amounts.parse(text)
    except amounts.AmountError as error:
        errors.append(f"amount {text!r} {str(error).rstrip('.')}")
        return None
    if amount <= 0:
        errors.append(f"amount {text!r} is not a positive number, e.g. 50000 or 12500.50")
        return None
    if amount > MAX_AMOUNT:
        errors.append(f"amount {text!r} is more than procurebot takes ({MAX_AMOUNT:,})")
        return None
    return amount.quantize(Decimal("0.01"))
