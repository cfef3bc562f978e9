"""Budget arithmetic: periods, which budget applies, spend across currencies, CSV import."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.domain import policy as policy_module
from bot.domain.budgets import (
    Budget,
    OverBudget,
    Period,
    Spend,
    applicable,
    check,
    cost_centre_key,
    merge,
    parse_budget_rows,
    spent_in_base,
    tightest,
)
from bot.domain.errors import PolicyError
from tests.unit.builders import SMALL_POLICY


@pytest.mark.parametrize(
    ("text", "period", "start", "end"),
    [
        ("2026", Period(2026), date(2026, 1, 1), date(2027, 1, 1)),
        ("2026-Q1", Period(2026, 1), date(2026, 1, 1), date(2026, 4, 1)),
        ("2026q2", Period(2026, 2), date(2026, 4, 1), date(2026, 7, 1)),
        (" 2026 - Q3 ", Period(2026, 3), date(2026, 7, 1), date(2026, 10, 1)),
        ("2026-Q4", Period(2026, 4), date(2026, 10, 1), date(2027, 1, 1)),
    ],
)
def test_periods(text: str, period: Period, start: date, end: date) -> None:
    assert Period.parse(text) == period
    assert (period.start, period.end) == (start, end)
    assert period.contains(start) and not period.contains(end)
    assert Period.parse(period.label) == period


@pytest.mark.parametrize("text", ["", "26", "2026-Q5", "2026-Q0", "Q4 2026", "2026-12"])
def test_bad_periods_say_how_to_write_one(text: str) -> None:
    with pytest.raises(ValueError, match="write 2026 or 2026-Q4"):
        Period.parse(text)


def design(period: str = "2026", amount: str = "5000", currency: str = "USD") -> Budget:
    return Budget("Design", Period.parse(period), Decimal(amount), currency)


def test_an_imported_budget_replaces_the_policy_s_for_the_same_cost_centre_and_period() -> None:
    policy = [
        design("2026", "5000"),
        design("2026-Q4", "1500"),
        Budget("IT", Period(2026), Decimal(9), "USD"),
    ]
    imported = [Budget(" DESIGN ", Period(2026), Decimal("8000"), "EUR", source="import")]
    merged = merge(policy, imported)
    assert [(b.cost_centre, b.period.label, b.amount, b.source) for b in merged] == [
        (" DESIGN ", "2026", Decimal("8000"), "import"),
        ("Design", "2026-Q4", Decimal("1500"), "policy"),
        ("IT", "2026", 9, "policy"),
    ]


def test_a_year_and_its_quarter_both_apply_to_a_day_in_it() -> None:
    budgets = [design("2026"), design("2026-Q4"), design("2026-Q3"), design("2027")]
    found = applicable(budgets, cost_centre="  design", day=date(2026, 11, 23))
    assert [b.period.label for b in found] == ["2026", "2026-Q4"]
    assert applicable(budgets, cost_centre="Marketing", day=date(2026, 11, 23)) == []
    assert cost_centre_key(" Design   Ops ") == cost_centre_key("design ops")


def rate(amount: Decimal, currency: str) -> Decimal | None:
    rates = {"USD": Decimal(1), "EUR": Decimal("1.08"), "GBP": Decimal("1.27")}
    return (amount * rates[currency]).quantize(Decimal("0.01")) if currency in rates else None


def test_spend_is_converted_to_the_base_currency_with_today_s_rates() -> None:
    spends = [
        Spend("EUR", Decimal("1000.00"), recorded_base=Decimal("1050.00")),
        Spend("GBP", Decimal("100.00"), recorded_base=Decimal("130.00")),
        Spend("USD", Decimal("0.01"), recorded_base=Decimal("0.01")),
    ]
    assert spent_in_base(spends, to_base=rate) == Decimal("1080.00") + Decimal("127.00") + Decimal(
        "0.01"
    )
    # A currency the policy dropped falls back to its value in base currency at submit.
    dropped = [Spend("JPY", Decimal("100000"), recorded_base=Decimal("660.00"))]
    assert spent_in_base(dropped, to_base=rate) == Decimal("660.00")
    assert spent_in_base([], to_base=rate) == Decimal("0.00")


def test_a_check_says_what_is_left_or_how_far_over() -> None:
    budget = design("2026-Q4", "1000", "EUR")
    inside = check(
        budget,
        limit=Decimal("1080.00"),
        spent=Decimal("500.00"),
        request=Decimal("580.00"),
        base_currency="USD",
    )
    assert inside.remaining == Decimal("0.00") and not inside.over  # exactly at the limit fits
    assert inside.text() == "$0.00 left of $1,080.00 (Design, 2026-Q4)"
    over = check(
        budget,
        limit=Decimal("1080.00"),
        spent=Decimal("500.00"),
        request=Decimal("580.01"),
        base_currency="USD",
    )
    assert over.over and over.text() == "$0.01 over the $1,080.00 (Design, 2026-Q4)"
    assert over.name == "Design budget for 2026-Q4"


def test_the_tightest_budget_decides() -> None:
    year = check(
        design("2026", "60000"),
        limit=Decimal("60000"),
        spent=Decimal("10000"),
        request=Decimal("1620"),
        base_currency="USD",
    )
    quarter = check(
        design("2026-Q4", "2000"),
        limit=Decimal("2000"),
        spent=Decimal("1000"),
        request=Decimal("1620"),
        base_currency="USD",
    )
    assert tightest([year, quarter]) is quarter and quarter.over
    assert tightest([]) is None


def test_budget_csv_rows_are_checked_line_by_line() -> None:
    header = ["cost_centre", "period", "amount", "currency"]
    rows = [
        {"cost_centre": "Design", "period": "2026", "amount": "60,000", "currency": ""},
        {"cost_centre": "", "period": "", "amount": "", "currency": ""},  # blank: skipped
        {"cost_centre": "Berlin", "period": "2026-q4", "amount": "12500.50", "currency": "eur"},
        {"cost_centre": "Paris", "period": "2026", "amount": "100.000,00", "currency": "eur"},
    ]
    budgets = parse_budget_rows(rows, header=header, currencies=["USD", "EUR"])
    assert [(b.cost_centre, b.period.label, b.amount, b.currency) for b in budgets] == [
        ("Design", "2026", Decimal("60000.00"), "USD"),
        ("Berlin", "2026-Q4", Decimal("12500.50"), "EUR"),
        ("Paris", "2026", Decimal("100000.00"), "EUR"),
    ]
    bad = [
        {"cost_centre": "Design", "period": "2026-Q5", "amount": "-3", "currency": "ZZZ"},
        {"cost_centre": "Ops", "period": "2026", "amount": "1.001", "currency": ""},
        {"cost_centre": "ops ", "period": "2026", "amount": "5", "currency": ""},
        {"cost_centre": "Lyon", "period": "2026", "amount": "12,50", "currency": ""},
        {"cost_centre": "Big", "period": "2026", "amount": "20,000,000,000,000", "currency": ""},
    ]
    with pytest.raises(ValueError) as raised:
        parse_budget_rows(bad, header=header, currencies=["USD", "EUR"])
    assert str(raised.value).splitlines() == [
        "line 2: period '2026-Q5' is not a year or a quarter; write 2026 or 2026-Q4",
        "line 2: amount '-3' is not a positive number, e.g. 50000 or 12500.50",
        "line 2: currency 'ZZZ' has no exchange rate; use USD, EUR",
        "line 3: amount '1.001' could be 1,001, or a price with three decimals. Write 1,001, "
        "or round it to two decimals",
        "line 4: a second budget for ops in 2026, as on line 3",
        "line 5: amount '12,50' could be 12.50 or 1,250: commas and dots swap roles between "
        "countries. Write 12.50 or 1,250",
        "line 6: amount '20,000,000,000,000' is more than procurebot takes (10,000,000,000,000)",
    ]
    with pytest.raises(ValueError, match="line 1: columns must be cost_centre, period, amount"):
        parse_budget_rows([], header=["centre", "amount"], currencies=["USD"])


BUDGETS = """\
budgets:
  over_budget: add_step
  step: {name: Procurement, group: procurement, stage: 2}
  items:
    - {cost_centre: Design, period: 2026, amount: 5000}
    - {cost_centre: Design, period: 2026-Q4, amount: 1000, currency: EUR}
