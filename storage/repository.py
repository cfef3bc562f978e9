"""The unit of work and repositories of bot.app.ports over SQLAlchemy Core.

Rows are mapped to the domain dataclasses by hand: the domain stays free of SQLAlchemy and a
request is always loaded whole (steps, approvers, decisions, questions), as the workflow needs.
"""

from __future__ import annotations

import builtins
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    Select,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.app.ports import (
    BudgetRepository,
    Clock,
    DigestQueries,
    EventLog,
    IdempotencyKeys,
    JobRuns,
    MessageKind,
    MessageRef,
    Outbox,
    OutboxMessage,
    PeopleRepository,
    RequestRepository,
    VendorHistory,
    VendorRepository,
)
from bot.domain.budgets import Budget, Period, Spend, cost_centre_key
from bot.domain.errors import ConcurrentUpdate, StorageUnavailable
from bot.domain.model import (
    Category,
    Channel,
    DataAccess,
    Decision,
    Event,
    Money,
    Person,
    PurchaseRequest,
    Question,
    Recurrence,
    RequestStatus,
    Step,
    StepMode,
    StepStatus,
    Vendor,
    VendorStatus,
    vendor_key,
)
from storage import tables as t
from storage.analytics import SqlDigestQueries

if TYPE_CHECKING:
    from bot.app.ports import UnitOfWork, UnitOfWorkFactory

_OPEN = (RequestStatus.PENDING.value, RequestStatus.CHANGES_REQUESTED.value)
_SPENT = (
    RequestStatus.APPROVED.value,
    RequestStatus.ORDERED.value,
    RequestStatus.RECEIVED.value,
)
# Keeps IN lists well below SQLite's bound-parameter limit when loading many requests.
_CHUNK = 500
_RECENT = 5


class _SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def _chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


class _Repository:
    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    @property
    def _conn(self) -> Connection:
        return self._uow.connection


# --- requests -------------------------------------------------------------------------------


def _request_values(request: PurchaseRequest) -> dict[str, Any]:
    return {
        "requester": request.requester,
        "title": request.title,
        "category": request.category.value,
        "vendor": request.vendor,
        "vendor_key": vendor_key(request.vendor),
        "unit_price": request.unit_price.amount,
        "currency": request.unit_price.currency,
        "quantity": request.quantity,
        "recurrence": request.recurrence.value,
        "cost_centre": request.cost_centre,
        "data_access": request.data_access.value,
        "justification": request.justification,
        "link": request.link,
        "needed_by": request.needed_by,
        "renewal_date": request.renewal_date,
        "status": request.status.value,
        "base_amount": request.base_amount,
        "base_currency": request.base_currency,
        "catalogue_entry": request.catalogue_entry,
        "vendor_status": request.vendor_status.value,
        "po_number": request.po_number,
        "rejection_reason": request.rejection_reason,
        "created_at": request.created_at,
        "updated_at": request.updated_at,
    }


def _request_from(row: Row[Any], steps: list[Step], questions: list[Question]) -> PurchaseRequest:
    return PurchaseRequest(
        id=row.id,
        requester=row.requester,
        title=row.title,
        category=Category(row.category),
        vendor=row.vendor,
        unit_price=Money(row.unit_price, row.currency),
        quantity=row.quantity,
        recurrence=Recurrence(row.recurrence),
        cost_centre=row.cost_centre,
        data_access=DataAccess(row.data_access),
        justification=row.justification,
        created_at=row.created_at,
        updated_at=row.updated_at,
        needed_by=row.needed_by,
        link=row.link,
        renewal_date=row.renewal_date,
        status=RequestStatus(row.status),
        steps=steps,
        questions=questions,
        base_amount=row.base_amount,
        base_currency=row.base_currency,
        catalogue_entry=row.catalogue_entry,
        vendor_status=VendorStatus(row.vendor_status),
        po_number=row.po_number,
        rejection_reason=row.rejection_reason,
        version=row.version,
    )


