"""Vendor qualification without a purchase, in Teams over real HTTP: `vendor Acme`, the form
card, the reviewers' cards with Approve / Reject / Ask, the proposer's answer."""

from __future__ import annotations

import json

from adapters.teams.vendor_review import REASON
from bot.domain.model import VendorStatus
from tests.e2e.conftest import TeamsHarness
from tests.e2e.test_slack_vendor_review import ANSWERS
from tests.fakes import IT, PROCUREMENT, REQUESTER, SECURITY
from tests.fakes_teams import Posted, fill

EVERYONE = (REQUESTER, *IT, SECURITY, PROCUREMENT)


async def meet(h: TeamsHarness) -> None:
    for email in EVERYONE:
        assert await h.teams.install(email) in (200, 201)


def review_card(h: TeamsHarness, email: str, vendor: str) -> Posted:
    found = [p for p in h.teams.chat(email) if p.card and p.shows(f"Vendor review: {vendor}")]
    assert found, f"no review card for {vendor} in {email}'s chat"
    return found[-1]


def shown(answer: dict[str, object]) -> str:
    return json.dumps(answer.get("value"), ensure_ascii=False)


async def test_vendor_is_qualified_in_teams(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h)
    form = await h.say(REQUESTER, "vendor Acme Analytics")
    assert form.card is not None and form.shows("Propose Acme Analytics as a vendor")
    # A required answer left out: the form comes back with the problem under that question.
    missing = {k: v for k, v in ANSWERS.items() if not k.startswith("Data processing")}
    answer = await h.click(REQUESTER, form, "Send for review", fill(form.card, missing))
    assert "Please fix the fields marked below." in shown(answer)
    assert "Please answer this." in shown(answer)
    with h.core.uow() as uow:
        assert uow.vendors.get("acmeanalytics") is None
    assert form.card is not None  # the form shown again in place, with what was typed
    answer = await h.click(REQUESTER, form, "Send for review", fill(form.card, ANSWERS))
    assert "Sent for review." in shown(answer) and "Waiting on IT review, Procurement" in shown(
        answer
    )

    # Someone outside the groups cannot decide; the proposer is asked and answers.
    it_card = review_card(h, IT[0], "Acme Analytics")
    assert it_card.shows("AWS (Frankfurt)") and it_card.shows("Rita Requester")
    refused = await h.teams.click(SECURITY, it_card, "Approve")
    assert "Only IT review can decide this for Acme Analytics." in shown(refused)
    await h.click(IT[0], it_card, "Ask the proposer", {REASON: "Which SSO provider?"})
    question = review_card(h, REQUESTER, "Acme Analytics")
    assert question.shows("Which SSO provider?")
    empty = await h.click(REQUESTER, question, "Answer", {REASON: " "})
    assert "Write something first." in shown(empty)
    await h.click(REQUESTER, question, "Answer", {REASON: "Okta, via SAML."})
    assert review_card(h, IT[0], "Acme Analytics").shows("Okta, via SAML.")

    await h.click(IT[1], review_card(h, IT[1], "Acme Analytics"), "Approve")
    again = await h.click(IT[0], review_card(h, IT[0], "Acme Analytics"), "Approve")
    assert "Omar IT already approved Acme Analytics for IT review." in shown(again)
    await h.click(PROCUREMENT, review_card(h, PROCUREMENT, "Acme Analytics"), "Approve")
    vendor = h.core.service.registry.vendor_report("Acme Analytics").vendor
    assert vendor.status is VendorStatus.APPROVED
    assert any(
        "Acme Analytics is now an approved vendor until" in t for t in h.teams.texts(REQUESTER)
    )
    told = await h.say(IT[1], "vendor Acme Analytics")
    assert told.shows("Acme Analytics is already an approved vendor until")


async def test_a_rejection_in_teams_and_a_duplicate_proposal(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h)
    form = await h.say(REQUESTER, "vendor Sketchy Analytics")
    assert form.card is not None
    await h.click(REQUESTER, form, "Send for review", fill(form.card, ANSWERS))
    duplicate = await h.say(IT[0], "vendor Sketchy Analytics")
    assert duplicate.shows("Sketchy Analytics is already under review (proposed by Rita Requester")
    card = review_card(h, PROCUREMENT, "Sketchy Analytics")
    await h.click(PROCUREMENT, card, "Reject", {REASON: "No SOC 2 report"})
    vendor = h.core.service.registry.vendor_report("Sketchy Analytics").vendor
    assert (vendor.status, vendor.review_outcome) == (VendorStatus.REJECTED, "No SOC 2 report")
    late = await h.click(IT[0], review_card(h, IT[0], "Sketchy Analytics"), "Approve")
    assert "Sketchy Analytics was already rejected" in shown(late)
    assert any("Sketchy Analytics was not approved" in t for t in h.teams.texts(REQUESTER))
