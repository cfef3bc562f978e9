"""The domain's nouns: purchase requests, their approval steps, decisions, vendors and events.

Plain dataclasses with no knowledge of chat platforms or storage. People are emails.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


class Category(enum.StrEnum):
    HARDWARE = "hardware"
    SOFTWARE = "software"
    SAAS = "saas"
    SERVICES = "services"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _CATEGORY_LABELS[self]


_CATEGORY_LABELS = {
    Category.HARDWARE: "Hardware",
    Category.SOFTWARE: "Software licence",
    Category.SAAS: "SaaS subscription",
    Category.SERVICES: "Services",
    Category.OTHER: "Other",
}


class Recurrence(enum.StrEnum):
    ONE_OFF = "one_off"
    MONTHLY = "monthly"
    ANNUAL = "annual"

    @property
    def label(self) -> str:
        return {"one_off": "One-off", "monthly": "Monthly", "annual": "Annual"}[self.value]

    @property
    def periods_per_year(self) -> int:
        return {"one_off": 1, "monthly": 12, "annual": 1}[self.value]


class DataAccess(enum.StrEnum):
    NONE = "none"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    PERSONAL = "personal"

    @property
    def label(self) -> str:
        return {
            "none": "No company data",
            "internal": "Internal data",
            "confidential": "Confidential data",
            "personal": "Personal data",
        }[self.value]


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    ORDERED = "ordered"
    RECEIVED = "received"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_open(self) -> bool:
        """Still waiting on a decision (an approver or the requester)."""
        return self in (RequestStatus.PENDING, RequestStatus.CHANGES_REQUESTED)


class StepStatus(enum.StrEnum):
    WAITING = "waiting"  # a later stage, not yet asked
    ACTIVE = "active"  # its approvers have been asked
    APPROVED = "approved"
    REJECTED = "rejected"
    CLOSED = "closed"  # the request ended (rejected/cancelled) before this step decided


class StepMode(enum.StrEnum):
    ANY = "any"
    ALL = "all"


class VendorStatus(enum.StrEnum):
    NEW = "new"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Channel(enum.StrEnum):
    """Where an action came from; recorded on every audit event."""

    SLACK = "slack"
    TEAMS = "teams"
    CLI = "cli"
    SYSTEM = "system"


# Bounds for money anywhere the bot takes it (policy thresholds and prices, budgets, a
# request's yearly value in the base currency) and for exchange rates: far beyond any real
# purchase, far within what NUMERIC(18, 2) stores and what formatting to cents can handle.
MAX_AMOUNT = Decimal("10000000000000")  # ten trillion
MIN_RATE, MAX_RATE = Decimal("0.000001"), Decimal("1000000")


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __mul__(self, factor: int | Decimal) -> Money:
        return Money(self.amount * factor, self.currency)


@dataclass(slots=True)
class Decision:
    """One approver's vote on a step."""

    approver: str
    outcome: StepStatus  # APPROVED or REJECTED
    at: datetime
    comment: str = ""
    on_behalf_of: str | None = None  # set when a delegate decided


@dataclass(slots=True)
class Step:
    """One approval step of a request's route; fixed at submit time."""

    name: str
    group: str
    stage: int
    mode: StepMode
    approvers: list[str]
    reason: str  # which policy rule(s) added this step, shown to approvers
    status: StepStatus = StepStatus.WAITING
    decisions: list[Decision] = field(default_factory=list)
    activated_at: datetime | None = None
    decided_at: datetime | None = None
    reminded_at: datetime | None = None
    escalated_at: datetime | None = None
    vendor_qualification: bool = False  # deciding it decides the vendor too

    def decision_of(self, approver: str) -> Decision | None:
        """The vote cast by `approver` or by a delegate on their behalf."""
        return next((d for d in self.decisions if approver in (d.approver, d.on_behalf_of)), None)

    @property
    def deciders(self) -> list[str]:
        return [d.approver for d in self.decisions]


@dataclass(slots=True)
class Question:
    """An approver's question and the requester's answer."""

    asked_by: str
    step: str
    text: str
    asked_at: datetime
    answer: str | None = None
    answered_at: datetime | None = None


@dataclass(slots=True)
class RequestDraft:
    """What the requester typed in the form; validated by services.validate_draft."""

    title: str
    category: Category
    vendor: str
    unit_price: Decimal
    currency: str
    quantity: int = 1
    recurrence: Recurrence = Recurrence.ONE_OFF
    cost_centre: str = ""
    needed_by: date | None = None
    data_access: DataAccess = DataAccess.NONE
    justification: str = ""
    link: str = ""
    renewal_date: date | None = None


