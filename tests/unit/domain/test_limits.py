"""Free text has one length limit per field, enforced by the state machine on every channel."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from bot.domain import limits, purchasing, resubmission, step_changes, workflow
from bot.domain.cards import TEXT_LIMITS
from bot.domain.errors import InvalidInput, TooLong
from bot.domain.model import Channel, PurchaseRequest, RequestStatus
from bot.domain.workflow import Action
from tests.fakes import draft
from tests.unit.builders import NOW, OMAR, PAUL, PURCHASERS, REQUESTER, request_in

CH = Channel.TEAMS

Move = Callable[[PurchaseRequest, str], object]
# (field, the state the move starts from, the move given its text)
MOVES: list[tuple[str, RequestStatus, Move]] = [
    (
        "reason",
        RequestStatus.PENDING,
        lambda r, t: workflow.reject(r, actor=OMAR, reason=t, now=NOW, channel=CH),
    ),
    (
        "question",
        RequestStatus.PENDING,
        lambda r, t: workflow.ask(r, actor=OMAR, question=t, now=NOW, channel=CH),
    ),
    (
        "answer",
        RequestStatus.CHANGES_REQUESTED,
        lambda r, t: resubmission.answer(r, actor=REQUESTER, text=t, now=NOW, channel=CH),
    ),
    (
        "po_number",
        RequestStatus.APPROVED,
        lambda r, t: purchasing.record_po(
            r, actor=PAUL, po_number=t, purchasers=PURCHASERS, now=NOW, channel=CH
        ),
    ),
    (
        "cancel_reason",
        RequestStatus.PENDING,
        lambda r, t: step_changes.cancel(r, actor=REQUESTER, reason=t, now=NOW, channel=CH),
    ),
    (
        "comment",
        RequestStatus.PENDING,
        lambda r, t: workflow.approve(r, actor=OMAR, comment=t, now=NOW, channel=CH),
    ),
]


@pytest.mark.parametrize(("field", "state", "move"), MOVES, ids=[m[0] for m in MOVES])
def test_over_long_text_is_refused_naming_the_field_and_changes_nothing(
    field: str, state: RequestStatus, move: Move
) -> None:
    request = request_in(state)
    before = copy.deepcopy(request)
    limit = limits.MAX_LENGTH[field]
    with pytest.raises(TooLong) as refused:
        move(request, "x" * 900_000)
    assert str(refused.value).endswith(f" is 900,000 characters long; keep it to {limit:,}.")
    assert refused.value.fields == {field: str(refused.value)}
    assert request == before and not request.pending_events
    move(request, "x" * limit)  # at the limit it goes through
    assert request.pending_events


def test_every_limited_field_is_named_and_the_forms_use_the_same_limits() -> None:
    for field in limits.MAX_LENGTH:
        assert limits.problem(field, "x" * (limits.MAX_LENGTH[field] + 1))
    assert {
        Action.REJECT: limits.MAX_LENGTH["reason"],
        Action.ASK: limits.MAX_LENGTH["question"],
        Action.ANSWER: limits.MAX_LENGTH["answer"],
        Action.RECORD_PO: limits.MAX_LENGTH["po_number"],
    } == TEXT_LIMITS


def test_a_draft_built_without_the_form_is_held_to_the_same_limits() -> None:
    limits.check_draft(draft())
    with pytest.raises(InvalidInput) as refused:
        limits.check_draft(draft(title="t" * 151, justification="j" * 3001))
    assert refused.value.fields == {
        "title": "The title is 151 characters long; keep it to 150.",
        "justification": "The justification is 3,001 characters long; keep it to 3,000.",
    }
