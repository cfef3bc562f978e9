"""The JSON view of a request that leaves the bot: REST API answers and webhook bodies."""

from __future__ import annotations

from typing import Any, Protocol

from bot.domain.model import PurchaseRequest, RequestStatus


def request_fields(request: PurchaseRequest) -> dict[str, Any]:
    """The request's own fields as JSON types (amounts as decimal strings), without its steps:
    shared by `requests show --json` and the views that leave the bot."""
    return {
        "id": request.id,
        "number": request.number,
        "title": request.title,
        "status": request.status.value,
        "requester": request.requester,
        "vendor": request.vendor,
        "category": request.category.value,
        "amount": str(request.total.amount),
        "unit_price": str(request.unit_price.amount),
        "quantity": request.quantity,
        "currency": request.unit_price.currency,
        "recurrence": request.recurrence.value,
        "annual_amount_base": str(request.base_amount),
        "base_currency": request.base_currency,
        "cost_centre": request.cost_centre,
        "data_access": request.data_access.value,
        "needed_by": request.needed_by.isoformat() if request.needed_by else None,
        "renewal_date": request.renewal_date.isoformat() if request.renewal_date else None,
        "justification": request.justification,
        "link": request.link,
        "catalogue_entry": request.catalogue_entry,
        "po_number": request.po_number,
        "rejection_reason": request.rejection_reason,
        "created_at": request.created_at.isoformat(),
        "updated_at": request.updated_at.isoformat(),
    }


def request_view(request: PurchaseRequest) -> dict[str, Any]:
    """The request's fields, steps and decisions as JSON types (amounts as decimal strings)."""
    return {
        **request_fields(request),
        "steps": [
            {
                "name": step.name,
                "stage": step.stage,
                "status": step.status.value,
                "approvers": list(step.approvers),
                "decided_by": list(step.deciders),
                "decided_at": step.decided_at.isoformat() if step.decided_at else None,
            }
            for step in request.steps
        ],
    }


class RequestPages(Protocol):
    """Requests a page at a time, newest first, for the REST API (storage/request_pages.py)."""

    def page(
        self, *, status: RequestStatus | None, limit: int, before_id: int | None
    ) -> tuple[list[PurchaseRequest], int | None]:
        """Up to `limit` requests with ids below `before_id` (if given), newest first, and the
        cursor of the next page (None: this was the last)."""
