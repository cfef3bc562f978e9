"""What `procurebot vendors show` prints of a vendor's qualification: answers, outcome, expiry."""

from __future__ import annotations

from typing import Any

from bot.app.facade import Procurement
from bot.app.vendor_qualification import VendorReviews
from bot.domain import vendors as vendor_rules
from bot.domain.model import Vendor
from bot.domain.questionnaire import answer_lines
from bot.domain.vendor_reviews import VendorReview


def _latest(service: Procurement, vendor: Vendor) -> VendorReview | None:
    reviews = VendorReviews(uow=service._uow, policy=service.policy, clock=service.clock)
    return reviews.latest(vendor=vendor)


def qualification_json(service: Procurement, vendor: Vendor) -> dict[str, Any]:
    """The review's expiry and the latest qualification (null if never proposed)."""
    until = vendor_rules.review_valid_until(
        vendor, months=service.policy.vendors.review_valid_months
    )
    review = _latest(service, vendor)
    questions = {q.id: q.text for q in service.policy.vendors.questionnaire}
    qualification = None
    if review is not None:
        qualification = {
            "status": review.status.value,
            "proposer": review.proposer,
            "purpose": review.purpose,
            "proposed_at": review.created_at.isoformat(),
            "decided_at": review.decided_at.isoformat() if review.decided_at else None,
            "groups": review.groups,
            "answers": [
                {"id": key, "question": questions.get(key, key), "answer": value}
                for key, value in review.answers.items()
            ],
            "decisions": [
                {
                    "group": d.group,
                    "outcome": d.outcome.value,
                    "by": d.actor,
                    "text": d.text,
                    "at": d.at.isoformat(),
                }
                for d in review.decisions
            ],
        }
    return {
        "review_valid_until": until.isoformat() if until else None,
        "qualification": qualification,
    }


def qualification_lines(service: Procurement, vendor: Vendor) -> list[str]:
    """The same as indented text lines; none when the vendor was never proposed."""
    review = _latest(service, vendor)
    if review is None:
        return []
    decided = f", decided {review.decided_at:%Y-%m-%d}" if review.decided_at else ""
    lines = [
        f"  qualified  {review.status.value} (proposed by {review.proposer} "
        f"{review.created_at:%Y-%m-%d}{decided})",
        f"    for      {review.purpose}",
    ]
    for question, answer in answer_lines(service.policy.vendors.questionnaire, review.answers):
        lines.append(f"    {question}  {answer}")
    for d in review.decisions:
        said = f": {d.text}" if d.text else ""
        lines.append(f"    {d.at:%Y-%m-%d} {d.actor} ({d.group}) {d.outcome.value}{said}")
    return lines
