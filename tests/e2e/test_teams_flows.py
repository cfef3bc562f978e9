"""Teams scenarios over real HTTP: activities posted to /api/messages as Teams sends them,
the bot's replies, proactive cards and updates caught by the fake connector."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from adapters.teams import ids
from bot.domain.model import RequestStatus, Vendor, VendorStatus
from bot.domain.vendors import parse_vendor_rows
from bot.domain.workflow import Action
from storage.tables import outbox
from tests.e2e.conftest import FORM, TeamsHarness
from tests.fakes import IT, PROCUREMENT, REQUESTER, SECURITY
from tests.fakes_teams import Posted, fill, find_action, walk_actions

REASON = {a: ids.reason_input(a) for a in Action}
EVERYONE = (REQUESTER, *IT, SECURITY, PROCUREMENT)


def status(h: TeamsHarness, request_id: int = 1) -> RequestStatus:
    return h.core.service.get(request_id).status


def card_data(posted: Posted, title: str) -> dict[str, Any]:
    """The data the button called `title` would send."""
    assert posted.card is not None
    return dict(find_action(posted.card, title)["data"])


async def meet(h: TeamsHarness, *emails: str) -> None:
    """Each person installs the app, so the bot can reach them."""
    for email in emails:
        assert await h.teams.install(email) in (200, 201)


async def test_intake_to_approved_with_approvers_in_teams(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    answer = await h.buy(REQUESTER, FORM)
    assert "PR-1001" in str(answer["value"]) and "Waiting for IT review" in str(answer["value"])
    mine = h.teams.last_card(REQUESTER, "PR-1001")
    assert mine.shows("Waiting for IT review")
    card = h.teams.last_card(IT[0], "PR-1001")
    assert card.shows("IT reviews all technology") and card.shows("$1,620.00 a year")
    await h.click(IT[0], card, "Approve")
    omar = h.teams.last_card(IT[1], "PR-1001")
    assert not omar.card.get("actions") and omar.shows("decided by Ines IT")
    # ... updated in place (update_activity), not sent again.
    assert omar.versions and omar.versions[0]["attachments"][0]["content"]["actions"]
    assert ("PUT", f"/v3/conversations/{omar.conversation_id}/activities/{omar.id}") in [
        (m, p) for m, p, _ in h.teams.calls
    ]
    assert len([p for p in h.teams.chat(IT[1]) if p.shows("PR-1001")]) == 1
    assert any("IT review approved by Ines IT" in t for t in h.teams.texts(REQUESTER))
    for email in (SECURITY, PROCUREMENT):
        await h.click(email, h.teams.last_card(email, "PR-1001"), "Approve")
    assert status(h) is RequestStatus.APPROVED


async def test_replies_proactive_sends_and_member_lookups_use_the_connector(
    teams_harness: TeamsHarness,
) -> None:
    h = teams_harness
    await meet(h, REQUESTER, *IT)
    ines = h.teams.user(IT[0])
    # The email came from the members endpoint, once; the tenant from channelData.
    lookups = [path for method, path, _ in h.teams.calls if method == "GET"]
    assert f"/v3/conversations/{ines.conversation_id}/members/{ines.id}" in lookups
    person = h.core.service.person(IT[0])
    assert (person.teams_tenant_id, person.teams_aad_object_id) == (
        "tenant-acme",
        ines.aad_object_id,
    )
    assert person.name == "Ines IT"
    assert person.teams_reference["tenantId"] == "tenant-acme"
    assert person.tz == "America/New_York"
    welcome = h.teams.last(IT[0])
    assert welcome.reply_to and "procurebot" in welcome.text
    await h.say(IT[0], "help")
    assert len([m for m, p, _ in h.teams.calls if m == "GET"]) == len(lookups)
    await h.buy(REQUESTER, FORM)
    sent = [body for path, body in h.teams.proactive() if ines.conversation_id in path]
    assert (
        sent
        and sent[0]["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    )
    assert sent[0]["summary"].startswith("PR-1001 · Figma Professional seats")


async def test_reject_with_reason(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    await h.buy(REQUESTER, FORM)
    card = h.teams.last_card(IT[1], "PR-1001")
    blank = await h.click(IT[1], card, "Reject", {REASON[Action.REJECT]: "   "})
    assert "Write why you reject it first." in str(blank["value"])
    assert status(h) is RequestStatus.PENDING
    await h.click(IT[1], card, "Reject", {REASON[Action.REJECT]: "Use the shared design seats."})
    assert status(h) is RequestStatus.REJECTED
    assert any(
        "rejected by Omar IT at IT review: “Use the shared design seats.”" in t
        for t in h.teams.texts(REQUESTER)
    )
    for email in (REQUESTER, *IT):
        decided = h.teams.last_card(email, "PR-1001")
        assert decided.shows("Rejected by Omar IT at IT review")
        assert email == REQUESTER or not decided.card.get("actions")


async def test_ask_answer_then_approve(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    await h.buy(REQUESTER, FORM)
    await h.click(
        IT[0],
        h.teams.last_card(IT[0], "PR-1001"),
        "Ask a question",
        {REASON[Action.ASK]: "Would two seats do?"},
    )
    assert status(h) is RequestStatus.CHANGES_REQUESTED
    question = h.teams.last_card(REQUESTER, "PR-1001")
    assert question.shows("Would two seats do?")
    await h.click(REQUESTER, question, "Reply", {REASON[Action.ANSWER]: "No, three people start."})
    assert status(h) is RequestStatus.PENDING
    await h.click(IT[0], h.teams.last_card(IT[0], "PR-1001"), "Approve")
    assert h.core.service.get(1).steps[0].deciders == [IT[0]]


async def test_edit_after_a_question(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    await h.buy(REQUESTER, FORM)
    await h.click(
        IT[0],
        h.teams.last_card(IT[0], "PR-1001"),
        "Ask a question",
        {REASON[Action.ASK]: "Annual billing is cheaper?"},
    )
    mine = h.teams.last_card(REQUESTER, "PR-1001")
    form = await h.click(REQUESTER, mine, "Edit request")
    assert "Edit PR-1001" in str(form["value"]) and "Annual billing is cheaper?" in str(
        form["value"]
    )
    await h.click(
        REQUESTER, mine, "Resubmit", fill(mine.card, {"Billing": "Annual", "Price per unit": "480"})
    )
    request = h.core.service.get(1)
    assert request.status is RequestStatus.PENDING and request.recurrence.value == "annual"
    assert "billing: Monthly → Annual" in (request.questions[-1].answer or "")
    assert h.teams.last_card(REQUESTER, "PR-1001").shows("Waiting for IT review")


async def test_cancel_asks_to_confirm(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    await h.buy(REQUESTER, FORM)
    confirm = await h.say(REQUESTER, "cancel PR-1001")
    assert confirm.shows("Cancel **PR-1001")
    kept = await h.click(REQUESTER, confirm, "Keep it")
    assert "nothing changed" in str(kept["value"]) and status(h) is RequestStatus.PENDING
    confirm = await h.say(REQUESTER, "cancel PR-1001")
    await h.click(REQUESTER, confirm, "Yes, cancel PR-1001")
    assert status(h) is RequestStatus.CANCELLED
    assert any("was cancelled by Rita Requester" in t for t in h.teams.texts(IT[0]))
    again = await h.say(REQUESTER, "cancel PR-1001")
    assert "can no longer be cancelled" in again.text
    other = await h.say(IT[0], "cancel PR-1001")
    assert "Only the requester can cancel PR-1001" in other.text


async def test_cancel_from_the_card(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    await h.buy(REQUESTER, FORM)
    answer = await h.click(REQUESTER, h.teams.last_card(REQUESTER, "PR-1001"), "Cancel request")
    assert "Cancelled" in str(answer["value"]) and status(h) is RequestStatus.CANCELLED


async def test_prefilled_buy_text(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, REQUESTER)
    form = await h.say(REQUESTER, "buy 3 Figma Professional seats $45/mo")
    fields = {i["id"]: i.get("value") for i in form.card["body"] if "id" in i}
    assert fields["title"] == "Figma Professional seats"
    assert fields["quantity"] == 3 and fields["unit_price"] == 45
    assert fields["recurrence"] == "monthly" and fields["category"] == "saas"
    assert fields["vendor_new"] == "Figma"  # not in the registry yet: offered as a new vendor
    # An empty registry has no choices to offer: no choice set (Teams refuses an empty one).
    assert "vendor" not in fields and "[]" not in str(form.card)
    # A long one-liner never prefills more than a field accepts.
    long = await h.say(REQUESTER, "buy " + "Figma " * 1000 + "$45/mo")
    inputs = {i["id"]: i for i in long.card["body"] if "id" in i}
    for name in ("title", "justification", "vendor_new"):
        assert len(inputs[name]["value"]) <= inputs[name]["maxLength"], name


def register_vendors(h: TeamsHarness, **statuses: str) -> None:
    """Vendors in the registry, with their status (approved ones reviewed today)."""
    today = h.core.service.clock.now().date().isoformat()
    rows = [
        {"name": name.replace("_", " "), "status": status, "reviewed_at": today}
        for name, status in statuses.items()
    ]
    parsed = parse_vendor_rows(rows, header=["name", "status", "reviewed_at"])
    h.core.service.registry.import_vendors(parsed)


async def test_vendor_field_searches_approved_vendors(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    register_vendors(h, Figma="approved", Figjam_Ltd="approved", Figleaf="rejected")
    form = await h.say(IT[0], "buy 2 Figma seats $45/mo")
    vendor = next(i for i in form.card["body"] if i.get("id") == "vendor")
    assert vendor["type"] == "Input.ChoiceSet" and vendor["style"] == "filtered"
    assert vendor["choices.data"] == {"type": "Data.Query", "dataset": "vendors", "count": 15}
    assert vendor["value"] == "Figma"
    assert [c["value"] for c in vendor["choices"]] == ["Figjam Ltd", "Figma"]
    # Typing in it: Teams asks the bot, which answers with approved vendors only.
    status, answer = await h.teams.search(IT[0], dataset="vendors", text="fig")
    assert status == 200, answer
    assert answer["type"] == "application/vnd.microsoft.search.searchResponse"
    assert answer["value"]["results"] == [
        {"title": "Figjam Ltd", "value": "Figjam Ltd"},
        {"title": "Figma", "value": "Figma"},
    ]
    _, page = await h.teams.search(IT[0], dataset="vendors", text="fig", skip=1, top=1)
    assert page["value"]["results"] == [{"title": "Figma", "value": "Figma"}]
    _, none = await h.teams.search(IT[0], dataset="vendors", text="figleaf")
    assert none["value"]["results"] == []
    status, refused = await h.teams.search(IT[0], dataset="secrets", text="x")
    assert status == 400 and refused["type"] == ids.ERROR_CONTENT_TYPE
    # Picking from it works as well as typing a new vendor.
    fields = {k: v for k, v in FORM.items() if k != "Vendor"}
    await h.click(
        IT[0], form, "Submit", {**fill(form.card, fields), "vendor": "Figma", "vendor_new": ""}
    )
    assert h.core.service.get(1).vendor == "Figma"


async def test_a_vendor_near_a_rejected_one_is_flagged_on_the_form_and_the_card(
    teams_harness: TeamsHarness,
) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    with h.core.uow() as uow:
        uow.vendors.add(
            Vendor(
                name="Sketchy Ltd",
                status=VendorStatus.REJECTED,
                reviewed_at=datetime(2026, 1, 10, tzinfo=UTC),
                review_outcome="No SOC 2 report",
            )
        )
        uow.commit()
    warning = (
        "Sketchy Ltd.io looks like rejected vendor Sketchy Ltd (rejected 2026-01-10: "
        "No SOC 2 report)"
    )
    await h.buy(REQUESTER, {**FORM, "Vendor": "Sketchy Ltd.io"})
    notice = h.teams.last(REQUESTER)
    assert notice.shows(f"{warning}. Make sure it is another company before you go ahead.")
    assert h.core.service.my_requests(requester=REQUESTER) == []
    await h.click(REQUESTER, notice, "Submit anyway")
    assert h.core.service.get(1).vendor == "Sketchy Ltd.io"
    assert h.teams.last_card(IT[0], "PR-1001").shows(f"Careful: {warning};")


async def test_invalid_fields_come_back_next_to_them(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, REQUESTER)
    form = await h.say(REQUESTER, "buy")
    bad = {
        **FORM,
        "Price per unit": "-5",
        "Business justification": "pls",
        "Quote or product link": "http://nodot",
        "Needed by": "2020-01-01",
    }
    answer = await h.click(REQUESTER, form, "Submit", fill(form.card, bad))
    body = answer["value"]["body"]
    errors = {
        b["id"].removesuffix("_error"): b["text"]
        for b in body
        if b.get("id", "").endswith("_error")
    }
    assert set(errors) == {"unit_price", "justification", "link", "needed_by"}
    assert "more than zero" in errors["unit_price"]
    ids_in_order = [b.get("id") for b in body]
    assert ids_in_order.index("unit_price_error") == ids_in_order.index("unit_price") + 1
    # What was typed is still there, and nothing was saved.
    assert next(b for b in body if b.get("id") == "justification")["value"] == "pls"
    assert h.core.service.my_requests(requester=REQUESTER) == []
    # Fixing the fields on the same card submits it.
    fixed = {**FORM, "Quote or product link": "", "Needed by": ""}
    good = await h.click(REQUESTER, form, "Submit", fill(form.card, fixed))
    assert "PR-1001" in str(good["value"])


async def test_forged_and_stale_actions_change_nothing(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    await h.buy(REQUESTER, FORM)
    card = h.teams.last_card(IT[0], "PR-1001")
    omar = h.teams.last_card(IT[1], "PR-1001")
    # Security sends the IT card's action as their own: refused, nothing recorded.
    forged = await h.teams.execute(SECURITY, card, verb="approve", data=card_data(card, "Approve"))
    assert "Only IT review approvers can decide IT review on PR-1001" in str(forged["value"])
    assert h.core.service.get(1).steps[0].deciders == []
    # A made-up request id and a made-up verb, sent from Security's own chat.
    own = h.teams.last(SECURITY)
    missing = await h.teams.execute(SECURITY, own, verb="approve", data={"pb": "approve", "r": 999})
    assert "PR-1999" in str(missing["value"])
    unknown = await h.teams.execute(SECURITY, own, verb="launch", data={"pb": "launch", "r": 1})
    assert "I don't know that button" in str(unknown["value"])
    await h.teams.click(IT[0], card, "Approve")
    # Omar clicks his copy before its update reaches him: a stale card.
    stale = await h.teams.execute(IT[1], omar, verb="approve", data=card_data(omar, "Approve"))
    assert "IT review was already approved by Ines IT" in str(stale["value"])
    assert h.core.service.get(1).steps[0].deciders == [IT[0]]


async def test_self_approval_refused(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    await h.buy(IT[0], FORM)
    assert h.core.service.get(1).steps[0].approvers == [IT[1]]
    card = h.teams.last_card(IT[1], "PR-1001")
    answer = await h.teams.execute(IT[0], card, verb="approve", data=card_data(card, "Approve"))
    assert status(h) is RequestStatus.PENDING
    assert "approve" in str(answer["value"]).lower()
    mine = h.teams.last_card(IT[0], "PR-1001")
    assert "Approve" not in [a.get("title") for a in walk_actions(mine.card)]


async def test_action_submit_is_understood_too(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    await h.buy(REQUESTER, FORM)
    card = h.teams.last_card(IT[0], "PR-1001")
    assert await h.teams.submit(IT[0], card, "Approve") in (200, 201)
    await h.settle()
    assert h.core.service.get(1).steps[0].deciders == [IT[0]]
    # The clicked card was replaced in place by an update.
    assert not h.teams.last_card(IT[0], "PR-1001").card.get("actions")


async def test_list_status_help_and_unknown(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE, "lee.cio@acme.example")
    empty = await h.say(REQUESTER, "list")
    assert empty.shows("You have no requests yet")
    await h.buy(REQUESTER, FORM)
    assert (await h.say(REQUESTER, "list")).shows("PR-1001")
    assert (await h.say(REQUESTER, "status PR-1001")).shows("Waiting for IT review")
    assert "Which request?" in (await h.say(REQUESTER, "status")).text
    assert "isn't yours" in (await h.say("carla.cfo@acme.example", "status PR-1001")).text
    assert "I don't know “stats PR-1001”" in (await h.say(REQUESTER, "stats PR-1001")).text
    assert "`list`" in (await h.say(REQUESTER, "help")).text


async def test_approver_who_never_talked_to_the_bot_is_reported(
    teams_harness: TeamsHarness,
) -> None:
    h = teams_harness
    await meet(h, REQUESTER, IT[0])  # Omar never opened procurebot in Teams
    await h.buy(REQUESTER, FORM)
    assert any(f"I couldn't reach {IT[1]} about PR-1001" in t for t in h.teams.texts(REQUESTER))
    assert h.teams.last_card(IT[0], "PR-1001")


async def test_teams_outage_delays_and_loses_nothing(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    form = await h.say(REQUESTER, "buy")
    # The Bot Framework SDK retries a 5xx itself; a 429 comes back to the outbox, which waits
    # as long as Retry-After says and tries again.
    h.teams.fail(method="POST", times=1, status=503)
    h.teams.fail(method="POST", times=2, status=429, retry_after=1)
    await h.teams.click(REQUESTER, form, "Submit", fill(form.card, FORM))
    await h.settle(seconds=20)
    assert h.teams.faults_left() == 0
    with h.core.uow() as uow:
        retried = uow.connection.execute(  # type: ignore[attr-defined]
            select(outbox.c.attempts).where(outbox.c.attempts > 1)
        ).scalars()
        assert list(retried)
    cards = [p for p in h.teams.chat(REQUESTER) if p.card and p.shows("PR-1001")]
    assert [p.id for p in cards if p.id != form.id] and len(cards) == 2  # the form, the card
    for email in IT:
        assert len([p for p in h.teams.chat(email) if p.card and p.shows("PR-1001")]) == 1


async def test_removed_app_is_reported_not_retried(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    del h.teams.chats[h.teams.user(IT[1]).conversation_id]  # Omar removed the app
    await h.buy(REQUESTER, FORM)
    assert any(f"I couldn't reach {IT[1]} about PR-1001" in t for t in h.teams.texts(REQUESTER))


async def test_someone_teams_shows_no_email_for_is_told_why(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    h.teams.add_user("", "Guest Without Mail")
    guest = next(u for u in h.teams.users.values() if not u.email)
    status_, _ = await h.teams.post(h.teams.activity(guest, "message", text="buy"))
    assert status_ == 201
    [reply] = h.teams.chats[guest.conversation_id]
    assert "I can't see your email address in Teams" in reply.text


async def test_teams_trouble_during_a_turn_is_told_not_hidden(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    h.teams.fail(method="GET", times=1, status=429)  # the SDK retries 5xx itself; not 429
    assert await h.teams.say(REQUESTER, "list") in (200, 201)
    assert "Sorry, something went wrong on my side" in h.teams.last(REQUESTER).text
    assert h.core.service.person(REQUESTER).teams_aad_object_id is None
    # The next message works.
    assert (await h.say(REQUESTER, "list")).shows("You have no requests yet")


async def test_ordered_and_received_all_in_teams(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    await h.buy(REQUESTER, FORM)
    for email in (IT[0], SECURITY, PROCUREMENT):
        await h.click(email, h.teams.last_card(email, "PR-1001"), "Approve")
    assert status(h) is RequestStatus.APPROVED
    order = h.teams.last_card(PROCUREMENT, "PR-1001")
    await h.click(PROCUREMENT, order, "Record PO", {REASON[Action.RECORD_PO]: "PO-2026-0042"})
    assert status(h) is RequestStatus.ORDERED
    mine = h.teams.last_card(REQUESTER, "PR-1001")
    assert mine.shows("PO-2026-0042")
    await h.click(REQUESTER, mine, "Mark received")
    assert status(h) is RequestStatus.RECEIVED


async def test_list_shows_what_waits_for_an_approver(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    await h.buy(REQUESTER, FORM)
    listed = await h.say(IT[0], "list")
    assert listed.shows("Waiting for you") and listed.shows("PR-1001")
    assert listed.shows("`status PR-1001`") and listed.shows("You have no requests yet")
    opened = await h.say(IT[0], "status PR-1001")
    await h.click(IT[0], opened, "Approve")
    assert h.core.service.get(1).steps[0].deciders == [IT[0]]
    assert not (await h.say(IT[0], "list")).shows("Waiting for you")


async def test_a_retried_click_acts_once(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    await h.buy(REQUESTER, FORM)
    card = h.teams.last_card(IT[0], "PR-1001")
    activity = h.teams.activity(
        h.teams.user(IT[0]),
        "invoke",
        name="adaptiveCard/action",
        replyToId=card.id,
        value={
            "action": {
                "type": "Action.Execute",
                "verb": "approve",
                "data": card_data(card, "Approve"),
            },
            "trigger": "manual",
        },
    )
    first, again = await h.teams.post(activity), await h.teams.post(activity)
    assert first[0] == again[0] == 200
    assert "already" not in str(again[1])  # the retry gets the card, not an error
    with h.core.uow() as uow:
        approvals = [e for e in uow.events.for_request(1) if e.action == "StepApproved"]
    assert len(approvals) == 1


async def test_two_approvers_clicking_together(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    await h.buy(REQUESTER, FORM)
    ines, omar = h.teams.last_card(IT[0], "PR-1001"), h.teams.last_card(IT[1], "PR-1001")
    answers = await asyncio.gather(
        h.teams.execute(IT[0], ines, verb="approve", data=card_data(ines, "Approve")),
        h.teams.execute(IT[1], omar, verb="approve", data=card_data(omar, "Approve")),
    )
    deciders = h.core.service.get(1).steps[0].deciders
    assert len(deciders) == 1
    loser = answers[1] if deciders == [IT[0]] else answers[0]
    winner = "Ines IT" if deciders == [IT[0]] else "Omar IT"
    assert f"IT review was already approved by {winner}" in str(loser["value"])


async def test_conversation_update_alone_stores_the_reference(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    omar = h.teams.user(IT[1])
    status_, _ = await h.teams.post(
        h.teams.activity(
            omar, "conversationUpdate", membersAdded=[{"id": omar.id}, {"id": "28:procurebot-app"}]
        )
    )
    assert status_ in (200, 201)
    person = h.core.service.person(IT[1])
    assert person.teams_aad_object_id == omar.aad_object_id
    assert (
        person.teams_reference
        and person.teams_reference["conversation"]["id"] == omar.conversation_id
    )
    assert h.teams.chat(IT[1]) == []  # no welcome twice: installationUpdate says hello


async def test_removing_the_app_stops_teams_delivery(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    omar = h.teams.user(IT[1])
    status_, _ = await h.teams.post(h.teams.activity(omar, "installationUpdate", action="remove"))
    assert status_ in (200, 201)
    person = h.core.service.person(IT[1])
    assert person.teams_reference is None and person.preferred_channel is None
    await h.buy(REQUESTER, FORM)
    assert not [p for p in h.teams.chat(IT[1]) if p.shows("PR-1001")]
    assert any(f"I couldn't reach {IT[1]} about PR-1001" in t for t in h.teams.texts(REQUESTER))


async def test_malformed_invokes_get_an_error_answer(teams_harness: TeamsHarness) -> None:
    h = teams_harness
    user = h.teams.user(REQUESTER)
    bad = h.teams.activity(
        user, "invoke", name="adaptiveCard/action", value={"action": {"type": "Action.Submit"}}
    )
    status_, body = await h.teams.post(bad)
    assert status_ == 400
    assert body["type"] == "application/vnd.microsoft.error"
    assert body["value"]["message"] == "Expected an Action.Execute."
    other = h.teams.activity(user, "invoke", name="task/fetch", value={})
    assert (await h.teams.post(other))[0] == 501  # not a feature of this bot


async def test_a_card_deleted_in_teams_does_not_block_the_other_updates(
    teams_harness: TeamsHarness,
) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    await h.buy(REQUESTER, FORM)
    h.teams.fail(method="PUT", times=1, status=404)  # the first card updated is gone
    await h.click(IT[0], h.teams.last_card(IT[0], "PR-1001"), "Approve")
    assert h.teams.faults_left() == 0
    updated = [
        p for p in (h.teams.last_card(e, "PR-1001") for e in (REQUESTER, IT[1])) if p.versions
    ]
    assert updated and all(p.shows("decided by Ines IT") for p in updated)
    assert await asyncio.to_thread(_pending_count, h) == 0


def _pending_count(h: TeamsHarness) -> int:
    with h.core.uow() as uow:
        rows = uow.connection.execute(  # type: ignore[attr-defined]
            select(outbox.c.id).where(outbox.c.delivered_at.is_(None))
        ).all()
    return len(rows)


def _events(h: TeamsHarness, request_id: int = 1) -> list[tuple[str, str]]:
    with h.core.uow() as uow:
        return [(e.action, e.comment) for e in uow.events.for_request(request_id)]


def _input_limit(posted: Posted, input_id: str) -> int:
    assert posted.card is not None
    for action in walk_actions(posted.card):
        for field in (action.get("card") or {}).get("body") or []:
            if field.get("id") == input_id:
                return int(field["maxLength"])
    raise AssertionError(f"no input {input_id}")


async def test_over_long_text_is_refused_on_the_card_and_nothing_is_stored(
    teams_harness: TeamsHarness,
) -> None:
    h = teams_harness
    await meet(h, *EVERYONE)
    await h.buy(REQUESTER, FORM)
    card = h.teams.last_card(IT[1], "PR-1001")
    assert _input_limit(card, REASON[Action.REJECT]) == 2000  # the core's limit, on the form
    # A client that ignores maxLength (or anyone posting activities) is refused by the core.
    refused = await h.click(IT[1], card, "Reject", {REASON[Action.REJECT]: "x" * 20_000})
    assert "The reason is 20,000 characters long; keep it to 2,000." in str(refused["value"])
    asked = await h.click(IT[1], card, "Ask a question", {REASON[Action.ASK]: "y" * 2001})
    assert "The question is 2,001 characters long; keep it to 2,000." in str(asked["value"])
    assert status(h) is RequestStatus.PENDING
    assert _events(h) == [("Submitted", "")]
    with h.core.uow() as uow:
        assert uow.requests.get(1).rejection_reason is None and not uow.requests.get(1).questions