@dataclass(slots=True)
class PurchaseRequest:
    id: int | None
    requester: str
    title: str
    category: Category
    vendor: str
    unit_price: Money
    quantity: int
    recurrence: Recurrence
    cost_centre: str
    data_access: DataAccess
    justification: str
    created_at: datetime
    updated_at: datetime
    needed_by: date | None = None
    link: str = ""
    renewal_date: date | None = None
    status: RequestStatus = RequestStatus.PENDING
    steps: list[Step] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    base_amount: Decimal = Decimal(0)  # annual_value in the policy's base currency
    base_currency: str = "USD"
    catalogue_entry: str | None = None  # set when auto-approved
    vendor_status: VendorStatus = VendorStatus.NEW  # at submit, for the record
    po_number: str | None = None
    rejection_reason: str | None = None
    version: int = 0
    # Events raised by the last workflow call, saved by the unit of work (never read back).
    pending_events: list[Event] = field(default_factory=list, repr=False)

    def as_draft(self) -> RequestDraft:
        """The request's fields as the form holds them (to edit or renew it)."""
        return RequestDraft(
            title=self.title,
            category=self.category,
            vendor=self.vendor,
            unit_price=self.unit_price.amount,
            currency=self.unit_price.currency,
            quantity=self.quantity,
            recurrence=self.recurrence,
            cost_centre=self.cost_centre,
            needed_by=self.needed_by,
            data_access=self.data_access,
            justification=self.justification,
            link=self.link,
            renewal_date=self.renewal_date,
        )

    @property
    def number(self) -> str:
        return format_number(self.id) if self.id is not None else "PR-new"

    @property
    def total(self) -> Money:
        """Price times quantity for one period (one-off, a month or a year)."""
        return self.unit_price * self.quantity

    @property
    def annual_value(self) -> Money:
        """What the request costs in a year; the one-off total for one-off purchases."""
        return self.total * self.recurrence.periods_per_year

    @property
    def open_question(self) -> Question | None:
        return next((q for q in reversed(self.questions) if q.answer is None), None)

    def step(self, name: str) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    @property
    def active_steps(self) -> list[Step]:
        return [s for s in self.steps if s.status is StepStatus.ACTIVE]


@dataclass(frozen=True, slots=True)
class Event:
    """An audit record: appended for every change, never updated or deleted."""

    action: str  # past tense: Submitted, Approved, ...
    actor: str
    at: datetime
    channel: Channel
    from_status: RequestStatus | None = None
    to_status: RequestStatus | None = None
    step: str | None = None
    comment: str = ""
    request_id: int | None = None


@dataclass(slots=True)
class Vendor:
    name: str
    status: VendorStatus = VendorStatus.NEW
    category: Category | None = None
    website: str = ""
    owner: str = ""
    notes: str = ""
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_outcome: str = ""
    id: int | None = None

    @property
    def key(self) -> str:
        return vendor_key(self.name)


_NUMBER_OFFSET = 1000
_NUMBER_RE = re.compile(r"^\s*(?:PR)?[-\s#]*(\d+)\s*$", re.IGNORECASE)


def format_number(request_id: int) -> str:
    """PR-1001 for the first request: short enough to type, never reused."""
    return f"PR-{request_id + _NUMBER_OFFSET}"


def parse_number(text: str) -> int | None:
    """The request id in 'PR-1042', 'pr 1042' or '1042'; None when it is not a number."""
    match = _NUMBER_RE.match(text or "")
    if not match:
        return None
    value = int(match.group(1)) - _NUMBER_OFFSET
    return value if value > 0 else None


# Words of a company's legal form, dropped from match keys: 'Figma, Inc.' is Figma.
COMPANY_SUFFIXES = (
    "incorporated|inc|llc|ltd|limited|gmbh|corp|corporation|co|company|plc|sa|ag|bv|srl"
)


def suffix_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """The company suffixes of a name ('Inc.', 'Ltd', ...) as whole words, dot included."""
    return re.compile(rf"\b({'|'.join(words)})\b\.?")


_VENDOR_SUFFIXES = suffix_pattern(COMPANY_SUFFIXES.split("|"))


def vendor_key(name: str) -> str:
    """A forgiving match key: 'Figma, Inc.', 'FIGMA INC' and 'figma' all give 'figma'."""
    return key_of(unicodedata.normalize("NFKC", name).casefold())


def key_of(folded: str, suffixes: re.Pattern[str] = _VENDOR_SUFFIXES) -> str:
    """The match key of a casefolded name: company suffixes, punctuation and spaces dropped."""
    folded = suffixes.sub(" ", folded)
    # Drop punctuation and spaces but keep letters of every script: keeping only a-z gave every
    # Japanese or Cyrillic vendor the same empty key, so they all looked like one vendor.
    return re.sub(r"[\W_]+", "", folded)


@dataclass(slots=True)
class Person:
    """Someone the bot talks to, with how to reach them on each platform."""

    email: str
    name: str = ""
    tz: str = "UTC"
    slack_user_id: str | None = None
    teams_reference: dict[str, object] | None = None  # a Bot Framework ConversationReference
    # Who they are in Teams: their Microsoft Entra object id in that tenant. Their email only
    # links this to the same person in Slack and in the policy.
    teams_tenant_id: str | None = None
    teams_aad_object_id: str | None = None
    preferred_channel: Channel | None = None  # the platform they last used

    @property
    def display(self) -> str:
        return self.name or self.email


@dataclass(frozen=True, slots=True)
class Delegation:
    """`delegate` may act for `approver` from `start` to `end` inclusive."""

    approver: str
    delegate: str
    start: date
    end: date

    def active_on(self, day: date) -> bool:
        return self.start <= day <= self.end
