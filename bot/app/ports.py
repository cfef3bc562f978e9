"""What the domain needs from outside: storage (a unit of work), a clock and chat notifiers."""

from __future__ import annotations

import builtins
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol, Self

from bot.domain.benchmarks import PriceBenchmarks
from bot.domain.budgets import Budget, Spend
from bot.domain.model import Event, Person, PurchaseRequest, RequestStatus, Vendor, VendorStatus

if TYPE_CHECKING:
    from bot.domain.savings import SavingsQueries  # bot.domain.savings uses this module's Renewal
    from bot.domain.vendor_reviews import VendorReviewRepository

from bot.domain.views import BacklogItem, Renewal, StepTiming, Tally, VendorHistory, WeekCounts


class MessageKind(enum.StrEnum):
    REQUEST_CARD = "request_card"  # the requester's live card of their request
    APPROVAL_CARD = "approval_card"  # an approver's card with buttons
    NOTE = "note"  # a short text to one person
    REFRESH = "refresh"  # re-render every card already sent for the request
    WEBHOOK = "webhook"  # a signed POST of a request event (bot/app/webhooks.py)
    VENDOR_CARD = "vendor_card"  # a vendor review's card (data: {"review": id})


@dataclass(slots=True)
class OutboxMessage:
    """A message to deliver, written in the same transaction as the change that implies it."""

    kind: MessageKind
    recipient: str | None  # an email; for REFRESH, whose cards (None: everyone's)
    request_id: int | None
    text: str = ""
    id: int | None = None
    attempts: int = 0
    next_attempt_at: datetime | None = None
    delivered_at: datetime | None = None
    last_error: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    failed_at: datetime | None = None  # given up on: never tried again unless re-queued


@dataclass(frozen=True, slots=True)
class MessageRef:
    """Where a card landed on a platform, so it can be updated in place later."""

    request_id: int
    recipient: str
    platform: str
    conversation: str
    message_id: str


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
        statuses, summed per currency (see bot.domain.budgets.cost_centre_key)."""


class BudgetRepository(Protocol):
    def list(self) -> builtins.list[Budget]:
        """Imported budgets, by cost centre and period."""

    def put(self, budget: Budget, *, now: datetime) -> bool:
        """Insert, or replace the budget of the same cost centre and period; True if new."""


class EventLog(Protocol):
    def append(self, event: Event) -> int:
        """Add an audit event (there is no update or delete); its id."""

    def for_request(self, request_id: int) -> list[Event]:
        """Oldest first."""


class VendorRepository(Protocol):
    def get(self, key: str) -> Vendor | None:
        """By vendor_key()."""

    def add(self, vendor: Vendor) -> Vendor:
        """Insert."""

    def save(self, vendor: Vendor) -> None:
        """Update."""

    def list(self, *, status: VendorStatus | None = None) -> builtins.list[Vendor]:
        """By name; only those of `status` if given."""


class PeopleRepository(Protocol):
    def get(self, email: str) -> Person | None:
        """By email."""

    def by_slack_id(self, user_id: str) -> Person | None:
        """By Slack user id."""

    def by_teams_identity(self, tenant_id: str, aad_object_id: str) -> Person | None:
        """By Microsoft Entra tenant and object id."""

    def save(self, person: Person) -> None:
        """Insert or update."""


class Outbox(Protocol):
    def add(self, message: OutboxMessage) -> None:
        """Queue a message."""

    def claim_due(self, *, now: datetime, limit: int, lease_until: datetime) -> list[OutboxMessage]:
        """Undelivered messages due by `now`, oldest first, leased to the caller until
        `lease_until` so that no other dispatcher (or process) takes them meanwhile."""

    def refresh_queued(self, request_id: int) -> bool:
        """Whether a refresh of the request's cards is waiting and nobody has taken it yet."""

    def update(self, message: OutboxMessage) -> None:
        """Save attempts, next attempt, delivered_at or failed_at, and error."""

    def failed(self, *, limit: int) -> list[OutboxMessage]:
        """Messages given up on, the latest failure first."""

    def requeue(self, message_id: int, *, now: datetime) -> OutboxMessage | None:
        """Make a failed message due again with a fresh count of attempts; None when there is
        no failed message with that id."""

    def counts(self) -> dict[str, int]:
        """How many messages wait ("pending") and how many were given up on ("failed")."""

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


