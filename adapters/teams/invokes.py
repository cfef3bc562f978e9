"""Card buttons in Teams (Action.Execute invokes, or Action.Submit messages from older
clients): each becomes a command of the shared table; the answer is the card to show in
place of the clicked one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from botbuilder.core import TurnContext

from adapters.teams import ids
from adapters.teams.forms import Forms
from adapters.teams.pages import current_card, list_page
from adapters.teams.people import People
from adapters.teams.render import list_offsets, note_card, parse_action_data
from adapters.teams.vendor_review import PREFIX as VENDOR_PREFIX
from adapters.teams.vendor_review import TeamsVendorReviews
from bot.app.commands import TEXT_ACTIONS, EditForm, RenewalForm, for_action, handle
from bot.app.facade import Procurement
from bot.domain.errors import DomainError
from bot.domain.model import Channel, Person
from bot.domain.workflow import Action

_EMPTY_REASON = {
    Action.REJECT: "Write why you reject it first.",
    Action.ASK: "Write your question first.",
    Action.ANSWER: "Write your answer first.",
    Action.RECORD_PO: "Enter the purchase order number first.",
}


class Buttons:
    """Does what a button asks and answers with the card that replaces the clicked one."""

    def __init__(
        self,
        *,
        service: Procurement,
        people: People,
        forms: Forms,
        vendor_reviews: TeamsVendorReviews,
        on_change: Callable[[], None],
    ) -> None:
        self._service = service
        self._people = people
        self._forms = forms
        self._vendor_reviews = vendor_reviews
        self._on_change = on_change

    async def act(
        self, context: TurnContext, data: dict[str, Any], *, person: Person | None = None
    ) -> dict[str, Any]:
        """Do what a button asks; return the card to show in its place."""
        try:
            person = person or await self._people.person(context)
        except DomainError as error:
            return note_card(str(error))
        key = f"teams:{context.activity.from_property.id}:{context.activity.id}"
        kind = data.get(ids.KIND)
        if kind == ids.INTAKE_SUBMIT:
            return await self._forms.submit(person, data, key)
        if kind == ids.EDIT_SUBMIT:
            return await self._forms.resubmit(person, data, key)
        if kind == ids.KEEP:
            return note_card("OK, nothing changed.")
        if str(kind).startswith(VENDOR_PREFIX):
            card = await self._vendor_reviews.act(person, data)
            self._on_change()
            return card
        if kind == ids.LIST_MORE:
            waiting, mine = list_offsets(data)
            return await asyncio.to_thread(
                list_page, service=self._service, person=person, waiting=waiting, mine=mine
            )
        target = parse_action_data(data)
        if target is None:
            return note_card(f"I don't know that button any more. Type `{ids.HELP}`.")
        return await self._on_card(person, *target, data=data, key=key)

    async def _on_card(
        self,
        person: Person,
        action: Action,
        request_id: int,
        step: str | None,
        *,
        data: dict[str, Any],
        key: str,
    ) -> dict[str, Any]:
        text = ""
        try:
            if action in TEXT_ACTIONS:
                text = str(data.get(ids.reason_input(action)) or "").strip()
                if not text:
                    return await self._current(request_id, person, _EMPTY_REASON[action])
            command = for_action(
                action,
                request_id=request_id,
                actor=person,
                channel=Channel.TEAMS,
                step=step,
                text=text,
                idempotency_key=key,
            )
            outcome = await asyncio.to_thread(handle, self._service, command)
            if isinstance(outcome, EditForm):
                return await self._forms.edit(outcome.request)
            if isinstance(outcome, RenewalForm):
                return await self._forms.renewal(outcome)
        except DomainError as error:
            return await self._current(request_id, person, str(error))
        self._on_change()
        return await self._current(request_id, person)

    async def _current(
        self, request_id: int, person: Person, notice: str | None = None
    ) -> dict[str, Any]:
        return await asyncio.to_thread(
            current_card, service=self._service, request_id=request_id, person=person, notice=notice
        )
