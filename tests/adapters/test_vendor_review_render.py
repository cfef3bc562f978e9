"""The vendor review surfaces as each platform checks them: Block Kit through slack_sdk's
models and Slack's limits, Adaptive Cards against the official schema, for every viewer and
for the longest texts the bot accepts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.slack import vendor_review_render as slack
from adapters.teams import vendor_review as teams
from bot.domain.model import Category, Vendor
from bot.domain.questionnaire import MAX_ANSWER
from bot.domain.vendor_reviews import (
    MAX_PURPOSE,
    MAX_WEBSITE,
    Outcome,
    ReviewAction,
    ReviewDecision,
    VendorCard,
    VendorReview,
    build_card,
)
from tests.adapters.schemas import check_adaptive_card, check_blocks, check_view
from tests.fakes import IT, PROCUREMENT, REQUESTER, example_policy

AT = datetime(2026, 11, 23, 14, tzinfo=UTC)
LONG = "Ünïcode & <b>*bold*</b> " * 400


def review(*, long: bool = False, asked: bool = False) -> VendorReview:
    text = LONG if long else "short"
    decisions = (
        [ReviewDecision("it", Outcome.ASKED, IT[0], text[:MAX_PURPOSE], AT)] if asked else []
    )
    return VendorReview(
        id=7,
        vendor_id=1,
        vendor_name=("V" * 200) if long else "Acme",
        proposer=REQUESTER,
        groups=["it", "procurement"],
        answers={q.id: text[:MAX_ANSWER] for q in example_policy().vendors.questionnaire},
        purpose=text[:MAX_PURPOSE],
        created_at=AT,
        decisions=decisions,
    )


def cards() -> list[VendorCard]:
    policy = example_policy()
    found = []
    for long in (False, True):
        vendor = Vendor(name="Acme", category=Category.SAAS, website="x" * MAX_WEBSITE)
        for asked in (False, True):
            for viewer in (IT[0], PROCUREMENT, REQUESTER, "someone@acme.example"):
                found.append(
                    build_card(
                        review(long=long, asked=asked),
                        vendor=vendor,
                        viewer=viewer,
                        policy=policy,
                        lookalike="Acme looks like rejected vendor Acmé (rejected)"
                        * (10 if long else 1),
                    )
                )
    return found


@pytest.mark.parametrize("card", cards())
def test_review_cards_are_valid_on_both_platforms(card: VendorCard) -> None:
    check_blocks(slack.card_blocks(card))
    check_adaptive_card(teams.review_card(card, notice="Sent for review."))


def test_the_proposal_forms_are_valid() -> None:
    questions = example_policy().vendors.questionnaire
    check_view(slack.proposal_modal(vendor="V" * 200, questions=questions))
    for action in (ReviewAction.REJECT, ReviewAction.ASK, ReviewAction.ANSWER):
        check_view(slack.reason_modal(action=action, vendor="V" * 200, metadata='{"v": 1}'))
    check_adaptive_card(teams.form_card(vendor="V" * 200, questions=questions))
    errors = {q.id: "Please answer this." for q in questions}
    values = {q.id: "EU" for q in questions}
    check_adaptive_card(
        teams.form_card(vendor="Acme", questions=questions, values=values, errors=errors)
    )
