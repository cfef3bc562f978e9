"""Vendor qualification without a purchase, in Slack over real HTTP: `/buy vendor Acme`, the
questionnaire modal, the reviewers' cards in parallel, ask / answer, approve and reject."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.slack.vendor_review_render import action_id
from bot.domain import vendors as vendor_rules
from bot.domain.model import Vendor, VendorStatus
from bot.domain.vendor_reviews import ReviewAction
from tests.e2e.conftest import FORM, Harness
from tests.fakes import IT, PROCUREMENT, REQUESTER, SECURITY
from workspace.forms import ClientValidationError
from workspace.model import Message

APPROVE = action_id(ReviewAction.APPROVE)
REJECT = action_id(ReviewAction.REJECT)
ASK = action_id(ReviewAction.ASK)
ANSWER = action_id(ReviewAction.ANSWER)
ANSWERS: dict[str, Any] = {
    "Website": "acme-analytics.example",
    "Category": "SaaS subscription",
    "What it's for": "Product analytics for the web app.",
    "Has a SOC 2 Type II or ISO 27001 report?": "Yes",
    "Supports SSO (SAML or OIDC)?": "Yes",
    "Where is our data stored?": "EU",
    "Data processing agreement (DPA) signed?": "Yes",
    "Subprocessors (who else handles our data)": "AWS (Frankfurt)",
    "A security breach in the last 3 years?": "No",
}


def review_card(h: Harness, email: str, vendor: str) -> Message:
    found = [m for m in h.dms(email) if f"Vendor review: {vendor}" in str(m.blocks)]
    assert found, f"no review card for {vendor} in {email}'s DM: {h.texts(email)}"
    return found[-1]


async def propose(h: Harness, email: str, vendor: str, answers: dict[str, Any]) -> Any:
    await h.command(email, f"vendor {vendor}")
    return await h.submit(email, answers)


async def test_vendor_is_qualified_by_both_groups_then_bought_without_review(
    harness: Harness,
) -> None:
    h = harness
    # A required answer missing: Slack's client refuses to send it (the modal marks it
    # required); blanks that get past the client are refused by the bot on that question.
    missing = {k: v for k, v in ANSWERS.items() if not k.startswith("Data processing")}
    with pytest.raises(ClientValidationError, match="q_dpa"):
        await propose(h, REQUESTER, "Acme Analytics", missing)
    blank = {**ANSWERS, "Subprocessors (who else handles our data)": "   "}
    answer = await h.submit(REQUESTER, blank)
    assert answer.json["response_action"] == "errors"
    assert answer.json["errors"] == {"q_subprocessors": "Please answer this."}
    with h.core.uow() as uow:
        assert uow.vendors.get("acmeanalytics") is None
    answer = await h.submit(REQUESTER, ANSWERS)
    assert answer.status == 200 and "response_action" not in (answer.json or {})
    assert any(
        "IT review and Procurement are reviewing Acme Analytics" in t for t in h.texts(REQUESTER)
    )

    # Every member of both groups got the card with the answers, in parallel.
    for email in (*IT, PROCUREMENT):
        card = review_card(h, email, "Acme Analytics")
        assert "AWS (Frankfurt)" in str(card.blocks) and "Rita Requester" in str(card.blocks)
    # Someone outside the groups clicking a forwarded card changes nothing.
    await h.click(SECURITY, review_card(h, IT[0], "Acme Analytics"), APPROVE)
    assert "Only IT review can decide this for Acme Analytics." in h.texts(SECURITY)[-1]

    # IT asks; the proposer answers in their card; the asker reads the answer.
    await h.click(IT[0], review_card(h, IT[0], "Acme Analytics"), ASK)
    await h.submit(IT[0], {"Your question about Acme Analytics": "Which SSO provider?"})
    question = review_card(h, REQUESTER, "Acme Analytics")
    assert "Which SSO provider?" in str(question.blocks)
    await h.click(REQUESTER, question, ANSWER)
    await h.submit(REQUESTER, {"Your answer about Acme Analytics": "Okta, via SAML."})
    assert "Okta, via SAML." in str(review_card(h, IT[0], "Acme Analytics").blocks)

    await h.click(IT[0], review_card(h, IT[0], "Acme Analytics"), APPROVE)
    # The other IT member's card is stale: told who decided, nothing changes.
    await h.click(IT[1], review_card(h, IT[1], "Acme Analytics"), APPROVE)
    assert "Ines IT already approved Acme Analytics for IT review." in h.texts(IT[1])[-1]
    await h.click(PROCUREMENT, review_card(h, PROCUREMENT, "Acme Analytics"), APPROVE)

    vendor = h.core.service.registry.vendor_report("Acme Analytics").vendor
    assert vendor.status is VendorStatus.APPROVED and vendor.reviewed_by == PROCUREMENT
    until = vendor_rules.review_valid_until(vendor, months=12)
    assert until is not None
    assert (
        f"Acme Analytics is now an approved vendor until {until:%-d %b %Y}: you can /buy from it "
        "without a security review."
    ) in h.texts(REQUESTER)
    # Proposing it again says so, with the expiry.
    await h.command(IT[1], "vendor acme analytics")
    assert f"already an approved vendor until {until:%-d %b %Y}" in h.texts(IT[1])[-1]
    # A purchase from it skips qualification (no security review, no procurement for 540 USD).
    await h.buy(REQUESTER, {**FORM, "Vendor": "Acme Analytics", "Quantity": "1"})
    assert [s.name for s in h.core.service.get(1).steps] == ["IT review"]
    with h.core.uow() as uow:
        actions = [e.action for e in _vendor_events(uow)]
    assert actions == [
        "Vendor proposed",
        "Vendor asked",
        "Vendor answered",
        "Vendor approved",
        "Vendor approved",
    ]


async def test_a_rejection_rejects_the_vendor_and_lookalikes_are_flagged(harness: Harness) -> None:
    h = harness
    await propose(h, REQUESTER, "Sketchy Analytics", ANSWERS)
    # A second proposal while it is under review names who proposed it and who reviews.
    await h.command(IT[1], "vendor sketchy analytics")
    assert ("Sketchy Analytics is already under review (proposed by Rita Requester") in h.texts(
        IT[1]
    )[-1]
    assert "waiting on IT review, Procurement." in h.texts(IT[1])[-1]
    # An empty reason is refused on the modal; then the rejection stands.
    await h.click(PROCUREMENT, review_card(h, PROCUREMENT, "Sketchy Analytics"), REJECT)
    empty = await h.submit(PROCUREMENT, {"Why reject Sketchy Analytics?": "  "})
    assert empty.json["response_action"] == "errors"
    await h.submit(PROCUREMENT, {"Why reject Sketchy Analytics?": "No SOC 2 report"})
    vendor = h.core.service.registry.vendor_report("Sketchy Analytics").vendor
    assert (vendor.status, vendor.review_outcome) == (VendorStatus.REJECTED, "No SOC 2 report")
    assert any(
        "Sketchy Analytics was not approved: Priya Procurement rejected it (No SOC 2 report)" in t
        for t in h.texts(REQUESTER)
    )
    # IT's card can no longer approve it.
    await h.click(IT[0], review_card(h, IT[0], "Sketchy Analytics"), APPROVE)
    assert "Sketchy Analytics was already rejected" in h.texts(IT[0])[-1]
    await h.command(REQUESTER, "vendor Sketchy Analytics")
    assert "Sketchy Analytics was rejected on" in h.texts(REQUESTER)[-1]
    # A name one letter away is proposed, but the reviewers are warned.
    await propose(h, REQUESTER, "Sketchy Analytica", ANSWERS)
    card = review_card(h, PROCUREMENT, "Sketchy Analytica")
    assert "looks like rejected vendor Sketchy Analytics" in str(card.blocks)


async def test_proposing_needs_a_name_and_the_proposer_cannot_qualify_it(harness: Harness) -> None:
    h = harness
    await h.command(REQUESTER, "vendor")
    assert "Which vendor?" in h.texts(REQUESTER)[-1]
    # An IT member proposes: the other IT member decides for IT, not the proposer.
    with h.core.uow() as uow:
        uow.vendors.add(Vendor(name="Old Tool", status=VendorStatus.NEW))
        uow.commit()
    # Two people fill in the form for the same vendor: the second is told it is taken.
    await h.command(IT[0], "vendor Old Tool")
    await h.command(PROCUREMENT, "vendor old tool")
    await h.submit(IT[0], ANSWERS)
    late = await h.submit(PROCUREMENT, ANSWERS)
    assert "response_action" not in (late.json or {})  # the modal closes; a DM says why
    assert "Old Tool is already under review (proposed by Ines IT" in h.texts(PROCUREMENT)[-1]
    assert not [m for m in h.dms(IT[0]) if "Vendor review: Old Tool" in str(m.blocks)]
    assert review_card(h, IT[1], "Old Tool")
    with h.core.uow() as uow:
        vendor = uow.vendors.get("oldtool")
        assert vendor is not None and vendor.id is not None
        review = uow.vendor_reviews.latest(vendor.id)
    assert review is not None and review.proposer == IT[0]


def _vendor_events(uow: Any) -> list[Any]:
    from sqlalchemy import select

    from bot.domain.model import Channel, Event
    from storage.tables import events

    rows = uow.connection.execute(
        select(events).where(events.c.request_id.is_(None)).order_by(events.c.id)
    ).mappings()
    return [
        Event(action=r["action"], actor=r["actor"], at=r["at"], channel=Channel(r["channel"]))
        for r in rows
    ]