def _step_from(row: Row[Any], approvers: list[str], decisions: list[Decision]) -> Step:
    return Step(
        name=row.name,
        group=row.group_name,
        stage=row.stage,
        mode=StepMode(row.mode),
        approvers=approvers,
        reason=row.reason,
        status=StepStatus(row.status),
        decisions=decisions,
        activated_at=row.activated_at,
        decided_at=row.decided_at,
        reminded_at=row.reminded_at,
        escalated_at=row.escalated_at,
        vendor_qualification=row.vendor_qualification,
    )


def _decision_from(row: Row[Any]) -> Decision:
    return Decision(
        approver=row.approver,
        outcome=StepStatus(row.outcome),
        at=row.at,
        comment=row.comment,
        on_behalf_of=row.on_behalf_of,
    )


def _question_from(row: Row[Any]) -> Question:
    return Question(
        asked_by=row.asked_by,
        step=row.step,
        text=row.text,
        asked_at=row.asked_at,
        answer=row.answer,
        answered_at=row.answered_at,
    )


class SqlRequestRepository(_Repository):
    """Purchase requests, saved whole under an optimistic version check."""

    def add(self, request: PurchaseRequest) -> PurchaseRequest:
        """Insert a new request with its steps and questions; sets its id and version 1."""
        if request.id is not None:
            raise ValueError(f"{request.number} is already stored; use save()")
        request.id = self._conn.execute(
            insert(t.requests)
            .values(**_request_values(request), version=1)
            .returning(t.requests.c.id)
        ).scalar_one()
        request.version = 1
        self._write_children(request.id, request)
        self._uow.track(request)
        return request

    def get(self, request_id: int) -> PurchaseRequest | None:
        """The request with its steps and questions, or None."""
        found = self._load(select(t.requests).where(t.requests.c.id == request_id))
        return found[0] if found else None

    def save(self, request: PurchaseRequest) -> None:
        """Write the request; raise ConcurrentUpdate when another save got in first."""
        if request.id is None:
            raise ValueError("save() needs a stored request; use add() for a new one")
        result = self._conn.execute(
            update(t.requests)
            .where(t.requests.c.id == request.id, t.requests.c.version == request.version)
            .values(**_request_values(request), version=t.requests.c.version + 1)
        )
        if result.rowcount != 1:
            raise ConcurrentUpdate(
                f"{request.number} was changed by someone else since it was loaded."
            )
        # The version check above holds the row, so replacing the children is safe.
        self._delete_children(request.id)
        self._write_children(request.id, request)
        request.version += 1
        self._uow.track(request)

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
        query = select(t.requests)
        if vendor_key is not None:
            query = query.where(t.requests.c.vendor_key == vendor_key)
        if requester is not None:
            query = query.where(t.requests.c.requester == requester)
        if statuses is not None:
            query = query.where(t.requests.c.status.in_([s.value for s in statuses]))
        if since is not None:
            query = query.where(t.requests.c.created_at >= since)
        query = query.order_by(t.requests.c.created_at.desc(), t.requests.c.id.desc())
        return self._load(query.limit(limit))

    def waiting_for(self, email: str) -> builtins.list[PurchaseRequest]:
        """Open requests with an active step where `email` is an approver who has not
        decided (nor had a delegate decide for them); oldest first, like a queue."""
        voted = (
            select(t.decisions.c.id)
            .where(
                t.decisions.c.step_id == t.steps.c.id,
                or_(t.decisions.c.approver == email, t.decisions.c.on_behalf_of == email),
            )
            .exists()
        )
        # Driven by the index on step_approvers.email.
        mine = (
            select(t.steps.c.request_id)
            .join(t.step_approvers, t.step_approvers.c.step_id == t.steps.c.id)
            .where(
                t.step_approvers.c.email == email,
                t.steps.c.status == StepStatus.ACTIVE.value,
                ~voted,
            )
        )
        query = (
            select(t.requests)
            .where(t.requests.c.status.in_(_OPEN), t.requests.c.id.in_(mine))
            .order_by(t.requests.c.created_at, t.requests.c.id)
        )
        return self._load(query)

    def vendor_history(self, vendor_key: str, *, exclude_id: int | None = None) -> VendorHistory:
        """Earlier requests for the vendor and their approved spend in base currency."""
        same_vendor: builtins.list[ColumnElement[bool]] = [t.requests.c.vendor_key == vendor_key]
        if exclude_id is not None:
            same_vendor.append(t.requests.c.id != exclude_id)
        count = self._conn.execute(
            select(func.count()).select_from(t.requests).where(*same_vendor)
        ).scalar_one()
        spent = self._conn.execute(
            select(func.sum(t.requests.c.base_amount)).where(
                *same_vendor, t.requests.c.status.in_(_SPENT)
            )
        ).scalar_one()
        # What the company has now matters most: active recurring purchases (seats someone
        # could join), then other active ones, then the rest by date.
        active = case(
            (t.requests.c.status.in_(_SPENT), 0), (t.requests.c.status.in_(_OPEN), 1), else_=2
        )
        recurring = case((t.requests.c.recurrence == Recurrence.ONE_OFF.value, 1), else_=0)
        recent = self._load(
            select(t.requests)
            .where(*same_vendor)
            .order_by(
                active,
                recurring,
                t.requests.c.created_at.desc(),
                t.requests.c.id.desc(),
            )
            .limit(_RECENT)
        )
        return VendorHistory(
            requests=count,
            approved_spend=spent if spent is not None else Decimal("0.00"),
            recent=recent,
        )

    def spend(
        self,
        *,
        cost_centre_key: str,
        start: date,
        end: date,
        statuses: Sequence[RequestStatus],
        exclude_id: int | None = None,
    ) -> builtins.list[Spend]:
        """Yearly value of the cost centre's requests submitted in [start, end), per currency."""
        r = t.requests.c
        periods = case(
            (r.recurrence == Recurrence.MONTHLY.value, Recurrence.MONTHLY.periods_per_year),
            else_=1,
        )
        # Amount columns hold integer cents on SQLite: the product stays exact, and
        # type_coerce reads the sum back through Amount on every database.
        yearly = type_coerce(func.sum(r.unit_price * r.quantity * periods), t.Amount())
        recorded = type_coerce(func.sum(r.base_amount), t.Amount())
        where: builtins.list[ColumnElement[bool]] = [
            func.lower(func.trim(r.cost_centre)) == cost_centre_key,
            r.status.in_([s.value for s in statuses]),
            r.created_at >= datetime.combine(start, time(), UTC),
            r.created_at < datetime.combine(end, time(), UTC),
        ]
        if exclude_id is not None:
            where.append(r.id != exclude_id)
        rows = self._conn.execute(
            select(r.currency, yearly, recorded).where(*where).group_by(r.currency)
        ).all()
        return [
            Spend(currency=row[0], amount=row[1], recorded_base=row[2])
            for row in sorted(rows, key=lambda row: str(row[0]))
        ]

    def _load(self, query: Select[Any]) -> builtins.list[PurchaseRequest]:
        """Run a query over `requests` and load each row's children in a few batched queries."""
        rows = self._conn.execute(query).all()
        ids = [row.id for row in rows]
        steps: dict[int, builtins.list[Step]] = defaultdict(builtins.list)
        questions: dict[int, builtins.list[Question]] = defaultdict(builtins.list)
        for chunk in _chunks(ids):
            self._load_steps(chunk, steps)
            for row in self._conn.execute(
                select(t.questions)
                .where(t.questions.c.request_id.in_(chunk))
                .order_by(t.questions.c.request_id, t.questions.c.position)
            ):
                questions[row.request_id].append(_question_from(row))
        return [_request_from(row, steps[row.id], questions[row.id]) for row in rows]

    def _load_steps(self, request_ids: Sequence[int], into: dict[int, builtins.list[Step]]) -> None:
        step_rows = self._conn.execute(
            select(t.steps)
            .where(t.steps.c.request_id.in_(request_ids))
            .order_by(t.steps.c.request_id, t.steps.c.position)
        ).all()
        if not step_rows:
            return
        step_ids = [row.id for row in step_rows]
        approvers: dict[int, builtins.list[str]] = defaultdict(builtins.list)
        for row in self._conn.execute(
            select(t.step_approvers)
            .where(t.step_approvers.c.step_id.in_(step_ids))
            .order_by(t.step_approvers.c.step_id, t.step_approvers.c.position)
        ):
            approvers[row.step_id].append(row.email)
        decided: dict[int, builtins.list[Decision]] = defaultdict(builtins.list)
        for row in self._conn.execute(
            select(t.decisions)
            .where(t.decisions.c.step_id.in_(step_ids))
            .order_by(t.decisions.c.step_id, t.decisions.c.id)
        ):
            decided[row.step_id].append(_decision_from(row))
        for row in step_rows:
            into[row.request_id].append(_step_from(row, approvers[row.id], decided[row.id]))

    def _delete_children(self, request_id: int) -> None:
        step_ids = select(t.steps.c.id).where(t.steps.c.request_id == request_id)
        self._conn.execute(delete(t.decisions).where(t.decisions.c.step_id.in_(step_ids)))
        self._conn.execute(delete(t.step_approvers).where(t.step_approvers.c.step_id.in_(step_ids)))
        self._conn.execute(delete(t.steps).where(t.steps.c.request_id == request_id))
        self._conn.execute(delete(t.questions).where(t.questions.c.request_id == request_id))

    def _write_children(self, request_id: int, request: PurchaseRequest) -> None:
        if request.steps:
            step_ids = self._conn.scalars(
                insert(t.steps).returning(t.steps.c.id, sort_by_parameter_order=True),
                [
                    _step_values(request_id, position, step)
                    for position, step in enumerate(request.steps)
                ],
            ).all()
            approvers = [
                {"step_id": step_id, "position": position, "email": email}
                for step_id, step in zip(step_ids, request.steps, strict=True)
                for position, email in enumerate(step.approvers)
            ]
            decisions = [
                _decision_values(step_id, decision)
                for step_id, step in zip(step_ids, request.steps, strict=True)
                for decision in step.decisions
            ]
            if approvers:
                self._conn.execute(insert(t.step_approvers), approvers)
            if decisions:
                self._conn.execute(insert(t.decisions), decisions)
        if request.questions:
            self._conn.execute(
                insert(t.questions),
                [
                    _question_values(request_id, position, question)
                    for position, question in enumerate(request.questions)
                ],
            )


