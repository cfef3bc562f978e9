"""Every text a person reads in a direct message or notification, in one place.

Short and specific: the request number, what it is, its amount, and what happens next.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.domain.formatting import short_amount
from bot.domain.model import PurchaseRequest
from bot.domain.wording import full_stop


def head(request: PurchaseRequest) -> str:
    """'PR-1001 · Figma Professional seats · $1,620.00/yr': how every note names a request."""
    return f"{request.number} · {request.title} · {short_amount(request)}"


def next_steps(steps: Sequence[tuple[str, Sequence[str]]]) -> str:
    """'Next: Security review (Omar Haddad).' for (step, approver names) pairs, or ''."""
    if not steps:
        return ""
    parts = [f"{step} ({', '.join(names)})" for step, names in steps]
    return f"Next: {'; '.join(parts)}."


# ---------------------------------------------------------------- decisions (to the requester)


def step_approved(request: PurchaseRequest, *, step: str, by: str, next_text: str) -> str:
    """One step approved, more to come."""
    return f"{head(request)}: {step} approved by {by}. {next_text}"


def approved(request: PurchaseRequest) -> str:
    """The whole request approved."""
    return (
        f"{head(request)} is approved. "
        "Procurement will place the order; I'll tell you when it's ordered."
    )


def rejected(request: PurchaseRequest, *, by: str, step: str, reason: str) -> str:
    """Rejected, with the reason."""
    return (
        f"{head(request)} was rejected by {by} at {step}: {full_stop(f'“{reason}”')} "
        "If you can address it, submit a new request with the changes."
    )


def cancelled(request: PurchaseRequest, *, by: str) -> str:
    """To the approvers still waiting: the requester withdrew it."""
    return f"{head(request)} was cancelled by {by}. Nothing left for you to do."


def ordered(request: PurchaseRequest) -> str:
    """Procurement recorded the purchase order."""
    return f"{head(request)} is ordered (PO {request.po_number}). Mark it received when it arrives."


# ---------------------------------------------------------------- edits (to the approvers)


def edited(request: PurchaseRequest, *, by: str, changes: str) -> str:
    """The opening of every note about an edit."""
    return f"{head(request)} was edited by {by} ({changes})"


def edit_dropped_step(opening: str, *, step: str) -> str:
    """The edit took the approver's step off the route."""
    return f"{opening} and no longer needs {step} under the policy: nothing left for you to do."


def edit_reopened_step(opening: str, *, step: str, next_text: str) -> str:
    """The edit re-opened the approver's step; their card comes when it is its turn."""
    return (
        f"{opening}, so {step} is asked again and earlier decisions on it no longer count. "
        f"{next_text} I'll send you a new card when it is its turn."
    )


# ---------------------------------------------------------------- renewals


def lapsing(request: PurchaseRequest, *, due: date, by: str) -> str:
    """The owner or procurement chose not to renew."""
    return (
        f"{head(request)} will not be renewed on {due:%a %d %b %Y} ({by} chose to let it "
        "lapse). Cancel it with the vendor if it renews on its own."
    )


# ---------------------------------------------------------------- reminders and delegations


def reminder(request: PurchaseRequest, *, waited: str, step: str) -> str:
    """To an approver who has not decided yet."""
    return (
        f"Reminder: {head(request)} has waited {waited} for your decision at {step}. "
        "Here it is again."
    )


def escalated(request: PurchaseRequest, *, waited: str, step: str, names: str, group: str) -> str:
    """To the requester: more approvers were added to a step that waited too long."""
    return (
        f"{head(request)} waited {waited} at {step}, so I added {names} ({group}) "
        "as approvers. Any of them can now decide."
    )


def still_waiting(request: PurchaseRequest, *, waited: str, step: str, approvers: str) -> str:
    """To the requester: the step waited too long and nobody could be added."""
    return (
        f"{head(request)} has waited {waited} at {step}. "
        f"Nudge {approvers} or ask IT to reassign it."
    )


def covering(request: PurchaseRequest, *, approver: str, until: date) -> str:
    """To a delegate on the first day of a delegation."""
    return f"You cover for {approver} until {until:%a %d %b %Y}: {request.number} waits for them."


# ---------------------------------------------------------------- delivery failures


def no_chat_account(email: str) -> str:
    """Why a card could not be sent to someone."""
    return f"{email} has no Slack account we can find and has not talked to the bot in Teams"


def unreachable(request: PurchaseRequest, *, approver: str, why: str) -> str:
    """To the requester: an approver's card could not be sent, and why."""
    return (
        f"I couldn't reach {approver} about {_about(request)}: {why}. Ask them to open "
        "procurebot once, or ask IT to check the policy's approver list."
    )


def undeliverable(request: PurchaseRequest, *, approver: str) -> str:
    """To the requester: an approver's card failed for good."""
    return (
        f"I couldn't deliver {_about(request)} to {approver} for approval. Let them know it "
        "is waiting for them, and ask IT to look at `procurebot outbox failed`."
    )


def _about(request: PurchaseRequest) -> str:
    return f"{request.number} ({request.title}, {short_amount(request)})"
