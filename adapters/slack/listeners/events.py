"""Events other than App Home's: a DM typed to the bot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from adapters.slack.render import HELP


async def on_message(event: dict[str, Any], say: Callable[..., Awaitable[Any]]) -> None:
    """A DM typed to the bot: point to the command."""
    if event.get("channel_type") == "im" and not event.get("bot_id") and not event.get("subtype"):
        await say(text=HELP)
