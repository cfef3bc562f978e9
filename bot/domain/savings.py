"""Savings for the weekly digest: overlapping tools, consolidation candidates, renewals coming
up and price outliers, each a line IT leadership can act on that names its requests.

The numbers are aggregated by the database (storage/savings.py); this module holds the neutral
view and the wording, which Slack, Teams and the terminal show alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from bot.domain.benchmarks import flat, numbers
from bot.domain.clipping import clip
from bot.domain.formatting import money
from bot.domain.model import format_number
from bot.domain.views import Renewal

SHOWN = 5  # lines per savings section before "and N more"
SHARES_SHOWN = 3  # vendors of a category, or cost centres of a vendor, named in one line
IDS_PER_SHARE = 2  # request numbers named per vendor or cost centre
RENEWAL_DAYS = 60
OUTLIER_PCT = Decimal(25)  # a unit price this much above the vendor's median is an outlier
OUTLIER_MIN_PURCHASES = 3  # a median of fewer purchases says too little
LINE_CHARS = 500


@dataclass(frozen=True, slots=True)
class Share:
    """One vendor of a category, or one cost centre buying a vendor: its yearly spend."""

    label: str
    amount: Decimal
    purchases: int
    request_ids: tuple[int, ...]  # the largest, at most IDS_PER_SHARE


@dataclass(frozen=True, slots=True)
class Overlap:
    """Several vendors of one category bought by different cost centres."""

    category: str
    vendors: int
    cost_centres: int
    amount: Decimal  # yearly, all vendors of the category
    shares: Sequence[Share]  # vendors, largest first, at most SHARES_SHOWN


@dataclass(frozen=True, slots=True)
class Consolidation:
    """One vendor bought separately by several cost centres."""

    vendor: str
    cost_centres: int
    amount: Decimal  # combined yearly spend
    shares: Sequence[Share]  # cost centres, largest first, at most SHARES_SHOWN


@dataclass(frozen=True, slots=True)
class Outlier:
    """A request approved this period paying well above the vendor's median unit price."""

    request_id: int
    title: str
    vendor: str
    cost_centre: str
    per_month: bool
    unit_price: Decimal
    median: Decimal
    purchases: int  # behind the median
    median_ids: tuple[int, ...]  # the purchase(s) at the median

    @property
    def above_pct(self) -> Decimal:
        """How many percent above the median, rounded."""
        return ((self.unit_price - self.median) * 100 / self.median).quantize(Decimal(1))


@dataclass(frozen=True, slots=True)
class Savings:
    """The digest's savings section; each list holds the first SHOWN and its total."""

    overlaps: Sequence[Overlap] = ()
    overlaps_total: int = 0
    consolidations: Sequence[Consolidation] = ()
    consolidations_total: int = 0
    renewals: Sequence[Renewal] = ()
    renewals_total: int = 0
    outliers: Sequence[Outlier] = ()
    outliers_total: int = 0
    names: dict[str, str] = field(default_factory=dict)


class SavingsQueries(Protocol):
    """The savings numbers, aggregated by the database."""

    def overlaps(self, *, limit: int) -> tuple[int, list[Overlap]]:
        """Categories where several vendors are bought by different cost centres (running
        subscriptions), largest yearly spend first, and how many there are."""

    def consolidations(self, *, limit: int) -> tuple[int, list[Consolidation]]:
        """Vendors bought separately by several cost centres (running subscriptions),
        largest combined yearly spend first, and how many there are."""

    def outliers(
        self, *, start: datetime, end: datetime, above_pct: Decimal, limit: int
    ) -> tuple[int, list[Outlier]]:
        """Requests approved in [start, end) paying more than `above_pct` percent above the
        median unit price of their vendor, furthest above first, and how many there are."""


@dataclass(frozen=True, slots=True)
class Section:
    """One titled list of the savings, ready for any renderer."""

    title: str
    lines: Sequence[str]
    more: int  # lines not shown
    empty: str


def _shares(shares: Sequence[Share], total: int, what: str, currency: str) -> str:
    parts = [
        f"{flat(s.label)} {money(s.amount, currency)} ({numbers(s.request_ids, s.purchases)})"
        for s in shares
    ]
    hidden = total - len(shares)
    if hidden > 0:
        parts.append(f"{hidden} more {what}{'s' if hidden != 1 else ''}")
    if len(parts) > 1:
        return f"{', '.join(parts[:-1])} and {parts[-1]}"
    return "".join(parts)


def overlap_line(overlap: Overlap, *, currency: str, label: str) -> str:
    """'SaaS subscription: 3 tools bought by 4 cost centres, $12,900.00/yr: Figma … (PR-1001)
    and 1 more tool. One tool for everyone?'."""
    tools = _shares(overlap.shares, overlap.vendors, "tool", currency)
    return _clip(
        f"{flat(label)}: {overlap.vendors} tools bought by {overlap.cost_centres} cost centres, "
        f"{money(overlap.amount, currency)}/yr: {tools}. Could one tool serve them all?"
    )


