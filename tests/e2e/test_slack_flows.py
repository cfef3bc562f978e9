"""Slack scenarios over real HTTP, as the people in the example policy would click them."""

from __future__ import annotations

import asyncio
import json

from adapters.slack import ids
from bot.domain.model import RequestStatus
from bot.domain.workflow import Action
from tests.e2e.conftest import FORM, Harness
from tests.fakes import IT, PROCUREMENT, REQUESTER, SECURITY
from workspace import payloads

APPROVE = ids.action_id(Action.APPROVE)
REJECT = ids.action_id(Action.REJECT)
ASK = ids.action_id(Action.ASK)
ANSWER = ids.action_id(Action.ANSWER)
EDIT = ids.action_id(Action.EDIT)
CANCEL = ids.action_id(Action.CANCEL)


def status(h: Harness, request_id: int = 1) -> RequestStatus:
    return h.core.service.get(request_id).status


async def test_two_stage_approval_to_approved(harness: Harness) -> None:
    h = harness
    ack = await h.buy(REQUESTER, FORM)
    assert ack.status == 200 and not ack.json
    await h.settle()
    mine = h.last_card(REQUESTER, "PR-1001")
    assert "Waiting for IT review" in str(mine.blocks)
    card = h.last_card(IT[0], "PR-1001")
    assert "IT reviews all technology" in str(card.blocks)  # the policy reason
    assert "$1,620.00 a year" in str(card.blocks)
    await h.click(IT[0], card, APPROVE)
    await h.settle()
    # Every card of the request was updated in place: no live buttons on Omar's copy.
    omar = h.last_card(IT[1], "PR-1001")
    assert APPROVE not in json.dumps(omar.blocks) and "decided by Ines IT" in str(omar.blocks)
    assert any("IT review approved by Ines IT" in t for t in h.texts(REQUESTER))
    for email in (SECURITY, PROCUREMENT):
        await h.click(email, h.last_card(email, "PR-1001"), APPROVE)
        await h.settle()
    assert status(h) is RequestStatus.APPROVED
    assert any(
        "PR-1001 · Figma Professional seats · $1,620.00/yr is approved" in t
        for t in h.texts(REQUESTER)
    )
    # Procurement gets a card to record the order.
    assert ids.action_id(Action.RECORD_PO) in json.dumps(h.last_card(PROCUREMENT, "PR-1001").blocks)


async def test_catalogue_auto_approve(harness: Harness) -> None:
    h = harness
    await h.buy(
        IT[0],
        {
            **FORM,
            "What do you need?": "MacBook Pro 14",
            "Category": "Hardware",
            "Vendor": "Apple",
            "Price per unit": "2399",
            "Quantity": "1",
        },
    )
    await h.settle()
    card = h.last_card(IT[0], "PR-1001")
    assert "Approved at once from the catalogue" in str(card.blocks)
    assert status(h) is RequestStatus.APPROVED


