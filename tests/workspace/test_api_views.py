"""views.open / push / update / publish: triggers, stacks, hashes and Slack's view checks."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from tests.typed import present

from .conftest import Fake


def modal(title: str = "New purchase", **extra: Any) -> dict[str, Any]:
    """A small modal with one input, as a bot would send it."""
    return {
        "type": "modal",
        "callback_id": "purchase",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Submit"},
        "blocks": [
            {
                "type": "input",
                "block_id": "item",
                "label": {"type": "plain_text", "text": "Item"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
        **extra,
    }


async def slack_error(call) -> str:
    """The Slack error code a failing slack_sdk call raised."""
    with pytest.raises(SlackApiError) as raised:
        await call
    return raised.value.response["error"]


async def test_views_open_with_a_fresh_trigger(fake: Fake) -> None:
    trigger = fake.workspace.interactions.issue_trigger("U0001")
    view = (await fake.client.views_open(trigger_id=trigger, view=modal()))["view"]
    assert view["id"].startswith("V") and view["hash"]
    assert view["callback_id"] == "purchase"
    assert view["root_view_id"] == view["id"] and view["previous_view_id"] is None
    current = fake.workspace.current_modal("alice")
    assert current is not None and current.id == view["id"]


async def test_views_open_accepts_slack_sdk_view_models(fake: Fake) -> None:
    model = View(
        type="modal",
        title="Typed",
        submit="Go",
        blocks=[InputBlock(label="Item", block_id="item", element=PlainTextInputElement())],
    )
    trigger = fake.workspace.interactions.issue_trigger("U0001")
    view = (await fake.client.views_open(trigger_id=trigger, view=model))["view"]
    assert view["blocks"][0]["element"]["action_id"]  # Slack fills in a missing action_id


async def test_trigger_expires_after_three_seconds(fake: Fake) -> None:
    now = [1700000000.0]
    fake.workspace.ids.clock = lambda: now[0]
    trigger = fake.workspace.interactions.issue_trigger("U0001")
    now[0] += 3.0
    assert await slack_error(fake.client.views_open(trigger_id=trigger, view=modal())) == (
        "expired_trigger_id"
    )


async def test_trigger_is_good_just_under_three_seconds_and_only_once(fake: Fake) -> None:
    now = [1700000000.0]
    fake.workspace.ids.clock = lambda: now[0]
    trigger = fake.workspace.interactions.issue_trigger("U0001")
    now[0] += 2.9
    await fake.client.views_open(trigger_id=trigger, view=modal())
    assert await slack_error(fake.client.views_open(trigger_id=trigger, view=modal())) == (
        "exchanged_trigger_id"
    )


async def test_unknown_and_malformed_triggers(fake: Fake) -> None:
    client = fake.client
    assert await slack_error(client.views_open(trigger_id="1.2.abc", view=modal())) == (
        "expired_trigger_id"
    )
    assert await slack_error(client.views_open(trigger_id="nonsense", view=modal())) == (
        "invalid_trigger_id"
    )


async def test_invalid_views_are_refused_with_slack_messages(fake: Fake) -> None:
    trigger = fake.workspace.interactions.issue_trigger("U0001")
    long_title = modal(title="A title that is far too long for Slack")
    with pytest.raises(SlackApiError) as raised:
        await fake.client.views_open(trigger_id=trigger, view=long_title)
    response = raised.value.response
    assert response["error"] == "invalid_arguments"
    assert "/view/title/text" in response["response_metadata"]["messages"][0]
    no_submit = modal()
    del no_submit["submit"]
    trigger = fake.workspace.interactions.issue_trigger("U0001")
    assert await slack_error(fake.client.views_open(trigger_id=trigger, view=no_submit)) == (
        "invalid_arguments"
    )


async def test_views_push_stacks_up_to_three(fake: Fake) -> None:
    ws = fake.workspace
    root = (
        await fake.client.views_open(
            trigger_id=ws.interactions.issue_trigger("U0001"), view=modal()
        )
    )["view"]
    second = await fake.client.views_push(
        trigger_id=ws.interactions.issue_trigger("U0001"), view=modal("Two")
    )
    assert second["view"]["root_view_id"] == root["id"]
    assert second["view"]["previous_view_id"] == root["id"]
    await fake.client.views_push(
        trigger_id=ws.interactions.issue_trigger("U0001"), view=modal("Three")
    )
    assert [present(v.title)["text"] for v in ws.views.modal_stack("alice")] == [
        "New purchase",
        "Two",
        "Three",
    ]
    error = await slack_error(
        fake.client.views_push(
            trigger_id=ws.interactions.issue_trigger("U0001"), view=modal("Four")
        )
    )
    assert error == "push_limit_reached"


async def test_views_update_by_id_and_external_id_with_hash(fake: Fake) -> None:
    ws = fake.workspace
    opened = await fake.client.views_open(
        trigger_id=ws.interactions.issue_trigger("U0001"), view=modal(external_id="req-7")
    )
    view_id, first_hash = opened["view"]["id"], opened["view"]["hash"]
    updated = await fake.client.views_update(view_id=view_id, hash=first_hash, view=modal("Edited"))
    assert updated["view"]["id"] == view_id and updated["view"]["hash"] != first_hash
    error = await slack_error(
        fake.client.views_update(view_id=view_id, hash=first_hash, view=modal("Stale"))
    )
    assert error == "hash_conflict"
    by_external = await fake.client.views_update(external_id="req-7", view=modal("By external"))
    assert by_external["view"]["title"]["text"] == "By external"
    assert await slack_error(fake.client.views_update(view_id="V9999", view=modal())) == "not_found"


async def test_views_update_keeps_what_was_typed(fake: Fake) -> None:
    ws = fake.workspace
    opened = await fake.client.views_open(
        trigger_id=ws.interactions.issue_trigger("U0001"), view=modal()
    )
    view_id = opened["view"]["id"]
    ws.views.set_edits(
        view_id, {"item": {"value": {"type": "plain_text_input", "value": "Monitor"}}}
    )
    updated = await fake.client.views_update(view_id=view_id, view=modal("Edited"))
    assert updated["view"]["state"]["values"]["item"]["value"]["value"] == "Monitor"


async def test_duplicate_external_id(fake: Fake) -> None:
    ws = fake.workspace
    await fake.client.views_open(
        trigger_id=ws.interactions.issue_trigger("U0001"), view=modal(external_id="x")
    )
    error = await slack_error(
        fake.client.views_open(
            trigger_id=ws.interactions.issue_trigger("U0002"), view=modal(external_id="x")
        )
    )
    assert error == "duplicate_external_id"


async def test_views_publish_sets_the_home_tab(fake: Fake) -> None:
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
    }
    first = (await fake.client.views_publish(user_id="U0001", view=home))["view"]
    again = (await fake.client.views_publish(user_id="U0001", view=home))["view"]
    assert first["type"] == "home" and again["id"] == first["id"]
    home_view = fake.workspace.home_view("alice")
    assert home_view is not None and home_view.id == first["id"]
    error = await slack_error(fake.client.views_publish(user_id="U0001", view=home, hash="1.bad"))
    assert error == "hash_conflict"
    assert await slack_error(fake.client.views_publish(user_id="U9999", view=home)) == (
        "user_not_found"
    )
