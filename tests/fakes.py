"""Shared test helpers: the example policy, a movable clock and a valid draft."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from bot import policy as policy_module
from bot.clock import FixedClock
from bot.model import Category, DataAccess, Recurrence, RequestDraft
from bot.policy import Policy

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_POLICY = ROOT / "policy.example.yml"
START = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # a Monday

REQUESTER = "rita.req@acme.example"
IT = ("ines.it@acme.example", "omar.it@acme.example")
SECURITY = "sam.sec@acme.example"
PROCUREMENT = "priya.proc@acme.example"
FINANCE = ("fred.fin@acme.example", "carla.cfo@acme.example")
CIO = "lee.cio@acme.example"


def example_policy() -> Policy:
    """The shipped example policy."""
    return policy_module.load(EXAMPLE_POLICY)


def clock() -> FixedClock:
    """A clock at START."""
    return FixedClock(START)


def draft(**overrides: object) -> RequestDraft:
    """A valid SaaS draft: 3 Figma seats at $45/month (1,620 USD a year)."""
    values: dict[str, object] = {
        "title": "Figma Professional seats",
        "category": Category.SAAS,
        "vendor": "Figma",
        "unit_price": Decimal("45.00"),
        "currency": "USD",
        "quantity": 3,
        "recurrence": Recurrence.MONTHLY,
        "cost_centre": "Design",
        "needed_by": date(2026, 12, 15),
        "data_access": DataAccess.INTERNAL,
        "justification": "Three new designers join in December and need Figma.",
        "link": "https://www.figma.com/pricing",
    }
    values.update(overrides)
    return RequestDraft(**values)  # type: ignore[arg-type]