def _step_values(request_id: int, position: int, step: Step) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "position": position,
        "name": step.name,
        "group_name": step.group,
        "stage": step.stage,
        "mode": step.mode.value,
        "reason": step.reason,
        "status": step.status.value,
        "activated_at": step.activated_at,
        "decided_at": step.decided_at,
        "reminded_at": step.reminded_at,
        "escalated_at": step.escalated_at,
        "vendor_qualification": step.vendor_qualification,
    }


def _decision_values(step_id: int, decision: Decision) -> dict[str, Any]:
    return {
        "step_id": step_id,
        "approver": decision.approver,
        "outcome": decision.outcome.value,
        "comment": decision.comment,
        "on_behalf_of": decision.on_behalf_of,
        "at": decision.at,
    }


def _question_values(request_id: int, position: int, question: Question) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "position": position,
        "asked_by": question.asked_by,
        "step": question.step,
        "text": question.text,
        "asked_at": question.asked_at,
        "answer": question.answer,
        "answered_at": question.answered_at,
    }


# --- events ---------------------------------------------------------------------------------


class SqlEventLog(_Repository):
    """The audit log: append and read; the database refuses updates and deletes."""

    def append(self, event: Event) -> None:
        """Add an audit event."""
        self._conn.execute(
            insert(t.events).values(
                request_id=event.request_id,
                action=event.action,
                actor=event.actor,
                channel=event.channel.value,
                from_status=event.from_status.value if event.from_status else None,
                to_status=event.to_status.value if event.to_status else None,
                step=event.step,
                comment=event.comment,
                at=event.at,
            )
        )

    def for_request(self, request_id: int) -> list[Event]:
        """Oldest first (in the order they were appended)."""
        rows = self._conn.execute(
            select(t.events).where(t.events.c.request_id == request_id).order_by(t.events.c.id)
        )
        return [
            Event(
                action=row.action,
                actor=row.actor,
                at=row.at,
                channel=Channel(row.channel),
                from_status=RequestStatus(row.from_status) if row.from_status else None,
                to_status=RequestStatus(row.to_status) if row.to_status else None,
                step=row.step,
                comment=row.comment,
                request_id=row.request_id,
            )
            for row in rows
        ]


