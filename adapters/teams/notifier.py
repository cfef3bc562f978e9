"""Delivering neutral cards and notes through the Bot Framework (the outbox's Teams side).

Teams only lets a bot message someone proactively in a conversation it already has with
them, so a person is reachable once we hold their conversation reference (stored when they
first talk to the bot or install the app).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from botbuilder.core import BotAdapter, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ConversationReference, ResourceResponse
from botframework.connector.aio import ConnectorClient
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams.app import card_activity
from adapters.teams.ids import PLATFORM
from adapters.teams.references import load_reference
from adapters.teams.render import card_text, render_card
from adapters.teams.vendor_review import review_card, review_text
from bot.app.ports import DeliveryDeferred, DeliveryRefused, MessageRef, RecipientUnreachable
from bot.domain.cards import Card
from bot.domain.model import Person
from bot.domain.vendor_reviews import VendorCard

log = logging.getLogger(__name__)

# 403: the app was uninstalled or the user blocked the bot; 404: the conversation is gone.
_GONE = {403, 404}
# 400: an activity Teams cannot take (e.g. a card it rejects); 413: too large. Both for good.
_REFUSED = {400, 413}
TRANSPORT_ERRORS = (ClientRequestError, aiohttp.ClientError, TimeoutError, OSError)

Call = Callable[[ConnectorClient, ConversationReference], Awaitable[Any]]


class TeamsNotifier:
    """Sends cards into each person's personal chat with the bot and updates them in place."""

    platform = PLATFORM

    def __init__(
        self,
        *,
        adapter: CloudAdapter,
        app_id: str,
        person: Callable[[str], Awaitable[Person]],
    ) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._person = person

    async def can_reach(self, person: Person) -> bool:
        """Only people whose conversation reference we hold."""
        return bool(person.teams_reference)

    async def send(
        self, *, person: Person, card: Card | VendorCard | None, text: str
    ) -> MessageRef | None:
        """Post the card (or a note) into the person's chat; return the card's reference."""
        if not person.teams_reference:
            raise RecipientUnreachable(f"{person.email} has not talked to procurebot in Teams")
        reference = load_reference(person.teams_reference)
        if isinstance(card, VendorCard):  # updated in place by the clicker only: no reference
            activity = card_activity(review_card(card), summary=review_text(card))
        elif card is not None:
            activity = card_activity(render_card(card), summary=card_text(card))
        else:
            activity = MessageFactory.text(text)

        async def post(connector: ConnectorClient, ref: ConversationReference) -> Any:
            TurnContext.apply_conversation_reference(activity, ref)
            return await connector.conversations.send_to_conversation(ref.conversation.id, activity)

        response: ResourceResponse = await self._call(reference, post)
        if not isinstance(card, Card):
            return None
        return MessageRef(
            request_id=card.request_id,
            recipient=person.email,
            platform=PLATFORM,
            conversation=reference.conversation.id,
            message_id=str(response.id),
        )

    async def update(self, *, ref: MessageRef, card: Card) -> None:
        """Re-render a card sent earlier (update_activity)."""
        person = await self._person(ref.recipient)
        if not person.teams_reference:
            log.warning(
                "teams: card %s for %s: no reference any more", ref.message_id, ref.recipient
            )
            return
        reference = load_reference(person.teams_reference)
        activity = card_activity(render_card(card), summary=card_text(card))

        async def put(connector: ConnectorClient, stored: ConversationReference) -> Any:
            TurnContext.apply_conversation_reference(activity, stored)
            activity.id = ref.message_id
            return await connector.conversations.update_activity(
                ref.conversation, ref.message_id, activity
            )

        try:
            await self._call(reference, put)
        except RecipientUnreachable as gone:
            # The message or the person is gone; the other cards still get their update.
            log.warning("teams: card %s/%s not updated: %s", ref.conversation, ref.message_id, gone)

    async def _call(self, reference: ConversationReference, call: Call) -> Any:
        return await call_connector(
            adapter=self._adapter, app_id=self._app_id, reference=reference, call=call
        )


async def call_connector(
    *, adapter: CloudAdapter, app_id: str, reference: ConversationReference, call: Call
) -> Any:
    """Run `call` with a connector for the reference's service URL, turning its failures
    into the outbox's kinds of failure."""
    outcome: dict[str, Any] = {}

    async def logic(context: TurnContext) -> None:
        connector = context.turn_state[BotAdapter.BOT_CONNECTOR_CLIENT_KEY]
        # Caught here and raised below: the adapter's turn error handler would swallow it.
        try:
            outcome["value"] = await call(connector, reference)
        except (HttpOperationError, *TRANSPORT_ERRORS) as error:
            outcome["error"] = error

    try:
        await adapter.continue_conversation(reference, logic, app_id)
    except TRANSPORT_ERRORS as unreachable:  # e.g. no token from Microsoft Entra ID
        raise DeliveryDeferred(f"Teams unreachable: {unreachable!r}") from None
    failure = outcome.get("error")
    if isinstance(failure, HttpOperationError):
        raise translate(failure) from None
    if failure is not None:
        raise DeliveryDeferred(f"Teams unreachable: {failure!r}") from None
    return outcome.get("value")


def translate(error: HttpOperationError) -> Exception:
    """The outbox's kind of failure for an error answer of the connector."""
    response = error.response
    status = getattr(response, "status_code", 0) or 0
    if status == 429:
        headers = getattr(response, "headers", {}) or {}
        retry = headers.get("Retry-After") or headers.get("retry-after")
        return DeliveryDeferred("Teams rate limit", retry_after=retry, rate_limited=True)
    if status in _GONE:
        return RecipientUnreachable(
            f"Teams answered {status}: the app may have been removed for them"
        )
    if status in _REFUSED:
        return DeliveryRefused(f"Teams refused the message: {status}")
    return DeliveryDeferred(f"Teams answered {status}")
