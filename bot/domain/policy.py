"""The consolidated purchasing policy: one YAML file, validated, and the routing it implies."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from bot.domain.budgets import Budget, OverBudget, Period
from bot.domain.errors import NotAllowed, PolicyError
from bot.domain.model import (
    MAX_AMOUNT,
    MAX_RATE,
    MIN_RATE,
    Category,
    DataAccess,
    Delegation,
    Recurrence,
    Step,
    StepMode,
    VendorStatus,
    vendor_key,
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_TEAMS_CHANNEL = re.compile(r"19:[^\s@;/]+@thread\.(tacv2|skype|v2)")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"not an email address: {value}")
    return value.lower()


def _sane_amount(value: Decimal) -> Decimal:
    if value > MAX_AMOUNT:
        raise ValueError(
            f"{value:,} is more than procurebot takes ({MAX_AMOUNT:,}); check the number"
        )
    return value


# A typo of a few zeros must not pass the check and then break every card that shows it.
Amount = Annotated[Decimal, AfterValidator(_sane_amount)]


# Every address in the file (members, delegations, digest recipients) is checked the same way:
# a typo in a delegation would otherwise silently never match anyone.
Email = Annotated[str, AfterValidator(_email)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Group(_Strict):
    name: str = Field(description="How the group is shown to people, e.g. 'IT review'.")
    members: list[Email] = Field(min_length=1)
    fallback: str | None = Field(
        default=None, description="Group that approves when the requester is the only member."
    )


class Condition(_Strict):
    """All given keys must hold (AND); a list means any of its values (OR)."""

    category: list[Category] | None = None
    amount_gte: Amount | None = Field(default=None, ge=0)
    amount_lt: Amount | None = Field(default=None, gt=0)
    department: list[str] | None = None
    vendor_status: list[VendorStatus] | None = None
    data_access: list[DataAccess] | None = None
    recurrence: list[Recurrence] | None = None


class StepSpec(_Strict):
    name: str = Field(min_length=1)
    group: str
    stage: int = Field(default=1, ge=1, le=20)
    mode: StepMode = StepMode.ANY
    qualifies_vendor: bool = Field(
        default=False, description="Approving this step approves the vendor in the registry."
    )
    escalate_to: str | None = Field(
        default=None, description="Group added when the step waits too long (else reminders')."
    )


class Rule(_Strict):
    name: str = Field(min_length=1)
    when: Condition = Condition()
    step: StepSpec


class CatalogueEntry(_Strict):
    name: str
    match: list[str] = Field(min_length=1, description="Words one of which the title contains.")
    vendors: list[str] = Field(default_factory=list)
    category: Category
    max_unit_price: Amount = Field(gt=0)
    max_quantity: int = Field(default=1, ge=1)
    requesters: list[str] = Field(min_length=1, description="Groups that may buy it at once.")


class DelegationSpec(_Strict):
    approver: Email
    delegate: Email
    start: date
    end: date


class Reminders(_Strict):
    remind_after_hours: int = Field(default=24, ge=1)
    escalate_after_hours: int = Field(default=72, ge=1)
    escalate_to: str | None = None
    business_days_only: bool = True
    renewal_notice_days: int = Field(default=30, ge=1)


class Digest(_Strict):
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    time: dt.time = dt.time(9, 0)
    timezone: str = "UTC"
    slack_channel: str | None = None
    teams_channel: str | None = None
    recipients: list[Email] = Field(default_factory=list)
    grace_hours: int = Field(
        default=12, ge=0, le=168, description="How late a missed digest may still be sent."
    )
    step_sla_hours: int = Field(
        default=48, ge=1, description="A step decided later than this counts as an SLA breach."
    )

    @field_validator("time", mode="before")
    @classmethod
    def _quoted_time(cls, value: Any) -> Any:
        # YAML 1.1 reads an unquoted 14:30 as the base-60 integer 870, which pydantic would
        # silently take as 870 seconds (00:14:30).
        if isinstance(value, int | float):
            raise ValueError('write the time in quotes, e.g. "14:30"')
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use a name like Europe/Paris") from None
        return value

    @field_validator("teams_channel")
    @classmethod
    def _teams_channel(cls, value: str | None) -> str | None:
        # A channel's display name or its web link would be accepted by nothing in Teams.
        if value is not None and not _TEAMS_CHANNEL.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a Teams channel id; use the channel's conversation id, "
                'e.g. "19:abc123@thread.tacv2" (in the link from "Get link to channel", '
                "between /channel/ and the next /, with %3a as : and %40 as @)"
            )
        return value


class Vendors(_Strict):
    review_valid_months: int = Field(default=12, ge=1)
    allow_rejected_exception: bool = False


class BudgetItem(_Strict):
    cost_centre: str = Field(min_length=1)
    period: str = Field(description="A year (2026) or a quarter (2026-Q4).")
    amount: Amount = Field(gt=0)
    currency: str | None = Field(default=None, description="Default: the base currency.")

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, value: Any) -> Any:
        # YAML reads an unquoted 2026 as an integer; both spellings mean the year.
        if isinstance(value, int):
            value = str(value)
        if isinstance(value, str):
            Period.parse(value)  # raises ValueError with the right wording
        return value


class Budgets(_Strict):
    over_budget: OverBudget = Field(
        default=OverBudget.ADD_STEP,
        description="add_step: the step below approves the overrun; block: refuse at intake.",
    )
    step: StepSpec | None = Field(
        default=None, description="The step added to a request that would go over its budget."
    )
    count_open_requests: bool = Field(
        default=True,
        description="Pending requests count as spent too, so two requests cannot both fit.",
    )
    items: list[BudgetItem] = Field(default_factory=list)


class Policy(_Strict):
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
        problems = [(tuple(e["loc"]), _explain(e)) for e in error.errors()]
        raise PolicyError(_format(source, root, problems)) from None
    problems = list(_cross_check(policy))
    if problems:
        raise PolicyError(_format(source, root, problems))
    return policy


def _explain(error: Any) -> str:
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        return "unknown field (check the spelling)"
    if error["type"] == "missing":
        return "required field is missing"
    return message.removeprefix("Value error, ")


def _cross_check(policy: Policy) -> Iterable[tuple[tuple[Any, ...], str]]:
    groups = set(policy.groups)

    def unknown(name: str) -> str:
        return f"no group called {name!r}; groups are {', '.join(sorted(groups))}"

    if not _CURRENCY.match(policy.base_currency):
        yield ("base_currency",), "use a three-letter ISO currency code such as USD"
    for code, rate in policy.exchange_rates.items():
        if not _CURRENCY.match(code):
            yield ("exchange_rates", code), "use a three-letter ISO currency code such as EUR"
        if rate <= 0:
            yield ("exchange_rates", code), "an exchange rate must be above zero"
        elif not MIN_RATE <= rate <= MAX_RATE:
            yield (
                ("exchange_rates", code),
                f"an exchange rate must be between {MIN_RATE} and {MAX_RATE:,}; check the number",
            )
    for key, group in policy.groups.items():
        if group.fallback is not None and group.fallback not in groups:
            yield ("groups", key, "fallback"), unknown(group.fallback)
    if policy.purchasing_group not in groups:
        yield ("purchasing_group",), unknown(policy.purchasing_group)
    specs: dict[str, StepSpec] = {}
    for i, rule in enumerate(policy.rules):
        if rule.step.group not in groups:
            yield ("rules", i, "step", "group"), unknown(rule.step.group)
        if rule.step.escalate_to is not None and rule.step.escalate_to not in groups:
            yield ("rules", i, "step", "escalate_to"), unknown(rule.step.escalate_to)
        earlier = specs.setdefault(rule.step.name, rule.step)
        if (earlier.group, earlier.stage, earlier.mode) != (
            rule.step.group,
            rule.step.stage,
            rule.step.mode,
        ):
            yield (
                ("rules", i, "step"),
                (
                    f"step {rule.step.name!r} is defined by another rule with a different group, "
                    "stage or mode; give it the same ones or another name"
                ),
            )
        cond = rule.when
        if (
            cond.amount_gte is not None
            and cond.amount_lt is not None
            and (cond.amount_lt <= cond.amount_gte)
        ):
            yield ("rules", i, "when", "amount_lt"), "amount_lt must be above amount_gte"
    for i, entry in enumerate(policy.catalogue):
        for name in entry.requesters:
            if name not in groups:
                yield ("catalogue", i, "requesters"), unknown(name)
    for i, delegation in enumerate(policy.delegations):
        if delegation.end < delegation.start:
            yield ("delegations", i, "end"), "the end date is before the start date"
        if delegation.approver.lower() == delegation.delegate.lower():
            yield ("delegations", i, "delegate"), "someone cannot delegate to themselves"
    yield from _check_budgets(policy, unknown)
    if policy.vendors.allow_rejected_exception and not any(
        r.when.vendor_status and VendorStatus.REJECTED in r.when.vendor_status for r in policy.rules
    ):
        yield (
            ("vendors", "allow_rejected_exception"),
            (
                "add a rule with when: {vendor_status: [rejected]} naming who approves the "
                "exception; without one a rejected vendor would skip vendor review"
            ),
        )
    if policy.reminders.escalate_to is not None and policy.reminders.escalate_to not in groups:
        yield ("reminders", "escalate_to"), unknown(policy.reminders.escalate_to)
    if policy.reminders.escalate_after_hours <= policy.reminders.remind_after_hours:
        yield (
            ("reminders", "escalate_after_hours"),
            ("escalation must come after the reminder (more hours than remind_after_hours)"),
        )


def _check_budgets(policy: Policy, unknown: Any) -> Iterable[tuple[tuple[Any, ...], str]]:
    budgets = policy.budgets
    if budgets.step is not None and budgets.step.group not in policy.groups:
        yield ("budgets", "step", "group"), unknown(budgets.step.group)
    if budgets.over_budget is OverBudget.ADD_STEP and budgets.step is None and budgets.items:
        yield (
            ("budgets", "step"),
            "name the step to add when a request goes over budget, e.g. "
            "{name: Finance, group: finance, stage: 3}, or set over_budget: block",
        )
    seen: set[tuple[str, str]] = set()
    for i, item in enumerate(budgets.items):
        currency = item.currency or policy.base_currency
        if currency not in policy.currencies:
            yield (
                ("budgets", "items", i, "currency"),
                f"no exchange rate for {currency}; use one of {', '.join(policy.currencies)}",
            )
        key = (" ".join(item.cost_centre.split()).casefold(), Period.parse(item.period).label)
        if key in seen:
            yield (
                ("budgets", "items", i),
                f"a second budget for {item.cost_centre} in {key[1]}; keep one",
            )
        seen.add(key)


def _line_of(root: yaml.Node | None, loc: Sequence[Any]) -> int | None:
    """The 1-based line of the YAML node at `loc`, or of its nearest existing parent."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if str(key.value) == str(part):
                    child = value
                    line = key.start_mark.line + 1
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and (part < len(node.value))
        ):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def _format(
    source: str, root: yaml.Node | None, problems: Sequence[tuple[tuple[Any, ...], str]]
) -> str:
    lines = [f"{source}: {len(problems)} problem{'s' if len(problems) != 1 else ''}:"]
    for loc, message in problems:
        path = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc)
        path = path.replace(".[", "[")
        line = _line_of(root, loc)
        where = f"line {line}: " if line else ""
        lines.append(f"  {where}{path or '(top level)'}: {message}")
    return "\n".join(lines)


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
    return "\n".join(out)
