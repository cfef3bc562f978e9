"""The consolidated purchasing policy: one YAML file, validated, and the routing it implies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, Field, ValidationError

from bot.domain.budgets import Budget, Period
from bot.domain.errors import NotAllowed, PolicyError
from bot.domain.model import (
    Category,
    DataAccess,
    Delegation,
    Recurrence,
    Step,
    VendorStatus,
    vendor_key,
)
from bot.domain.policy_checks import cross_check, explain, format_problems
from bot.domain.policy_schema import (
    Budgets,
    CatalogueEntry,
    Condition,
    DelegationSpec,
    Digest,
    Group,
    Reminders,
    Rule,
    StepSpec,
    Strict,
    Vendors,
)
from bot.domain.webhooks import Webhook, unique_names


class Policy(Strict):
    base_currency: str = "USD"
    exchange_rates: dict[str, Decimal] = Field(default_factory=dict)
    groups: dict[str, Group]
    purchasing_group: str
    rules: list[Rule] = Field(min_length=1)
    catalogue: list[CatalogueEntry] = Field(default_factory=list)
    delegations: list[DelegationSpec] = Field(default_factory=list)
    reminders: Reminders = Reminders()
    digest: Digest = Digest()
    vendors: Vendors = Vendors()
    budgets: Budgets = Budgets()
    webhooks: Annotated[list[Webhook], AfterValidator(unique_names)] = Field(
        default_factory=list, description="Where to POST request events (see the README)."
    )

    @property
    def currencies(self) -> list[str]:
        return [self.base_currency, *sorted(set(self.exchange_rates) - {self.base_currency})]

    def to_base(self, amount: Decimal, currency: str) -> Decimal:
        """Convert with the policy's static rates; rates say what one unit is in base currency."""
        if currency == self.base_currency:
            return amount
        rate = self.exchange_rates.get(currency)
        if rate is None:
            raise NotAllowed(
                f"{currency} is not a currency the policy knows. Use one of "
                f"{', '.join(self.currencies)}."
            )
        return (amount * rate).quantize(Decimal("0.01"))

    def rate_to_base(self, amount: Decimal, currency: str) -> Decimal | None:
        """Like to_base, but None for a currency the policy has no rate for."""
        if currency != self.base_currency and currency not in self.exchange_rates:
            return None
        return self.to_base(amount, currency)

    def budget_list(self) -> list[Budget]:
        """The budgets the policy file sets."""
        return [
            Budget(
                cost_centre=item.cost_centre.strip(),
                period=Period.parse(item.period),
                amount=item.amount,
                currency=item.currency or self.base_currency,
            )
            for item in self.budgets.items
        ]

    def budget_step(self, reason: str) -> RouteStep | None:
        """The step to add for a request over budget (None when the policy names none)."""
        if self.budgets.step is None:
            return None
        return RouteStep(spec=self.budgets.step, rules=[reason])

    def members(self, group: str) -> list[str]:
        return list(self.groups[group].members)

    @property
    def purchasers(self) -> list[str]:
        return self.members(self.purchasing_group)

    def delegation_list(self) -> list[Delegation]:
        return [
            Delegation(
                approver=d.approver.lower(), delegate=d.delegate.lower(), start=d.start, end=d.end
            )
            for d in self.delegations
        ]

    def escalation_group(self, step_name: str) -> str | None:
        """The group a waiting step escalates to: the step's own, else the reminders' one."""
        for rule in self.rules:
            if rule.step.name == step_name and rule.step.escalate_to:
                return rule.step.escalate_to
        return self.reminders.escalate_to

    def groups_of(self, email: str) -> list[str]:
        return [key for key, group in self.groups.items() if email in group.members]

    def route(self, facts: RequestFacts) -> list[RouteStep]:
        """The steps a request with these facts needs, in stage order, with the rules behind."""
        by_name: dict[str, RouteStep] = {}
        for rule in self.rules:
            if not _matches(rule.when, facts):
                continue
            found = by_name.get(rule.step.name)
            if found is None:
                by_name[rule.step.name] = RouteStep(spec=rule.step, rules=[rule.name])
            else:
                found.rules.append(rule.name)
        return sorted(by_name.values(), key=lambda s: s.spec.stage)

    def build_steps(self, route: Sequence[RouteStep], *, requester: str) -> list[Step]:
        """Turn a route into steps with approvers; the requester is never one of them."""
        steps = []
        for item in route:
            approvers = self._approvers(item.spec.group, requester=requester)
            steps.append(
                Step(
                    name=item.spec.name,
                    group=self.groups[item.spec.group].name,
                    stage=item.spec.stage,
                    mode=item.spec.mode,
                    approvers=approvers,
                    reason="; ".join(item.rules),
                    vendor_qualification=item.spec.qualifies_vendor,
                )
            )
        return steps

    def _approvers(self, group: str, *, requester: str) -> list[str]:
        seen = {group}
        current: str | None = group
        while current is not None:
            members = [m for m in self.groups[current].members if m != requester]
            if members:
                return members
            current = self.groups[current].fallback
            if current in seen:
                break
            if current is not None:
                seen.add(current)
        raise NotAllowed(
            f"Only you can approve {self.groups[group].name} and you can't approve "
            "your own request. Ask the policy owner to set a fallback group."
        )

    def catalogue_match(self, facts: RequestFacts, *, requester: str) -> CatalogueEntry | None:
        """The catalogue entry that pre-approves this request for this requester, if any."""
        mine = set(self.groups_of(requester))
        title = facts.title.casefold()
        for entry in self.catalogue:
            if (
                entry.category is facts.category
                and any(word.casefold() in title for word in entry.match)
                and (
                    not entry.vendors or facts.vendor_key in {vendor_key(v) for v in entry.vendors}
                )
                and self.to_base(facts.unit_price, facts.currency) <= entry.max_unit_price
                and facts.quantity <= entry.max_quantity
                and facts.recurrence is Recurrence.ONE_OFF
                and mine & set(entry.requesters)
            ):
                return entry
        return None


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What routing looks at; built from a draft plus what the registry knows of the vendor."""

    title: str
    category: Category
    vendor_key: str
    vendor_status: VendorStatus
    unit_price: Decimal
    currency: str
    quantity: int
    recurrence: Recurrence
    department: str
    data_access: DataAccess
    annual_base_amount: Decimal  # routing thresholds compare against this


@dataclass(slots=True)
class RouteStep:
    spec: StepSpec
    rules: list[str]


def _matches(when: Condition, facts: RequestFacts) -> bool:
    checks = [
        when.category is None or facts.category in when.category,
        when.amount_gte is None or facts.annual_base_amount >= when.amount_gte,
        when.amount_lt is None or facts.annual_base_amount < when.amount_lt,
        when.department is None
        or facts.department.casefold() in {d.casefold() for d in when.department},
        when.vendor_status is None or facts.vendor_status in when.vendor_status,
        when.data_access is None or facts.data_access in when.data_access,
        when.recurrence is None or facts.recurrence in when.recurrence,
    ]
    return all(checks)


# ---------------------------------------------------------------------------------------------
# Loading and validation with line numbers


def load(path: str | Path) -> Policy:
    """Read and validate a policy file; PolicyError lists every problem with its line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PolicyError(f"{path}: cannot read the policy file ({error.strerror}).") from None
    return parse(text, source=str(path))