# --- vendors --------------------------------------------------------------------------------


def _vendor_values(vendor: Vendor) -> dict[str, Any]:
    return {
        "key": vendor.key,
        "name": vendor.name,
        "status": vendor.status.value,
        "category": vendor.category.value if vendor.category else None,
        "website": vendor.website,
        "owner": vendor.owner,
        "notes": vendor.notes,
        "reviewed_by": vendor.reviewed_by,
        "reviewed_at": vendor.reviewed_at,
        "review_outcome": vendor.review_outcome,
    }


def _vendor_from(row: Row[Any]) -> Vendor:
    return Vendor(
        name=row.name,
        status=VendorStatus(row.status),
        category=Category(row.category) if row.category else None,
        website=row.website,
        owner=row.owner,
        notes=row.notes,
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
        review_outcome=row.review_outcome,
        id=row.id,
    )


class SqlVendorRepository(_Repository):
    """Vendors, found by their forgiving match key."""

    def get(self, key: str) -> Vendor | None:
        """By vendor_key()."""
        row = self._conn.execute(select(t.vendors).where(t.vendors.c.key == key)).first()
        return _vendor_from(row) if row else None

    def add(self, vendor: Vendor) -> Vendor:
        """Insert and set its id; if another transaction added the same vendor meanwhile
        (two first requests for a new vendor at once), the stored one is returned instead."""
        savepoint = self._conn.begin_nested()
        try:
            vendor.id = self._conn.execute(
                insert(t.vendors).values(**_vendor_values(vendor)).returning(t.vendors.c.id)
            ).scalar_one()
        except IntegrityError:
            savepoint.rollback()
            stored = self.get(vendor.key)
            if stored is None:
                raise
            return stored
        savepoint.commit()
        return vendor

    def save(self, vendor: Vendor) -> None:
        """Update by id (by key for a vendor that was never loaded)."""
        if vendor.id is not None:
            where = t.vendors.c.id == vendor.id
        else:
            where = t.vendors.c.key == vendor.key
        result = self._conn.execute(update(t.vendors).where(where).values(**_vendor_values(vendor)))
        if result.rowcount != 1:
            raise LookupError(f"no stored vendor {vendor.name!r} to update")

    def list(self, *, status: VendorStatus | None = None) -> builtins.list[Vendor]:
        """By name; only those of `status` if given."""
        query = select(t.vendors).order_by(t.vendors.c.name, t.vendors.c.id)
        if status is not None:
            query = query.where(t.vendors.c.status == status.value)
        return [_vendor_from(row) for row in self._conn.execute(query)]


