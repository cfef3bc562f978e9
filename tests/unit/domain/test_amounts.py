"""Typed amounts: read only when commas and dots cannot mean something else elsewhere."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.domain import amounts, intake
from bot.domain.amounts import AmountError


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("1250", "1250"),
        ("1,250", "1250"),
        ("1,250,000", "1250000"),
        ("1,250.00", "1250.00"),
        ("12.50", "12.50"),
        ("4.5", "4.5"),
        (".99", "0.99"),
        (" $1,299.99 ", "1299.99"),
        ("€1.250,00", "1250.00"),
        ("100.000,00", "100000.00"),
        ("1.250.000", "1250000"),
        ("1 250", "1250"),
        ("-45", "-45"),
    ],
)
def test_unambiguous_amounts_are_read(typed: str, value: str) -> None:
    assert amounts.parse(typed) == Decimal(value)


@pytest.mark.parametrize(
    ("typed", "readings"),
    [
        ("12,50", ("12.50", "1,250")),
        ("4,5", ("4.5", "45")),
        ("1.250", ("1.25", "1,250")),
        ("100.000", ("100", "100,000")),
        ("1 250,00", ("1250.00", "125,000")),
    ],
)
def test_a_lone_separator_that_could_be_either_is_refused_with_both_readings(
    typed: str, readings: tuple[str, str]
) -> None:
    with pytest.raises(AmountError) as refused:
        amounts.parse(typed)
    one, other = readings
    assert str(refused.value) == (
        f"could be {one} or {other}: commas and dots swap roles between countries. "
        f"Write {one} or {other}."
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12.345", "could be 12,345, or a price with three decimals."),
        ("0.125", "has more than two decimals."),
        ("1,250.555", "has more than two decimals."),
        ("1.25,00", "is not a number."),
        ("NaN", "is not a number."),
        ("1e12", "is not a number."),
        ("１２", "is not a number."),
        ("9" * 5000, "is too long for an amount."),
    ],
)
def test_other_mistakes_say_what_is_wrong(typed: str, message: str) -> None:
    with pytest.raises(AmountError, match=re.escape(message)):
        amounts.parse(typed)


def _reading(text: str, *, point: str, group: str) -> Decimal | None:
    """What `text` means where `point` marks decimals and `group` thousands (groups of three,
    at most two decimals, as money is written), or None when it is no amount there."""
    p, g = re.escape(point), re.escape(group)
    pattern = rf"(?:[1-9][0-9]{{0,2}}(?:{g}[0-9]{{3}})+|[0-9]+)?(?:{p}[0-9]{{1,2}})?"
    if not re.search("[0-9]", text) or not re.fullmatch(pattern, text):
        return None
    return Decimal(text.replace(group, "").replace(point, "."))


@given(
    st.one_of(
        st.from_regex(r"[0-9]{1,7}(?:[.,][0-9]{1,4}){0,3}", fullmatch=True),
        st.text(alphabet="0123456789.,", min_size=1, max_size=14),
    )
)
@example("1,250")
@example("12.50")
@example("€1.250,00".removeprefix("€"))
def test_no_accepted_amount_means_something_else_in_the_other_convention(typed: str) -> None:
    try:
        value = amounts.parse(typed)
    except AmountError:
        return
    readings = {
        reading
        for reading in (
            _reading(typed, point=".", group=","),
            _reading(typed, point=",", group="."),
        )
        if reading is not None
    }
    assert readings == {value}


@given(st.from_regex(r"[$€]?[0-9]{1,7}(?:[.,][0-9]{1,4}){0,3}", fullmatch=True))
@example("12,50")
@example("100.000,00")
def test_the_form_reads_a_price_as_every_convention_would_or_not_at_all(typed: str) -> None:
    errors: dict[str, str] = {}
    price = intake.parse_amount(typed, errors)
    if price is None:
        assert errors
        return
    bare = typed.lstrip("$€")
    readings = {_reading(bare, point=".", group=","), _reading(bare, point=",", group=".")}
    assert readings - {None} == {price}