def parse(text: str, *, source: str = "policy") -> Policy:
    """Validate policy YAML text; see load()."""
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "somewhere"
        problem = getattr(error, "problem", None) or str(error)
        raise PolicyError(f"{source}: {where}: not valid YAML ({problem}).") from None
    if not isinstance(data, dict):
        raise PolicyError(
            f"{source}: the policy must be a mapping of keys such as groups and rules."
        )
    try:
        policy = Policy.model_validate(data)
    except ValidationError as error:
        problems = [(tuple(e["loc"]), explain(e)) for e in error.errors()]
        raise PolicyError(format_problems(source, root, problems)) from None
    problems = list(cross_check(policy))
    if problems:
        raise PolicyError(format_problems(source, root, problems))
    return policy


def summary(policy: Policy) -> str:
    """A readable overview for `procurebot policy check`."""
    out = [
        f"Base currency {policy.base_currency}; rates for "
        f"{', '.join(policy.exchange_rates) or 'no other currency'}."
    ]
    out.append(f"{len(policy.groups)} approver groups:")
    for key, group in policy.groups.items():
        fallback = f", fallback {group.fallback}" if group.fallback else ""
        out.append(f"  {key} ({group.name}): {len(group.members)} members{fallback}")
    out.append(f"{len(policy.rules)} routing rules:")
    for rule in policy.rules:
        out.append(
            f"  {rule.name} -> stage {rule.step.stage} {rule.step.name} "
            f"({rule.step.group}, {rule.step.mode.value})"
        )
    out.append(f"{len(policy.catalogue)} catalogue entries, {len(policy.delegations)} delegations.")
    budgets = policy.budgets
    step = f"adds {budgets.step.name}" if budgets.step else "adds nothing"
    action = "blocks" if budgets.over_budget.value == "block" else step
    out.append(f"{len(budgets.items)} budgets; a request over budget {action}.")
    digest = policy.digest
    out.append(f"Digest every {digest.day} at {digest.time:%H:%M} {digest.timezone}.")
    vendors = policy.vendors
    if vendors.qualification_groups:
        out.append(
            f"Vendors are qualified by {', '.join(vendors.qualification_groups)} with "
            f"{len(vendors.questionnaire)} questions."
        )
    return "\n".join(out)
