"""What every Slack listener works with, built once by SlackBot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.acks import Replies
from adapters.slack.people import People
from bot.app.facade import Procurement


@dataclass(frozen=True, kw_only=True)
class Context:
    """The services, the Slack client, the person cache, the reply helpers, and what to call
    after a change (wakes the outbox dispatcher)."""

    service: Procurement
    client: AsyncWebClient
    people: People
    replies: Replies
    on_change: Callable[[], None]


class Surface:
    """Base of the listener classes: the context's parts, at hand."""

    def __init__(self, context: Context) -> None:
        self._service = context.service
        self._client = context.client
        self._people = context.people
        self._replies = context.replies
        self._on_change = context.on_change
