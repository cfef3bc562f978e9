"""Vendor qualification without a purchase: the review, its rules and the card each person sees.

A proposer names a vendor and answers the policy's questionnaire; every qualification group
decides in parallel. All approve: the vendor is approved (its review expires as any other);
one rejects: the vendor is rejected with the reason.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.domain import vendors as vendor_rules
from bot.domain.errors import AlreadyDecided, NotAllowed
from bot.domain.model import Category, Vendor, VendorStatus
from bot.domain.policy import Policy
from bot.domain.questionnaire import answer_lines

MAX_PURPOSE = 500  # what the vendor is for: one paragraph
MAX_WEBSITE = 300


class ReviewStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ReviewAction(enum.StrEnum):
    """What a person may do on a vendor review card (commands, imperative)."""

    APPROVE = "approve"
    REJECT = "reject"
    ASK = "ask"
    ANSWER = "answer"


class Outcome(enum.StrEnum):
    """What a decision row records (events, past tense)."""

    APPROVED = "approved"
    REJECTED = "rejected"
    ASKED = "asked"
    ANSWERED = "answered"


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    """One group's vote, or a question and its answer, on a review."""

    group: str
    outcome: Outcome
    actor: str
    text: str
    at: datetime


@dataclass(slots=True)
class VendorReview:
    """One proposal of a vendor and where its qualification stands."""

    vendor_id: int
    vendor_name: str
    proposer: str
    groups: list[str]
    answers: dict[str, str]
    purpose: str
    created_at: datetime
    status: ReviewStatus = ReviewStatus.PENDING
    decided_at: datetime | None = None
    decisions: list[ReviewDecision] = field(default_factory=list)
    id: int | None = None

    def verdict(self, group: str) -> ReviewDecision | None:
        """The group's approval or rejection, if it decided."""
        for decision in self.decisions:
            if decision.group == group and decision.outcome in (Outcome.APPROVED, Outcome.REJECTED):
                return decision
        return None

    @property
    def waiting_on(self) -> list[str]:
        """Groups that have not decided yet."""
        return [g for g in self.groups if self.verdict(g) is None]

    @property
    def open_question(self) -> ReviewDecision | None:
        """The question the proposer has not answered yet."""
        last = None
        for decision in self.decisions:
            if decision.outcome is Outcome.ASKED:
                last = decision
            elif decision.outcome is Outcome.ANSWERED:
                last = None
        return last


def reviewers(policy: Policy, group: str, *, proposer: str) -> list[str]:
    """Who decides for a group: its members but the proposer; the fallback group's members
    when the proposer is its only member (nobody qualifies their own vendor)."""
    members = [m for m in policy.groups[group].members if m != proposer]
    fallback = policy.groups[group].fallback
    if not members and fallback:
        members = [m for m in policy.groups[fallback].members if m != proposer]
    return members


def group_name(policy: Policy, group: str) -> str:
    """'IT review' for 'it'."""
    found = policy.groups.get(group)
    return found.name if found else group


def refusal(
    vendor: Vendor | None,
    *,
    review: VendorReview | None,
    now: datetime,
    policy: Policy,
    name: Callable[[str], str] = str,
) -> str | None:
    """Why this vendor cannot be proposed now, in words for the proposer; None when it can."""
    if vendor is None:
        return None
    months = policy.vendors.review_valid_months
    status = vendor_rules.effective_status(vendor, now=now, months=months)
    if status is VendorStatus.APPROVED:
        until = vendor_rules.review_valid_until(vendor, months=months)
        assert until is not None
        return (
            f"{vendor.name} is already an approved vendor until {until:%-d %b %Y}: "
            "you can /buy from it without a security review."
        )
    if status is VendorStatus.REJECTED:
        why = f": {vendor.review_outcome}" if vendor.review_outcome else ""
        when = f" on {vendor.reviewed_at:%-d %b %Y}" if vendor.reviewed_at else ""
        return f"{vendor.name} was rejected{when}{why}. Ask IT before proposing it again."
    if review is not None and review.status is ReviewStatus.PENDING:
        waiting = ", ".join(group_name(policy, g) for g in review.waiting_on)
        return (
            f"{vendor.name} is already under review (proposed by {name(review.proposer)} on "
            f"{review.created_at:%-d %b %Y}), waiting on {waiting}."
        )
    if status is VendorStatus.UNDER_REVIEW:
        return f"{vendor.name} is already under review in a purchase request."
    return None


def allowed(
    review: VendorReview, *, viewer: str, group: str | None, policy: Policy
) -> list[ReviewAction]:
    """What `viewer` may do now, deciding for `group` (None: as the proposer)."""
    if review.status is not ReviewStatus.PENDING:
        return []
    if group is None:
        if viewer == review.proposer and review.open_question is not None:
            return [ReviewAction.ANSWER]
        return []
    if group not in review.waiting_on or viewer not in reviewers(
        policy, group, proposer=review.proposer
    ):
        return []
    actions = [ReviewAction.APPROVE, ReviewAction.REJECT]
    if review.open_question is None:
        actions.append(ReviewAction.ASK)
    return actions


