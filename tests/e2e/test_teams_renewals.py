"""Renewal cards in Teams: Renew answers with the request form prefilled; Let lapse asks to
confirm and tells the owner; anyone else is refused with the reason."""

from __future__ import annotations

import asyncio

import pytest

from adapters.teams import ids
from bot.domain.errors import NotFound
from bot.domain.model import Recurrence, RequestStatus
from tests.e2e.conftest import TeamsHarness
from tests.e2e.test_renewals import announce
from tests.fakes import IT, PROCUREMENT, REQUESTER, SECURITY
from tests.fakes_teams import find_action, form_defaults

EVERYONE = (REQUESTER, *IT, SECURITY, PROCUREMENT)


async def announced(h: TeamsHarness) -> int:
    """Everyone has the app; an annual plan's renewal (Thu 10 Dec 2026) is announced."""
    for email in EVERYONE:
        assert await h.teams.install(email) in (200, 201)
    old = await asyncio.to_thread(announce, h)  # type: ignore[arg-type]
    await h.settle()
    return old


def titles(card: dict) -> list[str]:
    return [a.get("title", "") for a in card.get("actions") or []]


async def test_renew_answers_with_the_prefilled_form(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    old = await announced(h)
    card = h.teams.last_card(REQUESTER, "PR-1001")
    assert card.shows("Renews on Thu 10 Dec 2026: renew it or let it lapse.")
    assert titles(card.card or {}) == ["Renew", "Let lapse"]
    answer = await h.click(REQUESTER, card, "Renew")
    form = answer["value"]
    assert answer["type"] == ids.CARD_CONTENT_TYPE and "Renew a subscription" in str(form)
    values = form_defaults(form)
    assert values["title"] == "Slack Enterprise Grid" and values["recurrence"] == "annual"
    assert "Slack" in (values.get("vendor"), values.get("vendor_new"))
    submit = find_action(form, "Submit")
    assert submit["data"][ids.RENEWS] == old  # the submit says what it renews
    # No "Design already has Slack Enterprise Grid" notice: that is the purchase renewed.
    done = await h.click(REQUESTER, card, "Submit")
    assert "PR-1001" in str(done["value"]) and "Renew" not in titles(done["value"])
    new = h.core.service.get(old + 1)
    assert (new.title, new.recurrence, new.status) == (
        "Slack Enterprise Grid",
        Recurrence.ANNUAL,
        RequestStatus.PENDING,
    )
    assert new.justification.startswith("Renewal of PR-1001.")
    with h.core.uow() as uow:
        event = uow.events.for_request(old)[-1]
    assert (event.action, event.comment, event.channel.value) == (
        "RenewalRequested",
        "Renewed by PR-1002",
        "teams",
    )
    # The renewal card of procurement was updated in place, without the buttons.
    priya = h.teams.last_card(PROCUREMENT, "PR-1001")
    assert priya.versions and titles(priya.card or {}) == ["Record PO"]
    assert h.teams.last_card(REQUESTER, "PR-1002").shows("Waiting for IT review")


async def test_renew_keeps_what_it_renews_through_the_notice(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    old = await announced(h)
    card = h.teams.last_card(REQUESTER, "PR-1001")
    await h.click(REQUESTER, card, "Renew")
    # A mistake on the form comes back with the form; the renewal is not forgotten.
    wrong = await h.click(REQUESTER, card, "Submit", {"unit_price": "-5"})
    assert "Renew a subscription" in str(wrong["value"])
    assert find_action(wrong["value"], "Submit")["data"][ids.RENEWS] == old
    await h.click(REQUESTER, card, "Submit", {"unit_price": "12000"})
    with h.core.uow() as uow:
        assert uow.events.for_request(old)[-1].action == "RenewalRequested"


async def test_let_lapse_asks_then_tells_the_owner(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await announced(h)
    card = h.teams.last_card(PROCUREMENT, "PR-1001")
    let_lapse = next(a for a in card.card["actions"] if a["title"] == "Let lapse")  # type: ignore[index]
    assert let_lapse["type"] == "Action.ShowCard"  # one more click before it is done
    assert "It won't be renewed" in str(let_lapse["card"])
    answer = await h.click(PROCUREMENT, card, "Let lapse")  # the "Let it lapse" inside
    assert "Let lapse" not in titles(answer["value"])
    assert "Priya Procurement chose not to renew" in str(answer["value"])
    assert any(
        "will not be renewed on Thu 10 Dec 2026 (Priya Procurement chose to let it lapse)" in t
        for t in h.teams.texts(REQUESTER)
    )
    assert "Renew" not in titles(h.teams.last_card(REQUESTER, "PR-1001").card or {})
    # A second click (an old copy of the card) changes nothing and says why.
    again = await h.teams.execute(
        PROCUREMENT, card, verb="let_lapse", data={**let_lapse["card"]["actions"][0]["data"]}
    )
    assert "no renewal waiting for a choice" in str(again["value"])


async def test_someone_else_cannot_renew_or_let_lapse(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await announced(h)
    card = h.teams.last_card(REQUESTER, "PR-1001")
    assert card.card is not None
    for title, verb in (("Renew", "renew"), ("Let lapse", "let_lapse")):
        data = find_action(card.card, title)["data"]
        # A forwarded card: Omar from IT clicks it.
        answer = await h.teams.execute(IT[1], card, verb=verb, data=data)
        doing = "renew" if verb == "renew" else "let lapse"
        assert f"Only rita.req@acme.example or procurement can {doing} PR-1001." in str(
            answer["value"]
        )
    await h.settle()
    with pytest.raises(NotFound):
        h.core.service.get(2)  # nothing was submitted
    with h.core.uow() as uow:
        assert uow.events.for_request(1)[-1].action == "RenewalNoticed"
