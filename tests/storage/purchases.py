"""Approved purchases written straight through the repository, for the price and savings
queries: each with its request-level approval event, as the use cases leave it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bot.domain.model import (
    Category,
    Channel,
    DataAccess,
    Event,
    Money,
    PurchaseRequest,
    Recurrence,
    RequestStatus,
)
from storage.uow import SqlUnitOfWorkFactory

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def bought(
    uow_factory: SqlUnitOfWorkFactory,
    *,
    vendor: str = "Figma",
    title: str = "Figma seats",
    cost_centre: str = "Design",
    unit: str = "45",
    quantity: int = 1,
    recurrence: Recurrence = Recurrence.MONTHLY,
    category: Category = Category.SAAS,
    status: RequestStatus = RequestStatus.APPROVED,
    approved_at: datetime = T0,
    catalogue_entry: str | None = None,
) -> int:
    """Save a request of `quantity` × `unit` (USD) approved at `approved_at`; its id."""
    price = Decimal(unit)
    periods = 12 if recurrence is Recurrence.MONTHLY else 1
    request = PurchaseRequest(
        id=None,
        requester="ann@example.com",
        title=title,
        category=category,
        vendor=vendor,
        unit_price=Money(price, "USD"),
        quantity=quantity,
        recurrence=recurrence,
        cost_centre=cost_centre,
        data_access=DataAccess.INTERNAL,
        justification="for the team",
        created_at=approved_at,
        updated_at=approved_at,
        status=status,
        base_amount=price * quantity * periods,
        catalogue_entry=catalogue_entry,
    )
    with uow_factory() as uow:
        uow.requests.add(request)
        assert request.id is not None
        if status is not RequestStatus.PENDING:
            uow.events.append(
                Event(
                    action="Approved",
                    actor="ines@example.com",
                    at=approved_at,
                    channel=Channel.SLACK,
                    to_status=RequestStatus.APPROVED,
                    request_id=request.id,
                )
            )
        uow.commit()
    return request.id