# --- budgets --------------------------------------------------------------------------------


class SqlBudgetRepository(_Repository):
    """Imported budgets, one per cost centre and period."""

    def list(self) -> builtins.list[Budget]:
        """By cost centre and period."""
        rows = self._conn.execute(
            select(t.budgets).order_by(t.budgets.c.cost_centre_key, t.budgets.c.period)
        )
        return [
            Budget(
                cost_centre=row.cost_centre,
                period=Period.parse(row.period),
                amount=row.amount,
                currency=row.currency,
                source="import",
            )
            for row in rows
        ]

    def put(self, budget: Budget, *, now: datetime) -> bool:
        """Insert, or replace the budget of the same cost centre and period; True if new."""
        key = cost_centre_key(budget.cost_centre)
        values = {
            "cost_centre": " ".join(budget.cost_centre.split()),
            "cost_centre_key": key,
            "period": budget.period.label,
            "amount": budget.amount,
            "currency": budget.currency,
            "imported_at": now,
        }
        result = self._conn.execute(
            update(t.budgets)
            .where(t.budgets.c.cost_centre_key == key, t.budgets.c.period == budget.period.label)
            .values(**values)
        )
        if result.rowcount:
            return False
        self._conn.execute(insert(t.budgets).values(**values))
        return True


# --- people ---------------------------------------------------------------------------------


