"""Card buttons: act at once through the command table, or open the modal that asks for
the words first (a reason, a question, a PO number, the edited or renewed request)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from adapters.slack import ids
from adapters.slack.listeners.context import Context, Surface
from adapters.slack.listeners.home import Home
from adapters.slack.render import intake_modal, parse_action_value, reason_modal
from bot.app.commands import TEXT_ACTIONS, EditForm, RenewalForm, for_action, handle
from bot.domain import intake
from bot.domain.errors import DomainError
from bot.domain.model import Channel, Person
from bot.domain.workflow import Action


class Actions(Surface):
    """Listeners for the buttons on request cards (in DMs, App Home or ephemeral replies)."""

    def __init__(self, context: Context, *, home: Home) -> None:
        super().__init__(context)
        self._home = home

    async def on_card_action(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        """A card button: act at once (approve, cancel, received) or open the right modal."""
        await ack()
        kind = ids.action_from_id(action["action_id"])
        target = parse_action_value(action.get("value"))
        if kind is None or target is None:
            return
        request_id, step = target
        user = body["user"]["id"]
        try:
            person = await self._people.person(user)
            if kind in TEXT_ACTIONS:
                await self._open_reason(body, kind, request_id, step, person)
                return
            command = for_action(
                kind,
                request_id=request_id,
                actor=person,
                channel=Channel.SLACK,
                step=step,
                idempotency_key=f"slack:{user}:{action.get('action_ts')}",
            )
            outcome = await asyncio.to_thread(handle, self._service, command)
        except DomainError as error:
            await self._replies.tell(body, str(error))
            return
        if isinstance(outcome, EditForm | RenewalForm):
            await self._open_form(body, outcome)
            return
        self._on_change()
        if (body.get("view") or {}).get("type") == "home":
            await self._home.publish(user, person)

    async def _open_reason(
        self, body: dict[str, Any], kind: Action, request_id: int, step: str | None, person: Person
    ) -> None:
        card = await asyncio.to_thread(
            self._service.card_for, request_id=request_id, viewer=person.email
        )
        if kind not in {a.action for a in card.actions}:
            await self._replies.tell(
                body,
                f"{card.number} is {card.status_text.lower()}; "
                "there's nothing for you to do on it now.",
            )
            return
        prompt = card.headline if kind is Action.ANSWER else f"{card.number} · {card.title}"
        metadata = json.dumps(
            {
                "r": request_id,
                "s": step,
                "a": kind.value,
                "home": (body.get("view") or {}).get("type") == "home",
            }
        )
        await self._client.views_open(
            trigger_id=body["trigger_id"],
            view=reason_modal(action=kind, number=card.number, metadata=metadata, prompt=prompt),
        )

    async def _open_form(self, body: dict[str, Any], form: EditForm | RenewalForm) -> None:
        """Edit: the request's own form; renew: the /buy form prefilled from the
        subscription, remembering what it renews."""
        currencies = self._service.policy.currencies
        if isinstance(form, RenewalForm):
            view = intake_modal(
                values=intake.draft_values(form.draft),
                currencies=currencies,
                metadata=json.dumps({"renews": form.renews}),
                title="Renew a subscription",
            )
        else:
            request = form.request
            question = request.open_question
            view = intake_modal(
                values=intake.draft_values(request.as_draft()),
                currencies=currencies,
                callback_id=ids.EDIT,
                metadata=json.dumps({"r": request.id}),
                title=f"Edit {request.number}",
                submit="Resubmit",
                notice=f"“{question.text}”" if question else None,
            )
        await self._client.views_open(trigger_id=body["trigger_id"], view=view)

    async def on_keep(self, ack: AsyncAck, respond: AsyncRespond, action: dict[str, Any]) -> None:
        """'Keep it' on a cancel confirmation."""
        await ack()
        await respond(text="OK, nothing changed.", replace_original=True, response_type="ephemeral")
