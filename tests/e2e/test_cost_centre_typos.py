"""A misspelt cost centre ('Desgin') is flagged on the form and the approvers' card."""

from __future__ import annotations

import json

from tests.e2e.conftest import FORM, Harness, TeamsHarness
from tests.fakes import IT, PROCUREMENT, REQUESTER, SECURITY

WARNING = "No budget for Desgin — did you mean Design?"


async def test_slack_flags_a_misspelt_cost_centre(harness: Harness) -> None:
    h = harness
    answer = await h.buy(REQUESTER, {**FORM, "Cost centre": "Desgin"})
    assert answer.json.get("response_action") == "update"
    confirm = await h.modal(REQUESTER)
    assert WARNING in json.dumps(confirm.blocks, ensure_ascii=False)
    assert h.core.service.my_requests(requester=REQUESTER) == []
    await h.submit(REQUESTER, {})
    assert h.core.service.get(1).cost_centre == "Desgin"  # the requester's word is kept
    assert WARNING in str(h.last_card(IT[0], "PR-1001").blocks)


async def test_a_budgeted_cost_centre_is_not_flagged(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, {**FORM, "Cost centre": "design"})
    assert h.core.service.get(1).cost_centre == "design"
    assert "did you mean" not in str(h.last_card(IT[0], "PR-1001").blocks)


async def test_teams_flags_a_misspelt_cost_centre(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    for email in (REQUESTER, *IT, SECURITY, PROCUREMENT):
        assert await h.teams.install(email) in (200, 201)
    await h.buy(REQUESTER, {**FORM, "Cost centre": "Desgin"})
    notice = h.teams.last(REQUESTER)
    assert notice.shows(WARNING)
    # Next to the "Submit anyway" button: the form's last element before its actions.
    assert notice.card is not None and WARNING in str(notice.card["body"][-1])
    assert h.core.service.my_requests(requester=REQUESTER) == []
    await h.click(REQUESTER, notice, "Submit anyway")
    assert h.core.service.get(1).cost_centre == "Desgin"
    assert h.teams.last_card(IT[0], "PR-1001").shows(WARNING)
