"""The fake's auth, users, conversations and chat methods, called through slack_sdk itself."""

from __future__ import annotations

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from .conftest import TOKEN, Fake

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Laptop* for $1,200"}}


async def slack_error(call) -> str:
    """The Slack error code a failing slack_sdk call raised."""
    with pytest.raises(SlackApiError) as raised:
        await call
    return raised.value.response["error"]


async def test_auth_test_names_the_bot(fake: Fake) -> None:
    response = await fake.client.auth_test()
    assert response["user_id"] == "U0BOT"
    assert response["team_id"] == "T0001"
    assert response["bot_id"] == "B0BOT"


async def test_wrong_token_is_invalid_auth_and_no_token_is_not_authed(fake: Fake) -> None:
    wrong = AsyncWebClient(base_url=fake.api_url, token="xoxb-wrong")
    assert await slack_error(wrong.auth_test()) == "invalid_auth"
    anonymous = AsyncWebClient(base_url=fake.api_url)
    assert await slack_error(anonymous.auth_test()) == "not_authed"


async def test_token_in_form_field_is_accepted(fake: Fake) -> None:
    async with aiohttp.ClientSession() as session:
        form = {"token": TOKEN, "user": "U0001"}
        async with session.post(f"{fake.api_url}users.info", data=form) as response:
            body = await response.json()
    assert body["ok"] is True
    assert body["user"]["name"] == "alice"


async def test_unknown_method(fake: Fake) -> None:
    assert await slack_error(fake.client.api_call("reactions.add")) == "unknown_method"


async def test_users_info_has_time_zone_email_and_real_name(fake: Fake) -> None:
    user = (await fake.client.users_info(user="U0001"))["user"]
    assert user["tz"] == "America/New_York"
    assert user["tz_offset"] in (-18000, -14400)  # EST or EDT
    assert user["real_name"] == "Alice Adams"
    assert user["profile"]["email"] == "alice@example.com"
    assert await slack_error(fake.client.users_info(user="U9999")) == "user_not_found"


async def test_lookup_by_email_ignores_case(fake: Fake) -> None:
    user = (await fake.client.users_lookupByEmail(email="BOB@example.com"))["user"]
    assert user["id"] == "U0002"
    assert user["tz"] == "Europe/Paris"
    error = await slack_error(fake.client.users_lookupByEmail(email="nobody@example.com"))
    assert error == "users_not_found"


async def test_conversations_open_returns_one_im_per_user(fake: Fake) -> None:
    first = await fake.client.conversations_open(users="U0001")
    again = await fake.client.conversations_open(users=["U0001"])
    assert first["channel"]["id"].startswith("D")
    assert again["channel"]["id"] == first["channel"]["id"]
    assert again["already_open"] is True
    full = await fake.client.conversations_open(users="U0001", return_im=True)
    assert full["channel"]["user"] == "U0001"
    assert await slack_error(fake.client.conversations_open(users="U9999")) == "user_not_found"


async def test_post_message_to_user_id_goes_to_their_im(fake: Fake) -> None:
    response = await fake.client.chat_postMessage(
        channel="U0001", text="Approve?", blocks=[SECTION]
    )
    im = fake.workspace.im_of("alice")
    assert im is not None and response["channel"] == im.id
    message = response["message"]
    assert message["text"] == "Approve?"
    assert message["bot_id"] == "B0BOT"
    assert message["blocks"][0]["block_id"]  # Slack fills in missing block ids
    assert fake.workspace.last_message("alice").ts == response["ts"]


@pytest.mark.parametrize("channel", ["#it-leadership", "it-leadership", "C0001"])
async def test_post_message_accepts_channel_names_and_ids(fake: Fake, channel: str) -> None:
    response = await fake.client.chat_postMessage(channel=channel, text="Weekly digest")
    assert response["channel"] == "C0001"


async def test_ts_values_strictly_increase(fake: Fake) -> None:
    fake.workspace.ids.clock = lambda: 1700000000.0  # a frozen clock must not repeat a ts
    stamps = [
        (await fake.client.chat_postMessage(channel="C0001", text=str(i)))["ts"] for i in range(5)
    ]
    assert stamps == sorted(stamps) and len(set(stamps)) == 5
    assert stamps[0] == "1700000000.000000" and stamps[1] == "1700000000.000001"


async def test_post_message_errors(fake: Fake) -> None:
    client = fake.client
    assert (
        await slack_error(client.chat_postMessage(channel="#nope", text="x")) == "channel_not_found"
    )
    with pytest.warns(UserWarning):  # slack_sdk itself warns about the missing text
        assert await slack_error(client.chat_postMessage(channel="C0001")) == "no_text"
    too_many = [SECTION] * 51
    error = await slack_error(client.chat_postMessage(channel="C0001", text="x", blocks=too_many))
    assert error == "invalid_blocks"
    long_section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C0001", text="x", blocks=[long_section])
    assert raised.value.response["error"] == "invalid_blocks"
    assert "3000" in raised.value.response["response_metadata"]["messages"][0]


async def test_post_message_needs_the_bot_in_the_channel(fake: Fake) -> None:
    fake.workspace.directory.add_channel(name="private-ish", bot_member=False)
    assert await slack_error(fake.client.chat_postMessage(channel="#private-ish", text="x")) == (
        "not_in_channel"
    )


