"""The vendor registry and the budgets as people look them up and bootstrap them (the CLI,
the form's vendor typeahead), and the budget check that intake shares with them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.app.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.domain import budgets as budget_rules
from bot.domain import vendors as vendor_rules
from bot.domain.budgets import Budget, BudgetCheck
from bot.domain.errors import NotFound
from bot.domain.model import PurchaseRequest, RequestStatus, Vendor, VendorStatus, vendor_key
from bot.domain.policy import Policy

# What counts against a budget: what the company committed to, and (if the policy says so)
# what it is still deciding, so that two requests never both fit into one remainder.
SPENT = (RequestStatus.APPROVED, RequestStatus.ORDERED, RequestStatus.RECEIVED)
OPEN = (RequestStatus.PENDING, RequestStatus.CHANGES_REQUESTED)


@dataclass(frozen=True, slots=True)
class VendorReport:
    """A vendor, its review and what the company bought from it (`vendors show`)."""

    vendor: Vendor
    status_text: str
    requests: list[PurchaseRequest]
    approved_spend: Decimal
    base_currency: str


def check_budget(
    uow: UnitOfWork,
    policy: Policy,
    *,
    cost_centre: str,
    amount: Decimal,
    day: date,
    exclude_id: int | None = None,
    only: Budget | None = None,
) -> BudgetCheck | None:
    """The tightest budget of the cost centre on `day`, with `amount` counted in
    (or just `only`)."""
    found = (
        [only]
        if only is not None
        else budget_rules.applicable(all_budgets(uow, policy), cost_centre=cost_centre, day=day)
    )
    statuses = [*SPENT, *(OPEN if policy.budgets.count_open_requests else ())]
    checks = []
    for budget in found:
        spends = uow.requests.spend(
            cost_centre_key=budget_rules.cost_centre_key(cost_centre),
            start=budget.period.start,
            end=budget.period.end,
            statuses=statuses,
            exclude_id=exclude_id,
        )
        checks.append(
            budget_rules.check(
                budget,
                limit=policy.to_base(budget.amount, budget.currency),
                spent=budget_rules.spent_in_base(spends, to_base=policy.rate_to_base),
                request=amount,
                base_currency=policy.base_currency,
            )
        )
    return budget_rules.tightest(checks)


def all_budgets(uow: UnitOfWork, policy: Policy) -> list[Budget]:
    """The policy's budgets, with imported ones in place of those they replace."""
    return budget_rules.merge(policy.budget_list(), uow.budgets.list())


class Registry:
    """Vendors and budgets: list, report, import, suggest."""

    def __init__(self, *, uow: UnitOfWorkFactory, policy: Policy, clock: Clock) -> None:
        self._uow = uow
        self.policy = policy
        self.clock = clock

    def vendors(self) -> list[Vendor]:
        """Every vendor in the registry, by name."""
        with self._uow() as uow:
            return uow.vendors.list()

    def vendor_suggestions(self, text: str, *, limit: int = 20) -> list[tuple[Vendor, str]]:
        """Typeahead: registry vendors matching `text`, approved first, each with its status
        as people should read it (an expired review reads as such)."""
        now = self.clock.now()
        months = self.policy.vendors.review_valid_months
        with self._uow() as uow:
            found = vendor_rules.suggest(uow.vendors.list(), text, limit=limit)
        return [(v, vendor_rules.status_text(v, now=now, months=months)) for v in found]

    def approved_vendors(self, text: str = "", *, limit: int = 20) -> list[Vendor]:
        """Vendors people may buy from without a review (approved, review still valid),
        matching `text` as the typeahead does."""
        now = self.clock.now()
        months = self.policy.vendors.review_valid_months
        with self._uow() as uow:
            approved = [
                v
                for v in uow.vendors.list()
                if vendor_rules.effective_status(v, now=now, months=months) is VendorStatus.APPROVED
            ]
        return vendor_rules.suggest(approved, text, limit=limit)

    def vendor_status_text(self, vendor: Vendor) -> str:
        """'approved until 2027-11-23', 'rejected', ..."""
        return vendor_rules.status_text(
            vendor, now=self.clock.now(), months=self.policy.vendors.review_valid_months
        )

    def vendor_report(self, name: str) -> VendorReport:
        """A vendor (matched forgivingly), its review, its requests and approved spend."""
        key = vendor_key(name)
        with self._uow() as uow:
            vendor = uow.vendors.get(key)
            if vendor is None:
                close = [v.name for v in vendor_rules.suggest(uow.vendors.list(), name, limit=3)]
                hint = f" Did you mean {', '.join(close)}?" if close else ""
                raise NotFound(f"No vendor called {name!r} in the registry.{hint}")
            history = uow.requests.vendor_history(key)
            return VendorReport(
                vendor=vendor,
                status_text=self.vendor_status_text(vendor),
                requests=uow.requests.list(vendor_key=key, limit=1000),
                approved_spend=history.approved_spend,
                base_currency=self.policy.base_currency,
            )

    def import_vendors(self, rows: list[vendor_rules.VendorRow]) -> tuple[int, int, int]:
        """Add or update registry vendors from checked CSV rows, matching names forgivingly;
        (added, updated, unchanged). One transaction: all rows or none."""
        added = updated = unchanged = 0
        with self._uow() as uow:
            for row in rows:
                vendor = uow.vendors.get(vendor_key(row.name))
                if vendor is None:
                    vendor = Vendor(name=row.name)
                    vendor_rules.apply_row(vendor, row)
                    uow.vendors.add(vendor)
                    added += 1
                elif vendor_rules.apply_row(vendor, row):
                    uow.vendors.save(vendor)
                    updated += 1
                else:
                    unchanged += 1
            uow.commit()
        return added, updated, unchanged

    def budgets(self) -> list[BudgetCheck]:
        """Every budget (policy and imported) with what is spent and left today."""
        with self._uow() as uow:
            checks = []
            for budget in all_budgets(uow, self.policy):
                check = check_budget(
                    uow,
                    self.policy,
                    cost_centre=budget.cost_centre,
                    amount=Decimal("0.00"),
                    day=budget.period.start,
                    only=budget,
                )
                if check is not None:
                    checks.append(check)
            return checks

    def import_budgets(self, budgets: list[Budget]) -> tuple[int, int]:
        """Store imported budgets, replacing those of the same cost centre and period;
        (added, replaced). One transaction: all or none."""
        added = replaced = 0
        with self._uow() as uow:
            for budget in budgets:
                if uow.budgets.put(budget, now=self.clock.now()):
                    added += 1
                else:
                    replaced += 1
            uow.commit()
        return added, replaced
