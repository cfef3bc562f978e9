"""The unit of work over SQLAlchemy Core: one transaction and the repositories working in it."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from bot.app.ports import (
    BudgetRepository,
    Clock,
    DigestQueries,
    EventListener,
    EventLog,
    IdempotencyKeys,
    JobRuns,
    Outbox,
    PeopleRepository,
    RequestRepository,
    VendorRepository,
)
from bot.domain.errors import StorageUnavailable
from bot.domain.model import PurchaseRequest
from bot.domain.vendor_reviews import VendorReviewRepository
from storage._base import SystemClock
from storage.analytics import SqlDigestQueries
from storage.benchmarks import SqlPriceBenchmarks
from storage.budgets import SqlBudgetRepository
from storage.events import SqlEventLog
from storage.idempotency import SqlIdempotencyKeys
from storage.job_runs import SqlJobRuns
from storage.outbox import SqlOutbox
from storage.people import SqlPeopleRepository
from storage.requests import SqlRequestRepository
from storage.savings import SqlSavingsQueries
from storage.vendor_reviews import SqlVendorReviews
from storage.vendors import SqlVendorRepository

if TYPE_CHECKING:
    from bot.app.ports import UnitOfWork, UnitOfWorkFactory

_SERIAL_TIMEOUT = 30.0  # as SQLite's busy_timeout
_POSTGRES_TRANSACTIONS = 2  # per process; see SqlUnitOfWorkFactory


class SqlUnitOfWork:
    """One database transaction: opened on `with`, rolled back on exit unless committed."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock | None = None,
        serial: threading.Semaphore | None = None,
        on_event: EventListener | None = None,
    ) -> None:
        self._engine = engine
        self._on_event = on_event
        self._clock: Clock = clock or SystemClock()
        self._serial = serial
        self._connection: Connection | None = None
        self._touched: list[PurchaseRequest] = []
        # Typed as the ports so that mypy checks each repository against its protocol.
        self.requests: RequestRepository = SqlRequestRepository(self)
        self.events: EventLog = SqlEventLog(self)
        self.vendors: VendorRepository = SqlVendorRepository(self)
        self.budgets: BudgetRepository = SqlBudgetRepository(self)
        self.people: PeopleRepository = SqlPeopleRepository(self)
        self.outbox: Outbox = SqlOutbox(self)
        self.idempotency: IdempotencyKeys = SqlIdempotencyKeys(self)
        self.jobs: JobRuns = SqlJobRuns(self)
        self.vendor_reviews: VendorReviewRepository = SqlVendorReviews(self)

    @property
    def digest(self) -> DigestQueries:
        """The digest's aggregates, run on this transaction's connection; only inside `with`."""
        return SqlDigestQueries(self.connection)

    @property
    def benchmarks(self) -> SqlPriceBenchmarks:
        """Price benchmarks over this transaction (bot.domain.benchmarks.PriceBenchmarks)."""
        return SqlPriceBenchmarks(self.connection)

    @property
    def savings(self) -> SqlSavingsQueries:
        """The digest's savings over this transaction (bot.domain.savings.SavingsQueries)."""
        return SqlSavingsQueries(self.connection)

    @property
    def connection(self) -> Connection:
        """The open connection; only inside `with`."""
        if self._connection is None:
            raise RuntimeError("use the unit of work in a `with` block")
        return self._connection

    def now(self) -> datetime:
        """The clock's time, for the bookkeeping columns the domain does not set."""
        return self._clock.now()

    def track(self, request: PurchaseRequest) -> None:
        """Remember a request whose pending events commit() must append."""
        if not any(seen is request for seen in self._touched):
            self._touched.append(request)

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("this unit of work is already open")
        if self._serial is not None and not self._serial.acquire(timeout=_SERIAL_TIMEOUT):
            raise TimeoutError(
                f"no database transaction free after {_SERIAL_TIMEOUT:.0f} s "
                "(is a unit of work left open, or opened twice on one thread?)"
            )
        try:
            self._connection = self._engine.connect()
            self._connection.begin()
        except OperationalError as error:
            self._connection = None
            self._release()
            raise StorageUnavailable(str(error.orig)) from error
        except BaseException:
            self._connection = None
            self._release()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        connection, self._connection = self._connection, None
        self._touched.clear()
        if connection is None:
            return
        lost: OperationalError | None = None
        try:
            if connection.in_transaction():
                connection.rollback()
        except OperationalError as gone:
            lost = gone  # the server went away; there is nothing left to roll back
        finally:
            connection.close()
            self._release()
        raised = exc[1] if len(exc) > 1 else None
        if isinstance(raised, OperationalError):
            # The server went away or the file stayed locked: the domain can tell the person
            # that nothing was saved and that trying again will help.
            raise StorageUnavailable(str(raised.orig)) from raised
        if lost is not None and raised is None:
            raise StorageUnavailable(str(lost.orig)) from lost

    def _release(self) -> None:
        if self._serial is not None:
            self._serial.release()

    def commit(self) -> None:
        """Append the pending events of the requests added or saved, then commit."""
        touched = list(self._touched)
        for request in touched:
            for event in request.pending_events:
                event_id = self.events.append(replace(event, request_id=request.id))
                for message in self._on_event(request, event, event_id) if self._on_event else []:
                    self.outbox.add(message)
        self.connection.commit()
        # Cleared only once written: a failed commit leaves them for the caller's retry.
        for request in touched:
            request.pending_events.clear()
        self._touched.clear()

    def rollback(self) -> None:
        """Drop everything since the last commit."""
        self._touched.clear()
        self.connection.rollback()


class SqlUnitOfWorkFactory:
    """Makes a fresh SqlUnitOfWork per use case."""

    def __init__(
        self, engine: Engine, *, clock: Clock | None = None, on_event: EventListener | None = None
    ) -> None:
        self.engine = engine
        self._clock = clock
        self._on_event = on_event  # bot.app.webhooks: the webhook rows an event implies
        # SQLite runs one write transaction at a time (BEGIN IMMEDIATE), and its busy handler
        # waits by sleeping 1 ms ... 100 ms between tries, so threads of one process queueing
        # for the lock lose most of their time asleep (p99 of a submission at 20 concurrent
        # requests was 1.6 s). A lock here hands the database on at once; busy_timeout still
        # arbitrates between processes. PostgreSQL gets a few transactions at a time: more
        # threads running SQLAlchemy only take the GIL from the event loop that acks Slack.
        slots = 1 if engine.dialect.name == "sqlite" else _POSTGRES_TRANSACTIONS
        self._serial = threading.BoundedSemaphore(slots)

    def __call__(self) -> SqlUnitOfWork:
        """A new unit of work on the shared engine."""
        return SqlUnitOfWork(
            self.engine, clock=self._clock, serial=self._serial, on_event=self._on_event
        )


if TYPE_CHECKING:
    # mypy proves the classes satisfy the domain's ports.
    def _as_port(factory: SqlUnitOfWorkFactory) -> UnitOfWorkFactory:
        return factory

    def _as_uow(uow: SqlUnitOfWork) -> UnitOfWork:
        return uow
