"""Adaptive Card rendering of the neutral card, by snapshot (UPDATE_SNAPSHOTS=1 rewrites them)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from adapters.teams import ids
from adapters.teams.render import (
    cancel_confirmation,
    card_time,
    form_values,
    help_text,
    intake_card,
    list_card,
    note_card,
    parse_action_data,
    render_card,
)
from bot.domain import intake
from bot.domain.cards import page_of
from bot.domain.errors import InvalidInput
from bot.domain.workflow import Action
from tests.adapters.slack.test_render import card
from tests.fakes import IT, REQUESTER, START
from tests.fakes_teams import find_action, walk_actions

SNAPSHOTS = Path(__file__).parent / "snapshots"


def check(name: str, value: object) -> None:
    path = SNAPSHOTS / f"{name}.json"
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(text)
    assert path.exists(), f"no snapshot {path.name}; run with UPDATE_SNAPSHOTS=1 once"
    assert text == path.read_text()


def valid_card(rendered: dict[str, Any]) -> None:
    """What Teams needs of an Adaptive Card 1.5 we send: schema, version, typed elements,
    unique input ids, and Action.Execute buttons that carry their verb in the data."""
    assert rendered["type"] == "AdaptiveCard" and rendered["version"] == "1.5"
    assert rendered["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    inputs = [i["id"] for i in _all_items(rendered) if str(i.get("type")).startswith("Input.")]
    assert len(inputs) == len(set(inputs)), inputs
    for item in rendered["body"]:
        assert item["type"] in {"TextBlock", "FactSet", "Container", *_INPUTS}, item
    for action in walk_actions(rendered):
        assert action["type"] in ("Action.Execute", "Action.ShowCard"), action
        if action["type"] == "Action.Execute":
            assert action["verb"] == action["data"][ids.KIND]
    assert len(json.dumps(rendered).encode()) < 28 * 1024  # Teams' message size limit


def _all_items(card: dict[str, Any]) -> list[dict[str, Any]]:
    items = list(card.get("body") or [])
    for action in card.get("actions") or []:
        if action.get("type") == "Action.ShowCard":
            items += _all_items(action["card"])
    return items


_INPUTS = {"Input.Text", "Input.Number", "Input.Date", "Input.ChoiceSet"}


@pytest.mark.parametrize(
    ("state", "viewer"),
    [
        ("pending", IT[0]),
        ("pending", REQUESTER),
        ("asked", REQUESTER),
        ("rejected", IT[1]),
    ],
)
def test_card_snapshot(state: str, viewer: str) -> None:
    rendered = render_card(card(state, viewer))
    valid_card(rendered)
    check(f"card_{state}_{viewer.split('@')[0]}", rendered)


def test_card_buttons_are_the_allowed_actions() -> None:
    approver = card("pending", IT[0])
    rendered = render_card(approver)
    top = [a["title"] for a in rendered["actions"]]
    assert top == ["Approve", "Reject", "Ask a question"]
    approve = find_action(rendered, "Approve")
    assert approve["style"] == "positive"
    assert parse_action_data(approve["data"]) == (Action.APPROVE, 1, "IT review")
    reject = next(a for a in rendered["actions"] if a["title"] == "Reject")
    assert reject["type"] == "Action.ShowCard"
    reason = reject["card"]["body"][0]
    assert (
        reason["id"] == ids.reason_input(Action.REJECT)
        and reason["isRequired"]
        and reason["isMultiline"]
    )
    assert reject["card"]["actions"][0]["style"] == "destructive"
    decided = render_card(card("rejected", IT[1]))
    assert "actions" not in decided


def test_user_text_cannot_format_or_link() -> None:
    rendered = render_card(card("pending", IT[0]), notice="**hi** [x](https://evil.example)")
    assert rendered["body"][0]["text"] == "\\*\\*hi\\*\\* \\[x\\](https://evil.example)"


def test_times_are_shown_in_the_readers_zone() -> None:
    assert (
        card_time(START) == "{{DATE(2026-11-23T14:00:00Z, SHORT)}} {{TIME(2026-11-23T14:00:00Z)}}"
    )


def test_parse_action_data_refuses_what_is_not_ours() -> None:
    assert parse_action_data({"pb": "approve", "r": "3", "s": "IT review"}) == (
        Action.APPROVE,
        3,
        "IT review",
    )
    for data in (
        None,
        {},
        {"pb": "launch", "r": 1},
        {"pb": "approve"},
        {"pb": "approve", "r": "x"},
        {"pb": "approve", "r": 0},
    ):
        assert parse_action_data(data) is None  # type: ignore[arg-type]


def test_intake_card_snapshot() -> None:
    form = intake_card(
        values={
            "title": "Figma seats",
            "category": "saas",
            "quantity": "3",
            "unit_price": "45",
            "recurrence": "monthly",
            "vendor": "Figma",
        },
        currencies=["USD", "EUR"],
        vendors=["Adobe", "Figma"],
    )
    valid_card(form)
    check("intake_saas", form)
    labels = [i["label"] for i in form["body"] if "label" in i]
    assert labels[: len(intake.FIELDS) + 1] == [
        *[intake.LABELS[f] for f in intake.FIELDS[:3]],
        "Or a new vendor",
        *[intake.LABELS[f] for f in intake.FIELDS[3:]],
    ]


def test_intake_errors_sit_under_their_fields() -> None:
    errors = {"unit_price": "The price must be more than zero.", "link": "Paste a full address"}
    form = intake_card(values={"unit_price": "-5"}, currencies=["USD"], vendors=[], errors=errors)
    valid_card(form)
    check("intake_errors", form)
    body = form["body"]
    order = [b.get("id") for b in body]
    for name, message in errors.items():
        at = order.index(f"{name}_error")
        assert order[at - 1] == name and body[at]["text"] == message
        assert body[at]["color"] == "Attention"


def test_vendor_choice_set_and_new_vendor() -> None:
    known = intake_card(values={"vendor": "figma"}, currencies=["USD"], vendors=["Figma"])
    fields = {i["id"]: i for i in known["body"] if "id" in i}
    assert fields["vendor"]["value"] == "Figma" and fields["vendor_new"]["value"] == ""
    new = intake_card(values={"vendor": "Sketch"}, currencies=["USD"], vendors=["Figma"])
    fields = {i["id"]: i for i in new["body"] if "id" in i}
    assert fields["vendor"]["value"] == "" and fields["vendor_new"]["value"] == "Sketch"
    assert form_values({"vendor": "Figma", "vendor_new": " Sketch "})["vendor"] == "Sketch"
    assert form_values({"vendor": "Figma", "vendor_new": ""})["vendor"] == "Figma"
    assert form_values({"title": "  ", "quantity": 3, "pb": "intake_submit"}) == {"quantity": "3"}
    assert form_values({"quantity": 3.0, "unit_price": 45.5}) == {
        "quantity": "3",
        "unit_price": "45.5",
    }


def test_number_inputs_hold_numbers() -> None:
    form = intake_card(
        values={"unit_price": "1299.99", "quantity": "abc"}, currencies=["USD"], vendors=[]
    )
    fields = {i["id"]: i for i in form["body"] if "id" in i}
    assert fields["unit_price"]["value"] == 1299.99
    assert "value" not in fields["quantity"]
    empty = intake_card(values={}, currencies=["USD"], vendors=[])
    fields = {i["id"]: i for i in empty["body"] if "id" in i}
    assert "value" not in fields["unit_price"] and fields["quantity"]["value"] == 1


def test_the_same_rules_as_slack() -> None:
    values = form_values({"title": "x", "vendor_new": "Figma", "unit_price": "-5"})
    with pytest.raises(InvalidInput) as invalid:
        intake.parse_form(values, currencies=["USD"], today=START.date())
    assert "unit_price" in invalid.value.fields and "vendor" not in invalid.value.fields


def test_small_cards() -> None:
    pending = card("pending", REQUESTER)
    confirm = cancel_confirmation(pending)
    valid_card(confirm)
    check("cancel_confirmation", confirm)
    yes = find_action(confirm, "Yes, cancel PR-1001")
    assert parse_action_data(yes["data"]) == (Action.CANCEL, 1, None)
    assert find_action(confirm, "Keep it")["data"] == {ids.KIND: ids.KEEP, ids.REQUEST: 1}
    listed = list_card(page_of([pending]), empty="none")
    assert "PR-1001" in json.dumps(listed)
    assert list_card(page_of([]), empty="Nothing yet.") == note_card("Nothing yet.")
    assert "`status PR-1042`" in help_text()


def test_renewal_card_offers_renew_and_a_confirmed_let_lapse() -> None:
    from datetime import date

    from bot.domain.cards import build_card
    from bot.domain.model import RequestStatus
    from tests.adapters.slack.test_render import request_in
    from tests.fakes import PROCUREMENT, example_policy

    request = request_in("pending")
    request.status = RequestStatus.APPROVED

    def card_of(viewer: str) -> dict[str, Any]:
        return render_card(
            build_card(
                request=request,
                viewer=viewer,
                now=START,
                purchasers=example_policy().purchasers,
                renewal_due=date(2026, 12, 30),
            )
        )

    rendered = card_of(REQUESTER)
    valid_card(rendered)
    check("card_renewal_rita.req", rendered)
    assert [a["title"] for a in rendered["actions"]] == ["Renew", "Let lapse"]
    renew = find_action(rendered, "Renew")
    assert renew["style"] == "positive"
    assert parse_action_data(renew["data"]) == (Action.RENEW, 1, None)
    lapse = rendered["actions"][1]
    assert lapse["type"] == "Action.ShowCard"
    confirm = find_action(rendered, "Let lapse")
    assert confirm["title"] == "Let it lapse" and confirm["style"] == "destructive"
    assert parse_action_data(confirm["data"]) == (Action.LET_LAPSE, 1, None)
    assert "Renews on Wed 30 Dec 2026: renew it or let it lapse." in json.dumps(
        rendered, ensure_ascii=False
    )
    assert "renew" in [a["verb"] for a in walk_actions(card_of(PROCUREMENT)) if "verb" in a]
    assert "actions" not in card_of(IT[0])
