"""The /buy command: the form, `/buy list`, `/buy status N`, `/buy cancel N`, `/buy help`.
What the text asks for is parsed by the shared command table (bot.app.commands)."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from adapters.slack import ids
from adapters.slack.listeners.context import Context, Surface
from adapters.slack.listeners.home import Home
from adapters.slack.render import (
    HELP,
    cancel_confirmation,
    intake_modal,
    list_blocks,
    note_text,
    parse_more_value,
    render_card,
)
from adapters.slack.vendor_review import SlackVendorReviews
from bot.app.commands import handle
from bot.app.typed import (
    SLACK,
    Buy,
    ConfirmCancel,
    Help,
    ListMine,
    ProposeVendor,
    Status,
    Usage,
    parse_text,
)
from bot.domain.cards import LIST_MAX, STATUS
from bot.domain.errors import DomainError


class Commands(Surface):
    """Listeners for /buy and for the "Show more" under its list."""

    def __init__(self, context: Context, *, home: Home, vendor_reviews: SlackVendorReviews) -> None:
        super().__init__(context)
        self._home = home
        self._vendor_reviews = vendor_reviews

    async def on_buy(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """/buy, /buy <one-line request>, /buy list | status N | cancel N | vendor NAME | help."""
        await ack()
        command = parse_text(body.get("text") or "", dialect=SLACK)
        user = body["user_id"]
        try:
            match command:
                case Help():
                    await respond(text=HELP, response_type="ephemeral")
                case ListMine():
                    await self._list(user, respond)
                case Usage():
                    await respond(text=command.message, response_type="ephemeral")
                case Status() | ConfirmCancel():
                    await self._show(
                        replace(command, actor=await self._people.person(user)), respond
                    )
                case Buy():
                    await self._open_intake(body, command)
                case ProposeVendor():
                    await self._vendor_reviews.open_form(body, command.name, respond)
        except DomainError as error:
            await respond(text=str(error), response_type="ephemeral")

    async def _show(self, command: Status | ConfirmCancel, respond: AsyncRespond) -> None:
        shown = await asyncio.to_thread(handle, self._service, command)
        card = shown.card
        if shown.confirm_cancel:
            await respond(
                blocks=cancel_confirmation(card),
                text=f"Cancel {card.number}?",
                response_type="ephemeral",
            )
        else:
            await respond(
                blocks=render_card(card, detail=STATUS),
                text=note_text(card.status_text),
                response_type="ephemeral",
            )

    async def _open_intake(self, body: dict[str, Any], command: Buy) -> None:
        if not command.text:
            await self._client.views_open(trigger_id=body["trigger_id"], view=self._blank_form)
            return
        form = await asyncio.to_thread(handle, self._service, command)
        await self._client.views_open(
            trigger_id=body["trigger_id"],
            view=intake_modal(values=form.values, currencies=self._service.policy.currencies),
        )

    @functools.cached_property
    def _blank_form(self) -> dict[str, Any]:
        """The empty /buy form, built once (read only): building it takes ~4 ms of CPU, which
        was most of what a plain /buy cost under load."""
        return intake_modal(values={}, currencies=self._service.policy.currencies)

    async def _list(self, user: str, respond: AsyncRespond, *, offset: int = 0) -> None:
        person = await self._people.person(user)
        mine = await asyncio.to_thread(
            self._service.my_requests, requester=person.email, limit=LIST_MAX
        )
        page = await self._home.page(mine, person, offset=offset)
        await respond(
            blocks=list_blocks(
                page, empty=f"You have no requests yet. Type `{ids.COMMAND}` to start one."
            ),
            text="Your requests",
            response_type="ephemeral",
            replace_original=bool(offset),
        )

    async def on_list_more(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        """ "Show more" under /buy list: the next page in place of this one."""
        await ack()
        _, mine = parse_more_value(action.get("value"))
        try:
            await self._list(body["user"]["id"], respond, offset=mine)
        except DomainError as error:
            await respond(text=str(error), response_type="ephemeral")
