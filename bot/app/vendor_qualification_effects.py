"""What a vendor review writes besides itself, inside the caller's unit of work: the vendor's
outcome, audit events, outbox messages; and the card of a review as storage holds it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.app.ports import MessageKind, OutboxMessage, UnitOfWork
from bot.domain import lookalikes
from bot.domain import vendors as vendor_rules
from bot.domain.errors import NotFound
from bot.domain.model import Channel, Event, VendorStatus, vendor_key
from bot.domain.policy import Policy
from bot.domain.vendor_reviews import (
    Outcome,
    ReviewStatus,
    VendorCard,
    VendorReview,
    build_card,
    reviewers,
)


def names(uow: UnitOfWork) -> Callable[[str], str]:
    """People's names as the bot knows them (from Slack or Teams), else their email."""

    def name(email: str) -> str:
        person = uow.people.get(email)
        return person.name if person is not None and person.name else email

    return name


def event(
    uow: UnitOfWork,
    *,
    action: str,
    actor: str,
    channel: Channel,
    review: VendorReview,
    text: str,
    at: datetime,
) -> None:
    """Append an audit event; vendor events belong to no request, so the comment names the
    vendor and the review."""
    said = f": {text}" if text else ""
    comment = f"{review.vendor_name} (vendor review {review.id}){said}"
    uow.events.append(Event(action=action, actor=actor, at=at, channel=channel, comment=comment))


def send_card(uow: UnitOfWork, review: VendorReview, recipient: str, *, at: datetime) -> None:
    """Queue the review's card for `recipient` (built from the state at delivery)."""
    uow.outbox.add(
        OutboxMessage(
            kind=MessageKind.VENDOR_CARD,
            recipient=recipient,
            request_id=None,
            data={"review": review.id},
            next_attempt_at=at,
        )
    )


def send_note(uow: UnitOfWork, recipient: str, text: str, *, at: datetime) -> None:
    """Queue a short note to one person."""
    uow.outbox.add(
        OutboxMessage(
            kind=MessageKind.NOTE,
            recipient=recipient,
            request_id=None,
            text=text,
            next_attempt_at=at,
        )
    )


def settle(
    uow: UnitOfWork,
    policy: Policy,
    review: VendorReview,
    *,
    outcome: Outcome,
    actor: str,
    reason: str,
    now: datetime,
) -> None:
    """Finish the review: the vendor approved (its review valid from now) or rejected with the
    reason; the proposer told the next step, the other reviewers that it is settled."""
    vendor = uow.vendors.get(vendor_key(review.vendor_name))
    assert vendor is not None
    name = names(uow)
    review.status = ReviewStatus(outcome.value)
    review.decided_at = now
    uow.vendor_reviews.finish(review)
    deciders = ", ".join(name(d.actor) for d in review.decisions if d.outcome is Outcome.APPROVED)
    vendor.reviewed_at = now
    vendor.reviewed_by = actor
    if outcome is Outcome.APPROVED:
        vendor.status = VendorStatus.APPROVED
        vendor.review_outcome = f"Qualified by {deciders} (review {review.id})"
        until = vendor_rules.review_valid_until(vendor, months=policy.vendors.review_valid_months)
        assert until is not None
        text = (
            f"{vendor.name} is now an approved vendor until {until:%-d %b %Y}: you can "
            "/buy from it without a security review."
        )
        settled = f"{vendor.name} is now an approved vendor (qualified by {deciders})."
    else:
        vendor.status = VendorStatus.REJECTED
        vendor.review_outcome = reason
        text = (
            f"{vendor.name} was not approved: {name(actor)} rejected it ({reason}). "
            "Ask them what would change their mind, or pick an approved vendor."
        )
        settled = f"{vendor.name} was rejected by {name(actor)}: {reason}. Nothing more to review."
    uow.vendors.save(vendor)
    send_note(uow, review.proposer, text, at=now)
    # The other reviewers' cards still show buttons (a click would only be told so).
    told = {actor, review.proposer}
    for group in review.groups:
        for email in reviewers(policy, group, proposer=review.proposer):
            if email not in told:
                told.add(email)
                send_note(uow, email, settled, at=now)


def vendor_card(uow: UnitOfWork, policy: Policy, *, review_id: int, viewer: str) -> VendorCard:
    """Build a review's card for `viewer` inside an open unit of work (the outbox uses it)."""
    review = uow.vendor_reviews.get(review_id)
    if review is None:
        raise NotFound(f"There is no vendor review {review_id}.")
    vendor = uow.vendors.get(vendor_key(review.vendor_name))
    assert vendor is not None
    rejected = [v for v in uow.vendors.list(status=VendorStatus.REJECTED) if v.key != vendor.key]
    found = lookalikes.find(vendor.name, rejected)
    return build_card(
        review,
        vendor=vendor,
        viewer=viewer,
        policy=policy,
        lookalike=found.warning(vendor.name) if found else None,
        name=names(uow),
    )
