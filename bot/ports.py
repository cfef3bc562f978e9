"""What the domain needs from outside: storage (a unit of work), a clock and chat notifiers."""

from __future__ import annotations

import builtins
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, Self

from bot.budgets import Budget, Spend
from bot.model import Event, Person, PurchaseRequest, RequestStatus, Vendor


class MessageKind(enum.StrEnum):
    REQUEST_CARD = "request_card"  # the requester's live card of their request
    APPROVAL_CARD = "approval_card"  # an approver's card with buttons
    NOTE = "note"  # a short text to one person
    REFRESH = "refresh"  # re-render every card already sent for the request


@dataclass(slots=True)
class OutboxMessage:
    """A message to deliver, written in the same transaction as the change that implies it."""

    kind: MessageKind
    recipient: str | None  # an email; None for REFRESH
    request_id: int | None
    text: str = ""
    id: int | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    last_error: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MessageRef:
    """Where a card landed on a platform, so it can be updated in place later."""

    request_id: int
    recipient: str
    platform: str
    conversation: str
    message_id: str


@dataclass(frozen=True, slots=True)
class VendorHistory:
    """What the company already bought from a vendor."""

    requests: int
    approved_spend: Decimal  # annual value in base currency of approved/ordered/received
    recent: Sequence[PurchaseRequest]  # active recurring first, then active, then newest


class RequestRepository(Protocol):
    def add(self, request: PurchaseRequest) -> PurchaseRequest:
        """Insert a new request; sets its id."""

    def get(self, request_id: int) -> PurchaseRequest | None:
        """The request with its steps and questions, or None."""

    def save(self, request: PurchaseRequest) -> None:
        """Write changes; raise ConcurrentUpdate when someone saved a newer version first."""

    def list(
        self,
        *,
        requester: str | None = None,
        statuses: Sequence[RequestStatus] | None = None,
        since: datetime | None = None,
        vendor_key: str | None = None,
        limit: int = 100,
    ) -> builtins.list[PurchaseRequest]:
        """Newest first."""

    def waiting_for(self, email: str) -> builtins.list[PurchaseRequest]:
        """Open requests with an active step where `email` is an approver and has not voted."""

    def vendor_history(self, vendor_key: str, *, exclude_id: int | None = None) -> VendorHistory:
        """Earlier requests for the vendor and their approved spend."""

    def spend(
        self,
        *,
        cost_centre_key: str,
        start: date,
        end: date,
        statuses: Sequence[RequestStatus],
        exclude_id: int | None = None,
    ) -> builtins.list[Spend]:
        """Yearly value of the cost centre's requests submitted in [start, end) with these
        statuses, summed per currency (see bot.budgets.cost_centre_key)."""


class BudgetRepository(Protocol):
    def list(self) -> builtins.list[Budget]:
        """Imported budgets, by cost centre and period."""

    def put(self, budget: Budget, *, now: datetime) -> bool:
        """Insert, or replace the budget of the same cost centre and period; True if new."""


class EventLog(Protocol):
    def append(self, event: Event) -> None:
        """Add an audit event; there is no update or delete."""

    def for_request(self, request_id: int) -> list[Event]:
        """Oldest first."""


class VendorRepository(Protocol):
    def get(self, key: str) -> Vendor | None:
        """By vendor_key()."""

    def add(self, vendor: Vendor) -> Vendor:
        """Insert."""

    def save(self, vendor: Vendor) -> None:
        """Update."""

    def list(self) -> builtins.list[Vendor]:
        """By name."""


class PeopleRepository(Protocol):
    def get(self, email: str) -> Person | None:
        """By email."""

    def by_slack_id(self, user_id: str) -> Person | None:
        """By Slack user id."""

    def by_teams_id(self, user_id: str) -> Person | None:
        """By Teams user id."""

    def save(self, person: Person) -> None:
        """Insert or update."""


class Outbox(Protocol):
    def add(self, message: OutboxMessage) -> None:
        """Queue a message."""

    def claim_due(self, *, now: datetime, limit: int, lease_until: datetime) -> list[OutboxMessage]:
        """Undelivered messages due by `now`, oldest first, leased to the caller until
        `lease_until` so that no other dispatcher (or process) takes them meanwhile."""

    def update(self, message: OutboxMessage) -> None:
        """Save attempts, next attempt, delivered_at and error."""

    def add_ref(self, ref: MessageRef) -> None:
        """Remember where a card landed."""

    def refs(self, request_id: int) -> list[MessageRef]:
        """Every card sent for the request."""


class IdempotencyKeys(Protocol):
    def claim(self, key: str, *, now: datetime) -> tuple[bool, str | None]:
        """Record `key`: (True, None) the first time; (False, stored result) after that.
        Safe under concurrency: of two transactions claiming one key, one gets True."""

    def remember(self, key: str, result: str) -> None:
        """Store the result of the work the key guarded."""


class UnitOfWork(Protocol):
    """One transaction: commit() or nothing is written."""

    requests: RequestRepository
    events: EventLog
    vendors: VendorRepository
    budgets: BudgetRepository
    people: PeopleRepository
    outbox: Outbox
    idempotency: IdempotencyKeys

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None:
        """Write everything; also appends the requests' pending events."""

    def rollback(self) -> None:
        """Drop everything."""


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC now."""


class DeliveryDeferred(Exception):
    """The platform asked us to try again later (429, 5xx, timeout)."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class RecipientUnreachable(Exception):
    """The platform does not know this person; retrying will not help."""


class Notifier(Protocol):
    """One chat platform's delivery of neutral cards and notes."""

    platform: str

    async def can_reach(self, person: Person) -> bool:
        """Whether this platform knows how to message the person (cheap, no network)."""

    async def send(self, *, person: Person, card: Any | None, text: str) -> MessageRef | None:
        """Send a card (or a text note when card is None); return where a card landed."""

    async def update(self, *, ref: MessageRef, card: Any) -> None:
        """Replace a card sent earlier."""
