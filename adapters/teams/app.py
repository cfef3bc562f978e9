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
from datetime import date
from http import HTTPStatus
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botbuilder.core import CardFactory, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo
from botbuilder.schema import Activity, AdaptiveCardInvokeResponse, ChannelAccount
from botbuilder.schema.teams import TeamInfo, TeamsChannelAccount
from msrest.exceptions import HttpOperationError

from adapters.teams import ids
from adapters.teams.pages import approved_vendors, list_page, vendor_search
from adapters.teams.references import is_personal, reference_of, tenant_of
from adapters.teams.render import (
    cancel_confirmation,
    card_text,
    channel_text,
    form_values,
    help_text,
    intake_card,
    list_offsets,
    note_card,
    parse_action_data,
    render_card,
)
from bot.app.facade import Procurement
from bot.domain import intake
from bot.domain.cards import ACTIONS_WITH_FORM, STATUS
from bot.domain.errors import BudgetExceeded, DomainError, InvalidInput, NotAllowed, VendorRefused
from bot.domain.model import Channel, Person, PurchaseRequest, RequestDraft, parse_number
from bot.domain.workflow import Action

log = logging.getLogger(__name__)
T = TypeVar("T")

_INTAKE_TITLE = "New purchase request"
_RENEWAL_TITLE = "Renew a subscription"
_WHO_ARE_YOU = (
    "I can't tell which organisation this message comes from, so I can't tell who you are. "
    "Ask IT to check that procurebot is installed for your organisation."
)
_EMPTY_REASON = {
    Action.REJECT: "Write why you reject it first.",
    Action.ASK: "Write your question first.",
    Action.ANSWER: "Write your answer first.",
    Action.RECORD_PO: "Enter the purchase order number first.",
}


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
        self._on_change = on_change

    # ------------------------------------------------------------------ helpers

    async def _run(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, **kwargs)

    async def person(self, context: TurnContext, user: ChannelAccount | None = None) -> Person:
        """The person behind a Teams user, known by tenant and Microsoft Entra object id; the
        first time, Teams tells their user principal name, which links them to the policy's
        email (and to Slack).

        Also keeps their conversation reference (so cards can reach them later), their time
        zone and Teams as the channel they last used.
        """
        activity = context.activity
        user = user or activity.from_property
        tenant = tenant_of(activity)
        if not tenant:
            raise NotAllowed(_WHO_ARE_YOU)
        person = None
        if user.aad_object_id:
            person = await self._run(
                self.service.person_by_teams_identity,
                tenant_id=tenant,
                aad_object_id=user.aad_object_id,
            )
        if person is None:
            aad_object_id, email, name = await self._member(context, user)
            person = await self._run(
                self.service.link_teams_identity,
                email=email,
                tenant_id=tenant,
                aad_object_id=aad_object_id,
            )
            person.name = person.name or name
        before = replace(person)
        if is_personal(activity):
            person.teams_reference = reference_of(activity)
            if user.id != activity.from_property.id:  # a member added by someone else
                person.teams_reference["user"] = {"id": user.id, "name": user.name or ""}
        person.tz = _zone(activity.local_timezone) or person.tz
        person.preferred_channel = Channel.TEAMS
        if person != before:
            await self._run(self.service.remember_person, person=person)
        return person

    async def _member(self, context: TurnContext, user: ChannelAccount) -> tuple[str, str, str]:
        """(object id, email, name) of a Teams user, from the connector's members endpoint
        (activities carry no email). The user principal name comes first: the `email`
        attribute is whatever a user or an admin typed."""
        try:
            member = await TeamsInfo.get_member(context, user.id)
        except HttpOperationError as error:
            if getattr(error.response, "status_code", None) not in (403, 404):
                raise  # Teams is having trouble: the turn error handler says so
            log.warning("teams: member %s not found: %s", user.id, error)
            member = None
        email = (member.user_principal_name or member.email or "") if member else ""
        aad_object_id = (member.aad_object_id if member else None) or user.aad_object_id
        if "@" not in email or not aad_object_id:
            raise NotAllowed(
                "I can't see your email address in Teams, so I can't tell who you are. "
                "Ask IT to check that procurebot is installed for your organisation."
            )
        name = member.name if member and member.name else user.name or ""
        return aad_object_id, email.lower(), name

    def _today(self, person: Person) -> date:
        return self.service.clock.now().astimezone(ZoneInfo(person.tz or "UTC")).date()

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
            text = TurnContext.remove_recipient_mention(context.activity) or ""
            await self._on_text(context, person, " ".join(text.split()))
        except DomainError as error:
            await self._say(context, str(error))

    async def _on_text(self, context: TurnContext, person: Person, text: str) -> None:
        word, _, rest = text.partition(" ")
        word = word.lower()
        if word in ("", ids.HELP, "hi", "hello"):
            await self._say(context, help_text())
        elif word == ids.BUY:
            await self._open_intake(context, rest)
        elif word == ids.LIST and not rest:
            # Teams has no App Home: the list also shows what waits for this approver.
            card = await self._run(list_page, service=self.service, person=person)
            await context.send_activity(card_activity(card))
        elif word in (ids.STATUS, ids.CANCEL):
            await self._status_or_cancel(context, person, word, rest)
        else:
            await self._say(
                context,
                f"I don't know “{text[:60]}”. Type `{ids.BUY}` to ask for something, or "
                f"`{ids.HELP}` for what I understand.",
            )

    async def _open_intake(self, context: TurnContext, text: str) -> None:
        known = await self._run(self.service.known_vendors)
        values = intake.parse_text(text, known_vendors=known).values if text else {}
        vendors = await self._run(
            approved_vendors, service=self.service, chosen=values.get(intake.VENDOR, "")
        )
        card = intake_card(
            values=values, currencies=self.service.policy.currencies, vendors=vendors
        )
        await context.send_activity(card_activity(card, summary="New purchase request"))

    async def _status_or_cancel(
        self, context: TurnContext, person: Person, word: str, rest: str
    ) -> None:
        request_id = parse_number(rest)
        if request_id is None:
            await self._say(context, f"Which request? Type `{word} PR-1042`.")
            return
        card = await self._run(
            self.service.card_for, request_id=request_id, viewer=person.email, check_visible=True
        )
        if word == ids.STATUS:
            await context.send_activity(
                card_activity(render_card(card, detail=STATUS), summary=card_text(card))
            )
        elif Action.CANCEL in {a.action for a in card.actions}:
            await context.send_activity(card_activity(cancel_confirmation(card)))
        elif card.viewer_role != "requester":
            await self._say(context, f"Only the requester can cancel {card.number}.")
        else:
            await self._say(
                context,
                f"{card.number} is {card.status.label.lower()} and can no longer be cancelled.",
            )

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
        card = await self._act(turn_context, data)
        # Answer with the response model, not a serialised dict: botbuilder 4.17.1 serialises
        # InvokeResponse bodies a second time and a pre-serialised body fails with a 500.
        return InvokeResponse(
            status=int(HTTPStatus.OK),
            body=AdaptiveCardInvokeResponse(
                status_code=int(HTTPStatus.OK), type=ids.CARD_CONTENT_TYPE, value=card
            ),
        )

    async def _on_submit(self, context: TurnContext, person: Person, data: dict) -> None:
        card = await self._act(context, data, person=person)
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

    # ------------------------------------------------------------------ card buttons

    async def _act(
        self, context: TurnContext, data: dict[str, Any], *, person: Person | None = None
    ) -> dict[str, Any]:
        """Do what a button asks; return the card to show in its place."""
        try:
            person = person or await self.person(context)
        except DomainError as error:
            return note_card(str(error))
        key = f"teams:{context.activity.from_property.id}:{context.activity.id}"
        kind = data.get(ids.KIND)
        if kind == ids.INTAKE_SUBMIT:
            return await self._intake_submit(person, data, key)
        if kind == ids.EDIT_SUBMIT:
            return await self._edit_submit(person, data, key)
        if kind == ids.KEEP:
            return note_card("OK, nothing changed.")
        if kind == ids.LIST_MORE:
            waiting, mine = list_offsets(data)
            return await self._run(
                list_page, service=self.service, person=person, waiting=waiting, mine=mine
            )
        target = parse_action_data(data)
        if target is None:
            return note_card(f"I don't know that button any more. Type `{ids.HELP}`.")
        action, request_id, step = target
        try:
            if action is Action.EDIT:
                return await self._edit_form(person, request_id)
            if action is Action.RENEW:
                return await self._renewal_form(person, request_id)
            if action in ACTIONS_WITH_FORM:
                text = str(data.get(ids.reason_input(action)) or "").strip()
                if not text:
                    return await self._current_card(request_id, person, _EMPTY_REASON[action])
                await self._with_text(action, request_id, step, person, text, key)
            else:
                await self._without_text(action, request_id, step, person, key)
        except DomainError as error:
            return await self._current_card(request_id, person, str(error))
        self._on_change()
        return await self._current_card(request_id, person)

    async def _with_text(
        self, action: Action, request_id: int, step: str | None, person: Person, text: str, key: str
    ) -> PurchaseRequest:
        common: dict[str, Any] = {
            "request_id": request_id,
            "actor": person.email,
            "channel": Channel.TEAMS,
            "idempotency_key": key,
        }
        if action is Action.REJECT:
            return await self._run(self.service.reject, reason=text, step=step, **common)
        if action is Action.ASK:
            return await self._run(self.service.ask, question=text, step=step, **common)
        if action is Action.ANSWER:
            return await self._run(self.service.answer, text=text, **common)
        return await self._run(self.service.record_po, po_number=text, **common)

    async def _without_text(
        self, action: Action, request_id: int, step: str | None, person: Person, key: str
    ) -> PurchaseRequest:
        common: dict[str, Any] = {
            "request_id": request_id,
            "actor": person.email,
            "channel": Channel.TEAMS,
            "idempotency_key": key,
        }
        if action is Action.APPROVE:
            return await self._run(self.service.approve, step=step, **common)
        if action is Action.CANCEL:
            return await self._run(self.service.cancel, **common)
        if action is Action.LET_LAPSE:
            return await self._run(self.service.let_lapse, **common)
        return await self._run(self.service.mark_received, **common)

    async def _current_card(
        self, request_id: int, person: Person, notice: str | None = None
    ) -> dict[str, Any]:
        """The request as this person may see it now, with a one-off notice on top."""
        try:
            card = await self._run(
                self.service.card_for,
                request_id=request_id,
                viewer=person.email,
                check_visible=True,
            )
        except DomainError as hidden:
            return note_card(notice or str(hidden))
        return render_card(card, notice=notice)

    # ------------------------------------------------------------------ the form

    async def _intake_submit(self, person: Person, data: dict[str, Any], key: str) -> dict:
        values = form_values(data)
        vendors = await self._run(
            approved_vendors, service=self.service, chosen=values.get(intake.VENDOR, "")
        )
        renews = _request_id(data.get(ids.RENEWS))
        form = _FormAgain(
            values,
            self.service.policy.currencies,
            vendors,
            data={ids.RENEWS: renews} if renews else None,
            title=_RENEWAL_TITLE if renews else _INTAKE_TITLE,
        )
        try:
            draft = intake.parse_form(
                values, currencies=self.service.policy.currencies, today=self._today(person)
            )
        except InvalidInput as invalid:
            return form.card(errors=invalid.fields, confirmed=bool(data.get(ids.CONFIRMED)))
        try:
            if not data.get(ids.CONFIRMED):
                notice = await self._preview_notice(person, draft, renews=renews)
                if notice:
                    return form.card(notice=f"ℹ️ {notice}", confirmed=True, submit="Submit anyway")
            request = await self._run(
                self.service.submit,
                requester=person.email,
                draft=draft,
                channel=Channel.TEAMS,
                idempotency_key=key,
                renews=renews,
            )
        except DomainError as error:
            return form.card(errors={intake.field_for(error): str(error)}, confirmed=True)
        self._on_change()
        if renews:
            # The form replaced the renewal card: show that card again, now without its
            # buttons; the new request's own card arrives in the chat as any request's does.
            return await self._current_card(renews, person)
        card = await self._run(self.service.card_for, request_id=request.id, viewer=person.email)
        return note_card(
            f"{card.number} · {card.title} is in: {card.status_text}. "
            "I'll tell you here at each step."
        )

    async def _preview_notice(
        self, person: Person, draft: RequestDraft, *, renews: int | None = None
    ) -> str | None:
        """What the requester should read before the request is saved (existing purchases,
        an overrun of the budget), or None to submit at once."""
        try:
            preview = await asyncio.wait_for(
                self._run(self.service.preview, requester=person.email, draft=draft, renews=renews),
                1.0,
            )
        except TimeoutError:
            return None  # a slow database must not cost the requester their form
        return preview.to_confirm

    async def _edit_form(self, person: Person, request_id: int) -> dict[str, Any]:
        request = await self._run(self.service.get, request_id=request_id)
        if request.requester != person.email:
            raise NotAllowed(f"Only the requester can edit {request.number}.")
        vendors = await self._run(approved_vendors, service=self.service, chosen=request.vendor)
        question = request.open_question
        return intake_card(
            values=intake.draft_values(request.as_draft()),
            currencies=self.service.policy.currencies,
            vendors=vendors,
            verb=ids.EDIT_SUBMIT,
            data={ids.REQUEST: request_id},
            title=f"Edit {request.number}",
            submit="Resubmit",
            notice=f"“{question.text}”" if question else None,
        )

    async def _renewal_form(self, person: Person, request_id: int) -> dict[str, Any]:
        """Renew: the request form prefilled from the subscription, remembering what it
        renews (refused, with the reason, to anyone but its owner and procurement)."""
        draft = await self._run(
            self.service.renewal_draft, request_id=request_id, actor=person.email
        )
        vendors = await self._run(approved_vendors, service=self.service, chosen=draft.vendor)
        return intake_card(
            values=intake.draft_values(draft),
            currencies=self.service.policy.currencies,
            vendors=vendors,
            data={ids.RENEWS: request_id},
            title=_RENEWAL_TITLE,
        )

    async def _edit_submit(self, person: Person, data: dict[str, Any], key: str) -> dict:
        try:
            request_id = int(data[ids.REQUEST])
        except (KeyError, TypeError, ValueError):
            return note_card("I lost track of which request this form edits. Open it again.")
        values = form_values(data)
        vendors = await self._run(
            approved_vendors, service=self.service, chosen=values.get(intake.VENDOR, "")
        )
        form = _FormAgain(
            values,
            self.service.policy.currencies,
            vendors,
            verb=ids.EDIT_SUBMIT,
            data={ids.REQUEST: request_id},
            title="Edit request",
            submit="Resubmit",
        )
        try:
            draft = intake.parse_form(
                values, currencies=self.service.policy.currencies, today=self._today(person)
            )
            await self._run(
                self.service.edit,
                request_id=request_id,
                actor=person.email,
                draft=draft,
                channel=Channel.TEAMS,
                idempotency_key=key,
            )
        except InvalidInput as invalid:
            return form.card(errors=invalid.fields)
        except (VendorRefused, BudgetExceeded) as refused:
            return form.card(errors={intake.field_for(refused): str(refused)})
        except DomainError as error:
            return await self._current_card(request_id, person, str(error))
        self._on_change()
        return await self._current_card(request_id, person)


