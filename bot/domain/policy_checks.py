"""The policy file's checks beyond its schema (references between sections, budgets), and
problems reported with the line of the file they are on."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import yaml

from bot.domain.budgets import OverBudget, Period
from bot.domain.model import MAX_RATE, MIN_RATE, VendorStatus
from bot.domain.policy_schema import CURRENCY_CODE, StepSpec
from bot.domain.questionnaire import check_questionnaire

if TYPE_CHECKING:
    from bot.domain.policy import Policy


def explain(error: Any) -> str:
    """One pydantic error in the words of the policy file's author."""
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        return "unknown field (check the spelling)"
    if error["type"] == "missing":
        return "required field is missing"
    return message.removeprefix("Value error, ")


def cross_check(policy: Policy) -> Iterable[tuple[tuple[Any, ...], str]]:
    """(where, problem) for every reference the schema alone cannot check."""
    groups = set(policy.groups)

    def unknown(name: str) -> str:
        return f"no group called {name!r}; groups are {', '.join(sorted(groups))}"

    if not CURRENCY_CODE.match(policy.base_currency):
        yield ("base_currency",), "use a three-letter ISO currency code such as USD"
    for code, rate in policy.exchange_rates.items():
        if not CURRENCY_CODE.match(code):
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
    yield from check_budgets(policy, unknown)
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
    yield from check_questionnaire(
        policy.vendors.questionnaire, groups, policy.vendors.qualification_groups
    )
    if policy.reminders.escalate_to is not None and policy.reminders.escalate_to not in groups:
        yield ("reminders", "escalate_to"), unknown(policy.reminders.escalate_to)
    if policy.reminders.escalate_after_hours <= policy.reminders.remind_after_hours:
        yield (
            ("reminders", "escalate_after_hours"),
            ("escalation must come after the reminder (more hours than remind_after_hours)"),
        )


def check_budgets(policy: Policy, unknown: Any) -> Iterable[tuple[tuple[Any, ...], str]]:
    """(where, problem) for the budgets section."""
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


def line_of(root: yaml.Node | None, loc: Sequence[Any]) -> int | None:
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


def format_problems(
    source: str, root: yaml.Node | None, problems: Sequence[tuple[tuple[Any, ...], str]]
) -> str:
    """Every problem on its own line, with the file's line number where known."""
    lines = [f"{source}: {len(problems)} problem{'s' if len(problems) != 1 else ''}:"]
    for loc, message in problems:
        path = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc)
        path = path.replace(".[", "[")
        line = line_of(root, loc)
        where = f"line {line}: " if line else ""
        lines.append(f"  {where}{path or '(top level)'}: {message}")
    return "\n".join(lines)
