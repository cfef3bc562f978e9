"""The domain's nouns: money, request numbers, vendor keys, steps and delegations."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.model import (
    Category,
    DataAccess,
    Decision,
    Delegation,
    Money,
    Person,
    Question,
    Recurrence,
    RequestStatus,
    StepStatus,
    VendorStatus,
    format_number,
    parse_number,
    vendor_key,
)
from tests.unit.builders import FRED, INES, NOW, OMAR, make_request, make_step


def test_money_times_a_quantity_keeps_the_currency_and_exact_cents() -> None:
    assert Money(Decimal("0.10"), "EUR") * 3 == Money(Decimal("0.30"), "EUR")
    assert Money(Decimal("45.00"), "USD") * Decimal("1.5") == Money(Decimal("67.500"), "USD")


@pytest.mark.parametrize(
    ("recurrence", "total", "annual"),
    [
        (Recurrence.ONE_OFF, "135.00", "135.00"),
        (Recurrence.MONTHLY, "135.00", "1620.00"),
        (Recurrence.ANNUAL, "135.00", "135.00"),
    ],
)
def test_total_and_annual_value(recurrence: Recurrence, total: str, annual: str) -> None:
    request = make_request(recurrence=recurrence)  # 3 x 45.00 USD
    assert request.total == Money(Decimal(total), "USD")
    assert request.annual_value == Money(Decimal(annual), "USD")


@pytest.mark.parametrize(
    ("request_id", "number"), [(1, "PR-1001"), (42, "PR-1042"), (123456, "PR-124456")]
)
def test_request_numbers(request_id: int, number: str) -> None:
    assert format_number(request_id) == number
    assert make_request(request_id=request_id).number == number
    assert parse_number(number) == request_id


def test_an_unsaved_request_has_no_number_yet() -> None:
    assert make_request(request_id=None).number == "PR-new"


@pytest.mark.parametrize(
    ("text", "request_id"),
    [
        ("PR-1042", 42),
        ("pr 1042", 42),
        ("  #1042 ", 42),
        ("PR#1042", 42),
        ("1042", 42),
        ("PR-1000", None),  # would be id 0
        ("999", None),
        ("", None),
        ("PR-", None),
        ("PR-10x", None),
        ("Figma", None),
    ],
)
def test_parse_number(text: str, request_id: int | None) -> None:
    assert parse_number(text) == request_id


@settings(max_examples=50, database=None)
@given(st.integers(min_value=1, max_value=10**9))
def test_numbers_round_trip(request_id: int) -> None:
    assert parse_number(format_number(request_id)) == request_id


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Figma", "figma"),
        ("Figma, Inc.", "figma"),
        ("FIGMA INC", "figma"),
        ("Acme Co.", "acme"),
        ("Atlassian Pty Ltd", "atlassianpty"),
        ("Dell Technologies", "delltechnologies"),
        ("monday.com", "mondaycom"),
        ("Coinbase", "coinbase"),  # 'co' only as a whole word
        ("Ｆｉｇｍａ", "figma"),  # full-width letters
        ("Zoë GmbH", "zoë"),
        ("株式会社ソニー", "株式会社ソニー"),
        ("Яндекс LLC", "яндекс"),
    ],
)
def test_vendor_key(name: str, key: str) -> None:
    assert vendor_key(name) == key


def test_vendor_keys_of_different_non_latin_names_differ() -> None:
    assert vendor_key("株式会社ソニー") != vendor_key("株式会社トヨタ")


def test_labels() -> None:
    assert RequestStatus.CHANGES_REQUESTED.label == "Changes requested"
    assert VendorStatus.UNDER_REVIEW.label == "Under review"
    assert Category.SAAS.label == "SaaS subscription"
    assert Recurrence.ONE_OFF.label == "One-off"
    assert DataAccess.PERSONAL.label == "Personal data"
    assert [s for s in RequestStatus if s.is_open] == [
        RequestStatus.PENDING,
        RequestStatus.CHANGES_REQUESTED,
    ]


def test_periods_per_year() -> None:
    assert [r.periods_per_year for r in Recurrence] == [1, 12, 1]


def test_a_step_knows_each_approver_s_vote_including_by_delegate() -> None:
    step = make_step("Finance", approvers=[FRED, INES])
    assert step.decision_of(FRED) is None
    by_delegate = Decision(approver=OMAR, outcome=StepStatus.APPROVED, at=NOW, on_behalf_of=FRED)
    step.decisions.append(by_delegate)
    assert step.decision_of(FRED) is by_delegate
    assert step.decision_of(OMAR) is by_delegate
    assert step.decision_of(INES) is None
    assert step.deciders == [OMAR]


def test_request_steps_and_questions() -> None:
    first = make_step("IT review", approvers=[INES], status=StepStatus.ACTIVE)
    second = make_step("Finance", approvers=[FRED], stage=2)
    request = make_request(steps=[first, second])
    assert request.step("Finance") is second
    assert request.step("Legal") is None
    assert request.active_steps == [first]

    assert request.open_question is None
    old = Question(asked_by=INES, step="IT review", text="Why?", asked_at=NOW, answer="Design.")
    new = Question(asked_by=INES, step="IT review", text="When?", asked_at=NOW)
    request.questions += [old, new]
    assert request.open_question is new


def test_a_delegation_is_active_on_its_first_and_last_day() -> None:
    start, end = date(2026, 12, 21), date(2027, 1, 3)
    delegation = Delegation(approver=FRED, delegate=INES, start=start, end=end)
    assert delegation.active_on(start)
    assert delegation.active_on(end)
    assert not delegation.active_on(start - timedelta(days=1))
    assert not delegation.active_on(end + timedelta(days=1))


def test_a_person_is_shown_by_name_or_else_email() -> None:
    assert Person(email=FRED, name="Fred Fin").display == "Fred Fin"
    assert Person(email=FRED).display == FRED