class _FormAgain:
    """The form as the person filled it, to show again with errors or a notice."""

    def __init__(
        self,
        values: dict[str, str],
        currencies: list[str],
        vendors: list[str],
        *,
        verb: str = ids.INTAKE_SUBMIT,
        data: dict[str, Any] | None = None,
        title: str = _INTAKE_TITLE,
        submit: str = "Submit",
    ) -> None:
        self._values = values
        self._currencies = currencies
        self._vendors = vendors
        self._verb = verb
        self._data = data or {}
        self._title = title
        self._submit = submit

    def card(
        self,
        *,
        errors: dict[str, str] | None = None,
        notice: str | None = None,
        confirmed: bool = False,
        submit: str | None = None,
    ) -> dict[str, Any]:
        data = {**self._data, **({ids.CONFIRMED: True} if confirmed else {})}
        return intake_card(
            values=self._values,
            currencies=self._currencies,
            vendors=self._vendors,
            errors=errors,
            notice=notice,
            verb=self._verb,
            data=data,
            title=self._title,
            submit=submit or self._submit,
        )


def _request_id(value: object) -> int | None:
    """A request id carried in a form's data, or None (absent or not a number)."""
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if number > 0 else None


def _invoke_error(status: HTTPStatus, message: str) -> InvokeResponse:
    return InvokeResponse(
        status=int(status),
        body=AdaptiveCardInvokeResponse(
            status_code=int(status),
            type=ids.ERROR_CONTENT_TYPE,
            value={"code": status.phrase, "message": message},
        ),
    )


def _zone(name: str | None) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name
