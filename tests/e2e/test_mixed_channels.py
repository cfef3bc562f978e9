"""One company, two chat platforms: people are emails, so a request started in Slack is
approved in Teams and the other way round, each person on the platform they use."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.slack import ids as slack_ids
from adapters.teams import ids
from bot.domain.model import Channel, RequestStatus
from bot.domain.workflow import Action
from tests.e2e.conftest import FORM, Harness, TeamsHarness, drain, running_harness
from tests.fakes import IT, PROCUREMENT, REQUESTER, SECURITY
from tests.fakes_teams import FakeTeams


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def both(
    request: pytest.FixtureRequest, tmp_path: Path, fake_teams: FakeTeams
) -> AsyncIterator[tuple[Harness, TeamsHarness]]:
    """The Slack harness, and Teams people talking to the same running bot."""
    async with running_harness(
        request.param, tmp_path, PROCUREBOT_TEAMS_DEV_INSECURE=True
    ) as harness:
        fake_teams.bot_url = harness.sender.transport.bot_url.replace(
            "/slack/events", "/api/messages"
        )
        yield harness, TeamsHarness(teams=fake_teams, core=harness.core, app=harness.app)


async def test_slack_requester_teams_approvers(both: tuple[Harness, TeamsHarness]) -> None:
    slack, teams = both
    for email in IT:
        assert await teams.teams.install(email) in (200, 201)
    await slack.buy(REQUESTER, FORM)
    await slack.settle()
    # The IT approvers get their cards in Teams, not in Slack.
    card = teams.teams.last_card(IT[0], "PR-1001")
    assert not [m for m in slack.dms(IT[0]) if "PR-1001" in str(m.blocks)]
    await teams.click(IT[0], card, "Approve")
    await slack.settle()
    # The Slack requester hears of it in Slack, and their Slack card was updated.
    assert any("IT review approved by Ines IT" in t for t in slack.texts(REQUESTER))
    live = [m for m in slack.dms(REQUESTER) if "*Route*" in str(m.blocks)]
    assert len(live) == 1 and "decided by Ines IT" in str(live[0].blocks)
    assert not teams.teams.last_card(IT[1], "PR-1001").card.get("actions")
    # Stage two (security, procurement) never met the bot in Teams: Slack it is.
    for email in (SECURITY, PROCUREMENT):
        await slack.click(
            email, slack.last_card(email, "PR-1001"), slack_ids.action_id(Action.APPROVE)
        )
    assert slack.core.service.get(1).status is RequestStatus.APPROVED
    events = slack.core.service.card_for(request_id=1, viewer=REQUESTER).timeline
    assert any("IT review approved by Ines IT" in e.text for e in events)
    with slack.core.uow() as uow:
        channels = {e.channel for e in uow.events.for_request(1)}
    assert channels == {Channel.SLACK, Channel.TEAMS}


async def test_teams_requester_slack_approvers(both: tuple[Harness, TeamsHarness]) -> None:
    slack, teams = both
    assert await teams.teams.install(REQUESTER) in (200, 201)
    await teams.buy(REQUESTER, FORM)
    await slack.settle()
    assert teams.teams.last_card(REQUESTER, "PR-1001").shows("Waiting for IT review")
    assert not [m for m in slack.dms(REQUESTER) if "PR-1001" in str(m.blocks)]
    card = slack.last_card(IT[1], "PR-1001")
    await slack.click(IT[1], card, slack_ids.action_id(Action.ASK))
    await slack.submit(IT[1], {"Your question about PR-1001": "Would two seats do?"})
    await drain(slack.app, slack.core)
    question = teams.teams.last_card(REQUESTER, "PR-1001")
    assert question.shows("Would two seats do?")
    await teams.click(
        REQUESTER, question, "Reply", {ids.reason_input(Action.ANSWER): "No, three people start."}
    )
    await slack.settle()
    assert any("answered" in json.dumps(m.blocks) for m in slack.dms(IT[1]))
    await slack.click(IT[1], slack.last_card(IT[1], "PR-1001"), slack_ids.action_id(Action.APPROVE))
    await slack.settle()
    assert any("IT review approved by Omar IT" in t for t in teams.teams.texts(REQUESTER))
    assert teams.teams.last_card(REQUESTER, "PR-1001").shows("decided by Omar IT")
