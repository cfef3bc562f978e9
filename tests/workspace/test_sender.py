"""The sender against a real Bolt app: signing, payload shapes, acks applied like Slack does."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_sdk.signature import SignatureVerifier

from workspace import render, sign

from .conftest import SECRET, Bot, Fake

APPROVAL_BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Two requests"}},
    {
        "type": "actions",
        "block_id": "req-1",
        "elements": [
            {
                "type": "button",
                "action_id": "approve",
                "value": "req-1",
                "text": {"type": "plain_text", "text": "Approve"},
                "style": "primary",
            },
            {
                "type": "button",
                "action_id": "reject",
                "value": "req-1",
                "text": {"type": "plain_text", "text": "Reject"},
            },
        ],
    },
    {
        "type": "actions",
        "block_id": "req-2",
        "elements": [
            {
                "type": "button",
                "action_id": "approve",
                "value": "req-2",
                "text": {"type": "plain_text", "text": "Approve"},
            }
        ],
    },
]


def test_signature_is_what_slack_sdk_verifies() -> None:
    body = "token=x&text=hello"
    timestamp = int(time.time())
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(body, str(timestamp), sign(SECRET, timestamp, body))
    assert not verifier.is_valid(body, str(timestamp), sign("other", timestamp, body))


async def test_command_payload_as_bolt_parses_it(fake: Fake, bot: Bot) -> None:
    seen: list[dict[str, Any]] = []

    @bot.app.command("/buy")
    async def buy(ack, command):
        seen.append(command)
        await ack()

    response = await bot.sender.command("alice", "laptop 1200")
    assert response.status == 200
    command = seen[0]
    im = fake.workspace.im_of("alice")
    assert im is not None
    assert command["command"] == "/buy" and command["text"] == "laptop 1200"
    assert command["user_id"] == "U0001" and command["user_name"] == "alice"
    assert command["channel_id"] == im.id and command["channel_name"] == "directmessage"
    assert command["team_id"] == "T0001" and command["api_app_id"] == "A0001"
    assert command["trigger_id"] == response.trigger_id
    assert command["response_url"].startswith(fake.origin)


async def test_command_ack_text_is_shown_to_the_user_only(fake: Fake, bot: Bot) -> None:
    @bot.app.command("/buy")
    async def buy(ack):
        await ack("Use /buy <item> <amount>")

    await bot.sender.command("alice", "", channel="#it-leadership")
    message = fake.workspace.last_message("C0001")
    assert message.text == "Use /buy <item> <amount>" and message.ephemeral_to == "U0001"
    assert fake.workspace.messages_in("C0001", viewer="bob") == []


async def test_respond_through_response_url_posts_in_channel(fake: Fake, bot: Bot) -> None:
    @bot.app.command("/buy")
    async def buy(ack, respond):
        await ack()
        await respond(text="Request #7 submitted", response_type="in_channel")

    await bot.sender.command("alice", "x", channel="C0001")
    await fake.workspace.wait_for_call("response_url")
    message = fake.workspace.last_message("C0001")
    assert message.text == "Request #7 submitted" and not message.is_ephemeral


async def test_command_opens_a_modal_with_the_fresh_trigger(fake: Fake, bot: Bot) -> None:
    @bot.app.command("/buy")
    async def buy(ack, body, client):
        await ack()
        await client.views_open(
            trigger_id=body["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "purchase",
                "title": {"type": "plain_text", "text": "New purchase"},
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
            },
        )

    await bot.sender.command("alice", "")
    call = await fake.workspace.wait_for_call("views.open")
    assert call.ok
    modal = fake.workspace.current_modal("alice")
    assert modal is not None and modal.callback_id == "purchase"


async def test_click_sends_block_actions_for_the_chosen_button(fake: Fake, bot: Bot) -> None:
    seen: list[dict[str, Any]] = []

    @bot.app.action("approve")
    async def approve(ack, body, action, respond):
        await ack()
        seen.append(body)
        await respond(replace_original=True, text=f"Approved {action['value']}")

    posted = await fake.client.chat_postMessage(
        channel="U0002", text="Approve?", blocks=APPROVAL_BLOCKS
    )
    message = fake.workspace.messages.get(posted["channel"], posted["ts"])
    response = await bot.sender.click("bob", message, "approve", value="req-2")
    assert response.status == 200
    body = seen[0]
    assert body["type"] == "block_actions"
    assert body["user"] == {"id": "U0002", "username": "bob", "name": "bob", "team_id": "T0001"}
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": posted["channel"],
        "is_ephemeral": False,
    }
    assert body["channel"]["id"] == posted["channel"]
    assert body["message"]["ts"] == posted["ts"] and body["message"]["blocks"]
    action = body["actions"][0]
    assert (action["action_id"], action["block_id"], action["value"]) == (
        "approve",
        "req-2",
        "req-2",
    )
    assert action["type"] == "button" and action["text"]["text"] == "Approve"
    assert body["trigger_id"] == response.trigger_id
    await fake.workspace.wait_for(lambda: message.text == "Approved req-2", what="replace_original")
    assert message.blocks == []


async def test_click_needs_a_value_when_buttons_share_an_action_id(fake: Fake, bot: Bot) -> None:
    from workspace import ElementNotFound

    posted = await fake.client.chat_postMessage(channel="U0002", text="x", blocks=APPROVAL_BLOCKS)
    with pytest.raises(ElementNotFound):
        await bot.sender.click("bob", posted["ts"], "approve")
    with pytest.raises(ElementNotFound):
        await bot.sender.click("bob", posted["ts"], "escalate")


async def test_click_on_an_ephemeral_message(fake: Fake, bot: Bot) -> None:
    seen: list[dict[str, Any]] = []

    @bot.app.action("reject")
    async def reject(ack, body):
        await ack()
        seen.append(body)

    posted = await fake.client.chat_postEphemeral(
        channel="C0001", user="U0001", text="x", blocks=APPROVAL_BLOCKS
    )
    await bot.sender.click("alice", posted["message_ts"], "reject")
    assert seen[0]["container"]["is_ephemeral"] is True
    assert "message" not in seen[0]
    with pytest.raises(PermissionError):
        await bot.sender.click("bob", posted["message_ts"], "reject")


PURCHASE_VIEW: dict[str, Any] = {
    "type": "modal",
    "callback_id": "purchase",
    "title": {"type": "plain_text", "text": "New purchase"},
    "submit": {"type": "plain_text", "text": "Submit"},
    "private_metadata": "draft-1",
    "blocks": [
        {
            "type": "input",
            "block_id": "item",
            "label": {"type": "plain_text", "text": "Item"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "amount",
            "label": {"type": "plain_text", "text": "Amount"},
            "element": {
                "type": "number_input",
                "action_id": "value",
                "is_decimal_allowed": True,
                "min_value": "1",
            },
        },
        {
            "type": "input",
            "block_id": "category",
            "label": {"type": "plain_text", "text": "Category"},
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": [
                    {"text": {"type": "plain_text", "text": "SaaS subscription"}, "value": "saas"},
                    {"text": {"type": "plain_text", "text": "Hardware"}, "value": "hardware"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "vendor",
            "label": {"type": "plain_text", "text": "Vendor"},
            "element": {"type": "external_select", "action_id": "value", "min_query_length": 0},
        },
        {
            "type": "input",
            "block_id": "needed_by",
            "label": {"type": "plain_text", "text": "Needed by"},
            "element": {"type": "datepicker", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "urgency",
            "label": {"type": "plain_text", "text": "Urgency"},
            "element": {
                "type": "radio_buttons",
                "action_id": "value",
                "options": [
                    {"text": {"type": "plain_text", "text": "Low"}, "value": "low"},
                    {"text": {"type": "plain_text", "text": "High"}, "value": "high"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "compliance",
            "optional": True,
            "label": {"type": "plain_text", "text": "Compliance"},
            "element": {
                "type": "checkboxes",
                "action_id": "value",
                "options": [
                    {"text": {"type": "plain_text", "text": "Personal data"}, "value": "pii"},
                    {"text": {"type": "plain_text", "text": "Security review"}, "value": "sec"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "link",
            "label": {"type": "plain_text", "text": "Link"},
            "element": {"type": "url_text_input", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "finance",
            "label": {"type": "plain_text", "text": "Finance contact"},
            "element": {"type": "email_text_input", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "manager",
            "label": {"type": "plain_text", "text": "Manager"},
            "element": {"type": "users_select", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "notes",
            "optional": True,
            "label": {"type": "plain_text", "text": "Notes"},
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": True},
        },
    ],
}
VENDORS = ["Adobe", "Atlassian", "Slack"]
FULL_FORM = {
    "Item": "Figma seat",
    "Amount": "45.50",
    "Category": "SaaS subscription",
    "Vendor": "Atlassian",
    "Needed by": "2026-12-01",
    "Urgency": "High",
    "Compliance": ["Security review"],
    "Link": "https://figma.com/pricing",
    "Finance contact": "finance@example.com",
    "Manager": "bob@example.com",
}


def serve_purchase_modal(bot: Bot, submissions: list[dict[str, Any]]) -> None:
    """Bolt handlers: /buy opens the modal, vendors come from block_suggestion, amounts over
    1000 are refused with response_action=errors."""

    @bot.app.command("/buy")
    async def buy(ack, body, client):
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=PURCHASE_VIEW)

    @bot.app.options("value")
    async def vendors(ack, body):
        typed = body["value"].casefold()
        matching = [v for v in VENDORS if typed in v.casefold()]
        await ack(
            options=[
                {"text": {"type": "plain_text", "text": v}, "value": v.lower()} for v in matching
            ]
        )

    @bot.app.view("purchase")
    async def submitted(ack, body, view):
        submissions.append(body)
        amount = float(view["state"]["values"]["amount"]["value"]["value"])
        if amount > 1000:
            await ack(response_action="errors", errors={"amount": "Over your limit"})
        else:
            await ack()


async def open_purchase_modal(fake: Fake, bot: Bot, user: str = "alice") -> str:
    await bot.sender.command(user, "")
    modal = await fake.workspace.wait_for(lambda: fake.workspace.current_modal(user), what="modal")
    return modal.id


async def test_modal_opened_by_bolt_is_filled_by_labels_and_submitted(fake: Fake, bot: Bot) -> None:
    submissions: list[dict[str, Any]] = []
    serve_purchase_modal(bot, submissions)
    view_id = await open_purchase_modal(fake, bot)
    response = await bot.sender.fill_and_submit("alice", view_id, FULL_FORM)
    assert response.status == 200 and response.body is None
    assert fake.workspace.current_modal("alice") is None  # an empty ack closes the modal
    body = submissions[0]
    assert body["type"] == "view_submission" and body["user"]["id"] == "U0001"
    assert body["view"]["id"] == view_id and body["view"]["private_metadata"] == "draft-1"
    assert body["view"]["hash"]
    values = body["view"]["state"]["values"]
    assert values["item"]["value"] == {"type": "plain_text_input", "value": "Figma seat"}
    assert values["amount"]["value"] == {"type": "number_input", "value": "45.50"}
    assert values["category"]["value"]["selected_option"]["value"] == "saas"
    assert values["vendor"]["value"]["selected_option"]["value"] == "atlassian"
    assert values["needed_by"]["value"] == {"type": "datepicker", "selected_date": "2026-12-01"}
    assert values["urgency"]["value"]["selected_option"]["value"] == "high"
    assert [o["value"] for o in values["compliance"]["value"]["selected_options"]] == ["sec"]
    assert values["link"]["value"]["value"] == "https://figma.com/pricing"
    assert values["finance"]["value"] == {
        "type": "email_text_input",
        "value": "finance@example.com",
    }
    assert values["manager"]["value"] == {"type": "users_select", "selected_user": "U0002"}
    assert values["notes"]["value"] == {"type": "plain_text_input", "value": None}


async def test_submission_errors_keep_the_modal_open(fake: Fake, bot: Bot) -> None:
    submissions: list[dict[str, Any]] = []
    serve_purchase_modal(bot, submissions)
    view_id = await open_purchase_modal(fake, bot)
    response = await bot.sender.fill_and_submit("alice", view_id, {**FULL_FORM, "Amount": "4500"})
    assert response.json == {"response_action": "errors", "errors": {"amount": "Over your limit"}}
    modal = fake.workspace.current_modal("alice")
    assert modal is not None and modal.id == view_id
    assert modal.errors == {"amount": "Over your limit"}
    state = render.state_document(fake.workspace, "alice")
    assert state["modal"][0]["errors"] == {"amount": "Over your limit"}
    await bot.sender.fill_and_submit("alice", view_id, {"Amount": "450"})
    assert fake.workspace.current_modal("alice") is None
    assert len(submissions) == 2


async def test_client_side_checks_block_the_submission(fake: Fake, bot: Bot) -> None:
    from workspace import ClientValidationError

    submissions: list[dict[str, Any]] = []
    serve_purchase_modal(bot, submissions)
    view_id = await open_purchase_modal(fake, bot)
    form = {**FULL_FORM, "Amount": "abc", "Finance contact": "not-an-email"}
    del form["Item"]
    with pytest.raises(ClientValidationError) as raised:
        await bot.sender.fill_and_submit("alice", view_id, form)
    assert set(raised.value.errors) == {"item", "amount", "finance"}
    assert submissions == []
    with pytest.raises(LookupError):
        await bot.sender.fill("alice", view_id, {"Colour": "red"})
    with pytest.raises(LookupError):
        await bot.sender.fill("alice", view_id, {"Category": "Furniture"})


async def test_submit_view_by_block_and_action_ids(fake: Fake, bot: Bot) -> None:
    submissions: list[dict[str, Any]] = []
    serve_purchase_modal(bot, submissions)
    view_id = await open_purchase_modal(fake, bot)
    await bot.sender.fill("alice", view_id, {**FULL_FORM, "Amount": "2"})
    await bot.sender.submit_view("alice", view_id, {"amount": ("value", "12")})
    assert submissions[0]["view"]["state"]["values"]["amount"]["value"]["value"] == "12"


async def test_block_suggestion_payload_and_options(fake: Fake, bot: Bot) -> None:
    submissions: list[dict[str, Any]] = []
    seen: list[dict[str, Any]] = []
    serve_purchase_modal(bot, submissions)

    @bot.app.middleware
    async def spy(req, resp, next):
        if req.body.get("type") == "block_suggestion":
            seen.append(req.body)
        return await next()

    view_id = await open_purchase_modal(fake, bot)
    response = await bot.sender.suggest("alice", view_id, "value", "s", block_id="vendor")
    assert [o["value"] for o in response.json["options"]] == ["atlassian", "slack"]
    body = seen[0]
    assert body["action_id"] == "value" and body["block_id"] == "vendor"
    assert body["value"] == "s" and body["container"] == {"type": "view", "view_id": view_id}
    assert body["view"]["id"] == view_id


ACK_VIEW = {
    "type": "modal",
    "callback_id": "step",
    "title": {"type": "plain_text", "text": "Step"},
    "submit": {"type": "plain_text", "text": "Next"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Next step"}}],
}


@pytest.mark.parametrize(
    ("reply", "stack"),
    [
        ({"response_action": "update", "view": {**ACK_VIEW, "callback_id": "done"}}, ["done"]),
        ({"response_action": "push", "view": ACK_VIEW}, ["step", "step"]),
        ({"response_action": "clear"}, []),
        ({}, []),
    ],
)
async def test_view_submission_ack_is_applied_like_slack(
    fake: Fake, bot: Bot, reply: dict[str, Any], stack: list[str]
) -> None:
    @bot.app.view("step")
    async def step(ack):
        await ack(**reply)

    trigger = fake.workspace.interactions.issue_trigger("U0001")
    await fake.client.views_open(trigger_id=trigger, view=ACK_VIEW)
    view = fake.workspace.current_modal("alice")
    assert view is not None
    response = await bot.sender.submit_view("alice", view.id)
    assert response.status == 200
    assert [v.callback_id for v in fake.workspace.views.modal_stack("alice")] == stack


async def test_close_sends_view_closed_only_when_asked(fake: Fake, bot: Bot) -> None:
    seen: list[dict[str, Any]] = []

    @bot.app.view_closed("step")
    async def closed(ack, body):
        await ack()
        seen.append(body)

    trigger = fake.workspace.interactions.issue_trigger("U0001")
    quiet = (await fake.client.views_open(trigger_id=trigger, view=ACK_VIEW))["view"]
    assert await bot.sender.close_view("alice", quiet["id"]) is None
    trigger = fake.workspace.interactions.issue_trigger("U0001")
    noisy_view = {**ACK_VIEW, "notify_on_close": True}
    noisy = (await fake.client.views_open(trigger_id=trigger, view=noisy_view))["view"]
    response = await bot.sender.close_view("alice", noisy["id"])
    assert response is not None and response.status == 200
    assert seen[0]["type"] == "view_closed" and seen[0]["view"]["id"] == noisy["id"]
    assert seen[0]["is_cleared"] is False
    assert fake.workspace.current_modal("alice") is None


async def test_select_in_a_modal_sends_the_choice_and_keeps_it(fake: Fake, bot: Bot) -> None:
    seen: list[dict[str, Any]] = []

    @bot.app.action("sort")
    async def sort(ack, body):
        await ack()
        seen.append(body)

    view = {
        **ACK_VIEW,
        "blocks": [
            {
                "type": "actions",
                "block_id": "tools",
                "elements": [
                    {
                        "type": "static_select",
                        "action_id": "sort",
                        "options": [
                            {"text": {"type": "plain_text", "text": "Newest"}, "value": "new"},
                            {"text": {"type": "plain_text", "text": "Largest"}, "value": "big"},
                        ],
                    }
                ],
            }
        ],
    }
    opened = await fake.client.views_open(
        trigger_id=fake.workspace.interactions.issue_trigger("U0001"), view=view
    )
    await bot.sender.click("alice", opened["view"]["id"], "sort", "Largest")
    body = seen[0]
    assert body["container"] == {"type": "view", "view_id": opened["view"]["id"]}
    assert body["actions"][0]["selected_option"]["value"] == "big"
    assert body["view"]["state"]["values"]["tools"]["sort"]["selected_option"]["value"] == "big"
    assert "response_url" not in body


async def test_app_home_opened_lets_bolt_publish_the_home_tab(fake: Fake, bot: Bot) -> None:
    @bot.app.event("app_home_opened")
    async def home(event, client):
        await client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
            },
        )

    response = await bot.sender.app_home_opened("carol")
    assert response.status == 200
    envelope = response.payload
    assert envelope["type"] == "event_callback" and envelope["event"]["tab"] == "home"
    assert envelope["event_id"].startswith("Ev") and envelope["api_app_id"] == "A0001"
    home_view = await fake.workspace.wait_for(lambda: fake.workspace.home_view("carol"))
    assert home_view.type == "home"
    await bot.sender.app_home_opened("carol")
    assert (await fake.workspace.wait_for_call("views.publish", count=2)).ok


async def test_message_im_event_and_say(fake: Fake, bot: Bot) -> None:
    @bot.app.message("hello")
    async def hello(message, say):
        await say(f"Hi <@{message['user']}>")

    response = await bot.sender.message("bob", "hello there")
    event = response.payload["event"]
    assert event["channel_type"] == "im" and event["user"] == "U0002"
    assert event["blocks"][0]["type"] == "rich_text"
    await fake.workspace.wait_for_call("chat.postMessage")
    texts = [m.text for m in fake.workspace.messages_in("bob")]
    assert texts == ["hello there", "Hi <@U0002>"]


async def test_url_verification(bot: Bot) -> None:
    response = await bot.sender.url_verification("abc123")
    assert response.status == 200 and response.json == {"challenge": "abc123"}


async def test_bad_signature_and_stale_timestamp_get_401(bot: Bot) -> None:
    forged = bot.sender.tampered(bad_signature=True)
    assert (await forged.command("alice", "x")).status == 401
    stale = bot.sender.tampered(timestamp_skew=-600)
    assert (await stale.command("alice", "x")).status == 401
    assert (await bot.sender.url_verification()).status == 200


async def test_retry_resends_the_same_event_with_retry_headers(fake: Fake, bot: Bot) -> None:
    seen: list[tuple[str | None, str]] = []

    @bot.app.middleware
    async def spy(req, resp, next):
        retry = req.headers.get("x-slack-retry-num", [None])[0]
        seen.append((retry, req.body.get("event_id")))
        return await next()

    @bot.app.event("app_home_opened")
    async def home(ack):
        await ack()

    await bot.sender.app_home_opened("alice")
    await bot.sender.transport.retry(num=1, reason="http_timeout")
    assert seen[0][0] is None and seen[1][0] == "1"
    assert seen[0][1] == seen[1][1]


async def test_interaction_bodies_are_form_encoded_payloads(fake: Fake, bot: Bot) -> None:
    @bot.app.action("approve")
    async def approve(ack):
        await ack()

    posted = await fake.client.chat_postMessage(channel="U0002", text="x", blocks=APPROVAL_BLOCKS)
    await bot.sender.click("bob", posted["ts"], "approve", value="req-1")
    assert bot.sender.transport.last_request is not None
    sent = parse_qs(bot.sender.transport.last_request.body)
    assert json.loads(sent["payload"][0])["type"] == "block_actions"
