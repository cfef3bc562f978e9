"""Slack and Teams render the same neutral card: for every state and viewer both offer the same
actions and show the same facts, status, headline, route and timeline."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any

import pytest

from adapters.slack import ids as slack_ids
from adapters.slack.render import parse_action_value
from adapters.slack.render import render_card as slack_card
from adapters.teams.render import parse_action_data
from adapters.teams.render import render_card as teams_card
from bot.domain.cards import Card, build_card
from bot.domain.model import RequestStatus
from bot.domain.workflow import Action
from tests.fakes_teams import walk_actions
from tests.unit.builders import DELEGATIONS, NOW, PURCHASERS, TODAY, VIEWERS, request_in

# No renewal announced, or one announced and waiting for a choice (Renew / Let lapse).
RENEWALS: list[date | None] = [None, TODAY + timedelta(days=20)]


def card(state: RequestStatus, viewer: str, renewal_due: date | None = None) -> Card:
    request = request_in(state)
    return build_card(
        request=request,
        viewer=viewer,
        now=NOW,
        delegations=DELEGATIONS,
        purchasers=PURCHASERS,
        events=[],
        renewal_due=renewal_due,
    )


def slack_actions(blocks: list[dict[str, Any]]) -> list[tuple[Action | None, str]]:
    return [
        (slack_ids.action_from_id(e["action_id"]), e["value"])
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def teams_actions(rendered: dict[str, Any]) -> list[tuple[Action, int, str | None]]:
    found = []
    for action in walk_actions(rendered):
        if action["type"] == "Action.Execute":
            target = parse_action_data(action["data"])
            assert target is not None and action["verb"] == target[0].value
            found.append(target)
    return found


def slack_facts(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    facts = []
    for block in blocks:
        for field in block.get("fields") or []:
            label, _, value = field["text"].partition("\n")
            facts.append((label.strip("*"), html.unescape(value)))
    return facts


def teams_facts(rendered: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (fact["title"], re.sub(r"\\(.)", r"\1", fact["value"]))
        for item in rendered["body"]
        if item["type"] == "FactSet"
        for fact in item["facts"]
    ]


def teams_text(rendered: dict[str, Any]) -> str:
    return re.sub(r"\\(.)", r"\1", str(rendered))


@pytest.mark.parametrize("renewal_due", RENEWALS, ids=["", "renewal due"])
@pytest.mark.parametrize("viewer", list(VIEWERS.values()), ids=list(VIEWERS))
@pytest.mark.parametrize("state", list(RequestStatus))
def test_both_channels_offer_the_same_actions_and_facts(
    state: RequestStatus, viewer: str, renewal_due: date | None
) -> None:
    neutral = card(state, viewer, renewal_due)
    slack = slack_card(neutral)
    teams = teams_card(neutral)

    offered = [a.action for a in neutral.actions]
    assert [a for a, _ in slack_actions(slack)] == offered
    assert [a for a, _, _ in teams_actions(teams)] == offered
    # ... and the buttons decide the same request and step.
    steps = [(a.request_id, a.step) for a in neutral.actions]
    assert [(r, s) for _, r, s in teams_actions(teams)] == steps
    assert [json_target(v) for _, v in slack_actions(slack)] == steps

    shown = [(f.label, f.value) for f in neutral.facts]
    assert slack_facts(slack) == shown
    assert teams_facts(teams) == shown
    texts = [neutral.status_text, *([neutral.headline] if neutral.headline else [])]
    texts += [line.step for line in neutral.route]
    for text in texts:
        assert text in html.unescape(str(slack)) and text in teams_text(teams)


def json_target(value: str) -> tuple[int, str | None]:
    parsed = parse_action_value(value)
    assert parsed is not None
    return parsed


def test_every_viewer_role_and_state_is_covered() -> None:
    cards = [card(s, v, r) for s in RequestStatus for v in VIEWERS.values() for r in RENEWALS]
    roles = {c.viewer_role for c in cards}
    assert roles == {"requester", "approver", "purchaser", "observer"}
    offered = {a.action for c in cards for a in c.actions}
    assert offered == set(Action)
