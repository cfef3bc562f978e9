"""The Workspace's Python API that end-to-end tests use directly: seeding, lookups, waiting."""

from __future__ import annotations

import asyncio
import json

import pytest

from workspace import Workspace, WorkspaceError, render

from .conftest import Fake, seeded_workspace


def test_seed_accepts_refs_and_reset_restores_it() -> None:
    ws = Workspace.seed(
        users=[{"name": "dana", "email": "dana@example.com"}],
        channels=["#general", {"name": "finance", "members": ["dana@example.com"]}],
    )
    general = ws.resolve_channel("general")
    assert general.id == "C0001" and "U0001" in general.members and "U0BOT" in general.members
    ws.messages.post(general.id, user="U0BOT", text="x")
    version = ws.feed.version
    ws.reset()
    assert ws.messages_in("general") == [] and ws.feed.version > version
    assert ws.resolve_channel("#finance").members == ["U0001", "U0BOT"]


def test_users_are_found_by_id_name_or_email() -> None:
    ws = seeded_workspace()
    assert ws.get_user("U0002") is ws.get_user("bob") is ws.get_user("BOB@example.com")
    with pytest.raises(WorkspaceError):
        ws.get_user("zed")


def test_state_document_is_plain_json() -> None:
    ws = seeded_workspace()
    ws.messages.post(ws.open_im("U0001").id, user="U0BOT", text="hi", blocks=[{"type": "divider"}])
    document = render.state_document(ws, "alice")
    assert json.loads(json.dumps(document)) == document


async def test_wait_for_call_returns_once_the_bot_called(fake: Fake) -> None:
    waiting = asyncio.create_task(fake.workspace.wait_for_call("auth.test", timeout=2))
    await asyncio.sleep(0)
    await fake.client.auth_test()
    call = await waiting
    assert call.ok and call.method == "auth.test"


async def test_wait_for_times_out_with_a_clear_message() -> None:
    ws = seeded_workspace()
    with pytest.raises(TimeoutError, match="a modal for alice"):
        await ws.wait_for(lambda: ws.current_modal("alice"), timeout=0.05, what="a modal for alice")
