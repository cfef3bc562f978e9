"""Teams scenarios over real HTTP: activities posted to /api/messages as Teams sends them,
the bot's replies, proactive cards and updates caught by the fake connector."""

from __future__ import annotations

from bot.model import RequestStatus
from tests.e2e.conftest import FORM, TeamsHarness
from tests.fakes import IT, PROCUREMENT, REQUESTER, SECURITY

EVERYONE = (REQUESTER, *IT, SECURITY, PROCUREMENT)


def status(h: TeamsHarness, request_id: int = 1) -> RequestStatus:
    return h.core.service.get(request_id).status


async def meet(h: TeamsHarness, *emails: str) -> None:
    """Each person installs the app, so the bot can reach them."""
    for email in emails:
        assert await h.teams.install(email) in (200, 201)


async def test_intake_to_approved_with_approvers_in_teams(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    answer = await h.buy(REQUESTER, FORM)
    assert "PR-1001" in str(answer["value"]) and "Waiting for IT review" in str(answer["value"])
    mine = h.teams.last_card(REQUESTER, "PR-1001")
    assert mine.shows("Waiting for IT review")
    card = h.teams.last_card(IT[0], "PR-1001")
    assert card.shows("IT reviews all technology") and card.shows("$1,620.00 a year")
    await h.click(IT[0], card, "Approve")
    omar = h.teams.last_card(IT[1], "PR-1001")
    assert not omar.card.get("actions") and omar.shows("decided by Ines IT")
    assert any("IT review approved by Ines IT" in t for t in h.teams.texts(REQUESTER))
    for email in (SECURITY, PROCUREMENT):
        await h.click(email, h.teams.last_card(email, "PR-1001"), "Approve")
    assert status(h) is RequestStatus.APPROVED