class JobRuns(Protocol):
    def claim_run(self, job: str, period: str, *, now: datetime, by: str) -> bool:
        """True for the first caller to claim `job` for `period` (across processes)."""

    def release_run(self, job: str, period: str) -> None:
        """Give a claim back when the run sent nothing, so that a later attempt may run it."""


class DigestQueries(Protocol):
    """The digest's numbers, aggregated by the database (never row by row in Python)."""

    def week(self, *, start: datetime, end: datetime) -> WeekCounts:
        """Submitted, decided and approved spend in [start, end)."""

    def spend_by(
        self, dimension: str, *, start: datetime, end: datetime, limit: int
    ) -> list[Tally]:
        """Approved spend in [start, end) grouped by 'category', 'department' or 'vendor',
        largest first."""

    def step_timings(self, *, start: datetime, end: datetime, sla_hours: float) -> list[StepTiming]:
        """Median and 90th percentile decision time per step name, for steps decided in the
        window, and how many took longer than the SLA."""

    def backlog(self, *, limit: int) -> tuple[int, list[BacklogItem]]:
        """How many requests are open, and the `limit` oldest with whom they wait on."""

    def new_vendors(self, *, start: datetime, end: datetime) -> tuple[list[str], list[str]]:
        """(vendors that entered review, vendors approved) in the window."""

    def renewals(
        self, *, start: date, end: date, limit: int = 1000, recurrence: str | None = None
    ) -> tuple[int, list[Renewal]]:
        """How many approved recurring purchases (of one recurrence, if given) renew in
        [start, end], and the first `limit`, soonest first. A purchase renews on the renewal
        date its requester gave, else on each anniversary of its approval (month or year)."""

    def weekly_spend(self, *, starts: Sequence[datetime]) -> list[tuple[datetime, list[Tally]]]:
        """Approved spend by category for each week starting at `starts` (7 days each)."""


# Called by the unit of work for each audit event it appends (with the event's id): the
# outbox messages the event implies beyond the use case's own (webhooks), in the same commit.
EventListener = Callable[[PurchaseRequest, Event, int], list[OutboxMessage]]


class UnitOfWork(Protocol):
    """One transaction: commit() or nothing is written."""

    requests: RequestRepository
    events: EventLog
    vendors: VendorRepository
    budgets: BudgetRepository
    people: PeopleRepository
    outbox: Outbox
    idempotency: IdempotencyKeys
    jobs: JobRuns
    vendor_reviews: VendorReviewRepository

    @property
    def digest(self) -> DigestQueries:
        """The digest's aggregates, in this transaction."""

    @property
    def benchmarks(self) -> PriceBenchmarks:
        """What the company already pays per unit, over this transaction."""

    @property
    def savings(self) -> SavingsQueries:
        """The digest's savings, over this transaction."""

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

    def __init__(
        self, reason: str, *, retry_after: float | str | None = None, rate_limited: bool = False
    ) -> None:
        super().__init__(reason)
        # Seconds, or a Retry-After header as the platform sent it: the outbox reads it.
        self.retry_after = retry_after
        self.rate_limited = rate_limited  # a 429, counted apart in the metrics


class RecipientUnreachable(Exception):
    """The platform does not know this person; retrying will not help."""


class DeliveryRefused(Exception):
    """The platform refused this message for good (e.g. blocks it cannot show, too long);
    retrying will not help."""


class Notifier(Protocol):
    """One chat platform's delivery of neutral cards and notes."""

    platform: str

    async def can_reach(self, person: Person) -> bool:
        """Whether this platform knows how to message the person (cheap, no network)."""

    async def send(self, *, person: Person, card: Any | None, text: str) -> MessageRef | None:
        """Send a card (or a text note when card is None); return where a card landed."""

    async def update(self, *, ref: MessageRef, card: Any) -> None:
        """Replace a card sent earlier."""


class ChannelPublisher(Protocol):
    """Posts a message to a team channel (the weekly digest) and files into its thread."""

    platform: str

    async def post(self, *, channel: str, view: Any) -> str:
        """Post the view (a bot.domain.digest.DigestView) to the channel; return the thread id."""

    async def attach(
        self, *, channel: str, thread: str, data: bytes, filename: str, title: str
    ) -> None:
        """Upload a file (the chart PNG) into the thread `post` returned."""

    async def direct(self, *, person: Person, view: Any) -> None:
        """Send the view to one person directly."""
