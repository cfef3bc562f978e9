"""Price benchmarks: what the company already pays a vendor per unit, and how a request compares.

Prices are per unit in the policy's base currency: per month for subscriptions (a yearly price
is divided by 12), as paid for one-off purchases; the two are never compared with each other.
The numbers come from approved, ordered and received requests, aggregated by the database
(storage/benchmarks.py); every figure in the comparison line names the requests behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from bot.domain.clipping import clip
from bot.domain.formatting import money
from bot.domain.model import Recurrence, format_number, vendor_key

IDS_SHOWN = 3  # request numbers named before "and N more"
MATCHES_PCT = Decimal(5)  # within this of the median, a price "matches" it
OUTLIER_PCT = Decimal(25)  # this much above the median, a price is worth a second look
LINE_CHARS = 400  # the comparison line on a card or a preview: bounded for the size budgets
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class CostCentrePrice:
    """What one cost centre pays the vendor per unit (the median of its purchases)."""

    cost_centre: str
    unit_price: Decimal
    purchases: int
    request_ids: tuple[int, ...]  # its newest purchases, at most IDS_SHOWN


@dataclass(frozen=True, slots=True)
class PriceBenchmark:
    """What the company already pays a vendor (or one product of it) per unit."""

    vendor: str
    currency: str
    per_month: bool  # subscriptions per unit per month; else one-off per unit
    product: str | None  # the catalogue entry or title matched, or None for the whole vendor
    purchases: int  # 0: nothing bought from the vendor at such a price yet
    median: Decimal = Decimal("0.00")
    lowest: Decimal = Decimal("0.00")
    lowest_id: int | None = None
    request_ids: tuple[int, ...] = ()  # the newest purchases, at most IDS_SHOWN
    by_cost_centre: Sequence[CostCentrePrice] = ()  # cheapest first


class PriceBenchmarks(Protocol):
    """Price benchmarks aggregated by the database."""

    def benchmark(
        self,
        *,
        vendor_key: str,
        vendor: str,
        per_month: bool,
        product: str,
        currency: str,
        catalogue_entry: str | None = None,
        exclude_id: int | None = None,
    ) -> PriceBenchmark:
        """The vendor's approved purchases of this kind (the product's, when there are any)."""


def unit_price(*, base_amount: Decimal, quantity: int, recurrence: Recurrence) -> Decimal:
    """Per unit in the base currency: per month for a subscription (base_amount is yearly)."""
    months = 1 if recurrence is Recurrence.ONE_OFF else 12
    return (base_amount / max(quantity, 1) / months).quantize(_CENT, rounding=ROUND_HALF_UP)


def flat(text: str) -> str:
    """Text someone typed, on one line: a newline in it must not start a line that looks like
    one of the bot's."""
    return " ".join(text.split())


def product_key(title: str) -> str:
    """How a title is matched with earlier ones: case and spacing ignored."""
    return " ".join(title.lower().split())


def numbers(ids: Sequence[int], total: int | None = None, *, shown: int = IDS_SHOWN) -> str:
    """'PR-1003, PR-1007 and 2 more' for `total` requests of which `ids` are known."""
    total = max(total if total is not None else len(ids), len(ids))
    named = [format_number(i) for i in ids[:shown]]
    more = total - len(named)
    if more > 0:
        return f"{', '.join(named)} and {more} more"
    if len(named) > 1:
        return f"{', '.join(named[:-1])} and {named[-1]}"
    return "".join(named)


def _unit_word(title: str) -> str:
    lowered = title.lower()
    return "seat" if "seat" in lowered or "licen" in lowered or "user" in lowered else "unit"


def _pct(price: Decimal, reference: Decimal) -> Decimal:
    return ((price - reference) * 100 / reference).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def above_median(price: Decimal, benchmark: PriceBenchmark) -> Decimal | None:
    """How many percent `price` is above the benchmark's median, or None if not above it."""
    if not benchmark.purchases or benchmark.median <= 0 or price <= benchmark.median:
        return None
    return _pct(price, benchmark.median)


def comparison(*, price: Decimal, title: str, benchmark: PriceBenchmark) -> str:
    """'$45.00/seat/mo, 25 % above what Design pays ($36.00, PR-1012); …' or 'First purchase
    from Figma'; at most three numbers, each naming its requests."""
    if not benchmark.purchases:
        kind = "subscription" if benchmark.per_month else "one-off purchase"
        return f"First {kind} from {flat(benchmark.vendor)}: nothing to compare the price with yet."
    cur = benchmark.currency
    per = f"/{_unit_word(title)}{'/mo' if benchmark.per_month else ''}"
    what = (
        f"of {flat(benchmark.product)}" if benchmark.product else f"from {flat(benchmark.vendor)}"
    )
    count = f"{benchmark.purchases} purchase{'s' if benchmark.purchases != 1 else ''}"
    median = (
        f"the median of {count} {what} ({money(benchmark.median, cur)}{per}; "
        f"{numbers(benchmark.request_ids, benchmark.purchases)})"
    )
    here = f"{money(price, cur)}{per}"
    # Against the cheapest cost centre only when several pay: with one, it is the median.
    several = len(benchmark.by_cost_centre) > 1
    cheapest = benchmark.by_cost_centre[0] if several else None
    if (
        cheapest is not None
        and cheapest.unit_price > 0
        and _pct(price, cheapest.unit_price) > MATCHES_PCT
    ):
        pays = (
            f"{_pct(price, cheapest.unit_price)} % above what {flat(cheapest.cost_centre)} pays "
            f"({money(cheapest.unit_price, cur)}, "
            f"{numbers(cheapest.request_ids, cheapest.purchases)})"
        )
        return clip(f"{here}, {pays}; {median}.", LINE_CHARS)
    if benchmark.median <= 0:
        return clip(f"{here}; {median}.", LINE_CHARS)
    moved = _pct(price, benchmark.median)
    if abs(moved) <= MATCHES_PCT:
        return clip(f"{here}, matches {median}.", LINE_CHARS)
    direction = "above" if moved > 0 else "below"
    lowest = ""
    if benchmark.lowest_id is not None and benchmark.lowest < min(price, benchmark.median):
        lowest = f"; lowest {money(benchmark.lowest, cur)} ({format_number(benchmark.lowest_id)})"
    return clip(f"{here}, {abs(moved)} % {direction} {median}{lowest}.", LINE_CHARS)


def load(
    benchmarks: PriceBenchmarks,
    *,
    vendor: str,
    title: str,
    recurrence: Recurrence,
    currency: str,
    catalogue_entry: str | None = None,
    exclude_id: int | None = None,
) -> PriceBenchmark:
    """The benchmark a card or a preview of this purchase shows (the one place it is asked)."""
    return benchmarks.benchmark(
        vendor_key=vendor_key(vendor),
        vendor=" ".join(vendor.split()),
        per_month=recurrence is not Recurrence.ONE_OFF,
        product=title,
        currency=currency,
        catalogue_entry=catalogue_entry,
        exclude_id=exclude_id,
    )
