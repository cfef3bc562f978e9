"""The policy file: validation with field paths and line numbers, routing, catalogue, approvers."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.domain import policy as policy_module
from bot.domain.errors import NotAllowed, PolicyError
from bot.domain.model import Category, DataAccess, Delegation, Recurrence, StepMode, VendorStatus
from bot.domain.policy import Policy, RequestFacts
from bot.resources import example_policy_path
from tests.unit.builders import (
    CARLA,
    FRED,
    INES,
    LEE,
    OMAR,
    PRIYA,
    REQUESTER,
    SAM,
    SMALL_POLICY,
    edit,
    facts,
)

EXAMPLE = example_policy_path()


@pytest.fixture(scope="module")
def example() -> Policy:
    return policy_module.load(EXAMPLE)


def test_the_example_policy_loads(example: Policy) -> None:
    assert example.base_currency == "USD"
    assert example.currencies == ["USD", "CAD", "EUR", "GBP"]
    assert set(example.groups) == {"it", "security", "procurement", "finance", "it-leadership"}
    assert example.purchasers == [PRIYA]
    assert example.members("finance") == [FRED, CARLA]
    assert len(example.rules) == 7
    assert [entry.name for entry in example.catalogue] == [
        "Standard laptop",
        "Standard monitor",
        "Peripherals",
    ]
    assert example.delegation_list() == [
        Delegation(approver=FRED, delegate=CARLA, start=date(2026, 12, 21), end=date(2027, 1, 3))
    ]
    assert example.digest.time == time(9, 0)
    assert example.digest.timezone == "America/New_York"
    assert example.reminders.escalate_to == "it-leadership"


def test_the_summary_lists_groups_and_rules(example: Policy) -> None:
    text = policy_module.summary(example)
    assert "5 approver groups:" in text
    assert "  it (IT review): 2 members, fallback it-leadership" in text
    assert "  Finance from 25,000 USD -> stage 3 Finance (finance, all)" in text
    assert "Digest every mon at 09:00 America/New_York." in text


def test_the_small_policy_of_the_tests_is_valid() -> None:
    small = policy_module.parse(SMALL_POLICY)
    assert small.groups["it"].fallback == "leads"
    assert small.rules[1].when.amount_lt == Decimal(50000)


def test_a_missing_file_is_reported_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"nope\.yml: cannot read the policy file"):
        policy_module.load(tmp_path / "nope.yml")


# ---------------------------------------------------------------------------------------------
# Each kind of mistake: the message names the field path and the line (SMALL_POLICY's lines)


def _problem(text: str) -> str:
    with pytest.raises(PolicyError) as raised:
        policy_module.parse(text, source="policy.yml")
    return str(raised.value)


def _one_problem(text: str) -> str:
    message = _problem(text)
    head, *lines = message.splitlines()
    assert head == "policy.yml: 1 problem:"
    assert len(lines) == 1
    return lines[0].strip()


MISTAKES = [
    pytest.param(
        "{category: [hardware, saas]}",
        "{categroy: [hardware, saas]}",
        "line 18: rules[0].when.categroy: unknown field (check the spelling)",
        id="unknown key in a rule",
    ),
    pytest.param(
        "    name: Procurement\n    members",
        "    members",
        "line 12: groups.procurement.name: required field is missing",
        id="missing field of a group",
    ),
    pytest.param(
        "    step:\n      name: Procurement\n      group: procurement\n      stage: 2\n",
        "",
        "line 20: rules[1].step: required field is missing",
        id="missing step of a rule",
    ),
    pytest.param(
        "amount_gte: 1000",
        'amount_gte: "lots"',
        "line 22: rules[1].when.amount_gte: Input should be a valid decimal",
        id="wrong type",
    ),
    pytest.param(
        "amount_gte: 1000",
        "amount_gte: -5",
        "line 22: rules[1].when.amount_gte: Input should be greater than or equal to 0",
        id="negative threshold",
    ),
    pytest.param(
        "      group: procurement\n",
        "      group: procurment\n",
        "line 26: rules[1].step.group: no group called 'procurment'; "
        "groups are it, leads, procurement",
        id="unknown group in a rule",
    ),
    pytest.param(
        "fallback: leads",
        "fallback: lead",
        "line 8: groups.it.fallback: no group called 'lead'; groups are it, leads, procurement",
        id="unknown fallback group",
    ),
    pytest.param(
        "requesters: [it]",
        "requesters: [itt]",
        "line 33: catalogue[0].requesters: no group called 'itt'; "
        "groups are it, leads, procurement",
        id="unknown group in the catalogue",
    ),
    pytest.param(
        "escalate_to: leads",
        "escalate_to: leaders",
        "line 42: reminders.escalate_to: no group called 'leaders'; "
        "groups are it, leads, procurement",
        id="unknown escalation group",
    ),
    pytest.param(
        "purchasing_group: procurement",
        "purchasing_group: buyers",
        "line 15: purchasing_group: no group called 'buyers'; groups are it, leads, procurement",
        id="unknown purchasing group",
    ),
    pytest.param(
        "[lee.cio@acme.example]",
        "[lee.cio@acme]",
        "line 11: groups.leads.members[0]: not an email address: lee.cio@acme",
        id="bad member email",
    ),
    pytest.param(
        "  - approver: ines.it@acme.example",
        "  - approver: ines",
        "line 35: delegations[0].approver: not an email address: ines",
        id="bad delegation email",
    ),
    pytest.param(
        "Europe/Paris",
        "Europe/Pariss",
        "line 45: digest.timezone: unknown time zone 'Europe/Pariss'; use a name like Europe/Paris",
        id="bad time zone",
    ),
    pytest.param(
        'time: "09:00"',
        "time: 14:30",
        'line 44: digest.time: write the time in quotes, e.g. "14:30"',
        id="unquoted time (YAML reads 14:30 as 870)",
    ),
    pytest.param(
        "base_currency: USD",
        "base_currency: usd",
        "line 1: base_currency: use a three-letter ISO currency code such as USD",
        id="bad base currency",
    ),
    pytest.param(
        "  EUR: 1.08",
        "  EURO: 1.08",
        "line 3: exchange_rates.EURO: use a three-letter ISO currency code such as EUR",
        id="bad currency code of a rate",
    ),
    pytest.param(
        "  EUR: 1.08",
        "  EUR: -1.08",
        "line 3: exchange_rates.EUR: an exchange rate must be above zero",
        id="negative rate",
    ),
    pytest.param(
        "  EUR: 1.08",
        "  EUR: 1e30",
        "line 3: exchange_rates.EUR: an exchange rate must be between 0.000001 and 1,000,000; "
        "check the number",
        id="absurd rate",
    ),
    pytest.param(
        "amount_lt: 50000",
        "amount_lt: 1e30",
        "line 23: rules[1].when.amount_lt: 1E+30 is more than procurebot takes "
        "(10,000,000,000,000); check the number",
        id="absurd threshold",
    ),
    pytest.param(
        "max_unit_price: 2800",
        "max_unit_price: 28000000000000",
        "line 32: catalogue[0].max_unit_price: 28,000,000,000,000 is more than procurebot takes "
        "(10,000,000,000,000); check the number",
        id="absurd price ceiling",
    ),
    pytest.param(
        "catalogue:\n",
        "  - name: Procurement again\n"
        "    when: {amount_gte: 5000}\n"
        "    step: {name: Procurement, group: procurement, stage: 3}\n"
        "catalogue:\n",
        "line 30: rules[2].step: step 'Procurement' is defined by another rule with a different "
        "group, stage or mode; give it the same ones or another name",
        id="same step name with another stage",
    ),
    pytest.param(
        "amount_lt: 50000",
        "amount_lt: 500",
        "line 23: rules[1].when.amount_lt: amount_lt must be above amount_gte",
        id="amount_lt not above amount_gte",
    ),
    pytest.param(
        "end: 2027-01-03",
        "end: 2026-12-01",
        "line 38: delegations[0].end: the end date is before the start date",
        id="delegation ends before it starts",
    ),
    pytest.param(
        "    delegate: omar.it@acme.example",
        "    delegate: INES.it@acme.example",
        "line 36: delegations[0].delegate: someone cannot delegate to themselves",
        id="delegation to oneself",
    ),
    pytest.param(
        "escalate_after_hours: 72",
        "escalate_after_hours: 24",
        "line 41: reminders.escalate_after_hours: escalation must come after the reminder "
        "(more hours than remind_after_hours)",
        id="escalation not after the reminder",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), MISTAKES)
def test_each_mistake_names_the_field_and_its_line(old: str, new: str, expected: str) -> None:
    assert _one_problem(edit(SMALL_POLICY, old, new)) == expected


def test_invalid_yaml_names_the_line() -> None:
    text = edit(SMALL_POLICY, "    name: IT review\n", "    name: IT: review\n")
    assert _problem(text) == (
        "policy.yml: line 6: not valid YAML (mapping values are not allowed here)."
    )


def test_an_unclosed_list_is_reported_where_yaml_notices() -> None:
    text = edit(SMALL_POLICY, "[lee.cio@acme.example]", "[lee.cio@acme.example")
    assert (
        _problem(text) == "policy.yml: line 12: not valid YAML (expected ',' or ']', but got ':')."
    )


@pytest.mark.parametrize("text", ["", "# only a comment\n", "- a list\n", "just text"])
def test_a_policy_that_is_not_a_mapping(text: str) -> None:
    assert _problem(text) == (
        "policy.yml: the policy must be a mapping of keys such as groups and rules."
    )


def test_every_problem_is_listed_with_its_line() -> None:
    text = edit(SMALL_POLICY, "fallback: leads", "fallback: lead")
    text = edit(text, "end: 2027-01-03", "end: 2026-12-01")
    assert _problem(text).splitlines() == [
        "policy.yml: 2 problems:",
        "  line 8: groups.it.fallback: no group called 'lead'; groups are it, leads, procurement",
        "  line 38: delegations[0].end: the end date is before the start date",
    ]


def test_emails_are_compared_in_lower_case() -> None:
    small = policy_module.parse(
        edit(SMALL_POLICY, "[lee.cio@acme.example]", "[Lee.CIO@Acme.example]")
    )
    assert small.members("leads") == [LEE]


# ---------------------------------------------------------------------------------------------
# Routing on the example policy


def _route(policy: Policy, **kwargs: Any) -> list[tuple[str, int, StepMode]]:
    route = policy.route(facts(policy, **kwargs))
    return [(item.spec.name, item.spec.stage, item.spec.mode) for item in route]


IT = ("IT review", 1, StepMode.ANY)
SECURITY = ("Security review", 2, StepMode.ANY)
PROCUREMENT = ("Procurement", 2, StepMode.ANY)
FINANCE = ("Finance", 3, StepMode.ALL)

ROUTES = [
    pytest.param(
        {"unit_price": "12000", "category": Category.SAAS},
        [IT, SECURITY, PROCUREMENT],
        id="saas 12,000 USD from a new vendor",
    ),
    pytest.param(
        {"unit_price": "30000", "category": Category.SAAS},
        [IT, SECURITY, PROCUREMENT, FINANCE],
        id="saas 30,000 USD from a new vendor",
    ),
    pytest.param(
        {
            "unit_price": "500",
            "category": Category.HARDWARE,
            "vendor_status": VendorStatus.APPROVED,
        },
        [IT],
        id="hardware 500 USD from an approved vendor",
    ),
    pytest.param(
        {
            "unit_price": "500",
            "vendor_status": VendorStatus.APPROVED,
            "data_access": DataAccess.CONFIDENTIAL,
        },
        [IT, SECURITY],
        id="confidential data, approved vendor",
    ),
    pytest.param(
        {
            "unit_price": "500",
            "category": Category.SERVICES,
            "vendor_status": VendorStatus.APPROVED,
        },
        [],
        id="small services from an approved vendor need nobody",
    ),
    pytest.param(
        {
            "unit_price": "925.93",
            "currency": "EUR",
            "category": Category.HARDWARE,
            "vendor_status": VendorStatus.APPROVED,
        },
        [IT, PROCUREMENT],
        id="925.93 EUR is 1,000.00 USD: procurement",
    ),
    pytest.param(
        {
            "unit_price": "925.92",
            "currency": "EUR",
            "category": Category.HARDWARE,
            "vendor_status": VendorStatus.APPROVED,
        },
        [IT],
        id="925.92 EUR is 999.99 USD: no procurement",
    ),
    pytest.param(
        {"unit_price": "23200", "currency": "EUR", "vendor_status": VendorStatus.APPROVED},
        [IT, PROCUREMENT, FINANCE],
        id="23,200 EUR is 25,056 USD: finance",
    ),
    pytest.param(
        {
            "unit_price": "90",
            "recurrence": Recurrence.MONTHLY,
            "vendor_status": VendorStatus.APPROVED,
        },
        [IT, PROCUREMENT],
        id="90 USD a month is 1,080 a year: procurement",
    ),
    pytest.param(
        {
            "unit_price": "80",
            "recurrence": Recurrence.MONTHLY,
            "vendor_status": VendorStatus.APPROVED,
        },
        [IT],
        id="80 USD a month is 960 a year: no procurement",
    ),
    pytest.param(
        {
            "unit_price": "45",
            "quantity": 50,
            "recurrence": Recurrence.MONTHLY,
            "vendor_status": VendorStatus.APPROVED,
        },
        [IT, PROCUREMENT, FINANCE],
        id="50 seats at 45 USD a month is 27,000 a year: finance",
    ),
    pytest.param(
        {
            "unit_price": "1500",
            "recurrence": Recurrence.ANNUAL,
            "vendor_status": VendorStatus.APPROVED,
        },
        [IT, PROCUREMENT],
        id="annual is counted once",
    ),
]


@pytest.mark.parametrize(("kwargs", "expected"), ROUTES)
def test_route(example: Policy, kwargs: dict[str, Any], expected: list[object]) -> None:
    assert _route(example, **kwargs) == expected


def test_thresholds_compare_the_converted_yearly_amount(example: Policy) -> None:
    assert facts(example, unit_price="925.93", currency="EUR").annual_base_amount == Decimal(
        "1000.00"
    )
    monthly = facts(example, unit_price="45", quantity=3, recurrence=Recurrence.MONTHLY)
    assert monthly.annual_base_amount == Decimal("1620")


def test_the_route_names_the_rules_behind_each_step(example: Policy) -> None:
    route = example.route(facts(example, unit_price="30000", data_access=DataAccess.PERSONAL))
    assert {item.spec.name: item.rules for item in route} == {
        "IT review": ["IT reviews all technology"],
        "Security review": [
            "Security qualifies vendors not yet approved",
            "Security reviews access to confidential or personal data",
        ],
        "Procurement": ["Procurement qualifies new vendors", "Procurement from 1,000 USD"],
        "Finance": ["Finance from 25,000 USD"],
    }
    steps = example.build_steps(route, requester=REQUESTER)
    assert [step.reason for step in steps] == [
        "IT reviews all technology",
        "Security qualifies vendors not yet approved; "
        "Security reviews access to confidential or personal data",
        "Procurement qualifies new vendors; Procurement from 1,000 USD",
        "Finance from 25,000 USD",
    ]


def test_build_steps_gives_approvers_group_names_and_vendor_qualification(
    example: Policy,
) -> None:
    steps = example.build_steps(
        example.route(facts(example, unit_price="30000")), requester=REQUESTER
    )
    assert [
        (s.name, s.group, s.stage, s.mode, s.approvers, s.vendor_qualification) for s in steps
    ] == [
        ("IT review", "IT review", 1, StepMode.ANY, [INES, OMAR], False),
        ("Security review", "Security review", 2, StepMode.ANY, [SAM], True),
        ("Procurement", "Procurement", 2, StepMode.ANY, [PRIYA], True),
        ("Finance", "Finance", 3, StepMode.ALL, [FRED, CARLA], False),
    ]


def test_build_steps_leaves_the_requester_out(example: Policy) -> None:
    steps = example.build_steps(example.route(facts(example, unit_price="30000")), requester=FRED)
    assert {s.name: s.approvers for s in steps}["Finance"] == [CARLA]
    assert {s.name: s.approvers for s in steps}["IT review"] == [INES, OMAR]


def test_build_steps_falls_back_when_the_requester_is_the_only_member(example: Policy) -> None:
    steps = example.build_steps(example.route(facts(example, unit_price="12000")), requester=SAM)
    security = {s.name: s for s in steps}["Security review"]
    assert security.approvers == [LEE]  # security falls back to it-leadership
    assert security.group == "Security review"
    procurement = example.build_steps(
        example.route(facts(example, unit_price="12000")), requester=PRIYA
    )
    assert {s.name: s.approvers for s in procurement}["Procurement"] == [FRED, CARLA]


def test_build_steps_refuses_when_nobody_else_can_approve() -> None:
    small = policy_module.parse(SMALL_POLICY)  # procurement: Priya alone, no fallback
    route = small.route(facts(small, unit_price="2000"))
    with pytest.raises(NotAllowed) as raised:
        small.build_steps(route, requester=PRIYA)
    assert str(raised.value) == (
        "Only you can approve Procurement and you can't approve your own request. "
        "Ask the policy owner to set a fallback group."
    )


def test_a_fallback_loop_ends_in_a_clear_refusal() -> None:
    text = edit(
        SMALL_POLICY,
        "    members: [lee.cio@acme.example]\n",
        "    members: [lee.cio@acme.example]\n    fallback: it\n",
    )
    text = edit(text, "[ines.it@acme.example, omar.it@acme.example]", "[lee.cio@acme.example]")
    small = policy_module.parse(text)
    route = small.route(facts(small, unit_price="10", category=Category.HARDWARE))
    with pytest.raises(NotAllowed, match="Only you can approve IT review"):
        small.build_steps(route, requester=LEE)


def test_department_conditions_ignore_case() -> None:
    text = edit(SMALL_POLICY, "{category: [hardware, saas]}", "{department: [Design]}")
    small = policy_module.parse(text)
    assert [
        r.spec.name for r in small.route(facts(small, unit_price="10", department="design"))
    ] == ["IT review"]
    assert small.route(facts(small, unit_price="10", department="Sales")) == []


def test_amount_lt_is_exclusive() -> None:
    small = policy_module.parse(SMALL_POLICY)

    def names(price: str) -> list[str]:
        return [r.spec.name for r in small.route(facts(small, unit_price=price))]

    assert names("999.99") == ["IT review"]
    assert names("1000") == ["IT review", "Procurement"]
    assert names("49999.99") == ["IT review", "Procurement"]
    assert names("50000") == ["IT review"]


def test_an_unknown_currency_is_refused_with_the_known_ones(example: Policy) -> None:
    with pytest.raises(NotAllowed) as raised:
        example.to_base(Decimal(10), "JPY")
    assert (
        str(raised.value)
        == "JPY is not a currency the policy knows. Use one of USD, CAD, EUR, GBP."
    )
    assert example.to_base(Decimal("10"), "GBP") == Decimal("12.70")


# ---------------------------------------------------------------------------------------------
# The catalogue


def _laptop(policy: Policy, **changes: Any) -> RequestFacts:
    """Two MacBook Pro 14 from Apple at 2,399 USD each."""
    values: dict[str, Any] = {
        "unit_price": "2399",
        "category": Category.HARDWARE,
        "vendor": "Apple",
        "title": "MacBook Pro 14 M4",
        "quantity": 2,
        "vendor_status": VendorStatus.APPROVED,
    }
    values.update(changes)
    return facts(policy, **values)


def test_an_it_member_buying_a_standard_laptop_matches_the_catalogue(example: Policy) -> None:
    entry = example.catalogue_match(_laptop(example), requester=INES)
    assert entry is not None
    assert entry.name == "Standard laptop"


@pytest.mark.parametrize(
    ("changes", "requester"),
    [
        pytest.param({"unit_price": "2800"}, INES, id="at the price ceiling"),
        pytest.param({"quantity": 5}, INES, id="at the quantity ceiling"),
        pytest.param({"vendor": "Apple Inc."}, INES, id="vendor written differently"),
        pytest.param({"title": "macbook pro 14 for Sam"}, INES, id="title in lower case"),
        pytest.param({"unit_price": "2590", "currency": "EUR"}, INES, id="2,590 EUR = 2,797 USD"),
    ],
)
def test_catalogue_matches(example: Policy, changes: dict[str, Any], requester: str) -> None:
    assert example.catalogue_match(_laptop(example, **changes), requester=requester) is not None


@pytest.mark.parametrize(
    ("changes", "requester"),
    [
        pytest.param({"unit_price": "2800.01"}, INES, id="above the price ceiling"),
        pytest.param({"unit_price": "2600", "currency": "EUR"}, INES, id="2,600 EUR = 2,808 USD"),
        pytest.param({"quantity": 6}, INES, id="above the quantity"),
        pytest.param({}, PRIYA, id="requester not in IT"),
        pytest.param({"recurrence": Recurrence.MONTHLY}, INES, id="recurring"),
        pytest.param({"vendor": "Best Buy"}, INES, id="another vendor"),
        pytest.param({"category": Category.SOFTWARE}, INES, id="another category"),
        pytest.param({"title": "Dell XPS 13"}, INES, id="not a catalogue item"),
    ],
)
def test_catalogue_does_not_match(example: Policy, changes: dict[str, Any], requester: str) -> None:
    assert example.catalogue_match(_laptop(example, **changes), requester=requester) is None


def test_a_catalogue_entry_without_vendors_takes_any_vendor(example: Policy) -> None:
    headset = _laptop(
        example, title="Jabra headset", vendor="Amazon", unit_price="180", quantity=12
    )
    entry = example.catalogue_match(headset, requester=OMAR)
    assert entry is not None
    assert entry.name == "Peripherals"


def _problems(text: str) -> str:
    with pytest.raises(PolicyError) as raised:
        policy_module.parse(text, source="p.yml")
    return str(raised.value)


def test_a_step_may_escalate_to_its_own_group() -> None:
    text = EXAMPLE.read_text().replace(
        "step: {name: Finance, group: finance, stage: 3, mode: all}",
        "step: {name: Finance, group: finance, stage: 3, mode: all, escalate_to: finance}",
    )
    loaded = policy_module.parse(text)
    assert loaded.escalation_group("Finance") == "finance"
    assert loaded.escalation_group("IT review") == "it-leadership"  # the reminders' group


def test_an_unknown_step_escalation_group_is_reported_with_its_line() -> None:
    text = EXAMPLE.read_text().replace(
        "step: {name: Finance, group: finance, stage: 3, mode: all}",
        "step: {name: Finance, group: finance, stage: 3, mode: all, escalate_to: cfo}",
    )
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "escalate_to: cfo" in t)
    assert f"line {line}: rules[5].step.escalate_to: no group called 'cfo'" in _problems(text)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("step_sla_hours: 48", "step_sla_hours: 0", "digest.step_sla_hours"),
        ("grace_hours: 12", "grace_hours: 500", "digest.grace_hours"),
    ],
)
def test_digest_limits_are_checked(old: str, new: str, field: str) -> None:
    text = EXAMPLE.read_text().replace(old, new)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if new in t)
    assert f"line {line}: {field}:" in _problems(text)


@pytest.mark.parametrize(
    "channel",
    ["General", "https://teams.microsoft.com/l/channel/19%3aabc%40thread.tacv2/General", "19:abc"],
)
def test_the_teams_channel_must_be_a_conversation_id(channel: str) -> None:
    text = edit(
        SMALL_POLICY,
        "  timezone: Europe/Paris\n",
        f'  timezone: Europe/Paris\n  teams_channel: "{channel}"\n',
    )
    problem = _one_problem(text)
    assert problem.startswith(
        f"line 46: digest.teams_channel: '{channel}' is not a Teams channel id"
    )
    assert '"19:abc123@thread.tacv2"' in problem and "Get link to channel" in problem


def test_a_teams_channel_id_is_accepted() -> None:
    text = edit(
        SMALL_POLICY,
        "  timezone: Europe/Paris\n",
        '  timezone: Europe/Paris\n  teams_channel: "19:a1B2-c3_d4@thread.tacv2"\n',
    )
    assert policy_module.parse(text, source="p.yml").digest.teams_channel == (
        "19:a1B2-c3_d4@thread.tacv2"
    )