def check_allowed(
    review: VendorReview,
    *,
    actor: str,
    group: str | None,
    action: ReviewAction,
    policy: Policy,
    names: Callable[[str], str] = str,
) -> None:
    """Raise a clear error unless `actor` may take `action` now."""
    if action in allowed(review, viewer=actor, group=group, policy=policy):
        return
    name = review.vendor_name
    if review.status is not ReviewStatus.PENDING:
        raise AlreadyDecided(f"{name} was already {review.status.value}; nothing to do.")
    if action is ReviewAction.ANSWER:
        if actor != review.proposer:
            raise NotAllowed(f"Only {names(review.proposer)}, who proposed {name}, can answer.")
        raise AlreadyDecided(f"There is no open question on {name}.")
    if group is None or group not in review.groups:
        raise NotAllowed(f"That card is not for you: {name} is not waiting on that group.")
    if actor not in reviewers(policy, group, proposer=review.proposer):
        if actor == review.proposer:
            raise NotAllowed(
                f"You proposed {name}, so someone else in {group_name(policy, group)} decides."
            )
        raise NotAllowed(f"Only {group_name(policy, group)} can decide this for {name}.")
    verdict = review.verdict(group)
    if verdict is not None:
        who = group_name(policy, group)
        raise AlreadyDecided(
            f"{names(verdict.actor)} already {verdict.outcome.value} {name} for {who}."
        )
    raise AlreadyDecided(f"{name} already has an open question; wait for the answer.")


# --------------------------------------------------------------------------- the card


@dataclass(frozen=True, slots=True)
class VendorCard:
    """A neutral view of a review for one viewer; each adapter renders it."""

    review_id: int
    vendor: str
    status: ReviewStatus
    status_text: str
    facts: Sequence[tuple[str, str]]
    answers: Sequence[tuple[str, str]]
    thread: Sequence[str]  # questions, answers and decisions, oldest first
    actions: Sequence[ReviewAction]
    group: str | None  # the group this viewer decides for
    question: str | None  # the open question (shown to the proposer)
    notice: str | None  # a rejected vendor the name looks like


def build_card(
    review: VendorReview,
    *,
    vendor: Vendor,
    viewer: str,
    policy: Policy,
    lookalike: str | None,
    name: Callable[[str], str] = str,
) -> VendorCard:
    """The review as `viewer` sees it: the vendor, proposer, answers and what they may do."""
    group = next(
        (
            g
            for g in review.groups
            if viewer in reviewers(policy, g, proposer=review.proposer) and g in review.waiting_on
        ),
        None,
    )
    category = vendor.category.label if isinstance(vendor.category, Category) else "Not given"
    facts = [
        ("Proposed by", name(review.proposer)),
        ("Website", vendor.website or "Not given"),
        ("Category", category),
        ("What it's for", review.purpose),
    ]
    thread = []
    for d in review.decisions:
        who = "proposer" if d.outcome is Outcome.ANSWERED else group_name(policy, d.group)
        thread.append(
            f"{name(d.actor)} ({who}) {d.outcome.value}" + (f": {d.text}" if d.text else "")
        )
    question = review.open_question
    return VendorCard(
        review_id=review.id or 0,
        vendor=review.vendor_name,
        status=review.status,
        status_text=_status_text(review, policy, name),
        facts=facts,
        answers=answer_lines(policy.vendors.questionnaire, review.answers),
        thread=thread,
        actions=allowed(review, viewer=viewer, group=group, policy=policy)
        if group is not None or viewer == review.proposer
        else [],
        group=group,
        question=question.text if question else None,
        notice=f"{lookalike}. Make sure it is another company." if lookalike else None,
    )


def _status_text(review: VendorReview, policy: Policy, name: Callable[[str], str]) -> str:
    if review.status is ReviewStatus.APPROVED:
        return "Approved by " + ", ".join(group_name(policy, g) for g in review.groups)
    if review.status is ReviewStatus.REJECTED:
        rejected = next(d for d in review.decisions if d.outcome is Outcome.REJECTED)
        return f"Rejected by {name(rejected.actor)}: {rejected.text}"
    waiting = ", ".join(group_name(policy, g) for g in review.waiting_on)
    if review.open_question is not None:
        return f"Waiting for {name(review.proposer)} to answer a question; then {waiting}"
    return f"Waiting on {waiting}"


class VendorReviewRepository(Protocol):
    """Storage of vendor reviews (the unit of work's `vendor_reviews`)."""

    def add(self, review: VendorReview) -> VendorReview:
        """Insert; sets its id."""

    def get(self, review_id: int, *, lock: bool = False) -> VendorReview | None:
        """With its decisions; `lock` holds the row until the transaction ends."""

    def latest(self, vendor_id: int) -> VendorReview | None:
        """The vendor's newest review."""

    def add_decision(self, review_id: int, decision: ReviewDecision) -> None:
        """Append a vote, question or answer."""

    def finish(self, review: VendorReview) -> None:
        """Save the outcome (status, decided_at) of a review still pending; AlreadyDecided if
        another transaction finished it first."""