"""


def test_the_policy_s_budgets() -> None:
    policy = policy_module.parse(SMALL_POLICY + BUDGETS)
    assert policy.budgets.over_budget is OverBudget.ADD_STEP
    assert [(b.period.label, b.amount, b.currency) for b in policy.budget_list()] == [
        ("2026", Decimal("5000"), "USD"),
        ("2026-Q4", Decimal("1000"), "EUR"),
    ]
    step = policy.budget_step("Over the Design budget for 2026")
    assert step is not None and step.spec.name == "Procurement"
    assert policy_module.parse(SMALL_POLICY).budget_step("x") is None
    assert "2 budgets; a request over budget adds Procurement." in policy_module.summary(policy)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("period: 2026-Q4", "period: 2026-Q7", "line 51: budgets.items[1].period: period "),
        ("currency: EUR", "currency: JPY", "line 51: budgets.items[1].currency: no exchange rate"),
        (
            "group: procurement, stage: 2}",
            "group: buyers, stage: 2}",
            "line 48: budgets.step.group",
        ),
        ("amount: 5000", "amount: 0", "line 50: budgets.items[0].amount: Input should be greater"),
        (
            "amount: 5000",
            "amount: 1e30",
            "line 50: budgets.items[0].amount: 1E+30 is more than procurebot takes",
        ),
        (
            "period: 2026-Q4",
            "period: 2026",
            "line 51: budgets.items[1]: a second budget for Design",
        ),
        (
            "over_budget: add_step",
            "over_budget: warn",
            "line 47: budgets.over_budget: Input should",
        ),
        (
            "  step: {name: Procurement, group: procurement, stage: 2}\n",
            "",
            "line 46: budgets.step: name the step to add when a request goes over budget",
        ),
    ],
)
def test_budget_mistakes_name_the_field_and_line(old: str, new: str, expected: str) -> None:
    text = SMALL_POLICY + BUDGETS
    assert text.count(old) == 1
    with pytest.raises(PolicyError) as raised:
        policy_module.parse(text.replace(old, new), source="policy.yml")
    problems = str(raised.value).splitlines()[1:]
    assert len(problems) == 1 and problems[0].strip().startswith(expected), problems


def test_an_exception_for_rejected_vendors_needs_a_rule_naming_its_approvers() -> None:
    allowed = SMALL_POLICY + "vendors:\n  allow_rejected_exception: true\n"
    with pytest.raises(PolicyError, match=r"vendors\.allow_rejected_exception: add a rule"):
        policy_module.parse(allowed)
    with_rule = allowed.replace(
        "catalogue:",
        "  - name: Exception\n    when: {vendor_status: [rejected]}\n"
        "    step: {name: Exception, group: leads, stage: 3}\ncatalogue:",
    )
    assert policy_module.parse(with_rule).vendors.allow_rejected_exception
