"""The /_workspace API a browser page uses: state, live events, reset, and acting as a person."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from workspace import attach_sender

from .conftest import Bot, Fake
from .test_sender import APPROVAL_BLOCKS, FULL_FORM, serve_purchase_modal


async def get_json(url: str) -> Any:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return await response.json()


async def post_json(url: str, body: Any = None) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.post(url, json=body) as response:
        return response.status, await response.json()


async def test_state_shows_what_one_user_sees(fake: Fake) -> None:
    await fake.client.chat_postMessage(channel="U0001", text="For Alice")
    await fake.client.chat_postEphemeral(channel="C0001", user="U0002", text="Only Bob")
    await fake.client.chat_postMessage(channel="C0001", text="For the channel")
    alice = await get_json(f"{fake.origin}/_workspace/state?user=U0001")
    assert alice["viewer"] == "U0001"
    assert [u["name"] for u in alice["users"]] == ["alice", "bob", "carol"]
    channels = {c["name"] if not c["is_im"] else "dm": c for c in alice["channels"]}
    assert [m["text"] for m in channels["dm"]["messages"]] == ["For Alice"]
    assert [m["text"] for m in channels["it-leadership"]["messages"]] == ["For the channel"]
    assert alice["modal"] == [] and alice["home"] is None
    bob = await get_json(f"{fake.origin}/_workspace/state?user=U0002")
    bob_channel = next(c for c in bob["channels"] if c["name"] == "it-leadership")
    assert [m["text"] for m in bob_channel["messages"]] == ["Only Bob", "For the channel"]
    assert bob_channel["messages"][0]["is_ephemeral"] is True
    carol = await get_json(f"{fake.origin}/_workspace/state?user=U0003")
    assert carol["channels"] == []  # not in #it-leadership, no IM yet
    everything = await get_json(f"{fake.origin}/_workspace/state")
    assert everything["viewer"] is None and len(everything["channels"]) == 2
    missing = await get_json(f"{fake.origin}/_workspace/state?user=U9999")
    assert missing == {"ok": False, "error": "user_not_found"}


async def test_state_includes_the_open_modal_and_home(fake: Fake) -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Hi"},
        "blocks": [{"type": "divider"}],
    }
    await fake.client.views_open(
        trigger_id=fake.workspace.interactions.issue_trigger("U0001"), view=view
    )
    await fake.client.views_publish(user_id="U0001", view={"type": "home", "blocks": []})
    state = await get_json(f"{fake.origin}/_workspace/state?user=alice")
    assert [v["title"]["text"] for v in state["modal"]] == ["Hi"]
    assert state["home"]["type"] == "home" and state["home"]["errors"] == {}


async def test_events_stream_notifies_each_change(fake: Fake) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{fake.origin}/_workspace/events") as stream,
    ):
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        first = await read_event(stream)
        await fake.client.chat_postMessage(channel="C0001", text="changed")
        second = await read_event(stream)
    assert second["version"] > first["version"]
    assert second["version"] == fake.workspace.feed.version


async def read_event(stream: aiohttp.ClientResponse) -> dict[str, Any]:
    """The data of the next `state` event on a Server-Sent Events stream."""
    async with asyncio.timeout(5):
        while True:
            line = (await stream.content.readline()).decode().strip()
            if line.startswith("data: "):
                return json.loads(line.removeprefix("data: "))


async def test_long_poll_returns_when_the_version_moves(fake: Fake) -> None:
    since = fake.workspace.feed.version
    poll = asyncio.create_task(
        get_json(f"{fake.origin}/_workspace/version?since={since}&timeout=5")
    )
    await asyncio.sleep(0.05)
    assert not poll.done()
    await fake.client.chat_postMessage(channel="C0001", text="x")
    assert (await poll)["version"] > since
    idle = await get_json(
        f"{fake.origin}/_workspace/version?since={fake.workspace.feed.version}&timeout=0.1"
    )
    assert idle["version"] == fake.workspace.feed.version


async def test_reset_keeps_the_seed_and_drops_the_rest(fake: Fake) -> None:
    await fake.client.chat_postMessage(channel="U0001", text="x")
    fake.workspace.fail(method="auth.test", status=500)
    status, body = await post_json(f"{fake.origin}/_workspace/reset")
    assert status == 200 and body["ok"] is True
    ws = fake.workspace
    assert ws.calls == [] and ws.faults.pending == []
    assert ws.im_of("alice") is None and ws.messages_in("C0001") == []
    assert [u.name for u in ws.users.values()] == ["procurebot", "alice", "bob", "carol"]
    assert (await fake.client.auth_test())["ok"] is True


async def test_calls_endpoint_lists_the_bot_calls(fake: Fake) -> None:
    await fake.client.auth_test()
    body = await get_json(f"{fake.origin}/_workspace/calls?method=auth.test")
    assert [c["method"] for c in body["calls"]] == ["auth.test"] and body["calls"][0]["ok"]


async def test_unknown_response_url(fake: Fake) -> None:
    status, body = await post_json(f"{fake.origin}/_workspace/respond/nope", {"text": "x"})
    assert status == 404 and body["error"] == "expired_url"


async def test_act_needs_an_attached_bot(fake: Fake) -> None:
    status, body = await post_json(f"{fake.origin}/_workspace/act/command", {"user": "U0001"})
    assert status == 503 and body["error"] == "no_bot"


async def test_a_page_can_drive_the_bot_through_act(fake: Fake, bot: Bot) -> None:
    submissions: list[dict[str, Any]] = []
    serve_purchase_modal(bot, submissions)
    attach_sender(fake.app, bot.sender)
    act = f"{fake.origin}/_workspace/act"
    status, body = await post_json(f"{act}/command", {"user": "U0001", "text": ""})
    assert (status, body["status"]) == (200, 200)
    modal = await fake.workspace.wait_for(lambda: fake.workspace.current_modal("alice"))
    await bot.sender.fill("alice", modal.id, FULL_FORM)
    status, body = await post_json(
        f"{act}/submit",
        {"user": "U0001", "view_id": modal.id, "values": {"amount": {"value": ""}}},
    )
    assert status == 422 and body["errors"] == {"amount": "Please complete this required field."}
    status, body = await post_json(
        f"{act}/submit",
        {"user": "U0001", "view_id": modal.id, "values": {"amount": {"value": "5000"}}},
    )
    assert body["body"]["response_action"] == "errors"
    state = await get_json(f"{fake.origin}/_workspace/state?user=U0001")
    assert state["modal"][0]["errors"] == {"amount": "Over your limit"}


async def test_a_page_can_click_a_button(fake: Fake, bot: Bot) -> None:
    clicked: list[str] = []

    @bot.app.action("approve")
    async def approve(ack, action):
        await ack()
        clicked.append(action["value"])

    attach_sender(fake.app, bot.sender)
    posted = await fake.client.chat_postMessage(channel="U0002", text="x", blocks=APPROVAL_BLOCKS)
    click = {"user": "U0002", "ts": posted["ts"], "action_id": "approve", "value": "req-1"}
    status, body = await post_json(f"{fake.origin}/_workspace/act/click", click)
    assert status == 200 and body["status"] == 200 and clicked == ["req-1"]
    click["action_id"] = "nothing-here"
    status, body = await post_json(f"{fake.origin}/_workspace/act/click", click)
    assert status == 400 and body["error"] == "invalid_arguments"


async def test_a_page_gets_external_options_and_submits_the_pick(fake: Fake, bot: Bot) -> None:
    submissions: list[dict[str, Any]] = []
    serve_purchase_modal(bot, submissions)
    attach_sender(fake.app, bot.sender)
    act = f"{fake.origin}/_workspace/act"
    await post_json(f"{act}/command", {"user": "U0001", "text": ""})
    modal = await fake.workspace.wait_for(lambda: fake.workspace.current_modal("alice"))
    suggest = {"user": "U0001", "view_id": modal.id, "action_id": "value", "block_id": "vendor"}
    status, body = await post_json(f"{act}/suggest", {**suggest, "value": "s"})
    assert status == 200 and body["status"] == 200
    options = body["body"]["options"]
    assert [o["value"] for o in options] == ["atlassian", "slack"]
    status, body = await post_json(f"{act}/suggest", {**suggest, "action_id": "nope"})
    assert status == 400 and body["error"] == "invalid_arguments"
    # The page sends back the option it was given, as Slack's client puts it in state.
    await bot.sender.fill("alice", modal.id, {**FULL_FORM, "Amount": "12"})
    picked = {"type": "external_select", "selected_option": options[1]}
    status, body = await post_json(
        f"{act}/submit",
        {"user": "U0001", "view_id": modal.id, "values": {"vendor": {"value": picked}}},
    )
    assert status == 200 and body["status"] == 200
    values = submissions[0]["view"]["state"]["values"]
    assert values["vendor"]["value"]["selected_option"]["value"] == "slack"
    # Once the modal is gone there is nothing left to ask options for.
    status, body = await post_json(f"{act}/suggest", {**suggest, "value": "s"})
    assert status == 400 and body["error"] == "not_found"


async def test_the_page_and_its_assets_are_served(fake: Fake) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{fake.origin}/") as response:
            html = await response.text()
            assert response.status == 200 and response.content_type == "text/html"
        for asset in ("app.js", "blockkit.js", "mrkdwn.js", "app.css"):
            assert f"/static/{asset}" in html
            async with session.get(f"{fake.origin}/static/{asset}") as response:
                assert response.status == 200, asset
                assert "http://" not in await response.text()  # nothing from a CDN
        link = f"{fake.origin}/archives/C0001/p1700000000000100"
        async with session.get(link, allow_redirects=False) as response:
            assert response.status == 302 and response.headers["Location"] == "/#channel=C0001"
