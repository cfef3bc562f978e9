"""Editing a request over real HTTP in Slack: a new vendor re-opens the approvals given for
the old one, approvers hear of it on fresh cards and notes, and earlier cards are redrawn."""

from __future__ import annotations

import json

from adapters.slack import ids
from bot.domain.model import RequestStatus, StepStatus, VendorStatus
from bot.domain.workflow import Action
from tests.e2e.conftest import FORM, Harness
from tests.fakes import IT, PROCUREMENT, REQUESTER, SECURITY

APPROVE = ids.action_id(Action.APPROVE)
ASK = ids.action_id(Action.ASK)
EDIT = ids.action_id(Action.EDIT)


def _vendor_status(h: Harness, key: str) -> VendorStatus:
    with h.core.uow() as uow:
        vendor = uow.vendors.get(key)
        assert vendor is not None, key
        return vendor.status


def _cards(h: Harness, email: str) -> list[str]:
    """The person's cards of PR-1001 (notes have no header), oldest first, as JSON text."""
    return [
        json.dumps(m.blocks, ensure_ascii=False)
        for m in h.dms(email)
        if "PR-1001" in str(m.blocks) and any(b.get("type") == "header" for b in m.blocks)
    ]


async def _approved_by_it_and_security_then_asked(h: Harness) -> None:
    await h.buy(REQUESTER, FORM)
    for email in (IT[0], SECURITY):
        await h.click(email, h.last_card(email, "PR-1001"), APPROVE)
    await h.click(PROCUREMENT, h.last_card(PROCUREMENT, "PR-1001"), ASK)
    await h.submit(PROCUREMENT, {"Your question about PR-1001": "Why not Canva?"})
    assert h.core.service.get(1).status is RequestStatus.CHANGES_REQUESTED


async def test_a_new_vendor_reopens_the_approvals_and_tells_the_approvers(harness: Harness) -> None:
    h = harness
    await _approved_by_it_and_security_then_asked(h)
    ines_cards, sam_cards = len(_cards(h, IT[0])), len(_cards(h, SECURITY))

    await h.click(REQUESTER, h.last_card(REQUESTER, "PR-1001"), EDIT)
    await h.submit(REQUESTER, {"Vendor": "Canva"})

    request = h.core.service.get(1)
    assert request.status is RequestStatus.PENDING and request.vendor == "Canva"
    assert [(s.name, s.status, s.deciders) for s in request.steps] == [
        ("IT review", StepStatus.ACTIVE, []),
        ("Security review", StepStatus.WAITING, []),
        ("Procurement", StepStatus.WAITING, []),
    ]
    assert _vendor_status(h, "figma") is VendorStatus.NEW
    assert _vendor_status(h, "canva") is VendorStatus.UNDER_REVIEW
    # Ines gets a fresh card saying what changed and that she decides again.
    fresh = _cards(h, IT[0])
    assert len(fresh) == ines_cards + 1
    assert "Rita Requester edited the request after IT review was decided" in fresh[-1]
    assert "vendor: Figma → Canva" in fresh[-1] and APPROVE in fresh[-1]
    assert "Canva (new vendor)" in fresh[-1]
    # Sam's approval no longer counts: a note now, and his old card redrawn without it.
    assert any(
        "was edited by Rita Requester (vendor: Figma → Canva), so Security review is asked "
        "again" in text
        for text in h.texts(SECURITY)
    )
    sam = _cards(h, SECURITY)
    assert len(sam) == sam_cards and "Canva" in sam[-1] and APPROVE not in sam[-1]
    assert "re-opened by the edit" in sam[-1]  # the timeline keeps his earlier vote

    # Canva is approved only by those who decided after the change.
    await h.click(IT[1], h.last_card(IT[1], "PR-1001"), APPROVE)
    for email in (SECURITY, PROCUREMENT):
        card = h.last_card(email, "PR-1001")
        assert APPROVE in json.dumps(card.blocks)
        await h.click(email, card, APPROVE)
    assert h.core.service.get(1).status is RequestStatus.APPROVED
    assert _vendor_status(h, "canva") is VendorStatus.APPROVED
    assert _vendor_status(h, "figma") is VendorStatus.NEW


async def test_a_reworded_request_keeps_its_approvals(harness: Harness) -> None:
    h = harness
    await _approved_by_it_and_security_then_asked(h)
    ines_cards = len(_cards(h, IT[0]))
    await h.click(REQUESTER, h.last_card(REQUESTER, "PR-1001"), EDIT)
    await h.submit(
        REQUESTER,
        {"Business justification": "Three designers join in December; Canva lacks prototyping."},
    )
    request = h.core.service.get(1)
    assert [(s.name, s.status) for s in request.steps] == [
        ("IT review", StepStatus.APPROVED),
        ("Security review", StepStatus.APPROVED),
        ("Procurement", StepStatus.ACTIVE),
    ]
    assert len(_cards(h, IT[0])) == ines_cards
    await h.click(PROCUREMENT, h.last_card(PROCUREMENT, "PR-1001"), APPROVE)
    assert h.core.service.get(1).status is RequestStatus.APPROVED
    assert _vendor_status(h, "figma") is VendorStatus.APPROVED
