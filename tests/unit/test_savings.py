"""The savings lines of the digest: pure text, every figure naming its requests, bounded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.domain.digest import category_label
from bot.domain.savings import (
    LINE_CHARS,
    Consolidation,
    Outlier,
    Overlap,
    Savings,
    Share,
    consolidation_line,
    outlier_line,
    overlap_line,
    renewal_savings_line,
    sections,
)
from bot.domain.views import Renewal

D = Decimal


def test_consolidation_line_names_each_cost_centre_and_its_requests() -> None:
    line = consolidation_line(
        Consolidation(
            "Figma",
            2,
            D("7020.00"),
            [Share("Design", D("5400.00"), 3, (4, 1)), Share("Marketing", D("1620"), 1, (9,))],
        ),
        currency="USD",
    )
    assert line == (
        "Figma bought separately by 2 cost centres, $7,020.00/yr combined: Design $5,400.00 "
        "(PR-1004, PR-1001 and 1 more) and Marketing $1,620.00 (PR-1009). "
        "One contract may cost less."
    )


def test_overlap_line_counts_the_tools_not_shown() -> None:
    line = overlap_line(
        Overlap("saas", 5, 4, D("900"), [Share("Miro", D("500"), 1, (2,))]),
        currency="EUR",
        label=category_label("saas"),
    )
    assert line == (
        "SaaS subscription: 5 tools bought by 4 cost centres, €900.00/yr: Miro €500.00 "
        "(PR-1002) and 4 more tools. Could one tool serve them all?"
    )


def test_outlier_line_gives_the_median_and_its_requests() -> None:
    laptop = Outlier(7, "MacBook Pro", "Apple", "IT", False, D("3000"), D("2399"), 8, (3, 5))
    assert outlier_line(laptop, currency="USD") == (
        "PR-1007 MacBook Pro (IT) pays $3,000.00/unit, 25 % above the Apple median of "
        "$2,399.00 over 8 purchases (PR-1003 and PR-1005): ask for the same price."
    )


def test_renewal_line_names_the_owner() -> None:
    renewal = Renewal(1, "Slack Grid", "Slack", "rita@x.example", D("12000"), date(2026, 12, 1))
    assert renewal_savings_line(renewal, currency="USD", names={"rita@x.example": "Rita"}) == (
        "PR-1001 Slack Grid (Slack) renews Tue 01 Dec 2026, $12,000.00/yr: ask Rita whether it "
        "is all still used before it renews."
    )


def test_lines_are_bounded_and_sections_count_what_is_not_shown() -> None:
    long = Consolidation("v" * 400, 3, D("1"), [Share("c" * 300, D("1"), 1, (1,))] * 3)
    assert len(consolidation_line(long, currency="USD")) <= LINE_CHARS
    listed = sections(Savings(consolidations=[long], consolidations_total=7), currency="USD")
    assert [(s.title, len(s.lines), s.more) for s in listed] == [
        ("Overlapping tools", 0, 0),
        ("Consolidation candidates", 1, 6),
        ("Renewals in the next 60 days: 0", 0, 0),
        ("Price outliers approved this week (over 25 % above the median)", 0, 0),
    ]


def test_typed_newlines_stay_on_one_line() -> None:
    typed = ("Mac\n✅ Finance", "Apple\n", "IT\nx")
    outlier = Outlier(7, *typed, False, D("3000"), D("2399"), 8, (3,))
    assert "\n" not in outlier_line(outlier, currency="USD")
