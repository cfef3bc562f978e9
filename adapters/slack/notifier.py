"""Delivering neutral cards and notes through the Slack Web API (the outbox's Slack side)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.render import card_text, note_blocks, note_text, render_card
from adapters.slack.vendor_review_render import card_blocks as vendor_card_blocks
from adapters.slack.vendor_review_render import card_text as vendor_card_text
from bot.app.ports import DeliveryDeferred, DeliveryRefused, MessageRef, RecipientUnreachable
from bot.domain.cards import Card
from bot.domain.model import Person
from bot.domain.vendor_reviews import VendorCard

log = logging.getLogger(__name__)

PLATFORM = "slack"
# Slack will never deliver to this person or conversation: try their other platform.
_UNREACHABLE = {
    "users_not_found",
    "user_not_found",
    "account_inactive",
    "user_disabled",
    "cannot_dm_bot",
    "message_not_found",
    "channel_not_found",
    "not_in_channel",
    "is_archived",
}
# Slack will never accept this message as it is: retrying cannot help.
_REFUSED = {
    "invalid_blocks",
    "invalid_blocks_format",
    "msg_too_long",
    "no_text",
    "too_many_attachments",
    "invalid_arguments",
}


class SlackNotifier:
    """Sends cards as DMs from the bot and updates them in place."""

    platform = PLATFORM

    def __init__(self, *, client: AsyncWebClient) -> None:
        self._client = client

    async def can_reach(self, person: Person) -> bool:
        """Anyone may be in the workspace; send() finds out by email."""
        return True

    async def send(
        self, *, person: Person, card: Card | VendorCard | None, text: str
    ) -> MessageRef | None:
        """DM the card (or a note) to the person; return the card's reference."""
        user_id = person.slack_user_id or await self.lookup(person)
        if isinstance(card, VendorCard):  # updated in place by the clicker only: no reference
            blocks, text = vendor_card_blocks(card), vendor_card_text(card)
            await self.call(
                self._client.chat_postMessage, channel=user_id, blocks=blocks, text=text
            )
            return None
        blocks = render_card(card) if card is not None else note_blocks(text)
        fallback = card_text(card) if card is not None else note_text(text)
        response = await self.call(
            self._client.chat_postMessage,
            channel=user_id,
            blocks=blocks,
            text=fallback,
            unfurl_links=False,
        )
        if card is None:
            return None
        return MessageRef(
            request_id=card.request_id,
            recipient=person.email,
            platform=PLATFORM,
            conversation=str(response["channel"]),
            message_id=str(response["ts"]),
        )

    async def update(self, *, ref: MessageRef, card: Card) -> None:
        """Re-render a card sent earlier."""
        try:
            await self.call(
                self._client.chat_update,
                channel=ref.conversation,
                ts=ref.message_id,
                blocks=render_card(card),
                text=card_text(card),
            )
        except RecipientUnreachable as gone:
            # The message or the person is gone; the other cards still get their update.
            log.warning("slack: card %s/%s not updated: %s", ref.conversation, ref.message_id, gone)

    async def lookup(self, person: Person) -> str:
        """The person's Slack user id by email; learns their name and zone on the way."""
        response = await self.call(self._client.users_lookupByEmail, email=person.email)
        user = response["user"]
        person.slack_user_id = user["id"]
        person.name = person.name or user.get("real_name") or user.get("name") or ""
        person.tz = user.get("tz") or person.tz
        return str(user["id"])

    async def call(
        self, method: Callable[..., Awaitable[AsyncSlackResponse]], **kwargs: Any
    ) -> AsyncSlackResponse:
        """Call the Web API, turning its failures into the outbox's kinds of failure."""
        try:
            return await method(**kwargs)
        except SlackApiError as error:
            status = error.response.status_code
            code = error.response.get("error", "") if isinstance(error.response.data, dict) else ""
            if status == 429:
                headers = error.response.headers
                retry = headers.get("Retry-After") or headers.get("retry-after")
                raise DeliveryDeferred(
                    "Slack rate limit", retry_after=retry, rate_limited=True
                ) from None
            if code in _UNREACHABLE:
                raise RecipientUnreachable(f"Slack says {code}") from None
            if code in _REFUSED:
                raise DeliveryRefused(f"Slack refused the message: {code}") from None
            raise DeliveryDeferred(f"Slack answered {status} {code}") from None
        except (TimeoutError, aiohttp.ClientError) as error:
            raise DeliveryDeferred(f"Slack unreachable: {error!r}") from None