def _person_from(row: Row[Any]) -> Person:
    return Person(
        email=row.email,
        name=row.name,
        tz=row.tz,
        slack_user_id=row.slack_user_id,
        teams_reference=row.teams_reference,
        teams_tenant_id=row.teams_tenant_id,
        teams_aad_object_id=row.teams_aad_object_id,
        preferred_channel=Channel(row.preferred_channel) if row.preferred_channel else None,
    )


class SqlPeopleRepository(_Repository):
    """People by email, with their Slack id and Teams conversation reference."""

    def get(self, email: str) -> Person | None:
        """By email."""
        row = self._conn.execute(select(t.people).where(t.people.c.email == email)).first()
        return _person_from(row) if row else None

    def by_slack_id(self, user_id: str) -> Person | None:
        """By Slack user id."""
        row = self._conn.execute(
            select(t.people).where(t.people.c.slack_user_id == user_id)
        ).first()
        return _person_from(row) if row else None

    def by_teams_identity(self, tenant_id: str, aad_object_id: str) -> Person | None:
        """By Microsoft Entra tenant and object id."""
        row = self._conn.execute(
            select(t.people).where(
                t.people.c.teams_tenant_id == tenant_id,
                t.people.c.teams_aad_object_id == aad_object_id,
            )
        ).first()
        return _person_from(row) if row else None

    def save(self, person: Person) -> None:
        """Insert or update."""
        values = {
            "name": person.name,
            "tz": person.tz,
            "slack_user_id": person.slack_user_id,
            "teams_reference": person.teams_reference,
            "teams_tenant_id": person.teams_tenant_id,
            "teams_aad_object_id": person.teams_aad_object_id,
            "preferred_channel": person.preferred_channel.value
            if person.preferred_channel
            else None,
            "updated_at": self._uow.now(),
        }
        if self._update(person.email, values):
            return
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(t.people).values(email=person.email, **values))
        except IntegrityError:
            # Another transaction inserted the same person first (the first message from a
            # new user often arrives twice); update their row instead. A clash on
            # slack_user_id or the Teams identity is a real conflict and still raises.
            if not self._update(person.email, values):
                raise

    def _update(self, email: str, values: dict[str, Any]) -> bool:
        result = self._conn.execute(
            update(t.people).where(t.people.c.email == email).values(**values)
        )
        return result.rowcount == 1


# --- outbox ---------------------------------------------------------------------------------


