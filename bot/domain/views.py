"""Read models the domain shows and the storage computes: a vendor's history and the
digest's aggregates. Plain values; the ports promise them, the cards and digest show them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from bot.domain.model import PurchaseRequest


@dataclass(frozen=True, slots=True)
class VendorHistory:
    """What the company already bought from a vendor."""

    requests: int
    approved_spend: Decimal  # annual value in base currency of approved/ordered/received
    recent: Sequence[PurchaseRequest]  # active recurring first, then active, then newest


@dataclass(frozen=True, slots=True)
class Tally:
    """A count and a base-currency sum for one label (a category, a cost centre, a vendor)."""

    label: str
    count: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class StepTiming:
    """How long one step name took to decide, in hours, for steps decided in a window."""

    step: str
    decided: int
    median_hours: float
    p90_hours: float
    over_sla: int


@dataclass(frozen=True, slots=True)
class WeekCounts:
    """What happened in one window [start, end)."""

    submitted: int
    approved: int
    rejected: int
    auto_approved: int
    approved_spend: Decimal  # annual base amount of requests approved (incl. catalogue)
    recurring_added: Decimal  # the recurring part of approved_spend, annualised


@dataclass(frozen=True, slots=True)
class BacklogItem:
    """One open request: how old it is and whom it waits on."""

    request_id: int
    title: str
    amount: Decimal
    created_at: datetime
    waiting_since: datetime  # when its oldest open step started (or the question was asked)
    waiting_on: Sequence[str]  # emails


@dataclass(frozen=True, slots=True)
class Renewal:
    """A recurring purchase whose renewal date falls in a window."""

    request_id: int
    title: str
    vendor: str
    requester: str
    amount: Decimal
    renews_on: date
    recurrence: str = "annual"
