"""The price check on cards and on the requester's preview, in Slack and Teams, over real HTTP:
after an earlier approved purchase, a dearer one is compared with it and names it."""

from __future__ import annotations

import json

from adapters.slack import ids
from bot.domain.model import RequestStatus
from bot.domain.workflow import Action
from tests.e2e.conftest import FORM, Harness, TeamsHarness
from tests.fakes import IT, PROCUREMENT, REQUESTER, SECURITY

APPROVE = ids.action_id(Action.APPROVE)
DEARER = {**FORM, "Price per unit": "60", "Quantity": "1", "Cost centre": "Marketing"}
FIRST = "First subscription from Figma: nothing to compare the price with yet."
CHECK = (
    "$60.00/seat/mo, 33 % above the median of 1 purchase of Figma Professional seats "
    "($45.00/seat/mo; PR-1001)."
)


async def test_slack_card_and_preview_compare_with_earlier_purchases(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    assert FIRST in str(h.last_card(IT[0], "PR-1001").blocks)
    for email in (IT[0], SECURITY, PROCUREMENT):
        await h.click(email, h.last_card(email, "PR-1001"), APPROVE)
    assert h.core.service.get(1).status is RequestStatus.APPROVED

    await h.buy(REQUESTER, DEARER)
    preview = json.dumps((await h.modal(REQUESTER)).blocks, ensure_ascii=False)
    assert f"Price check: {CHECK}" in preview
    await h.submit(REQUESTER, {})
    for email in (IT[0], REQUESTER):
        card = str(h.last_card(email, "PR-1002").blocks)
        assert "*Price check*" in card and CHECK in card, email


async def test_teams_card_and_preview_compare_with_earlier_purchases(
    teams_harness: TeamsHarness,
) -> None:
    h = teams_harness
    for email in (REQUESTER, *IT, SECURITY, PROCUREMENT):
        assert await h.teams.install(email) in (200, 201)
    await h.buy(REQUESTER, FORM)
    assert h.teams.last_card(IT[0], "PR-1001").shows(FIRST)
    for email in (IT[0], SECURITY, PROCUREMENT):
        await h.click(email, h.teams.last_card(email, "PR-1001"), "Approve")
    assert h.core.service.get(1).status is RequestStatus.APPROVED

    await h.buy(REQUESTER, DEARER)
    notice = h.teams.last(REQUESTER)
    assert notice.shows(f"Price check: {CHECK}")
    await h.click(REQUESTER, notice, "Submit anyway")
    for email in (IT[0], REQUESTER):
        card = h.teams.last_card(email, "PR-1002")
        assert card.shows("Price check") and card.shows(CHECK), email
