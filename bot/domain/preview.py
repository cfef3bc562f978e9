"""What submitting a draft would do, shown to the requester before and after they submit:
its route, a catalogue match, the budget, existing purchases and look-alike vendors."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.domain import benchmarks
from bot.domain.budgets import BudgetCheck
from bot.domain.cards import budget_line
from bot.domain.model import VendorStatus
from bot.domain.policy import RouteStep
from bot.domain.policy_schema import CatalogueEntry
from bot.domain.views import VendorHistory

BUDGET_RULE = "Over the "  # the reason of a budget step: "Over the Design budget for 2026"


@dataclass(frozen=True, slots=True)
class Preview:
    """What would happen if the draft were submitted now: shown before and after submit."""

    route: list[RouteStep]
    catalogue: CatalogueEntry | None
    vendor_status: VendorStatus
    history: VendorHistory
    existing: str | None = None  # existing purchases of the vendor, owners named
    budget: BudgetCheck | None = None
    lookalike: str | None = None  # 'Sketchy Ltd.io looks like rejected vendor Sketchy Ltd (...)'
    cost_centre: str | None = None  # 'No budget for Desgin — did you mean Design?'
    price: str | None = None  # the price check: how the unit price compares (benchmarks)
    price_above: Decimal | None = None  # percent above the median the company pays

    @property
    def price_notice(self) -> str | None:
        """'Price check: $45.00/seat/mo, 25 % above what Design pays (...)' or None."""
        return f"Price check: {self.price}" if self.price else None

    @property
    def existing_notice(self) -> str | None:
        """'Design already has 3 × Figma seats (Figma, monthly), PR-1001, owner ...' or None."""
        return f"{self.existing} You can still go ahead." if self.existing else None

    @property
    def budget_notice(self) -> str | None:
        """'Budget: $3,380.00 left of $5,000.00 (Design, 2026-Q4) after this request' or None."""
        if self.budget is None:
            return None
        if self.budget.over:
            return f"{budget_line(self.budget)}. {self.budget_consequence}"
        return f"Budget: {budget_line(self.budget)}."

    @property
    def budget_consequence(self) -> str:
        """What going over budget means for this request."""
        extra = [r.spec.name for r in self.route if any(x.startswith(BUDGET_RULE) for x in r.rules)]
        if extra:
            return f"{extra[0]} will be asked to approve the overrun."
        return "Nothing is added for it under the policy."

    @property
    def lookalike_notice(self) -> str | None:
        """The rejected vendor the vendor's name looks like, or None."""
        if self.lookalike is None:
            return None
        return f"{self.lookalike}. Make sure it is another company before you go ahead."

    @property
    def notice(self) -> str | None:
        """Everything the requester should read before submitting, or None."""
        notices = (self.lookalike_notice, self.existing_notice, self.budget_notice)
        parts = [p for p in (self.cost_centre, *notices, self.price_notice) if p]
        return " ".join(parts) or None

    @property
    def needs_confirmation(self) -> bool:
        """Whether the requester should see the notice before the request is saved."""
        # A price well above what the company pays is worth a second look before saving.
        high = self.price_above is not None and self.price_above >= benchmarks.OUTLIER_PCT
        return bool(self.existing or self.lookalike or self.cost_centre or high) or bool(
            self.budget and self.budget.over
        )

    @property
    def to_confirm(self) -> str | None:
        """The notice to show before saving, or None to save at once (catalogue purchases are
        approved on the spot and never held)."""
        if self.catalogue or not self.needs_confirmation:
            return None
        return self.notice