async def test_reject_with_reason(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    await h.settle()
    await h.click(IT[1], h.last_card(IT[1], "PR-1001"), REJECT)
    modal = await h.modal(IT[1])
    blank = await h.sender.fill_and_submit(h.user(IT[1]), modal.id, {"Why reject PR-1001?": "   "})
    assert blank.json["response_action"] == "errors"
    await h.sender.fill_and_submit(
        h.user(IT[1]), modal.id, {"Why reject PR-1001?": "Use the shared design seats."}
    )
    await h.settle()
    assert status(h) is RequestStatus.REJECTED
    assert any(
        "rejected by Omar IT at IT review: “Use the shared design seats.”" in t
        for t in h.texts(REQUESTER)
    )


async def test_ask_answer_then_approve(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    await h.settle()
    await h.click(IT[0], h.last_card(IT[0], "PR-1001"), ASK)
    await h.submit(IT[0], {"Your question about PR-1001": "Would two seats do?"})
    await h.settle()
    question = h.last_card(REQUESTER, "PR-1001")
    assert "Would two seats do?" in str(question.blocks)
    await h.click(REQUESTER, question, ANSWER)
    await h.submit(REQUESTER, {"Your answer on PR-1001": "No, three people start."})
    await h.settle()
    assert status(h) is RequestStatus.PENDING
    await h.click(IT[0], h.last_card(IT[0], "PR-1001"), APPROVE)
    await h.settle()
    assert h.core.service.get(1).steps[0].deciders == [IT[0]]


async def test_edit_on_request(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    await h.settle()
    await h.click(IT[0], h.last_card(IT[0], "PR-1001"), ASK)
    await h.submit(IT[0], {"Your question about PR-1001": "Annual billing is cheaper?"})
    await h.settle()
    await h.click(REQUESTER, h.last_card(REQUESTER, "PR-1001"), EDIT)
    edit = await h.modal(REQUESTER)
    assert edit.callback_id == ids.EDIT
    await h.sender.fill_and_submit(
        h.user(REQUESTER), edit.id, {"Billing": "Annual", "Price per unit": "480"}
    )
    await h.settle()
    request = h.core.service.get(1)
    assert request.status is RequestStatus.PENDING and request.recurrence.value == "annual"
    assert "billing: Monthly → Annual" in (request.questions[-1].answer or "")


async def test_cancel_asks_to_confirm(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    await h.settle()
    await h.command(REQUESTER, "cancel PR-1001")
    confirm = h.dms(REQUESTER)[-1]
    assert "Cancel *PR-1001" in str(confirm.blocks)
    await h.click(REQUESTER, confirm, CANCEL)
    await h.settle()
    assert status(h) is RequestStatus.CANCELLED
    assert any("was cancelled by Rita Requester" in t for t in h.texts(IT[0]))


async def test_prefilled_buy_text(harness: Harness) -> None:
    h = harness
    await h.command(REQUESTER, "3 Figma Professional seats $45/mo")
    state = await h.modal(REQUESTER)
    values = {b["block_id"]: b["element"] for b in state.blocks if b.get("type") == "input"}
    assert values["title"]["initial_value"] == "Figma Professional seats"
    assert values["quantity"]["initial_value"] == "3"
    assert values["unit_price"]["initial_value"] == "45"
    assert values["recurrence"]["initial_option"]["value"] == "monthly"
    assert values["vendor"]["type"] == "external_select"
    assert values["vendor"]["initial_option"]["value"] == "Figma"


async def test_invalid_fields_come_back_inline(harness: Harness) -> None:
    h = harness
    await h.command(REQUESTER, "")
    view = await h.modal(REQUESTER)
    bad = {
        **FORM,
        "Price per unit": "-5",
        "Business justification": "pls",
        "Quote or product link": "http://nodot",
        "Needed by": "2020-01-01",
    }
    response = await h.sender.fill_and_submit(h.user(REQUESTER), view.id, bad)
    errors = response.json["errors"]
    assert set(errors) == {"unit_price", "justification", "link", "needed_by"}
    assert "more than zero" in errors["unit_price"]
    assert h.core.service.my_requests(requester=REQUESTER) == []


async def test_forged_and_stale_clicks_change_nothing(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    await h.settle()
    card = h.last_card(IT[0], "PR-1001")
    # Security is not in the IT group: a forwarded IT card does nothing for them.
    await h.click(SECURITY, card, APPROVE)
    assert any(
        "Only IT review approvers can decide IT review on PR-1001" in t for t in h.texts(SECURITY)
    )
    omar = h.last_card(IT[1], "PR-1001")
    await h.sender.click(h.user(IT[0]), card, APPROVE)
    await h.idle()
    # Omar clicks his copy before its update reaches him: a stale card.
    await h.sender.click(h.user(IT[1]), omar, APPROVE)
    await h.settle()
    stale = [m.text for m in h.ws.messages_in(omar.channel, viewer=h.user(IT[1]))]
    assert any("IT review was already approved by Ines IT" in t for t in stale)
    assert h.core.service.get(1).steps[0].deciders == [IT[0]]


async def test_self_approval_refused(harness: Harness) -> None:
    h = harness
    await h.buy(IT[0], FORM)
    await h.settle()
    assert h.core.service.get(1).steps[0].approvers == [IT[1]]
    card = h.last_card(IT[1], "PR-1001")
    await h.click(IT[0], card, APPROVE)
    assert status(h) is RequestStatus.PENDING


async def test_retried_submission_creates_one_request(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    again = await h.sender.transport.retry()
    assert again.status == 200
    assert len(h.core.service.my_requests(requester=REQUESTER)) == 1


async def test_bad_signature_and_stale_timestamp_are_401(harness: Harness) -> None:
    h = harness
    forged = h.sender.tampered(bad_signature=True)
    assert (await forged.command(h.user(REQUESTER), "list")).status == 401
    stale = h.sender.tampered(timestamp_skew=-600)
    assert (await stale.command(h.user(REQUESTER), "list")).status == 401


async def test_list_status_help_and_unknown(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    await h.command(REQUESTER, "list")
    assert "PR-1001" in str(h.dms(REQUESTER)[-1].blocks)
    await h.command(REQUESTER, "status PR-1001")
    assert "Waiting for IT review" in str(h.dms(REQUESTER)[-1].blocks)
    await h.command(SECURITY, "status PR-1001")
    await h.command("lee.cio@acme.example", "status PR-9999")
    assert "There is no request PR-1999" not in h.dms("lee.cio@acme.example")[-1].text
    await h.command(REQUESTER, "stats PR-1001")
    assert "I don't know `/buy stats`" in h.dms(REQUESTER)[-1].text
    await h.command(REQUESTER, "help")
    assert "/buy list" in h.dms(REQUESTER)[-1].text


async def test_slack_outage_delays_and_loses_nothing(harness: Harness) -> None:
    h = harness
    h.ws.fail(method="chat.postMessage", times=2, status=503)
    h.ws.fail(method="chat.postMessage", times=1, status=429, retry_after=1)
    await h.buy(REQUESTER, FORM)
    await h.settle(seconds=20)
    # The requester's card and both IT cards arrived, each exactly once.
    assert len([m for m in h.dms(REQUESTER) if "PR-1001" in str(m.blocks)]) == 1
    for email in IT:
        assert len([m for m in h.dms(email) if "PR-1001" in str(m.blocks)]) == 1


async def test_app_home_lists_waiting_and_mine(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    await h.sender.app_home_opened(h.user(IT[0]))
    await h.settle()
    home = h.ws.home_view(h.user(IT[0]))
    assert home is not None and "PR-1001" in str(home.blocks)
    await h.click(IT[0], home, APPROVE)
    assert h.core.service.get(1).steps[0].deciders == [IT[0]]


async def test_two_approvers_clicking_together(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    await h.settle()
    ines, omar = h.last_card(IT[0], "PR-1001"), h.last_card(IT[1], "PR-1001")
    await asyncio.gather(
        h.sender.click(h.user(IT[0]), ines, APPROVE), h.sender.click(h.user(IT[1]), omar, APPROVE)
    )
    await h.settle()
    deciders = h.core.service.get(1).steps[0].deciders
    assert len(deciders) == 1
    loser = IT[1] if deciders == [IT[0]] else IT[0]
    told = [
        m.text
        for m in h.ws.messages_in(h.last_card(loser, "PR-1001").channel, viewer=h.user(loser))
    ]
    winner = "Ines IT" if deciders == [IT[0]] else "Omar IT"
    assert any(f"IT review was already approved by {winner}" in t for t in told)


async def test_unknown_approver_is_reported_to_the_requester(harness: Harness) -> None:
    h = harness
    del h.ws.users[h.user(IT[1])]  # IT[1] left the Slack workspace
    await h.buy(REQUESTER, FORM)
    await h.settle()
    assert any(f"I couldn't reach {IT[1]} about PR-1001" in t for t in h.texts(REQUESTER))
    assert h.last_card(IT[0], "PR-1001")  # the reachable approver still got theirs


async def test_cards_name_approvers_not_emails(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    await h.settle()
    # The requester's card went out before the bot had met the IT approvers; once it has,
    # the card is redrawn with their names.
    mine = json.dumps(h.last_card(REQUESTER, "PR-1001").blocks)
    assert "Ines IT" in mine and "Omar IT" in mine
    assert IT[0] not in mine and IT[1] not in mine


async def test_a_rate_limited_refresh_resumes_where_it_stopped(harness: Harness) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    await h.settle()
    ines, omar = h.last_card(IT[0], "PR-1001"), h.last_card(IT[1], "PR-1001")

    def updates(ts: str) -> int:
        return len([c for c in h.ws.calls_to("chat.update", ok=True) if c.params.get("ts") == ts])

    before = updates(ines.ts), updates(omar.ts)
    # Slack rate-limits the redraw of Omar's card (the last one) once, mid-refresh.
    h.ws.fail(method="chat.update", status=429, retry_after=1, where={"ts": omar.ts})
    await h.click(IT[0], ines, APPROVE)
    await h.settle(seconds=20)
    # Ines's card was redrawn once: the retry skipped it and finished with Omar's.
    assert (updates(ines.ts) - before[0], updates(omar.ts) - before[1]) == (1, 1)
    assert "decided by Ines IT" in str(h.last_card(IT[1], "PR-1001").blocks)


async def test_an_over_long_reason_is_refused_on_the_modal_and_nothing_is_stored(
    harness: Harness,
) -> None:
    h = harness
    await h.buy(REQUESTER, FORM)
    await h.settle()
    await h.click(IT[1], h.last_card(IT[1], "PR-1001"), REJECT)
    modal = await h.modal(IT[1])
    field = next(b for b in modal.blocks if b.get("block_id") == ids.REASON_BLOCK)
    assert field["element"]["max_length"] == 2000  # the core's limit, on the form
    # Slack's client keeps to max_length; a signed request that doesn't is refused all the same.
    user = h.user(IT[1])
    h.sender.set_values(user, modal.id, {ids.REASON_BLOCK: {ids.REASON_INPUT: "x" * 20_000}})
    payload = payloads.view_submission(
        h.ws,
        user=h.ws.get_user(user),
        view=modal,
        token="t",
        trigger_id=h.ws.interactions.issue_trigger(user),
    )
    answer = await h.sender.transport.send_interaction(payload)
    await h.settle()
    assert answer.json == {
        "response_action": "errors",
        "errors": {ids.REASON_BLOCK: "The reason is 20,000 characters long; keep it to 2,000."},
    }
    assert status(h) is RequestStatus.PENDING
    with h.core.uow() as uow:
        assert [e.action for e in uow.events.for_request(1)] == ["Submitted"]
