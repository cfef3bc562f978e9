"""The policy file's sections as strict pydantic models: groups, steps and rules, the
catalogue, delegations, reminders, the digest, vendors and budgets. Policy (bot.domain.policy)
holds them together and routes requests."""

from __future__ import annotations

import datetime as dt
import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from bot.domain.budgets import OverBudget, Period
from bot.domain.model import (
    MAX_AMOUNT,
    Category,
    DataAccess,
    Recurrence,
    StepMode,
    VendorStatus,
)
from bot.domain.questionnaire import Question

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
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


class Strict(BaseModel):
    """A section of the file: unknown keys are errors (a typo must not be ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Group(Strict):
    name: str = Field(description="How the group is shown to people, e.g. 'IT review'.")
    members: list[Email] = Field(min_length=1)
    fallback: str | None = Field(
        default=None, description="Group that approves when the requester is the only member."
    )


class Condition(Strict):
    """All given keys must hold (AND); a list means any of its values (OR)."""

    category: list[Category] | None = None
    amount_gte: Amount | None = Field(default=None, ge=0)
    amount_lt: Amount | None = Field(default=None, gt=0)
    department: list[str] | None = None
    vendor_status: list[VendorStatus] | None = None
    data_access: list[DataAccess] | None = None
    recurrence: list[Recurrence] | None = None


class StepSpec(Strict):
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


class Rule(Strict):
    name: str = Field(min_length=1)
    when: Condition = Condition()
    step: StepSpec


class CatalogueEntry(Strict):
    name: str
    match: list[str] = Field(min_length=1, description="Words one of which the title contains.")
    vendors: list[str] = Field(default_factory=list)
    category: Category
    max_unit_price: Amount = Field(gt=0)
    max_quantity: int = Field(default=1, ge=1)
    requesters: list[str] = Field(min_length=1, description="Groups that may buy it at once.")


class DelegationSpec(Strict):
    approver: Email
    delegate: Email
    start: date
    end: date


class Reminders(Strict):
    remind_after_hours: int = Field(default=24, ge=1)
    escalate_after_hours: int = Field(default=72, ge=1)
    escalate_to: str | None = None
    business_days_only: bool = True
    renewal_notice_days: int = Field(default=30, ge=1)


class Digest(Strict):
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


class Vendors(Strict):
    review_valid_months: int = Field(default=12, ge=1)
    allow_rejected_exception: bool = False
    qualification_groups: list[str] = Field(
        default_factory=list, description="Groups that qualify a proposed vendor, in parallel."
    )
    questionnaire: list[Question] = Field(default_factory=list, max_length=40)


class BudgetItem(Strict):
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


class Budgets(Strict):
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
