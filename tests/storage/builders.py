"""Requests and helpers the storage tests share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest

from bot.domain.model import (
    Category,
    DataAccess,
    Decision,
    Money,
    PurchaseRequest,
    Question,
    Recurrence,
    RequestStatus,
    Step,
    StepMode,
    StepStatus,
    VendorStatus,
)
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory

T0 = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
R = TypeVar("R")
POSTGRES_ONLY = pytest.mark.parametrize(
    "db_kind", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


class FixedClock:
    """A clock that says what the test sets."""

    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        """The set time."""
        return self.at


def make_request(
    *,
    requester: str = "ann@example.com",
    vendor: str = "Figma, Inc.",
    status: RequestStatus = RequestStatus.PENDING,
    created_at: datetime = T0,
    base_amount: Decimal = Decimal("1440.00"),
    steps: list[Step] | None = None,
) -> PurchaseRequest:
    """A pending Figma request, not yet stored."""
    return PurchaseRequest(
        id=None,
        requester=requester,
        title="Figma seats",
        category=Category.SAAS,
        vendor=vendor,
        unit_price=Money(Decimal("15.00"), "EUR"),
        quantity=8,
        recurrence=Recurrence.MONTHLY,
        cost_centre="CC-42",
        data_access=DataAccess.INTERNAL,
        justification="Design team",
        created_at=created_at,
        updated_at=created_at,
        status=status,
        base_amount=base_amount,
        steps=steps if steps is not None else [],
    )


def active_step(
    approvers: list[str],
    *,
    name: str = "IT review",
    mode: StepMode = StepMode.ANY,
    decisions: list[Decision] | None = None,
) -> Step:
    """An active approval step with these approvers."""
    return Step(
        name=name,
        group="it",
        stage=1,
        mode=mode,
        approvers=approvers,
        reason="every request",
        status=StepStatus.ACTIVE,
        activated_at=T0,
        decisions=decisions or [],
    )


def add(uow_factory: SqlUnitOfWorkFactory, request: PurchaseRequest) -> int:
    """Store the request in its own transaction; its new id."""
    with uow_factory() as uow:
        uow.requests.add(request)
        uow.commit()
    assert request.id is not None
    return request.id


def load(uow_factory: SqlUnitOfWorkFactory, request_id: int) -> PurchaseRequest:
    """The stored request, which must exist."""
    with uow_factory() as uow:
        found = uow.requests.get(request_id)
    assert found is not None
    return found


def in_uow(uow_factory: SqlUnitOfWorkFactory, work: Callable[[SqlUnitOfWork], R]) -> R:
    """Run `work` in a unit of work and commit."""
    with uow_factory() as uow:
        result = work(uow)
        uow.commit()
    return result


def full_request() -> PurchaseRequest:
    """A request with every field set, and children of every kind."""
    berlin_t0 = T0.astimezone(BERLIN)
    return PurchaseRequest(
        id=None,
        requester="ann@example.com",
        title="Render farm",
        category=Category.HARDWARE,
        vendor="Big Iron GmbH",
        # 16 digits before the point: a float would round these cents away.
        unit_price=Money(Decimal("1234567890123456.78"), "EUR"),
        quantity=3,
        recurrence=Recurrence.ANNUAL,
        cost_centre="CC-7",
        data_access=DataAccess.CONFIDENTIAL,
        justification="Rendering\nneeds ünïcode ✓",
        created_at=berlin_t0,
        updated_at=berlin_t0 + timedelta(minutes=5),
        needed_by=date(2026, 4, 1),
        link="https://example.com/quote",
        renewal_date=date(2027, 3, 1),
        status=RequestStatus.CHANGES_REQUESTED,
        steps=[
            Step(
                name="IT review",
                group="it",
                stage=1,
                mode=StepMode.ALL,
                approvers=["zed@example.com", "bob@example.com"],
                reason="every request",
                status=StepStatus.APPROVED,
                decisions=[
                    Decision("zed@example.com", StepStatus.APPROVED, T0, "fine"),
                    Decision(
                        "dan@example.com",
                        StepStatus.APPROVED,
                        T0 + timedelta(seconds=1),
                        on_behalf_of="bob@example.com",
                    ),
                ],
                activated_at=T0,
                decided_at=T0 + timedelta(seconds=1),
                reminded_at=T0 + timedelta(hours=1),
                escalated_at=T0 + timedelta(hours=2),
            ),
            Step(
                name="Security review",
                group="security",
                stage=2,
                mode=StepMode.ANY,
                approvers=["sec@example.com"],
                reason="confidential data",
                status=StepStatus.ACTIVE,
                activated_at=T0 + timedelta(seconds=1),
                vendor_qualification=True,
            ),
            Step(
                name="Finance",
                group="finance",
                stage=3,
                mode=StepMode.ANY,
                approvers=[],
                reason="above 10000",
            ),
        ],
        questions=[
            Question("zed@example.com", "IT review", "Why?", T0, "Because", T0),
            Question("sec@example.com", "Security review", "Where is data kept?", T0),
        ],
        base_amount=Decimal("9999999999999999.99"),
        base_currency="USD",
        catalogue_entry="render-node",
        vendor_status=VendorStatus.UNDER_REVIEW,
        po_number="PO-1",
        rejection_reason="not yet",
    )