def consolidation_line(consolidation: Consolidation, *, currency: str) -> str:
    """'Figma bought separately by 3 cost centres, $7,020.00/yr combined: Design … (PR-1001)
    … One contract may cost less.'."""
    centres = _shares(consolidation.shares, consolidation.cost_centres, "cost centre", currency)
    return _clip(
        f"{flat(consolidation.vendor)} bought separately by {consolidation.cost_centres} cost "
        f"centres, {money(consolidation.amount, currency)}/yr combined: {centres}. "
        "One contract may cost less."
    )


def renewal_savings_line(renewal: Renewal, *, currency: str, names: dict[str, str]) -> str:
    """'PR-1007 Figma seats (Figma) renews Mon 07 Dec 2026, $1,620.00/yr: ask Rita whether
    every seat is still used.'."""
    owner = flat(names.get(renewal.requester, renewal.requester))
    what = f"{flat(renewal.title)} ({flat(renewal.vendor)})"
    return _clip(
        f"{format_number(renewal.request_id)} {what} renews {renewal.renews_on:%a %d %b %Y}, "
        f"{money(renewal.amount, currency)}/yr: ask {owner} whether it is all still used "
        "before it renews."
    )


def outlier_line(outlier: Outlier, *, currency: str) -> str:
    """'PR-1042 Figma seats (Design) pays $45.00/unit/mo, 25 % above the Figma median of
    $36.00 over 12 purchases (PR-1003): ask for the same price.'."""
    per = "/unit/mo" if outlier.per_month else "/unit"
    return _clip(
        f"{format_number(outlier.request_id)} {flat(outlier.title)} ({flat(outlier.cost_centre)}) "
        f"pays "
        f"{money(outlier.unit_price, currency)}{per}, {outlier.above_pct} % above the "
        f"{flat(outlier.vendor)} median of {money(outlier.median, currency)} over "
        f"{outlier.purchases} purchases ({numbers(outlier.median_ids)}): ask for the same price."
    )


def sections(
    savings: Savings, *, currency: str, label: Callable[[str], str] = str
) -> list[Section]:
    """The four savings lists in the order the digest shows them; `label` names a category."""
    return [
        Section(
            title="Overlapping tools",
            lines=[
                overlap_line(o, currency=currency, label=label(o.category))
                for o in savings.overlaps
            ],
            more=savings.overlaps_total - len(savings.overlaps),
            empty="no category with several tools across cost centres",
        ),
        Section(
            title="Consolidation candidates",
            lines=[consolidation_line(c, currency=currency) for c in savings.consolidations],
            more=savings.consolidations_total - len(savings.consolidations),
            empty="no vendor bought separately by several cost centres",
        ),
        Section(
            title=f"Renewals in the next {RENEWAL_DAYS} days: {savings.renewals_total}",
            lines=[
                renewal_savings_line(r, currency=currency, names=savings.names)
                for r in savings.renewals
            ],
            more=savings.renewals_total - len(savings.renewals),
            empty="none",
        ),
        Section(
            title=f"Price outliers approved this week (over {OUTLIER_PCT} % above the median)",
            lines=[outlier_line(o, currency=currency) for o in savings.outliers],
            more=savings.outliers_total - len(savings.outliers),
            empty="none",
        ),
    ]


class RenewalQueries(Protocol):
    """The digest's renewals query (bot.app.ports.DigestQueries has it)."""

    def renewals(
        self, *, start: date, end: date, limit: int = 1000, recurrence: str | None = None
    ) -> tuple[int, list[Renewal]]:
        """How many purchases renew in [start, end], and the first `limit`."""


def collect(
    *, queries: SavingsQueries, digest: RenewalQueries, start: datetime, end: datetime, today: date
) -> Savings:
    """The savings section of the digest of [start, end); renewals from `today` on."""
    overlaps_total, overlaps = queries.overlaps(limit=SHOWN)
    consolidations_total, consolidations = queries.consolidations(limit=SHOWN)
    renewals_total, renewals = digest.renewals(
        start=today, end=today + timedelta(days=RENEWAL_DAYS), limit=SHOWN
    )
    outliers_total, outliers = queries.outliers(
        start=start, end=end, above_pct=OUTLIER_PCT, limit=SHOWN
    )
    return Savings(
        overlaps=overlaps,
        overlaps_total=overlaps_total,
        consolidations=consolidations,
        consolidations_total=consolidations_total,
        renewals=renewals,
        renewals_total=renewals_total,
        outliers=outliers,
        outliers_total=outliers_total,
    )


def _clip(text: str) -> str:
    return clip(text, LINE_CHARS)
