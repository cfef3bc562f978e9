"""The weekly digest for IT leadership as a neutral view, its schedule and its wording.

bot.app.digest.build_digest fills a Digest from the database's aggregates; the adapters
render it (Block Kit, an Adaptive Card, terminal text).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.domain.formatting import money
from bot.domain.model import Category, format_number
from bot.domain.policy import Policy
from bot.domain.savings import Savings, Section, sections
from bot.domain.views import BacklogItem, Renewal, StepTiming, WeekCounts

WEEK = timedelta(days=7)
CHART_WEEKS = 8
TOP = 5
BACKLOG_SHOWN = 10
RENEWAL_DAYS = 30
RENEWALS_SHOWN = 15
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Line:
    """One label's approved spend this week and the week before."""

    label: str
    count: int
    amount: Decimal
    previous: Decimal


@dataclass(frozen=True, slots=True)
class Digest:
    """Everything the weekly digest says; plain values, no formatting."""

    start: datetime  # this week: [start, end)
    end: datetime
    timezone: str
    currency: str
    this_week: WeekCounts
    last_week: WeekCounts
    by_category: Sequence[Line]
    by_department: Sequence[Line]
    top_vendors: Sequence[Line]
    backlog_total: int
    backlog: Sequence[BacklogItem]
    step_timings: Sequence[StepTiming]
    sla_hours: int
    vendors_in_review: Sequence[str]
    vendors_approved: Sequence[str]
    renewals_total: int
    renewals: Sequence[Renewal]  # the soonest RENEWALS_SHOWN
    # (week start, {category: amount}) for the chart, oldest first
    weekly: Sequence[tuple[datetime, dict[str, Decimal]]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # email -> display name
    savings: Savings = field(default_factory=Savings)

    @property
    def sla_breaches(self) -> int:
        """Steps decided this week later than the SLA."""
        return sum(s.over_sla for s in self.step_timings)

    @property
    def title(self) -> str:
        """'Procurement digest · week of 16 Nov 2026'."""
        local = self.start.astimezone(ZoneInfo(self.timezone))
        return f"Procurement digest · week of {local:%d %b %Y}"


def last_slot(policy: Policy, now: datetime) -> datetime:
    """The most recent scheduled digest moment (day and time in the policy's zone) at or
    before `now`, as an aware UTC datetime."""
    settings = policy.digest
    zone = ZoneInfo(settings.timezone)
    local = now.astimezone(zone)
    weekday = _DAYS.index(settings.day)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    slot = datetime.combine(day, settings.time, tzinfo=zone)
    if slot > local:
        slot = datetime.combine(day - WEEK, settings.time, tzinfo=zone)
    return slot.astimezone(now.tzinfo)


# --------------------------------------------------------------------------- shared wording


def category_label(value: str) -> str:
    """'SaaS subscription' for 'saas'; unknown values as stored."""
    try:
        return Category(value).label
    except ValueError:
        return value


def change(now: Decimal | int, before: Decimal | int) -> str:
    """'+3' / '−20%' / 'new' / '='; how a number moved since the week before."""
    if now == before:
        return "="
    if isinstance(now, int) and isinstance(before, int):
        return f"{now - before:+d}".replace("-", "−")
    if not before:
        return "new"
    pct = (Decimal(now) - Decimal(before)) * 100 / Decimal(before)
    return f"{pct:+.0f}%".replace("-", "−")


def age(since: datetime, now: datetime) -> str:
    """'3d 4h' or '5h'."""
    hours = int((now - since).total_seconds() // 3600)
    days, hours = divmod(max(hours, 0), 24)
    return f"{days}d {hours}h" if days else f"{hours}h"


def counts_rows(digest: Digest) -> list[tuple[str, str, str, str]]:
    """(label, this week, last week, change) for the headline numbers."""
    now, before = digest.this_week, digest.last_week
    cur = digest.currency
    rows: list[tuple[str, int | Decimal, int | Decimal, bool]] = [
        ("Submitted", now.submitted, before.submitted, False),
        ("Approved", now.approved, before.approved, False),
        ("Auto-approved (catalogue)", now.auto_approved, before.auto_approved, False),
        ("Rejected", now.rejected, before.rejected, False),
        ("Approved spend", now.approved_spend, before.approved_spend, True),
        ("Recurring spend added (annual)", now.recurring_added, before.recurring_added, True),
    ]
    return [
        (
            label,
            money(Decimal(a), cur) if is_money else str(a),
            money(Decimal(b), cur) if is_money else str(b),
            change(a, b),
        )
        for label, a, b, is_money in rows
    ]


def backlog_line(item: BacklogItem, *, now: datetime, currency: str, names: dict[str, str]) -> str:
    """'PR-1042 Figma seats · $1,620.00 · waiting 3d 4h on Ines IT'."""
    who = ", ".join(names.get(e, e) for e in item.waiting_on) or "nobody (check its route)"
    return (
        f"{format_number(item.request_id)} {item.title} · {money(item.amount, currency)} · "
        f"waiting {age(item.waiting_since, now)} on {who}"
    )


def renewal_line(renewal: Renewal, *, currency: str, names: dict[str, str]) -> str:
    """'PR-1007 Figma (Figma) renews Mon 07 Dec 2026 · $1,620.00/yr, monthly · owner Rita'."""
    return (
        f"{format_number(renewal.request_id)} {renewal.title} ({renewal.vendor}) renews "
        f"{renewal.renews_on:%a %d %b %Y} · {money(renewal.amount, currency)}/yr, "
        f"{renewal.recurrence} · owner {names.get(renewal.requester, renewal.requester)}"
    )


def render_text(digest: Digest) -> str:
    """The digest as plain text for a terminal (`procurebot digest --print`)."""
    names = digest.names
    cur = digest.currency
    zone = ZoneInfo(digest.timezone)
    start = digest.start.astimezone(zone)
    end = digest.end.astimezone(zone)
    out = [
        digest.title,
        f"{start:%a %d %b %H:%M} – {end:%a %d %b %H:%M %Z}; money in {cur}, yearly amounts",
        "",
        f"{'':32}{'this week':>16}{'week before':>16}{'change':>9}",
    ]
    for label, now, before, moved in counts_rows(digest):
        out.append(f"{label:32}{now:>16}{before:>16}{moved:>9}")

    def block(title: str, lines: Sequence[Line], label: object = str) -> None:
        out.append("")
        out.append(title)
        if not lines:
            out.append("  nothing approved this week")
        for line in lines:
            name = category_label(line.label) if label == "category" else line.label
            out.append(
                f"  {name:30}{line.count:>4}  {money(line.amount, cur):>14}"
                f"  (week before {money(line.previous, cur)})"
            )

    block("Approved spend by category", digest.by_category, "category")
    block("Approved spend by department (top 5)", digest.by_department)
    block("Top vendors", digest.top_vendors)
    out += ["", f"Pending backlog: {digest.backlog_total} open"]
    for item in digest.backlog:
        out.append("  " + backlog_line(item, now=digest.end, currency=cur, names=names))
    if digest.backlog_total > len(digest.backlog):
        out.append(f"  … and {digest.backlog_total - len(digest.backlog)} more")
    out += ["", f"Cycle time per step (decided this week; SLA {digest.sla_hours}h)"]
    if not digest.step_timings:
        out.append("  no step decided this week")
    for timing in digest.step_timings:
        out.append(
            f"  {timing.step:30}{timing.decided:>4} decided  median {timing.median_hours:>6.1f}h"
            f"  p90 {timing.p90_hours:>6.1f}h  over SLA {timing.over_sla}"
        )
    out += [
        "",
        f"New vendors in review: {', '.join(digest.vendors_in_review) or 'none'}",
        f"Vendors approved: {', '.join(digest.vendors_approved) or 'none'}",
        "",
        f"Renewals in the next {RENEWAL_DAYS} days: {digest.renewals_total}",
    ]
    for renewal in digest.renewals:
        out.append("  " + renewal_line(renewal, currency=cur, names=names))
    if digest.renewals_total > len(digest.renewals):
        out.append(f"  … and {digest.renewals_total - len(digest.renewals)} more")
    out += ["", "Savings"]
    for section in savings_sections(digest):
        out.append(f"  {section.title}")
        out += [f"    {line}" for line in section.lines] or [f"    {section.empty}"]
        if section.more > 0:
            out.append(f"    … and {section.more} more")
    return "\n".join(out) + "\n"


def savings_sections(digest: Digest) -> list[Section]:
    """The digest's savings lists, worded for every renderer."""
    return sections(digest.savings, currency=digest.currency, label=category_label)


def renewal_window(*, today: date, notice_days: int) -> tuple[date, date]:
    """The renewal dates a reminder is due for today."""
    return today, today + timedelta(days=notice_days)
