"""Vendor qualification rules without I/O: the questionnaire, who may do what, the refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain import policy as policy_module
from bot.domain.errors import AlreadyDecided, NotAllowed, PolicyError
from bot.domain.model import Vendor, VendorStatus
from bot.domain.questionnaire import Question, QuestionKind, answer_lines, check_answers
from bot.domain.vendor_reviews import (
    Outcome,
    ReviewAction,
    ReviewDecision,
    ReviewStatus,
    VendorReview,
    allowed,
    build_card,
    check_allowed,
    refusal,
    reviewers,
)
from tests.fakes import EXAMPLE_POLICY, IT, PROCUREMENT, REQUESTER, SECURITY, example_policy

NOW = datetime(2026, 11, 23, 14, tzinfo=UTC)
POLICY = example_policy()
QUESTIONS = POLICY.vendors.questionnaire


def review(*decisions: ReviewDecision, proposer: str = REQUESTER) -> VendorReview:
    return VendorReview(
        id=1,
        vendor_id=1,
        vendor_name="Acme",
        proposer=proposer,
        groups=["it", "procurement"],
        answers={},
        purpose="Analytics",
        created_at=NOW,
        decisions=list(decisions),
    )


def vote(group: str, outcome: Outcome, actor: str, text: str = "") -> ReviewDecision:
    return ReviewDecision(group=group, outcome=outcome, actor=actor, text=text, at=NOW)


def test_the_example_questionnaire_is_the_one_the_issue_asks_for() -> None:
    assert [q.id for q in QUESTIONS] == [
        "soc2_iso",
        "sso",
        "data_location",
        "dpa",
        "subprocessors",
        "breach",
        "breach_details",
    ]
    assert POLICY.vendors.qualification_groups == ["it", "procurement"]
    assert [q.id for q in QUESTIONS if not q.required] == ["breach_details"]


def test_answers_are_checked_by_kind() -> None:
    answers, problems = check_answers(
        QUESTIONS,
        {"soc2_iso": "YES", "sso": "sometimes", "data_location": "Mars", "subprocessors": "  "},
    )
    assert answers == {"soc2_iso": "yes"}
    assert problems == {
        "sso": "Answer yes or no.",
        "data_location": "Pick one of: EU, US, EU and US, Elsewhere, No company data.",
        "dpa": "Please answer this.",
        "subprocessors": "Please answer this.",
        "breach": "Please answer this.",
    }
    _, long = check_answers(QUESTIONS[4:5], {"subprocessors": "x" * 2001})
    assert long == {"subprocessors": "Keep it under 2000 characters."}


def test_answers_read_in_the_policy_order_with_gaps_marked() -> None:
    lines = answer_lines(QUESTIONS[:2], {"sso": "no", "retired": "kept"})
    assert lines == [
        ("Has a SOC 2 Type II or ISO 27001 report?", "(no answer)"),
        ("Supports SSO (SAML or OIDC)?", "No"),
        ("retired", "kept"),
    ]


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ({"id": "Bad Id", "text": "x", "kind": "text"}, "use lowercase letters"),
        ({"id": "loc", "text": "x", "kind": "choice", "choices": ["EU"]}, "at least two"),
        ({"id": "sso", "text": "x", "kind": "yes_no", "choices": ["a", "b"]}, "not kind: choice"),
    ],
)
def test_a_malformed_question_is_refused(question: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Question.model_validate(question)


def test_policy_check_names_unknown_groups_and_repeated_questions() -> None:
    text = EXAMPLE_POLICY.read_text(encoding="utf-8")
    text = text.replace(
        "qualification_groups: [it, procurement]", "qualification_groups: [it, legal]"
    )
    text = text.replace("- {id: sso,", "- {id: soc2_iso,")
    with pytest.raises(PolicyError) as error:
        policy_module.parse(text, source="policy.yml")
    message = str(error.value)
    assert "vendors.qualification_groups[1]: no group called 'legal'" in message
    assert "vendors.questionnaire[1].id: a second question 'soc2_iso'" in message


def test_reviewers_exclude_the_proposer_and_fall_back() -> None:
    assert reviewers(POLICY, "it", proposer=IT[0]) == [IT[1]]
    # Priya is procurement's only member: finance decides when she proposes.
    assert reviewers(POLICY, "procurement", proposer=PROCUREMENT) == [
        "fred.fin@acme.example",
        "carla.cfo@acme.example",
    ]


def test_who_may_do_what() -> None:
    open_review = review()
    assert allowed(open_review, viewer=IT[0], group="it", policy=POLICY) == [
        ReviewAction.APPROVE,
        ReviewAction.REJECT,
        ReviewAction.ASK,
    ]
    assert allowed(open_review, viewer=SECURITY, group="it", policy=POLICY) == []
    assert allowed(open_review, viewer=REQUESTER, group=None, policy=POLICY) == []
    asked = review(vote("it", Outcome.ASKED, IT[0], "Which SSO?"))
    assert allowed(asked, viewer=REQUESTER, group=None, policy=POLICY) == [ReviewAction.ANSWER]
    assert ReviewAction.ASK not in allowed(
        asked, viewer=PROCUREMENT, group="procurement", policy=POLICY
    )
    with pytest.raises(NotAllowed, match=r"Only IT review can decide this for Acme\."):
        check_allowed(
            open_review, actor=SECURITY, group="it", action=ReviewAction.APPROVE, policy=POLICY
        )
    with pytest.raises(NotAllowed, match="not waiting on that group"):
        check_allowed(
            open_review, actor=IT[0], group="finance", action=ReviewAction.APPROVE, policy=POLICY
        )
    mine = review(proposer=IT[0])
    with pytest.raises(
        NotAllowed, match=r"You proposed Acme, so someone else in IT review decides\."
    ):
        check_allowed(mine, actor=IT[0], group="it", action=ReviewAction.APPROVE, policy=POLICY)
    approved = review(vote("it", Outcome.APPROVED, IT[1]))
    with pytest.raises(AlreadyDecided, match=r"Omar already approved Acme for IT review\."):
        check_allowed(
            approved,
            actor=IT[0],
            group="it",
            action=ReviewAction.APPROVE,
            policy=POLICY,
            names=lambda email: "Omar" if email == IT[1] else email,
        )
    assert approved.waiting_on == ["procurement"]
    done = review()
    done.status = ReviewStatus.REJECTED
    with pytest.raises(AlreadyDecided, match="Acme was already rejected"):
        check_allowed(done, actor=IT[0], group="it", action=ReviewAction.APPROVE, policy=POLICY)


def test_refusals_say_why_and_until_when() -> None:
    approved = Vendor(name="Acme", status=VendorStatus.APPROVED, reviewed_at=NOW)
    assert refusal(approved, review=None, now=NOW, policy=POLICY) == (
        "Acme is already an approved vendor until 23 Nov 2027: you can /buy from it without a "
        "security review."
    )
    # Expired: it may be proposed again.
    assert refusal(approved, review=None, now=NOW.replace(year=2028), policy=POLICY) is None
    rejected = Vendor(
        name="Acme", status=VendorStatus.REJECTED, reviewed_at=NOW, review_outcome="No SOC 2"
    )
    assert refusal(rejected, review=None, now=NOW, policy=POLICY) == (
        "Acme was rejected on 23 Nov 2026: No SOC 2. Ask IT before proposing it again."
    )
    pending = Vendor(name="Acme", status=VendorStatus.UNDER_REVIEW)
    assert refusal(pending, review=review(), now=NOW, policy=POLICY, name=str.upper) == (
        "Acme is already under review (proposed by RITA.REQ@ACME.EXAMPLE on 23 Nov 2026), "
        "waiting on IT review, Procurement."
    )
    assert refusal(pending, review=None, now=NOW, policy=POLICY) == (
        "Acme is already under review in a purchase request."
    )
    assert refusal(None, review=None, now=NOW, policy=POLICY) is None


def test_the_card_shows_the_thread_and_the_open_question() -> None:
    asked = review(vote("it", Outcome.ASKED, IT[0], "Which SSO?"))
    vendor = Vendor(name="Acme")
    card = build_card(asked, vendor=vendor, viewer=REQUESTER, policy=POLICY, lookalike=None)
    assert card.question == "Which SSO?" and card.actions == [ReviewAction.ANSWER]
    assert card.status_text == (
        "Waiting for rita.req@acme.example to answer a question; then IT review, Procurement"
    )
    assert card.thread == ["ines.it@acme.example (IT review) asked: Which SSO?"]
    seen = build_card(asked, vendor=vendor, viewer=SECURITY, policy=POLICY, lookalike="X looks")
    assert (
        seen.actions == []
        and seen.group is None
        and seen.notice == "X looks. Make sure it is another company."
    )
    assert QuestionKind.CHOICE in {q.kind for q in QUESTIONS}


def test_without_qualification_groups_proposing_says_what_to_set() -> None:
    from bot.app.vendor_qualification import VendorReviews
    from bot.domain.errors import InvalidInput

    vendors = POLICY.vendors.model_copy(update={"qualification_groups": []})
    policy = POLICY.model_copy(update={"vendors": vendors})

    def no_storage() -> object:
        raise AssertionError("refused before any storage")

    reviews = VendorReviews(uow=no_storage, policy=policy, clock=None)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=r"names no vendors\.qualification_groups"):
        reviews.check_proposal(vendor="Acme")
    with pytest.raises(InvalidInput, match=r"Which vendor\?"):
        reviews.check_proposal(vendor="  ")
