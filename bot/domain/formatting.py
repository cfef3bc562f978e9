"""Money and dates as people read them; shared by every platform's messages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import format_currency

from bot.domain.model import Money, PurchaseRequest, Recurrence

LOCALE = "en_US"


def money(value: Money | Decimal, currency: str | None = None) -> str:
    """'$1,620.00', '€549.00'."""
    if isinstance(value, Money):
        return str(format_currency(value.amount, value.currency, locale=LOCALE))
    return str(format_currency(value, currency or "USD", locale=LOCALE))


def amount_line(request: PurchaseRequest) -> str:
    """The cost in one line: '3 × $45.00 monthly = $135.00/month ($1,620.00 a year)'."""
    total = money(request.total)
    if request.quantity > 1:
        total = f"{request.quantity} × {money(request.unit_price)} = {total}"
    if request.recurrence is Recurrence.MONTHLY:
        return f"{total}/month ({money(request.annual_value)} a year)"
    if request.recurrence is Recurrence.ANNUAL:
        return f"{total}/year"
    return total


def short_amount(request: PurchaseRequest) -> str:
    """'$1,620.00/yr' or '$2,399.00': for one-line notes."""
    if request.recurrence is Recurrence.ONE_OFF:
        return money(request.total)
    return f"{money(request.annual_value)}/yr"


def when(moment: datetime, tz: str = "UTC") -> str:
    """'Mon 23 Nov, 14:05 EST' in the reader's zone (for platforms that cannot localise)."""
    local = moment.astimezone(ZoneInfo(tz or "UTC"))
    return local.strftime("%a %d %b, %H:%M %Z")


def day(value: date | None) -> str:
    """'Mon 30 Nov 2026', or an em dash."""
    return value.strftime("%a %d %b %Y") if value else "—"
