"""One live card per person per request, in Slack and in Teams: asked, answered, escalated."""

from __future__ import annotations

from collections import Counter
from typing import Any

from adapters.slack import ids
from adapters.teams import ids as teams_ids
from bot.domain.workflow import Action
from tests.e2e.conftest import FORM, Harness, TeamsHarness
from tests.fakes import IT, PROCUREMENT, REQUESTER, SECURITY

REASON = {a: teams_ids.reason_input(a) for a in Action}

ASK = ids.action_id(Action.ASK)
ANSWER = ids.action_id(Action.ANSWER)


def _cards(h: Harness, email: str, number: str) -> int:
    """Messages in the person's DM that are cards of the request (a header with its number)."""
    return sum(
        1
        for m in h.dms(email)
        for b in m.blocks or []
        if b.get("type") == "header" and number in str(b.get("text"))
    )


async def test_ask_and_answer_leave_one_card_each_in_slack(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    await h.click(IT[0], h.last_card(IT[0], "PR-1001"), ASK)
    await h.submit(IT[0], {"Your question about PR-1001": "Would two seats do?"})
    assert _cards(h, REQUESTER, "PR-1001") == 1
    question = h.last_card(REQUESTER, "PR-1001")
    assert "Would two seats do?" in str(question.blocks)
    await h.click(REQUESTER, question, ANSWER)
    await h.submit(REQUESTER, {"Your answer on PR-1001": "No, three people start."})
    assert _cards(h, REQUESTER, "PR-1001") == 1
    assert _cards(h, IT[0], "PR-1001") == 1
    # The approver's one card is live again: it offers Approve.
    assert ids.action_id(Action.APPROVE) in str(h.last_card(IT[0], "PR-1001").blocks)


def _heading(card: dict[str, Any]) -> str:
    """A request card's first line is its heading (a note's is a sentence)."""
    body = card.get("body") or [{}]
    return str(body[0].get("text", ""))


async def test_ask_and_answer_leave_one_card_each_in_teams(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    for email in (REQUESTER, *IT, SECURITY, PROCUREMENT):
        assert await h.teams.install(email) in (200, 201)
    await h.buy(REQUESTER, FORM)
    await h.click(
        IT[0],
        h.teams.last_card(IT[0], "PR-1001"),
        "Ask a question",
        {REASON[Action.ASK]: "Would two seats do?"},
    )
    question = h.teams.last_card(REQUESTER, "PR-1001")
    assert question.shows("Would two seats do?")
    await h.click(REQUESTER, question, "Reply", {REASON[Action.ANSWER]: "No, three people start."})
    counts = Counter(
        email
        for email in (REQUESTER, IT[0])
        for posted in h.teams.chat(email)
        if posted.card is not None and _heading(posted.card) == "PR-1001 · Figma Professional seats"
    )
    assert counts == {REQUESTER: 1, IT[0]: 1}
