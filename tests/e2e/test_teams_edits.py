"""Editing a request in Teams over real HTTP (Bot Framework activities, fake connector): a new
vendor re-opens the approvals and the approvers are told; wording alone keeps them."""

from __future__ import annotations

from bot.domain.model import RequestStatus, StepStatus, VendorStatus
from bot.domain.workflow import Action
from tests.e2e.conftest import FORM, TeamsHarness
from tests.e2e.test_teams_flows import EVERYONE, REASON, meet
from tests.fakes import IT, PROCUREMENT, REQUESTER, SECURITY
from tests.fakes_teams import fill


async def _edit(h: TeamsHarness, fields: dict[str, str]) -> None:
    """Rita opens the edit form from her question card and resubmits it with `fields`."""
    mine = h.teams.last_card(REQUESTER, "PR-1001")
    await h.click(REQUESTER, mine, "Edit request")
    await h.click(REQUESTER, mine, "Resubmit", fill(mine.card, fields))


async def _approved_by_it_and_security_then_asked(h: TeamsHarness) -> None:
    await meet(h, *EVERYONE)
    await h.buy(REQUESTER, FORM)
    for email in (IT[0], SECURITY):
        await h.click(email, h.teams.last_card(email, "PR-1001"), "Approve")
    await h.click(
        PROCUREMENT,
        h.teams.last_card(PROCUREMENT, "PR-1001"),
        "Ask a question",
        {REASON[Action.ASK]: "Why not Canva?"},
    )


async def test_a_new_vendor_reopens_the_approvals_in_teams(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await _approved_by_it_and_security_then_asked(h)
    await _edit(h, {"Vendor": "Canva"})  # no approved vendor yet: the field is free text
    request = h.core.service.get(1)
    assert request.vendor == "Canva" and request.status is RequestStatus.PENDING
    assert [s.status for s in request.steps] == [
        StepStatus.ACTIVE,
        StepStatus.WAITING,
        StepStatus.WAITING,
    ]
    fresh = h.teams.last_card(IT[0], "PR-1001")
    assert fresh.shows("Rita Requester edited the request after IT review was decided")
    assert fresh.shows("vendor: Figma → Canva") and fresh.card.get("actions")
    assert any("so Security review is asked again" in t for t in h.teams.texts(SECURITY))
    sam = h.teams.last_card(SECURITY, "PR-1001")
    assert sam.versions and sam.shows("Canva") and not sam.card.get("actions")
    with h.core.uow() as uow:
        assert uow.vendors.get("figma").status is VendorStatus.NEW
        assert uow.vendors.get("canva").status is VendorStatus.UNDER_REVIEW


async def test_a_reworded_request_keeps_its_approvals_in_teams(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await _approved_by_it_and_security_then_asked(h)
    await _edit(h, {"What do you need?": "Figma seats for three new designers"})
    request = h.core.service.get(1)
    assert request.title == "Figma seats for three new designers"
    assert [s.status for s in request.steps] == [
        StepStatus.APPROVED,
        StepStatus.APPROVED,
        StepStatus.ACTIVE,
    ]
