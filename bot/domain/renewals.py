"""Renewals of running subscriptions: which one waits for a choice, and its renewal's draft."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from bot.domain.model import Event, PurchaseRequest, Recurrence, RequestDraft, RequestStatus

_SPENT = (RequestStatus.APPROVED, RequestStatus.ORDERED, RequestStatus.RECEIVED)


def renewal_pending(request: PurchaseRequest, events: Sequence[Event]) -> date | None:
    """The renewal date announced for a running subscription that nobody has chosen on yet."""
    if request.status not in _SPENT or request.recurrence is Recurrence.ONE_OFF:
        return None
    due: date | None = None
    for event in events:
        if event.action == "RenewalNoticed":
            due = date.fromisoformat(event.comment)
        elif event.action in ("LetLapse", "RenewalRequested"):
            due = None
    return due


def renewal_draft(request: PurchaseRequest) -> RequestDraft:
    """The request's fields as a new draft, to renew it."""
    # The old dates belong to the old purchase; the renewal asks for its own.
    return replace(
        request.as_draft(),
        needed_by=None,
        renewal_date=None,
        justification=f"Renewal of {request.number}. {request.justification}".strip(),
    )