async def test_thread_replies_update_the_parent(fake: Fake) -> None:
    parent = await fake.client.chat_postMessage(channel="C0001", text="Request #7")
    await fake.client.chat_postMessage(channel="C0001", text="Approved", thread_ts=parent["ts"])
    replies = await fake.client.conversations_replies(channel="C0001", ts=parent["ts"])
    assert [m["text"] for m in replies["messages"]] == ["Request #7", "Approved"]
    assert replies["messages"][0]["reply_count"] == 1
    history = await fake.client.conversations_history(channel="C0001")
    assert [m["text"] for m in history["messages"]] == ["Request #7"]


async def test_chat_update_edits_in_place(fake: Fake) -> None:
    posted = await fake.client.chat_postMessage(channel="U0001", text="Pending", blocks=[SECTION])
    channel, ts = posted["channel"], posted["ts"]
    updated = await fake.client.chat_update(channel=channel, ts=ts, text="Approved")
    assert updated["ts"] == ts
    message = fake.workspace.messages.get(channel, ts)
    assert message.text == "Approved" and message.blocks == [] and message.edited
    with_blocks = await fake.client.chat_update(
        channel=channel, ts=ts, text="Done", blocks=[SECTION]
    )
    assert with_blocks["message"]["blocks"][0]["text"]["text"] == "*Laptop* for $1,200"


async def test_chat_update_errors(fake: Fake) -> None:
    posted = await fake.client.chat_postMessage(channel="C0001", text="x")
    client = fake.client
    assert await slack_error(client.chat_update(channel="C0001", ts="1.000001", text="y")) == (
        "message_not_found"
    )
    assert await slack_error(client.chat_update(channel="C9999", ts=posted["ts"], text="y")) == (
        "channel_not_found"
    )
    by_alice = fake.workspace.messages.post("C0001", user="U0001", text="written by alice")
    error = await slack_error(client.chat_update(channel="C0001", ts=by_alice.ts, text="y"))
    assert error == "cant_update_message"


async def test_post_ephemeral_is_seen_by_one_user_only(fake: Fake) -> None:
    response = await fake.client.chat_postEphemeral(channel="C0001", user="U0001", text="Only you")
    assert response["message_ts"]
    seen_by_alice = [m.text for m in fake.workspace.messages_in("C0001", viewer="alice")]
    seen_by_bob = [m.text for m in fake.workspace.messages_in("C0001", viewer="bob")]
    assert seen_by_alice == ["Only you"] and seen_by_bob == []
    error = await slack_error(
        fake.client.chat_postEphemeral(channel="C0001", user="U0003", text="x")
    )
    assert error == "user_not_in_channel"
    history = await fake.client.conversations_history(channel="C0001")
    assert history["messages"] == []


async def test_ephemeral_messages_cannot_be_updated(fake: Fake) -> None:
    response = await fake.client.chat_postEphemeral(channel="C0001", user="U0001", text="x")
    error = await slack_error(
        fake.client.chat_update(channel="C0001", ts=response["message_ts"], text="y")
    )
    assert error == "message_not_found"


async def test_get_permalink_points_at_this_server(fake: Fake) -> None:
    posted = await fake.client.chat_postMessage(channel="C0001", text="x")
    response = await fake.client.chat_getPermalink(channel="C0001", message_ts=posted["ts"])
    digits = posted["ts"].replace(".", "")
    assert response["permalink"] == f"{fake.origin}/archives/C0001/p{digits}"
    error = await slack_error(fake.client.chat_getPermalink(channel="C0001", message_ts="1.2"))
    assert error == "message_not_found"


async def test_chat_delete(fake: Fake) -> None:
    posted = await fake.client.chat_postMessage(channel="C0001", text="x")
    await fake.client.chat_delete(channel="C0001", ts=posted["ts"])
    assert fake.workspace.messages_in("C0001") == []


async def test_calls_are_recorded_in_order_with_decoded_params(fake: Fake) -> None:
    await fake.client.auth_test()
    await fake.client.chat_postMessage(channel="C0001", text="x", blocks=[SECTION])
    with pytest.raises(SlackApiError):
        await fake.client.users_info(user="U9999")
    methods = [c.method for c in fake.workspace.calls]
    assert methods == ["auth.test", "chat.postMessage", "users.info"]
    post = fake.workspace.calls[1]
    assert post.params["blocks"][0]["type"] == "section" and post.ok
    assert "token" not in post.params
    assert fake.workspace.calls[2].error == "user_not_found"
    assert fake.workspace.calls[0].time <= fake.workspace.calls[2].time


async def test_form_encoded_blocks_are_decoded(fake: Fake) -> None:
    # Some callers send blocks as a JSON string in a form body, as Slack's docs show.
    response = await fake.client.api_call(
        "chat.postMessage",
        data={"channel": "C0001", "text": "x", "blocks": '[{"type": "divider"}]'},
    )
    assert response["message"]["blocks"][0]["type"] == "divider"


async def test_users_list_and_conversations_info(fake: Fake) -> None:
    members = (await fake.client.users_list())["members"]
    assert [m["name"] for m in members] == ["procurebot", "alice", "bob", "carol"]
    assert members[0]["is_bot"] is True
    info = (await fake.client.conversations_info(channel="C0001"))["channel"]
    assert info["name"] == "it-leadership" and info["is_member"] is True
    assert await slack_error(fake.client.conversations_info(channel="C9999")) == "channel_not_found"


async def test_chat_delete_only_the_bots_messages(fake: Fake) -> None:
    by_alice = fake.workspace.messages.post("C0001", user="U0001", text="mine")
    error = await slack_error(fake.client.chat_delete(channel="C0001", ts=by_alice.ts))
    assert error == "cant_delete_message"
