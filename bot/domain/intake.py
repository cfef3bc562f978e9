"""Turning what a person typed into a valid RequestDraft, the same way on every platform.

Adapters collect the form's values as strings keyed by field name (the FIELD_* constants)
and call parse_form(); errors come back per field so each platform can show them in place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar
from urllib.parse import urlparse

from bot.domain import amounts, limits
from bot.domain.errors import BudgetExceeded, DomainError, InvalidInput, VendorRefused
from bot.domain.model import Category, DataAccess, Recurrence, RequestDraft

TITLE = "title"
CATEGORY = "category"
VENDOR = "vendor"
UNIT_PRICE = "unit_price"
CURRENCY = "currency"
QUANTITY = "quantity"
RECURRENCE = "recurrence"
COST_CENTRE = "cost_centre"
NEEDED_BY = "needed_by"
DATA_ACCESS = "data_access"
JUSTIFICATION = "justification"
LINK = "link"
RENEWAL_DATE = "renewal_date"

FIELDS = (
    TITLE,
    CATEGORY,
    VENDOR,
    UNIT_PRICE,
    CURRENCY,
    QUANTITY,
    RECURRENCE,
    COST_CENTRE,
    NEEDED_BY,
    DATA_ACCESS,
    JUSTIFICATION,
    LINK,
    RENEWAL_DATE,
)

LABELS = {
    TITLE: "What do you need?",
    CATEGORY: "Category",
    VENDOR: "Vendor",
    UNIT_PRICE: "Price per unit",
    CURRENCY: "Currency",
    QUANTITY: "Quantity",
    RECURRENCE: "Billing",
    COST_CENTRE: "Cost centre",
    NEEDED_BY: "Needed by",
    DATA_ACCESS: "Company data it will touch",
    JUSTIFICATION: "Business justification",
    LINK: "Quote or product link",
    RENEWAL_DATE: "Renewal date",
}

MAX_LENGTH = {
    name: limits.MAX_LENGTH[name] for name in (TITLE, VENDOR, COST_CENTRE, JUSTIFICATION, LINK)
}
MAX_UNIT_PRICE = Decimal("10000000")
MAX_QUANTITY = 10000
MIN_JUSTIFICATION = 10

# Categories where the data-access and billing questions matter; hardware skips both.
RECURRING_CATEGORIES = (Category.SOFTWARE, Category.SAAS, Category.SERVICES, Category.OTHER)
DATA_CATEGORIES = (Category.SOFTWARE, Category.SAAS, Category.SERVICES, Category.OTHER)


def _text(values: Mapping[str, str | None], name: str) -> str:
    return (values.get(name) or "").strip()


def parse_form(
    values: Mapping[str, str | None], *, currencies: Sequence[str], today: date
) -> RequestDraft:
    """Validate the intake form; raise InvalidInput naming each wrong field and how to fix it."""
    errors: dict[str, str] = {}

    for name in MAX_LENGTH:
        too_long = limits.problem(name, _text(values, name))
        if too_long:
            errors[name] = too_long
    title = _text(values, TITLE)
    if not title:
        errors[TITLE] = "Say what you want to buy, e.g. '3 Figma Professional seats'."
    vendor = _text(values, VENDOR)
    if not vendor:
        errors[VENDOR] = "Name the vendor, e.g. Figma."

    category = _enum(Category, _text(values, CATEGORY), errors, CATEGORY, "Pick a category.")
    recurrence = _enum(
        Recurrence,
        _text(values, RECURRENCE) or "one_off",
        errors,
        RECURRENCE,
        "Pick one-off, monthly or annual.",
    )
    data_access = _enum(
        DataAccess,
        _text(values, DATA_ACCESS) or "none",
        errors,
        DATA_ACCESS,
        "Pick what company data it will touch.",
    )

    unit_price = parse_amount(_text(values, UNIT_PRICE), errors)
    currency = _text(values, CURRENCY).upper() or currencies[0]
    if currency not in currencies:
        errors[CURRENCY] = f"Use one of {', '.join(currencies)}."
    quantity = _parse_quantity(_text(values, QUANTITY) or "1", errors)

    needed_by = _parse_date(_text(values, NEEDED_BY), errors, NEEDED_BY)
    if needed_by is not None and needed_by < today:
        errors[NEEDED_BY] = "That date has passed. Pick today or later."
    renewal_date = _parse_date(_text(values, RENEWAL_DATE), errors, RENEWAL_DATE)
    if renewal_date is not None and renewal_date <= today:
        errors[RENEWAL_DATE] = "The renewal date must be in the future."

    justification = _text(values, JUSTIFICATION)
    if JUSTIFICATION not in errors and len(justification) < MIN_JUSTIFICATION:
        errors[JUSTIFICATION] = "Tell approvers why the company needs it (a sentence or two)."
    cost_centre = _text(values, COST_CENTRE)
    if not cost_centre:
        errors[COST_CENTRE] = "Which cost centre or department pays, e.g. Design."
    link = _text(values, LINK)
    if link and LINK not in errors and not _is_url(link):
        errors[LINK] = "Paste a full web address starting with https://"

    if errors:
        raise InvalidInput(errors)
    assert category is not None and recurrence is not None and data_access is not None
    assert unit_price is not None and quantity is not None
    if category not in RECURRING_CATEGORIES:
        recurrence = Recurrence.ONE_OFF
    if recurrence is Recurrence.ONE_OFF:
        renewal_date = None
    return RequestDraft(
        title=title,
        category=category,
        vendor=vendor,
        unit_price=unit_price,
        currency=currency,
        quantity=quantity,
        recurrence=recurrence,
        cost_centre=cost_centre,
        needed_by=needed_by,
        data_access=data_access,
        justification=justification,
        link=link,
        renewal_date=renewal_date,
    )


_E = TypeVar("_E", Category, Recurrence, DataAccess)


def _enum(kind: type[_E], raw: str, errors: dict[str, str], name: str, message: str) -> _E | None:
    try:
        return kind(raw.lower())
    except ValueError:
        errors[name] = message
        return None


def parse_amount(raw: str, errors: dict[str, str]) -> Decimal | None:
    """A positive price with at most two decimals, read by bot.domain.amounts' rules (an ambiguous
    '12,50' is refused, not guessed); records what is wrong in `errors`."""
    if not raw.strip():
        errors[UNIT_PRICE] = "Enter the price per unit, e.g. 45 or 1299.99."
        return None
    try:
        amount = amounts.parse(raw)
    except amounts.AmountError as error:
        errors[UNIT_PRICE] = f"'{raw[:40]}' {error}"
        return None
    if amount <= 0:
        errors[UNIT_PRICE] = "The price must be more than zero."
        return None
    if amount > MAX_UNIT_PRICE:
        errors[UNIT_PRICE] = "That is more than 10 million per unit. Check the amount."
        return None
    return amount.quantize(Decimal("0.01"))


def _parse_quantity(raw: str, errors: dict[str, str]) -> int | None:
    # isdigit() alone lets through '²', which int() refuses, and int() refuses strings of more
    # than 4300 digits: check for plain short digits before converting.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6) or not 1 <= int(raw) <= MAX_QUANTITY:
        errors[QUANTITY] = f"Enter a whole number from 1 to {MAX_QUANTITY:,}."
        return None
    return int(raw)


def _parse_date(raw: str, errors: dict[str, str], name: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = "Pick a date (YYYY-MM-DD)."
        return None


def _is_url(text: str) -> bool:
    try:
        parsed = urlparse(text)
    except ValueError:  # 'http://[x' (bad IPv6) or a netloc that NFKC-normalises to '#', '/'...
        return False
    return parsed.scheme in ("http", "https") and "." in parsed.netloc and " " not in text


def draft_values(draft: RequestDraft) -> dict[str, str]:
    """The form values that reproduce a draft (to prefill an edit form)."""
    return {
        TITLE: draft.title,
        CATEGORY: draft.category.value,
        VENDOR: draft.vendor,
        UNIT_PRICE: f"{draft.unit_price:f}",
        CURRENCY: draft.currency,
        QUANTITY: str(draft.quantity),
        RECURRENCE: draft.recurrence.value,
        COST_CENTRE: draft.cost_centre,
        NEEDED_BY: draft.needed_by.isoformat() if draft.needed_by else "",
        DATA_ACCESS: draft.data_access.value,
        JUSTIFICATION: draft.justification,
        LINK: draft.link,
        RENEWAL_DATE: draft.renewal_date.isoformat() if draft.renewal_date else "",
    }


# ---------------------------------------------------------------------------------------------
# "/buy 3 Figma Professional seats $45/mo"


@dataclass(frozen=True, slots=True)
class Prefill:
    """Form values guessed from a one-line request; anything not understood is the description."""

    values: dict[str, str]


_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
# A number followed by a code starts only where a number starts ((?<!...)) and never gives digits
# back (*+): otherwise a long run of digits is retried from every digit, in quadratic time.
_PRICE = re.compile(
    r"(?P<sym>[$€£¥])\s?(?P<num>\d[\d,.]*+)(?P<k>k\b)?"
    r"|(?<![\d,.])(?P<num2>\d[\d,.]*+)(?P<k2>k\b)?\s?"
    r"(?P<code>USD|EUR|GBP|JPY|CAD|AUD|CHF)\b",
    re.IGNORECASE,
)
_PERIOD = re.compile(
    r"\s*(?:/|per|a|an|each)\s*(?P<p>mo|month|monthly|yr|year|annual|annually|y)\b"
    r"|\s+(?P<p2>monthly|annually|yearly)\b",
    re.IGNORECASE,
)
# A leading count needs a space or an 'x' after it, so '3D printer' keeps its name.
_PRICE_LEAD = re.compile(r"(?:^|\s+)(?:at|for|@)\s*$", re.IGNORECASE)
_QUANTITY = re.compile(r"^(?P<q>\d{1,5})(?:\s*x)?\s+(?=\D)", re.IGNORECASE)
_COUNTED = re.compile(r"\b(\d{1,5})\s+(?:seats?|licen[cs]es?|users?|units?|pcs)\b", re.IGNORECASE)
_SAAS_HINTS = re.compile(r"\b(seats?|subscriptions?|saas|licen[cs]es?|plan)\b", re.IGNORECASE)
_HARDWARE_HINTS = re.compile(
    r"\b(laptop|macbook|thinkpad|monitor|keyboard|mouse|headset|dock|"
    r"phone|ipad|tablet|webcam|display)s?\b",
    re.IGNORECASE,
)


def parse_text(text: str, *, known_vendors: Sequence[str] = ()) -> Prefill:
    """Guess form values from '/buy 3 Figma Professional seats $45/mo'."""
    rest = " ".join(text.split())
    values: dict[str, str] = {}
    if not rest:
        return Prefill(values)

    match = _QUANTITY.match(rest)
    if match:
        values[QUANTITY] = match.group("q")
        rest = rest[match.end() :].strip()

    price = _PRICE.search(rest)
    if price:
        values[UNIT_PRICE] = _prefill_amount(
            price.group("num") or price.group("num2"),
            thousands=bool(price.group("k") or price.group("k2")),
        )
        values[CURRENCY] = (
            _SYMBOLS.get(price.group("sym") or "") or (price.group("code") or "USD").upper()
        )
        after = rest[price.end() :]
        period = _PERIOD.match(after)
        if period:
            word = (period.group("p") or period.group("p2")).lower()
            values[RECURRENCE] = "monthly" if word.startswith("mo") else "annual"
            after = after[period.end() :]
        # Drop only the word that led into the price ('MacBook for $2,399'): a 'for' elsewhere
        # belongs to the title ('Licences for the design team').
        before = _PRICE_LEAD.sub("", rest[: price.start()])
        rest = " ".join((before + " " + after).split())

    if rest:
        values[TITLE] = rest[:150]
        vendor = _guess_vendor(rest, known_vendors)
        if vendor:
            values[VENDOR] = vendor
    if _SAAS_HINTS.search(text) or RECURRENCE in values:
        values[CATEGORY] = Category.SAAS.value
    elif _HARDWARE_HINTS.search(text):
        values[CATEGORY] = Category.HARDWARE.value
    if len(rest) > 150:
        values[JUSTIFICATION] = rest
    counted = _COUNTED.search(rest)
    values.setdefault(QUANTITY, counted.group(1) if counted else "1")
    return Prefill(values)


def _prefill_amount(typed: str, *, thousands: bool) -> str:
    """The price for the form: read by the form's rules, else as typed so that the form asks."""
    typed = typed.rstrip(".,")  # the end of a sentence: 'a MacBook for $2,399.'
    try:
        amount = amounts.parse(typed)
    except amounts.AmountError:
        return typed
    return f"{amount * 1000 if thousands else amount:f}"


def _guess_vendor(text: str, known_vendors: Sequence[str]) -> str | None:
    lowered = text.casefold()
    for vendor in sorted(known_vendors, key=len, reverse=True):
        if re.search(rf"\b{re.escape(vendor.casefold())}\b", lowered):
            return vendor
    # Otherwise the first capitalised word is usually the brand: "3 Figma Professional seats".
    for word in text.split():
        if word[:1].isupper() and word.isalpha():
            return word
    return None


def field_for(error: DomainError) -> str:
    """The form field a refusal of a valid form belongs next to."""
    if isinstance(error, VendorRefused):
        return VENDOR
    if isinstance(error, BudgetExceeded):
        return COST_CENTRE
    return TITLE
