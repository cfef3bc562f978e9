"""Every card, form, list and digest the bot can send stays valid and within each platform's
limits: for every state and viewer, and for the longest legal inputs (tests/adapters/longest)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from adapters.slack import render as slack
from adapters.slack.digest import render_digest as slack_digest
from adapters.teams import limits as teams_limits
from adapters.teams import render as teams
from adapters.teams.digest import render_digest as teams_digest
from adapters.teams.package import manifest
from adapters.teams.render import cards as teams_cards
from bot.domain import intake
from bot.domain.cards import CARD, HOME, STATUS, Card, Detail, page_of
from bot.domain.digest import Digest, Line
from bot.domain.model import RequestStatus
from bot.domain.views import BacklogItem, Renewal
from bot.domain.workflow import Action
from tests.adapters import longest
from tests.adapters.schemas import (
    check_adaptive_card,
    check_blocks,
    check_slack_manifest,
    check_teams_manifest,
    check_view,
)
from tests.adapters.slack.test_digest_render import digest
from tests.adapters.test_parity import RENEWALS
from tests.adapters.test_parity import card as scenario_card
from tests.seed import at
from tests.unit.builders import VIEWERS

ROOT = Path(__file__).resolve().parent.parent.parent
DETAILS = {"card": CARD, "status": STATUS, "home": HOME}


def scenario_cards() -> list[tuple[str, Card]]:
    """The scenario request in every state for every viewer, with and without a renewal."""
    return [
        (f"{state.value}/{who}/{'renewal' if due else ''}", scenario_card(state, viewer, due))
        for state in RequestStatus
        for who, viewer in VIEWERS.items()
        for due in RENEWALS
    ]


CARDS = scenario_cards()
LONGEST = list(longest.every_card())


def teams_ok(card: dict) -> None:
    check_adaptive_card(card)
    assert teams_limits.fits(card), teams_limits.card_bytes(card)


@pytest.mark.parametrize("detail", list(DETAILS.values()), ids=list(DETAILS))
@pytest.mark.parametrize(("name", "card"), CARDS + LONGEST, ids=[n for n, _ in CARDS + LONGEST])
def test_every_request_card(name: str, card: Card, detail: Detail) -> None:
    teams_ok(teams.render_card(card, detail=detail))
    teams_ok(teams.render_card(card, detail=detail, notice=longest.worst_text(2000)))
    check_blocks(slack.render_card(card, detail=detail))
    assert len(slack.card_text(card)) <= 3000 and len(teams.card_text(card)) <= 300


def test_the_longest_card_is_cut_with_notice_on_both_platforms() -> None:
    card = longest.card(RequestStatus.PENDING, longest.VIEWERS["approver"])
    assert "and 23 others" in card.status_text and "28 more steps" in card.status_text
    blocks = str(slack.render_card(card))
    rendered = str(teams.render_card(card))
    for text in (blocks, rendered):
        assert "earlier events" in text
        assert "more characters)" in text  # the justification and comments, clipped
    number = card.number
    assert f"… and 22 more steps (see `/buy status {number}`)" in blocks  # 30 steps, 8 shown
    # Teams shows fewer when the whole would not fit its message size.
    assert re.search(rf"… and 2\d more steps \(type `status {number}`\)", rendered)
    # The status command shows more of the route and the timeline than the DM card.
    assert "… and 22 more steps" not in str(slack.render_card(card, detail=STATUS))
    header = slack.render_card(card)[0]["text"]["text"]
    assert header.endswith("…") and len(header) <= 150


def test_teams_shrinks_a_card_to_its_budget_and_says_so() -> None:
    card = longest.card(RequestStatus.RECEIVED, longest.VIEWERS["requester"])
    wide = Detail(route=40, timeline=40, text=3000, points_to_status=False)
    assert (
        teams_limits.card_bytes(teams_cards._request_card(card, wide, None))
        > teams_limits.CARD_BYTES
    )
    fitted = teams.render_card(card, detail=wide)
    assert teams_limits.fits(fitted)
    assert "more steps" in str(fitted) and "earlier events" in str(fitted)


def test_lists_of_a_thousand_page_with_show_more() -> None:
    many = longest.waiting_cards()
    for offset in (0, 500, 990):
        waiting, mine = page_of(many, offset=offset), page_of(many, offset=offset)
        listed = teams.list_card(mine, empty="none", waiting=waiting)
        teams_ok(listed)
        titles = [a["title"] for a in listed.get("actions", [])]
        assert titles == ([] if offset == 990 else ["Show more waiting", "Show more of mine"])
        check_blocks(slack.list_blocks(mine, empty="none"))
        home = slack.home_view(mine=mine, waiting=page_of(many, offset=offset, size=4))
        check_view(home)
    first = slack.list_blocks(page_of(many), empty="none")
    assert "Showing 1–10 of 1,000 requests" in str(first)
    more = first[-1]["elements"][0]
    assert more["text"]["text"] == "Show more" and slack.parse_more_value(more["value"]) == (0, 10)
    assert teams.list_offsets(teams.list_card(page_of(many), empty="")["actions"][0]["data"]) == (
        0,
        10,
    )


def test_forms() -> None:
    values = intake.parse_text(longest.worst_text(5000) + " $45/mo").values
    values |= {name: longest.worst_text(n + 500) for name, n in longest.FIELD_LIMITS.items()}
    errors = {name: longest.worst_text(300) for name in intake.FIELDS}
    notice = longest.worst_text(3000)
    vendors = longest.vendor_names()
    for form in (
        teams.intake_card(values={}, currencies=["USD"], vendors=[]),
        teams.intake_card(
            values=values, currencies=["USD", "EUR"], vendors=vendors, errors=errors, notice=notice
        ),
    ):
        teams_ok(form)
        for field in form["body"]:
            if "maxLength" in field:
                assert len(field["value"]) <= field["maxLength"], field["id"]
    check_view(slack.intake_modal(values=values, currencies=["USD"], notice=notice))
    check_view(
        slack.reason_modal(
            action=Action.ANSWER,
            number="PR-1042",
            metadata='{"r": 1042}',
            prompt=longest.worst_text(3000),
        )
    )
    options = slack.vendor_options(
        typed=longest.worst_text(200), vendors=[(v, "approved") for v in vendors]
    )
    assert len(options) <= 100
    check_blocks(
        [
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "x"},
                "element": {"type": "static_select", "action_id": "x", "options": options},
            }
        ]
    )
    card = longest.card(RequestStatus.PENDING, longest.REQUESTER)
    teams_ok(teams.cancel_confirmation(card))
    check_blocks(slack.cancel_confirmation(card))
    teams_ok(teams.note_card(longest.worst_text(5000)))
    check_blocks(slack.note_blocks(longest.worst_text(5000)))


def longest_digest() -> Digest:
    """A digest whose every name, title and vendor is at its limit."""
    text = longest.worst_text(100)
    lines = [Line(f"{text}{n}", n, Decimal("99999999.99"), Decimal("1")) for n in range(20)]
    return digest(
        by_category=lines,
        by_department=lines,
        top_vendors=lines,
        backlog=[
            BacklogItem(
                n,
                longest.worst_text(150),
                Decimal("1"),
                at(12, 9),
                at(13, 9),
                [longest.approver(0, m) for m in range(25)],
            )
            for n in range(10)
        ],
        vendors_in_review=longest.vendor_names(),
        vendors_approved=longest.vendor_names(),
        renewals=[
            Renewal(
                n, longest.worst_text(150), text, longest.REQUESTER, Decimal("1"), date(2026, 12, 1)
            )
            for n in range(10)
        ],
        names=longest.names(),
    )


def test_digests() -> None:
    for view in (digest(), longest_digest()):
        teams_ok(teams_digest(view))
        check_blocks(slack_digest(view))


def test_manifests() -> None:
    check_teams_manifest(
        manifest(app_id="00000000-0000-0000-0000-000000000001", domain="procurebot.example.com")
    )
    check_slack_manifest(yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8")))


def test_the_schemas_refuse_what_the_platforms_refuse() -> None:
    """A positive control: the checks above would catch an empty choice set, an unknown
    element, a header too long, too many blocks."""
    form = teams.intake_card(values={}, currencies=["USD"], vendors=["Figma"])
    vendor = next(i for i in form["body"] if i.get("id") == "vendor")
    with pytest.raises(AssertionError):
        check_adaptive_card({**form, "body": [*form["body"], {"type": "Input.Bogus", "id": "x"}]})
    del vendor["choices.data"]
    vendor["choices"] = "none"
    with pytest.raises(AssertionError):
        check_adaptive_card(form)
    with pytest.raises(Exception):  # noqa: B017 - slack_sdk raises its own formation error
        check_blocks([{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}])
    with pytest.raises(AssertionError):
        check_blocks([{"type": "divider"}] * 51)
    with pytest.raises(AssertionError):
        check_slack_manifest({"display_information": {}})
