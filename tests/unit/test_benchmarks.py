"""The price check line: pure text from a benchmark, every figure naming its requests."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.benchmarks import (
    LINE_CHARS,
    CostCentrePrice,
    PriceBenchmark,
    above_median,
    comparison,
    numbers,
    unit_price,
)
from bot.domain.model import Recurrence

D = Decimal


def figma(**overrides: object) -> PriceBenchmark:
    values: dict[str, object] = {
        "vendor": "Figma",
        "currency": "USD",
        "per_month": True,
        "product": None,
        "purchases": 4,
        "median": D("40.00"),
        "lowest": D("36.00"),
        "lowest_id": 11,
        "request_ids": (6, 2, 11),
        "by_cost_centre": (
            CostCentrePrice("Design", D("36.00"), 1, (11,)),
            CostCentrePrice("Marketing", D("42.00"), 3, (6, 2)),
        ),
    }
    values.update(overrides)
    return PriceBenchmark(**values)  # type: ignore[arg-type]


def test_unit_price_is_per_month_for_subscriptions_and_as_paid_for_one_offs() -> None:
    yearly = D("1620.00")  # 3 seats at $45 a month
    assert unit_price(base_amount=yearly, quantity=3, recurrence=Recurrence.MONTHLY) == D("45.00")
    assert unit_price(base_amount=D("1200"), quantity=2, recurrence=Recurrence.ANNUAL) == D("50")
    assert unit_price(base_amount=D("4798"), quantity=2, recurrence=Recurrence.ONE_OFF) == D(
        "2399.00"
    )


def test_numbers_name_three_requests_then_count_the_rest() -> None:
    assert numbers([1]) == "PR-1001"
    assert numbers([1, 2]) == "PR-1001 and PR-1002"
    assert numbers([1, 2, 3], 12) == "PR-1001, PR-1002, PR-1003 and 9 more"


def test_above_what_the_cheapest_cost_centre_pays() -> None:
    line = comparison(price=D("45.00"), title="Figma seats", benchmark=figma())
    assert line.startswith("$45.00/seat/mo, 25 % above what Design pays ($36.00, PR-1011); ")
    assert (
        "the median of 4 purchases from Figma "
        "($40.00/seat/mo; PR-1006, PR-1002, PR-1011 and 1 more)" in line
    )


def test_matches_the_median() -> None:
    one_centre = figma(by_cost_centre=(CostCentrePrice("Design", D("40.00"), 4, (6, 2, 11)),))
    line = comparison(price=D("41.00"), title="Figma Pro", benchmark=one_centre)
    assert line == (
        "$41.00/unit/mo, matches the median of 4 purchases from Figma "
        "($40.00/unit/mo; PR-1006, PR-1002, PR-1011 and 1 more)."
    )


def test_below_the_median_of_a_product() -> None:
    line = comparison(price=D("30.00"), title="Figma seats", benchmark=figma(product="Figma seats"))
    assert line.startswith("$30.00/seat/mo, 25 % below the median of 4 purchases of Figma seats")


def test_above_the_median_names_the_lowest() -> None:
    same_centre = figma(by_cost_centre=(CostCentrePrice("Design", D("50.00"), 4, (6,)),))
    line = comparison(price=D("60.00"), title="Figma", benchmark=same_centre)
    assert "50 % above the median" in line
    assert line.endswith("; lowest $36.00 (PR-1011).")


def test_one_off_prices_have_no_month() -> None:
    laptops = figma(vendor="Apple", per_month=False, by_cost_centre=(), median=D("2399.00"))
    line = comparison(price=D("2399.00"), title="MacBook Pro", benchmark=laptops)
    assert line.startswith("$2,399.00/unit, matches the median of 4 purchases from Apple")


def test_first_purchase() -> None:
    none = PriceBenchmark(vendor="Figma", currency="USD", per_month=True, product=None, purchases=0)
    assert comparison(price=D("45"), title="Figma", benchmark=none) == (
        "First subscription from Figma: nothing to compare the price with yet."
    )
    assert above_median(D("45"), none) is None


def test_above_median_percent() -> None:
    assert above_median(D("50.00"), figma()) == D(25)
    assert above_median(D("40.00"), figma()) is None


def test_the_line_is_bounded() -> None:
    long = figma(vendor="V" * 200, product="P" * 300)
    line = comparison(price=D("30.00"), title="P" * 300, benchmark=long)
    assert len(line) <= LINE_CHARS
