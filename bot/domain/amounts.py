"""Reading an amount a person typed: one rule for the request form, /buy one-liners and imports.

Commas and dots swap roles between countries ('1,250.00' in the US is '1.250,00' in Germany) and
the bot knows nobody's locale, so a string is read only where both conventions agree (or only one
can read it at all), and a lone separator that could be either is refused with both readings:
guessing wrong puts a price 100 or 1,000 times off, past or short of the policy's thresholds.

- ``1250``, ``1,250``, ``1,250,000``: commas every three digits group thousands (money has two
  decimals, so a comma before three digits never marks them);
- ``12.50``, ``4.5``: a dot before one or two digits is the decimal point;
- ``1,250.00``, ``1.250,00``, ``1.250.000``: with both separators (or a dot repeated every three
  digits) the last kind marks decimals and the other groups thousands;
- refused: ``12,50`` and ``4,5`` (twelve-fifty, or a mistyped 1,250?), ``1.250`` (1.25 in the US,
  1,250 in Germany), more than two decimals.
"""

from __future__ import annotations

import re
from decimal import Decimal

_LONGEST = 30  # digits and separators: far beyond any price, short of int()'s 4,300 digits
_IGNORED = re.compile(r"[\s$€£¥]")  # spaces (also as thousands separators) and currency signs
_PLAIN = re.compile(r"\d+", re.ASCII)
_COMMA_GROUPS = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+", re.ASCII)
_DOT_GROUPS = re.compile(r"[1-9]\d{0,2}(?:\.\d{3}){2,}", re.ASCII)
_US = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+\.(\d+)", re.ASCII)
_EUROPEAN = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+,(\d+)", re.ASCII)
_POINT = re.compile(r"\d*\.(\d+)", re.ASCII)
_AMBIGUOUS_DOT = re.compile(r"[1-9]\d{0,2}\.\d{3}", re.ASCII)  # 1.250: 1.25 or 1,250
_AMBIGUOUS_COMMA = re.compile(r"\d+,\d{1,2}", re.ASCII)  # 12,50: 12.50 or 1,250


class AmountError(ValueError):
    """Why a typed amount can't be read; str() follows the amount: "'12,50' could be ..."."""


def parse(text: str) -> Decimal:
    """The amount in `text` (currency signs and spaces ignored, a leading minus kept);
    AmountError says what is wrong and how to write it."""
    cleaned = _IGNORED.sub("", text)
    if len(cleaned) > _LONGEST:
        raise AmountError("is too long for an amount. Enter e.g. 1299.99.")
    negative = cleaned.startswith("-")
    value = _read(cleaned[1:] if negative else cleaned)
    return -value if negative else value


def _read(digits: str) -> Decimal:
    if _PLAIN.fullmatch(digits) or _COMMA_GROUPS.fullmatch(digits):
        return Decimal(digits.replace(",", ""))
    if _DOT_GROUPS.fullmatch(digits):
        return Decimal(digits.replace(".", ""))
    if _AMBIGUOUS_DOT.fullmatch(digits):
        as_point, grouped = f"{Decimal(digits).normalize():f}", f"{int(digits.replace('.', '')):,}"
        if len(as_point.partition(".")[2]) > 2:
            raise AmountError(
                f"could be {grouped}, or a price with three decimals. Write {grouped}, or "
                "round it to two decimals."
            )
        raise _ambiguous(as_point, grouped)
    if _AMBIGUOUS_COMMA.fullmatch(digits):
        raise _ambiguous(digits.replace(",", "."), f"{int(digits.replace(',', '')):,}")
    for pattern, group, point in ((_US, ",", "."), (_EUROPEAN, ".", ","), (_POINT, ",", ".")):
        match = pattern.fullmatch(digits)
        if match is None:
            continue
        if len(match.group(1)) > 2:
            raise AmountError("has more than two decimals.")
        return Decimal(digits.replace(group, "").replace(point, "."))
    raise AmountError("is not a number. Enter e.g. 1299.99.")


def _ambiguous(one: str, other: str) -> AmountError:
    return AmountError(
        f"could be {one} or {other}: commas and dots swap roles between countries. "
        f"Write {one} or {other}."
    )
