"""Use cases of vendor qualification: propose, approve, reject, ask, answer, and the cards.

Each call is one unit of work: the review, the vendor, the audit events and the messages it
implies (cards to reviewers, notes to the proposer) are written together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.app import vendor_qualification_effects as effects
from bot.app.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.domain import lookalikes
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.model import Category, Channel, Vendor, VendorStatus, vendor_key
from bot.domain.policy import Policy
from bot.domain.questionnaire import check_answers
from bot.domain.vendor_reviews import (
    MAX_PURPOSE,
    MAX_WEBSITE,
    Outcome,
    ReviewAction,
    ReviewDecision,
    VendorCard,
    VendorReview,
    check_allowed,
    group_name,
    refusal,
    reviewers,
)

# Form fields that are not questionnaire answers (their problems are keyed by these names).
WEBSITE, CATEGORY, PURPOSE = "website", "category", "purpose"


@dataclass(frozen=True, slots=True)
class Proposal:
    """What the proposer typed in the form, unchecked."""

    vendor: str
    website: str
    category: str
    purpose: str
    answers: Mapping[str, str | None]


class VendorReviews:
    """Vendor qualification ahead of any purchase."""

    def __init__(self, *, uow: UnitOfWorkFactory, policy: Policy, clock: Clock) -> None:
        self._uow = uow
        self.policy = policy
        self.clock = clock

    def check_proposal(self, *, vendor: str) -> None:
        """Raise InvalidInput saying why, when the vendor cannot be proposed now."""
        name = " ".join(vendor.split())
        if not vendor_key(name):
            raise InvalidInput({"vendor": "Which vendor? Type `/buy vendor Acme`."})
        if not self.policy.vendors.qualification_groups:
            raise InvalidInput(
                {"vendor": "The policy names no vendors.qualification_groups; ask IT to add them."}
            )
        with self._uow() as uow:
            found = uow.vendors.get(vendor_key(name))
            review = uow.vendor_reviews.latest(found.id) if found and found.id else None
            why = refusal(
                found,
                review=review,
                now=self.clock.now(),
                policy=self.policy,
                name=effects.names(uow),
            )
            if found is None:
                # 'Ѕketchy Ltd' with a Cyrillic Ѕ is Sketchy Ltd: refused as intake refuses it.
                rejected = uow.vendors.list(status=VendorStatus.REJECTED)
                same = lookalikes.find(name, rejected)
                if same is not None and same.same:
                    why = f"{same.warning(name)}. Ask IT before proposing it."
        if why:
            raise InvalidInput({"vendor": why})

    def propose(self, *, proposal: Proposal, proposer: str, channel: Channel) -> VendorReview:
        """Put a vendor under review and send every qualification group its card."""
        problems = self.check_form(proposal)
        if problems:
            raise InvalidInput(problems)
        category = Category(proposal.category) if proposal.category else None
        answers, _ = check_answers(self.policy.vendors.questionnaire, proposal.answers)
        self.check_proposal(vendor=proposal.vendor)
        now = self.clock.now()
        name = " ".join(proposal.vendor.split())
        with self._uow() as uow:
            vendor = uow.vendors.get(vendor_key(name))
            if vendor is None:
                vendor = uow.vendors.add(Vendor(name=name))
            else:  # a new or expired vendor: re-checked inside this transaction
                review = uow.vendor_reviews.latest(vendor.id or 0)
                why = refusal(
                    vendor, review=review, now=now, policy=self.policy, name=effects.names(uow)
                )
                if why:
                    raise InvalidInput({"vendor": why})
            vendor.status = VendorStatus.UNDER_REVIEW
            vendor.website = _website(proposal.website) or vendor.website
            vendor.category = category or vendor.category
            vendor.owner = vendor.owner or proposer
            uow.vendors.save(vendor)
            assert vendor.id is not None
            review = uow.vendor_reviews.add(
                VendorReview(
                    vendor_id=vendor.id,
                    vendor_name=vendor.name,
                    proposer=proposer,
                    groups=list(self.policy.vendors.qualification_groups),
                    answers=answers,
                    purpose=" ".join(proposal.purpose.split()),
                    created_at=now,
                )
            )
            self._event(uow, "Vendor proposed", proposer, channel, review, review.purpose)
            sent: set[str] = set()
            for group in review.groups:
                for email in reviewers(self.policy, group, proposer=proposer):
                    if email not in sent:
                        sent.add(email)
                        self._card(uow, review, email)
            waiting = " and ".join(group_name(self.policy, g) for g in review.groups)
            self._note(
                uow,
                proposer,
                f"Thanks: {waiting} are reviewing {vendor.name}. I'll tell you here when "
                "they decide; they may ask you a question first.",
            )
            uow.commit()
        return review

    def approve(self, *, review_id: int, actor: str, group: str, channel: Channel) -> VendorReview:
        """The group approves; the last group's approval approves the vendor."""
        return self._decide(review_id, actor, group, ReviewAction.APPROVE, "", channel)

    def reject(
        self, *, review_id: int, actor: str, group: str, reason: str, channel: Channel
    ) -> VendorReview:
        """The group rejects: the vendor is rejected with the reason."""
        return self._decide(review_id, actor, group, ReviewAction.REJECT, reason, channel)

    def ask(
        self, *, review_id: int, actor: str, group: str, question: str, channel: Channel
    ) -> VendorReview:
        """A reviewer asks the proposer a question; the proposer gets a card to answer on."""
        text = _required(question, "question")
        with self._uow() as uow:
            review = self._locked(uow, review_id)
            check_allowed(
                review,
                actor=actor,
                group=group,
                action=ReviewAction.ASK,
                policy=self.policy,
                names=effects.names(uow),
            )
            self._record(uow, review, group, Outcome.ASKED, actor, text, channel)
            self._card(uow, review, review.proposer)
            uow.commit()
        return review

    def answer(self, *, review_id: int, actor: str, text: str, channel: Channel) -> VendorReview:
        """The proposer answers the open question; the asker is told the answer."""
        text = _required(text, "answer")
        with self._uow() as uow:
            review = self._locked(uow, review_id)
            check_allowed(
                review,
                actor=actor,
                group=None,
                action=ReviewAction.ANSWER,
                policy=self.policy,
                names=effects.names(uow),
            )
            question = review.open_question
            assert question is not None
            self._record(uow, review, question.group, Outcome.ANSWERED, actor, text, channel)
            self._card(uow, review, question.actor)
            uow.commit()
        return review

    def card(self, *, review_id: int, viewer: str) -> VendorCard:
        """The review as `viewer` sees it now."""
        with self._uow() as uow:
            return effects.vendor_card(uow, self.policy, review_id=review_id, viewer=viewer)

    def latest(self, *, vendor: Vendor) -> VendorReview | None:
        """The vendor's latest review, if it was ever proposed."""
        if vendor.id is None:
            return None
        with self._uow() as uow:
            return uow.vendor_reviews.latest(vendor.id)

    # ------------------------------------------------------------------ internals

    def check_form(self, proposal: Proposal) -> dict[str, str]:
        """What is wrong with the form, by field or question id (no I/O: adapters call it
        before they acknowledge a submission)."""
        problems: dict[str, str] = {}
        if len(proposal.website.strip()) > MAX_WEBSITE:
            problems[WEBSITE] = f"Keep the address under {MAX_WEBSITE} characters."
        purpose = " ".join(proposal.purpose.split())
        if not purpose:
            problems[PURPOSE] = "Say what the company would use it for."
        elif len(purpose) > MAX_PURPOSE:
            problems[PURPOSE] = f"Keep it under {MAX_PURPOSE} characters."
        if proposal.category and proposal.category not in set(Category):
            problems[CATEGORY] = "Pick a category from the list."
        _, answer_problems = check_answers(self.policy.vendors.questionnaire, proposal.answers)
        return {**problems, **answer_problems}

    def _decide(
        self,
        review_id: int,
        actor: str,
        group: str,
        action: ReviewAction,
        reason: str,
        channel: Channel,
    ) -> VendorReview:
        if action is ReviewAction.REJECT:
            reason = _required(reason, "reason")
        now = self.clock.now()
        with self._uow() as uow:
            review = self._locked(uow, review_id)
            check_allowed(
                review,
                actor=actor,
                group=group,
                action=action,
                policy=self.policy,
                names=effects.names(uow),
            )
            outcome = Outcome.APPROVED if action is ReviewAction.APPROVE else Outcome.REJECTED
            self._record(uow, review, group, outcome, actor, reason, channel)
            if outcome is Outcome.REJECTED or not review.waiting_on:
                effects.settle(
                    uow, self.policy, review, outcome=outcome, actor=actor, reason=reason, now=now
                )
            uow.commit()
        return review

    def _locked(self, uow: UnitOfWork, review_id: int) -> VendorReview:
        review = uow.vendor_reviews.get(review_id, lock=True)
        if review is None:
            raise NotFound(f"There is no vendor review {review_id}.")
        return review

    def _record(
        self,
        uow: UnitOfWork,
        review: VendorReview,
        group: str,
        outcome: Outcome,
        actor: str,
        text: str,
        channel: Channel,
    ) -> None:
        decision = ReviewDecision(
            group=group, outcome=outcome, actor=actor, text=text, at=self.clock.now()
        )
        assert review.id is not None
        uow.vendor_reviews.add_decision(review.id, decision)
        review.decisions.append(decision)
        self._event(uow, f"Vendor {outcome.value}", actor, channel, review, text)

    def _event(
        self,
        uow: UnitOfWork,
        action: str,
        actor: str,
        channel: Channel,
        review: VendorReview,
        text: str,
    ) -> None:
        effects.event(
            uow,
            action=action,
            actor=actor,
            channel=channel,
            review=review,
            text=text,
            at=self.clock.now(),
        )

    def _card(self, uow: UnitOfWork, review: VendorReview, recipient: str) -> None:
        effects.send_card(uow, review, recipient, at=self.clock.now())

    def _note(self, uow: UnitOfWork, recipient: str, text: str) -> None:
        effects.send_note(uow, recipient, text, at=self.clock.now())


def _required(text: str, what: str) -> str:
    clean = " ".join((text or "").split())
    if not clean:
        raise InvalidInput({what: "This can't be empty."})
    if len(clean) > MAX_PURPOSE:
        raise InvalidInput({what: f"Keep it under {MAX_PURPOSE} characters."})
    return clean


def _website(text: str) -> str:
    text = text.strip()
    if text and not text.startswith(("http://", "https://")):
        return f"https://{text}"
    return text
