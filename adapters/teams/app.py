"""The Teams side of procurebot: a Bot Framework activity handler that only translates.

People type to the bot in a personal chat ("buy", "status PR-1042", ...); card buttons are
Action.Execute (an `adaptiveCard/action` invoke, answered with the card that replaces the
clicked one) or, from older clients, Action.Submit (a message carrying the button's data).
Domain errors become a short message to the person; nothing else is caught here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from http import HTTPStatus
from typing import Any, TypeVar

from botbuilder.core import CardFactory, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, AdaptiveCardInvokeResponse, ChannelAccount
from botbuilder.schema.teams import TeamInfo, TeamsChannelAccount

from adapters.teams import ids
from adapters.teams.forms import INTAKE_TITLE, Forms
from adapters.teams.invokes import Buttons
from adapters.teams.mentions import typed_text
from adapters.teams.pages import list_page, vendor_search
from adapters.teams.people import People
from adapters.teams.references import is_personal, tenant_of
from adapters.teams.render import (
    cancel_confirmation,
    card_text,
    channel_text,
    help_text,
    render_card,
)
from adapters.teams.vendor_review import TeamsVendorReviews
from bot.app.commands import Shown, handle
from bot.app.facade import Procurement
from bot.app.typed import (
    TEAMS,
    Buy,
    ConfirmCancel,
    Help,
    ListMine,
    ProposeVendor,
    Status,
    Usage,
    parse_text,
)
from bot.app.vendor_qualification import VendorReviews
from bot.domain.cards import STATUS
from bot.domain.errors import DomainError
from bot.domain.model import Channel, Person

log = logging.getLogger(__name__)
T = TypeVar("T")


def card_activity(card: dict[str, Any], *, summary: str = "") -> Activity:
    """A message carrying one Adaptive Card."""
    activity = MessageFactory.attachment(CardFactory.adaptive_card(card))
    if summary:
        activity.summary = summary
    return activity


class TeamsBot(TeamsActivityHandler):
    """Turns Teams activities into Procurement calls."""

    def __init__(
        self, *, service: Procurement, on_change: Callable[[], None] = lambda: None
    ) -> None:
        super().__init__()
        self.service = service
        self.people = People(service=service)
        self.forms = Forms(service=service, on_change=on_change)
        reviews = VendorReviews(uow=service._uow, policy=service.policy, clock=service.clock)
        self.vendor_reviews = TeamsVendorReviews(reviews)
        self.buttons = Buttons(
            service=service,
            people=self.people,
            forms=self.forms,
            vendor_reviews=self.vendor_reviews,
            on_change=on_change,
        )

    async def _run(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, **kwargs)

    async def person(self, context: TurnContext, user: ChannelAccount | None = None) -> Person:
        """The person behind a Teams user (see adapters.teams.people)."""
        return await self.people.person(context, user)

    async def _say(self, context: TurnContext, text: str) -> None:
        await context.send_activity(MessageFactory.text(text))

    # ------------------------------------------------------------------ activities

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """Typed commands, and Action.Submit clicks (a message whose value is the data)."""
        context = turn_context
        if not is_personal(context.activity):
            # In a team the bot only posts the digest: requests are not for a whole channel.
            await self._say(context, channel_text(context.activity.conversation.id))
            return
        try:
            person = await self.person(context)
            value = context.activity.value
            if isinstance(value, dict) and value.get(ids.KIND):
                await self._on_submit(context, person, value)
                return
            text = typed_text(context.activity)
            await self._on_text(context, person, " ".join(text.split()))
        except DomainError as error:
            await self._say(context, str(error))

    async def _on_text(self, context: TurnContext, person: Person, text: str) -> None:
        command = parse_text(text, dialect=TEAMS)
        match command:
            case Help():
                await self._say(context, help_text())
            case Buy():
                card = await self.forms.intake(command)
                await context.send_activity(card_activity(card, summary=INTAKE_TITLE))
            case ListMine():
                # Teams has no App Home: the list also shows what waits for this approver.
                card = await self._run(list_page, service=self.service, person=person)
                await context.send_activity(card_activity(card))
            case Status() | ConfirmCancel():
                shown = await asyncio.to_thread(
                    handle, self.service, replace(command, actor=person)
                )
                await context.send_activity(_shown(shown))
            case ProposeVendor():
                card = await self.vendor_reviews.form(command.name)
                await context.send_activity(card_activity(card, summary="Propose a vendor"))
            case Usage():
                await self._say(context, command.message)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        """The app was installed for someone: remember how to reach them, and say hello; in
        a team, say how to have the digest posted there."""
        if not is_personal(turn_context.activity):
            await self._say(turn_context, channel_text(turn_context.activity.conversation.id))
            return
        try:
            await self.person(turn_context)
        except DomainError as error:
            await self._say(turn_context, str(error))
            return
        if is_personal(turn_context.activity):
            await self._say(turn_context, help_text())

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        """The app was removed for someone: stop sending there (Slack may still reach them)."""
        if not is_personal(turn_context.activity):
            return
        tenant = tenant_of(turn_context.activity)
        aad_object_id = turn_context.activity.from_property.aad_object_id
        if not tenant or not aad_object_id:
            return
        person = await self._run(
            self.service.person_by_teams_identity, tenant_id=tenant, aad_object_id=aad_object_id
        )
        if person is None:
            return
        person.teams_reference = None
        if person.preferred_channel is Channel.TEAMS:
            person.preferred_channel = None
        await self._run(self.service.remember_person, person=person)

    async def on_teams_members_added(
        self,
        teams_members_added: list[TeamsChannelAccount],
        team_info: TeamInfo,
        turn_context: TurnContext,
    ) -> None:
        """The bot joined a personal chat: remember how to reach the person."""
        if not is_personal(turn_context.activity):
            return
        bot_id = turn_context.activity.recipient.id
        for member in teams_members_added:
            if member.id == bot_id:
                continue
            try:
                account = ChannelAccount(
                    id=member.id, name=member.name, aad_object_id=member.aad_object_id
                )
                await self.person(turn_context, account)
            except DomainError as error:
                log.warning("teams: cannot store %s: %s", member.id, error)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        """Action.Execute clicks and the vendor typeahead's searches; any other invoke is not
        implemented (501)."""
        activity = turn_context.activity
        if activity.name == ids.SEARCH:
            value = activity.value if isinstance(activity.value, dict) else {}
            found = await self._run(vendor_search, service=self.service, value=value)
            if found is None:
                return _invoke_error(HTTPStatus.BAD_REQUEST, "No such dataset.")
            return InvokeResponse(
                status=int(HTTPStatus.OK),
                body=AdaptiveCardInvokeResponse(
                    status_code=int(HTTPStatus.OK), type=ids.SEARCH_CONTENT_TYPE, value=found
                ),
            )
        if activity.name != ids.ADAPTIVE_CARD_ACTION:
            # Not handed to the SDK's dispatch: it would read the value of features the bot
            # does not have (task modules, message extensions ...) and fail on odd ones.
            return InvokeResponse(status=int(HTTPStatus.NOT_IMPLEMENTED))
        value = activity.value if isinstance(activity.value, dict) else {}
        action = value.get("action") if isinstance(value.get("action"), dict) else None
        if action is None or action.get("type") != "Action.Execute":
            return _invoke_error(HTTPStatus.BAD_REQUEST, "Expected an Action.Execute.")
        data = dict(action.get("data") or {})
        if action.get("verb"):
            data[ids.KIND] = action["verb"]
        card = await self.buttons.act(turn_context, data)
        # Answer with the response model, not a serialised dict: botbuilder 4.17.1 serialises
        # InvokeResponse bodies a second time and a pre-serialised body fails with a 500.
        return InvokeResponse(
            status=int(HTTPStatus.OK),
            body=AdaptiveCardInvokeResponse(
                status_code=int(HTTPStatus.OK), type=ids.CARD_CONTENT_TYPE, value=card
            ),
        )

    async def _on_submit(self, context: TurnContext, person: Person, data: dict) -> None:
        card = await self.buttons.act(context, data, person=person)
        activity = card_activity(card)
        clicked = context.activity.reply_to_id
        if clicked:
            activity.id = clicked  # replace the clicked card, as an Action.Execute answer would
            await context.update_activity(activity)
        else:
            await context.send_activity(activity)

    async def on_error(self, context: TurnContext, error: Exception) -> None:
        """The adapter's turn error handler: log with the traceback, tell the person."""
        log.error("teams: turn failed", exc_info=(type(error), error, error.__traceback__))
        await context.send_activity(
            "Sorry, something went wrong on my side. Try again in a minute; if it keeps "
            "failing, tell IT."
        )


def _invoke_error(status: HTTPStatus, message: str) -> InvokeResponse:
    return InvokeResponse(
        status=int(status),
        body=AdaptiveCardInvokeResponse(
            status_code=int(status),
            type=ids.ERROR_CONTENT_TYPE,
            value={"code": status.phrase, "message": message},
        ),
    )


def _shown(shown: Shown) -> Activity:
    """`status N`: the request in full; `cancel N`: the offer to cancel it."""
    card = shown.card
    if shown.confirm_cancel:
        return card_activity(cancel_confirmation(card))
    return card_activity(render_card(card, detail=STATUS), summary=card_text(card))