class OutboxStatus:
    """The values of outbox.status."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


def _message_from(row: Row[Any]) -> OutboxMessage:
    return OutboxMessage(
        kind=MessageKind(row.kind),
        recipient=row.recipient,
        request_id=row.request_id,
        text=row.text,
        id=row.id,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        delivered_at=row.delivered_at,
        last_error=row.last_error,
        data=dict(row.data or {}),
        failed_at=row.failed_at,
    )


def _ref_from(row: Row[Any]) -> MessageRef:
    return MessageRef(
        request_id=row.request_id,
        recipient=row.recipient,
        platform=row.platform,
        conversation=row.conversation,
        message_id=row.message_id,
    )


class SqlOutbox(_Repository):
    """Messages to deliver, leased to one dispatcher at a time, and where cards landed."""

    def add(self, message: OutboxMessage) -> None:
        """Queue a message; due at once unless it has a next_attempt_at. Sets its id."""
        now = self._uow.now()
        if message.next_attempt_at is None:
            message.next_attempt_at = now
        message.id = self._conn.execute(
            insert(t.outbox)
            .values(
                kind=message.kind.value,
                recipient=message.recipient,
                request_id=message.request_id,
                text=message.text,
                data=message.data,
                status=OutboxStatus.PENDING,
                attempts=message.attempts,
                next_attempt_at=message.next_attempt_at,
                delivered_at=message.delivered_at,
                last_error=message.last_error,
                created_at=now,
            )
            .returning(t.outbox.c.id)
        ).scalar_one()

    def refresh_queued(self, request_id: int) -> bool:
        """Whether a refresh of the request's cards is waiting and nobody has taken it yet."""
        waiting = self._conn.execute(
            select(t.outbox.c.id)
            .where(
                t.outbox.c.kind == MessageKind.REFRESH.value,
                t.outbox.c.request_id == request_id,
                t.outbox.c.status == OutboxStatus.PENDING,
                t.outbox.c.locked_until.is_(None),
            )
            .limit(1)
        ).first()
        return waiting is not None

    def claim_due(self, *, now: datetime, limit: int, lease_until: datetime) -> list[OutboxMessage]:
        """Pending messages due by `now`, oldest first, leased until `lease_until`."""
        due = (
            select(t.outbox)
            .where(
                t.outbox.c.status == OutboxStatus.PENDING,
                t.outbox.c.next_attempt_at <= now,
                or_(t.outbox.c.locked_until.is_(None), t.outbox.c.locked_until < now),
            )
            .order_by(t.outbox.c.id)
            .limit(limit)
            # Rows another dispatcher is claiming right now are skipped, not waited for.
            .with_for_update(skip_locked=True)
        )
        rows = self._conn.execute(due).all()
        if not rows:
            return []
        self._conn.execute(
            update(t.outbox)
            .where(t.outbox.c.id.in_([row.id for row in rows]))
            .values(locked_until=lease_until)
        )
        return [_message_from(row) for row in rows]

    def update(self, message: OutboxMessage) -> None:
        """Save the outcome of a delivery attempt and release the lease."""
        if message.id is None:
            raise ValueError("update() needs a queued message; use add() first")
        if message.delivered_at is not None:
            status = OutboxStatus.DELIVERED
        elif message.failed_at is not None:
            status = OutboxStatus.FAILED
        else:
            status = OutboxStatus.PENDING
        values: dict[str, Any] = {
            "attempts": message.attempts,
            "delivered_at": message.delivered_at,
            "failed_at": message.failed_at,
            "last_error": message.last_error,
            "data": message.data,
            "status": status,
            "locked_until": None,
        }
        if message.next_attempt_at is not None:
            values["next_attempt_at"] = message.next_attempt_at
        self._conn.execute(update(t.outbox).where(t.outbox.c.id == message.id).values(**values))

    def failed(self, *, limit: int) -> list[OutboxMessage]:
        """Messages given up on, the latest failure first."""
        rows = self._conn.execute(
            select(t.outbox)
            .where(t.outbox.c.status == OutboxStatus.FAILED)
            .order_by(t.outbox.c.failed_at.desc().nulls_last(), t.outbox.c.id.desc())
            .limit(limit)
        )
        return [_message_from(row) for row in rows]

    def requeue(self, message_id: int, *, now: datetime) -> OutboxMessage | None:
        """Make a failed message due now with no attempts counted; None if no such failure."""
        requeued = self._conn.execute(
            update(t.outbox)
            .where(t.outbox.c.id == message_id, t.outbox.c.status == OutboxStatus.FAILED)
            .values(
                status=OutboxStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
                locked_until=None,
                failed_at=None,
            )
            .returning(t.outbox)
        ).first()
        return _message_from(requeued) if requeued is not None else None

    def counts(self) -> dict[str, int]:
        """Pending and failed messages (delivered ones, the bulk of the table, are not read)."""
        wanted = (OutboxStatus.PENDING, OutboxStatus.FAILED)
        rows = self._conn.execute(
            select(t.outbox.c.status, func.count())
            .where(t.outbox.c.status.in_(wanted))
            .group_by(t.outbox.c.status)
        ).all()
        found = {str(status): int(count) for status, count in rows}
        return {status: found.get(status, 0) for status in wanted}

    def add_ref(self, ref: MessageRef) -> None:
        """Remember where a card landed; remembering the same card twice is harmless."""
        try:
            with self._conn.begin_nested():
                self._conn.execute(
                    insert(t.message_refs).values(
                        request_id=ref.request_id,
                        recipient=ref.recipient,
                        platform=ref.platform,
                        conversation=ref.conversation,
                        message_id=ref.message_id,
                    )
                )
        except IntegrityError:
            # A retried delivery can report a card that is already recorded.
            if not self._has_ref(ref):
                raise

    def refs(self, request_id: int) -> list[MessageRef]:
        """Every card sent for the request, in the order they were sent."""
        rows = self._conn.execute(
            select(t.message_refs)
            .where(t.message_refs.c.request_id == request_id)
            .order_by(t.message_refs.c.id)
        )
        return [_ref_from(row) for row in rows]

    def _has_ref(self, ref: MessageRef) -> bool:
        found = self._conn.execute(
            select(t.message_refs.c.id).where(
                t.message_refs.c.platform == ref.platform,
                t.message_refs.c.conversation == ref.conversation,
                t.message_refs.c.message_id == ref.message_id,
            )
        ).first()
        return found is not None


