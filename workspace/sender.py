"""Plays Slack's servers towards the bot: signed commands, clicks, submissions and events."""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Mapping
from typing import Any

import aiohttp

from . import forms, payloads, targets
from .model import JSON, Message, ResponseTarget, User, View
from .state import Workspace
from .targets import Target, UserRef
from .transport import BotResponse, Transport


class SlackSender:
    """A person's actions in the workspace, sent to the bot as Slack sends them, with their
    side effects in the workspace (typed values, modals opened or closed, messages posted)."""

    def __init__(
        self,
        bot_url: str,
        signing_secret: str,
        workspace: Workspace,
        *,
        verification_token: str = "fake-verification-token",
        session: aiohttp.ClientSession | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.workspace = workspace
        self.verification_token = verification_token
        self.transport = Transport(bot_url, signing_secret, session=session, timeout=timeout)

    async def close(self) -> None:
        """Close the HTTP session if this sender opened it."""
        await self.transport.close()

    def tampered(self, *, bad_signature: bool = False, timestamp_skew: float = 0.0) -> SlackSender:
        """A sender sharing this one's session that signs wrongly or with a skewed timestamp."""
        other = copy.copy(self)
        other.transport = self.transport.tampered(
            bad_signature=bad_signature, timestamp_skew=timestamp_skew
        )
        return other

    # ---- interactions ------------------------------------------------------------------------

    async def command(
        self, user: UserRef, text: str = "", command: str = "/buy", *, channel: str | None = None
    ) -> BotResponse:
        """Type a slash command (in the user's IM with the bot unless a channel is given)."""
        ws = self.workspace
        person = targets.person(ws, user)
        where = targets.place(ws, person, channel)
        trigger_id = ws.interactions.issue_trigger(person.id)
        target = ResponseTarget(user=person.id, channel=where.id)
        form = payloads.slash_command(
            ws,
            user=person,
            channel=where,
            command=command,
            text=text,
            token=self.verification_token,
            trigger_id=trigger_id,
            response_url=targets.response_url(ws, target),
        )
        response = await self.transport.send_form(form, trigger_id=trigger_id)
        self._show_command_ack(target, response)
        return response

    def _show_command_ack(self, target: ResponseTarget, response: BotResponse) -> None:
        # Slack shows a non-empty ack to a command as a message (ephemeral unless in_channel).
        if response.status != 200 or not response.body:
            return
        body = response.json or {"text": str(response.body)}
        if body.get("text") or body.get("blocks"):
            self.workspace.messages.apply_response(target, body)

    async def click(
        self,
        user: UserRef,
        target: Target,
        action_id: str,
        value: Any = None,
        *,
        block_id: str | None = None,
    ) -> BotResponse:
        """Click a button (value picks among equal action_ids) or choose `value` in a select."""
        ws = self.workspace
        person = targets.person(ws, user)
        surface = targets.surface(ws, target)
        block, element = forms.find_element(
            surface.blocks, action_id, block_id=block_id, value=value
        )
        kind = element.get("type")
        entry = None if kind == "button" else targets.entry(ws, element, value)
        action_ts = f"{time.time():.6f}"
        actions = [forms.action_for(block, element, entry, action_ts=action_ts)]
        trigger_id = ws.interactions.issue_trigger(person.id)
        edits = (
            {}
            if entry is None or kind in forms.STATELESS
            else {block["block_id"]: {action_id: entry}}
        )
        if isinstance(surface, View):
            view = targets.own_view(ws, person, surface)
            if edits:
                ws.views.set_edits(view.id, edits)
            payload = payloads.block_actions_on_view(
                ws,
                user=person,
                view=view,
                actions=actions,
                token=self.verification_token,
                trigger_id=trigger_id,
            )
        else:
            if surface.ephemeral_to not in (None, person.id):
                raise PermissionError(
                    f"message {surface.ts} is visible to {surface.ephemeral_to} only"
                )
            target_url = targets.response_url(
                ws, ResponseTarget(user=person.id, channel=surface.channel, message_ts=surface.ts)
            )
            payload = payloads.block_actions_on_message(
                ws,
                user=person,
                message=surface,
                actions=actions,
                state=forms.state_values(surface.blocks, edits),
                token=self.verification_token,
                trigger_id=trigger_id,
                response_url=target_url,
            )
        return await self.transport.send_interaction(payload, trigger_id=trigger_id)

    async def fill(self, user: UserRef, view_id: Target, fields: Mapping[str, Any]) -> View:
        """Type into the open modal's inputs found by label: {"Amount": "45", "Category": ...}."""
        person = targets.person(self.workspace, user)
        view = targets.own_modal(self.workspace, person, view_id)
        edits: dict[str, dict[str, JSON]] = {}
        for label, value in fields.items():
            block = forms.find_input(view.blocks, label)
            element = block["element"]
            options = None
            if str(element.get("type")).endswith("external_select") and isinstance(
                value, str | list
            ):
                options = await self._external_options(person, view, block, element, value)
            edits[block["block_id"]] = {
                element["action_id"]: targets.entry(self.workspace, element, value, options=options)
            }
        return self.workspace.views.set_edits(view.id, edits)

    async def _external_options(
        self, person: User, view: View, block: JSON, element: JSON, value: str | list[str]
    ) -> list[JSON]:
        # Slack asks the app for options as the person types; type the wanted text and look.
        options: list[JSON] = []
        for query in value if isinstance(value, list) else [value]:
            response = await self.suggest(
                person, view, element["action_id"], query, block_id=block["block_id"]
            )
            body = response.json
            options.extend(body.get("options") or [])
            for group in body.get("option_groups") or []:
                options.extend(group.get("options") or [])
        return options

    async def submit_view(
        self,
        user: UserRef,
        view_id: Target,
        values: Mapping[str, tuple[str, Any]] | None = None,
    ) -> BotResponse:
        """Submit the open modal, after setting values given as {block_id: (action_id, value)}."""
        person = targets.person(self.workspace, user)
        view = targets.own_modal(self.workspace, person, view_id)
        if values:
            self.set_values(person, view, {b: {a: v} for b, (a, v) in values.items()})
        return await self._submit(person, view)

    def set_values(
        self, user: UserRef, view_id: Target, values: Mapping[str, Mapping[str, Any]]
    ) -> View:
        """Type or pick values in a view by id: {block_id: {action_id: value}}."""
        view = targets.own_view(self.workspace, targets.person(self.workspace, user), view_id)
        edits = targets.edits_by_id(self.workspace, view, values)
        return self.workspace.views.set_edits(view.id, edits)

    async def fill_and_submit(
        self, user: UserRef, view_id: Target, fields: Mapping[str, Any]
    ) -> BotResponse:
        """Fill the open modal by labels, then submit it."""
        person = targets.person(self.workspace, user)
        view = await self.fill(person, view_id, fields)
        return await self._submit(person, view)

    async def _submit(self, person: User, view: View) -> BotResponse:
        ws = self.workspace
        problems = forms.validate(view.blocks, forms.state_values(view.blocks, view.edits))
        if problems:
            # Slack's client checks required and typed fields itself and sends nothing.
            view.errors = problems
            ws.feed.bump()
            raise forms.ClientValidationError(problems)
        trigger_id = ws.interactions.issue_trigger(person.id)
        payload = payloads.view_submission(
            ws, user=person, view=view, token=self.verification_token, trigger_id=trigger_id
        )
        response = await self.transport.send_interaction(payload, trigger_id=trigger_id)
        if response.status == 200:
            ws.views.apply_view_ack(view.id, response.body)
        return response

    async def close_view(
        self, user: UserRef, view_id: Target, *, clear: bool = False
    ) -> BotResponse | None:
        """Close the open modal (or the stack); view_closed goes out only with notify_on_close."""
        ws = self.workspace
        person = targets.person(ws, user)
        view = targets.own_modal(ws, person, view_id)
        is_cleared = clear or view.clear_on_close
        payload = payloads.view_closed(
            ws, user=person, view=view, token=self.verification_token, is_cleared=is_cleared
        )
        ws.views.close_modal(view.id, clear=is_cleared)
        if not view.notify_on_close:
            return None
        return await self.transport.send_interaction(payload)

    async def suggest(
        self,
        user: UserRef,
        target: Target,
        action_id: str,
        value: str = "",
        *,
        block_id: str | None = None,
    ) -> BotResponse:
        """Type into an external select: block_suggestion; the body holds the bot's options."""
        person = targets.person(self.workspace, user)
        surface = targets.surface(self.workspace, target)
        block, _ = forms.find_element(surface.blocks, action_id, block_id=block_id)
        payload = payloads.block_suggestion(
            self.workspace,
            user=person,
            view=surface if isinstance(surface, View) else None,
            message=surface if isinstance(surface, Message) else None,
            block_id=block["block_id"],
            action_id=action_id,
            value=value,
            token=self.verification_token,
        )
        return await self.transport.send_interaction(payload)

    # ---- events ------------------------------------------------------------------------------

    async def event(self, event: JSON) -> BotResponse:
        """Send one Events API event in its event_callback envelope."""
        ws = self.workspace
        envelope = payloads.event_callback(
            ws,
            event=event,
            token=self.verification_token,
            event_id=f"Ev{uuid.uuid4().hex[:10].upper()}",
            event_time=int(time.time()),
        )
        return await self.transport.send_json(envelope)

    async def message(
        self, user: UserRef, text: str, *, channel: str | None = None, thread_ts: str | None = None
    ) -> BotResponse:
        """Write a message (in the IM with the bot unless a channel is given): message event."""
        ws = self.workspace
        person = targets.person(ws, user)
        where = targets.place(ws, person, channel)
        posted = ws.messages.post(
            where.id,
            user=person.id,
            text=text,
            blocks=payloads.rich_text_blocks(text, block_id=uuid.uuid4().hex[:5]),
            thread_ts=thread_ts,
            client_msg_id=str(uuid.uuid4()),
        )
        event = payloads.message_im(ws, message=posted)
        if not where.is_im:
            event["channel_type"] = "channel"
        return await self.event(event)

    async def app_home_opened(self, user: UserRef, *, tab: str = "home") -> BotResponse:
        """Open the app's Home (or Messages) tab: app_home_opened."""
        ws = self.workspace
        person = targets.person(ws, user)
        event = payloads.app_home_opened(
            ws,
            user=person,
            channel=ws.directory.open_im(person.id),
            tab=tab,
            event_ts=f"{time.time():.6f}",
        )
        return await self.event(event)

    async def url_verification(self, challenge: str = "fake-challenge") -> BotResponse:
        """The url_verification handshake; the bot must echo the challenge."""
        return await self.transport.send_json(
            payloads.url_verification(token=self.verification_token, challenge=challenge)
        )
