"""Purchase requests over SQLAlchemy Core, each loaded whole (steps, approvers, decisions,
questions) in a few batched queries, as the workflow needs."""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
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

from bot.domain.budgets import Spend
from bot.domain.errors import ConcurrentUpdate
from bot.domain.model import (
    Decision,
    PurchaseRequest,
    Question,
    Recurrence,
    RequestStatus,
    Step,
    StepStatus,
)
from bot.domain.views import VendorHistory
from storage import tables as t
from storage._base import OPEN, SPENT, Repository, chunks
from storage.request_rows import (
    decision_from,
    decision_values,
    question_from,
    question_values,
    request_from,
    request_values,
    step_from,
    step_values,
)

_RECENT = 5  # earlier requests shown in a vendor's history


class SqlRequestRepository(Repository):
    """Purchase requests, saved whole under an optimistic version check."""

    def add(self, request: PurchaseRequest) -> PurchaseRequest:
        """Insert a new request with its steps and questions; sets its id and version 1."""
        if request.id is not None:
            raise ValueError(f"{request.number} is already stored; use save()")
        request.id = self._conn.execute(
            insert(t.requests)
            .values(**request_values(request), version=1)
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
            .values(**request_values(request), version=t.requests.c.version + 1)
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
            .where(t.requests.c.status.in_(OPEN), t.requests.c.id.in_(mine))
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
                *same_vendor, t.requests.c.status.in_(SPENT)
            )
        ).scalar_one()
        # What the company has now matters most: active recurring purchases (seats someone
        # could join), then other active ones, then the rest by date.
        active = case(
            (t.requests.c.status.in_(SPENT), 0), (t.requests.c.status.in_(OPEN), 1), else_=2
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
        for chunk in chunks(ids):
            self._load_steps(chunk, steps)
            for row in self._conn.execute(
                select(t.questions)
                .where(t.questions.c.request_id.in_(chunk))
                .order_by(t.questions.c.request_id, t.questions.c.position)
            ):
                questions[row.request_id].append(question_from(row))
        return [request_from(row, steps[row.id], questions[row.id]) for row in rows]

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
            decided[row.step_id].append(decision_from(row))
        for row in step_rows:
            into[row.request_id].append(step_from(row, approvers[row.id], decided[row.id]))

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
                    step_values(request_id, position, step)
                    for position, step in enumerate(request.steps)
                ],
            ).all()
            approvers = [
                {"step_id": step_id, "position": position, "email": email}
                for step_id, step in zip(step_ids, request.steps, strict=True)
                for position, email in enumerate(step.approvers)
            ]
            decisions = [
                decision_values(step_id, decision)
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
                    question_values(request_id, position, question)
                    for position, question in enumerate(request.questions)
                ],
            )