# --- idempotency and job runs ---------------------------------------------------------------


class SqlIdempotencyKeys(_Repository):
    """Keys of work already done (a retried Slack request, a clicked button)."""

    def claim(self, key: str, *, now: datetime) -> tuple[bool, str | None]:
        """(True, None) the first time; (False, stored result) after that."""
        try:
            # A savepoint so that losing the race leaves the outer transaction usable.
            with self._conn.begin_nested():
                self._conn.execute(insert(t.idempotency_keys).values(key=key, created_at=now))
        except IntegrityError:
            result = self._conn.execute(
                select(t.idempotency_keys.c.result).where(t.idempotency_keys.c.key == key)
            ).scalar_one_or_none()
            return False, result
        return True, None

    def remember(self, key: str, result: str) -> None:
        """Store the result of the work the key guarded."""
        self._conn.execute(
            update(t.idempotency_keys).where(t.idempotency_keys.c.key == key).values(result=result)
        )


class SqlJobRuns(_Repository):
    """One row per scheduled job and period, so only one process runs each."""

    def claim_run(self, job: str, period: str, *, now: datetime, by: str) -> bool:
        """True when this caller is the first to claim `job` for `period`."""
        try:
            with self._conn.begin_nested():
                self._conn.execute(
                    insert(t.job_runs).values(job=job, period=period, claimed_at=now, claimed_by=by)
                )
        except IntegrityError:
            return False
        return True

    def release_run(self, job: str, period: str) -> None:
        """Delete the claim so that a later attempt may run the job for `period`."""
        self._conn.execute(
            delete(t.job_runs).where(t.job_runs.c.job == job, t.job_runs.c.period == period)
        )


# --- unit of work ---------------------------------------------------------------------------


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
    ) -> None:
        self._engine = engine
        self._clock: Clock = clock or _SystemClock()
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
        self.digest: DigestQueries = SqlDigestQueries(self)

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
                self.events.append(replace(event, request_id=request.id))
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

    def __init__(self, engine: Engine, *, clock: Clock | None = None) -> None:
        self.engine = engine
        self._clock = clock
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
        return SqlUnitOfWork(self.engine, clock=self._clock, serial=self._serial)


if TYPE_CHECKING:
    # mypy proves the classes satisfy the domain's ports.
    def _as_port(factory: SqlUnitOfWorkFactory) -> UnitOfWorkFactory:
        return factory

    def _as_uow(uow: SqlUnitOfWork) -> UnitOfWork:
        return uow
