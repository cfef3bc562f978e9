"""Plays Slack's servers towards the bot: signed commands, clicks, submissions and events."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp

from . import forms, payloads
from .model import JSON, Channel, Message, ResponseTarget, User, View, WorkspaceError
from .state import Workspace

Target = Message | View | Mapping[str, Any] | str
UserRef = User | str
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


def sign(secret: str, timestamp: int, body: str) -> str:
    """X-Slack-Signature for a body: "v0=" + HMAC-SHA256(secret, "v0:{timestamp}:{body}")."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class BotResponse:
    """The bot's answer to one request: status, parsed body (JSON, text or None), timing."""

    status: int
    body: Any
    headers: Mapping[str, str]
    elapsed: float
    payload: Any = None
    trigger_id: str | None = None

    @property
    def json(self) -> JSON:
        """The body when it was a JSON object, else {}."""
        return self.body if isinstance(self.body, dict) else {}


@dataclass
class SentRequest:
    """The last request sent, kept so retry() can send it again."""

    body: str
    content_type: str
    payload: Any
    trigger_id: str | None


@dataclass
class _SessionHolder:
    session: aiohttp.ClientSession | None = None
    owned: bool = True
    timeout: float = 10.0

    async def get(self) -> aiohttp.ClientSession:
        if self.session is None or self.session.closed:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
            self.owned = True
        return self.session


@dataclass
class SlackSender:
    """Sends what Slack would send to the bot's request URL, and applies Slack's side effects."""

    bot_url: str
    signing_secret: str
    workspace: Workspace
    verification_token: str = "fake-verification-token"
    bad_signature: bool = False
    timestamp_skew: float = 0.0
    session: aiohttp.ClientSession | None = None
    timeout: float = 10.0
    last_request: SentRequest | None = field(default=None, init=False)
    _holder: _SessionHolder = field(init=False, repr=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.bot_url)
        if parts.path in ("", "/"):
            self.bot_url = self.bot_url.rstrip("/") + "/slack/events"
        self._holder = _SessionHolder(
            self.session, owned=self.session is None, timeout=self.timeout
        )

    async def __aenter__(self) -> SlackSender:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session if this sender opened it."""
        if self._holder.owned and self._holder.session is not None:
            await self._holder.session.close()

    def tampered(self, *, bad_signature: bool = False, timestamp_skew: float = 0.0) -> SlackSender:
        """A sender sharing this one's session that signs wrongly or with a skewed timestamp."""
        other = copy.copy(self)
        other.bad_signature, other.timestamp_skew = bad_signature, timestamp_skew
        other.last_request = None
        return other

    # ---- transport ---------------------------------------------------------------------------

    async def send(
        self,
        body: str,
        content_type: str,
        *,
        payload: Any = None,
        trigger_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> BotResponse:
        """POST a signed body to the bot, as Slack does."""
        self.last_request = SentRequest(body, content_type, payload, trigger_id)
        return await self._post(self.last_request, headers or {})

    async def retry(self, *, num: int = 1, reason: str = "http_timeout") -> BotResponse:
        """Send the previous request again with Slack's retry headers (freshly signed)."""
        if self.last_request is None:
            raise RuntimeError("nothing to retry: no request was sent yet")
        retry_headers = {"X-Slack-Retry-Num": str(num), "X-Slack-Retry-Reason": reason}
        return await self._post(self.last_request, retry_headers)

    async def _post(self, request: SentRequest, extra: Mapping[str, str]) -> BotResponse:
        timestamp = int(time.time() + self.timestamp_skew)
        secret = self.signing_secret + "-wrong" if self.bad_signature else self.signing_secret
        headers = {
            "Content-Type": request.content_type,
            "User-Agent": USER_AGENT,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": sign(secret, timestamp, request.body),
            **extra,
        }
        session = await self._holder.get()
        started = time.monotonic()
        async with session.post(
            self.bot_url, data=request.body.encode(), headers=headers
        ) as response:
            text = await response.text()
            elapsed = time.monotonic() - started
            return BotResponse(
                status=response.status,
                body=_parse_body(text, response.content_type),
                headers=dict(response.headers),
                elapsed=elapsed,
                payload=request.payload,
                trigger_id=request.trigger_id,
            )

    async def _send_form(self, form: Mapping[str, str], *, trigger_id: str | None) -> BotResponse:
        return await self.send(
            urlencode(form),
            "application/x-www-form-urlencoded",
            payload=dict(form),
            trigger_id=trigger_id,
        )

    async def _send_interaction(
        self, payload: JSON, *, trigger_id: str | None = None
    ) -> BotResponse:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.send(
            body, "application/x-www-form-urlencoded", payload=payload, trigger_id=trigger_id
        )

    async def _send_json(self, payload: JSON) -> BotResponse:
        return await self.send(json.dumps(payload), "application/json", payload=payload)

    # ---- lookups -----------------------------------------------------------------------------

    def _user(self, user: UserRef) -> User:
        return self.workspace.get_user(user.id if isinstance(user, User) else user)

    def _surface(self, target: Target) -> Message | View:
        ws = self.workspace
        if isinstance(target, View):
            return ws.get_view(target.id)
        if isinstance(target, Message):
            return ws.get_message(target.channel, target.ts)
        if isinstance(target, Mapping):
            if "ts" in target:
                return ws.message_by_ts(str(target["ts"]))
            return ws.get_view(str(target.get("id")))
        return ws.get_view(target) if target.startswith("V") else ws.message_by_ts(target)

    def _own_view(self, user: User, target: Target) -> View:
        view = self._surface(target)
        if not isinstance(view, View):
            raise WorkspaceError("not_found", "expected a view, got a message")
        if view.user != user.id:
            raise PermissionError(f"view {view.id} belongs to {view.user}, not {user.id}")
        return view

    def _own_modal(self, user: User, target: Target) -> View:
        view = self._own_view(user, target)
        current = self.workspace.current_modal(user.id)
        if current is None or current.id != view.id:
            raise WorkspaceError("not_found", f"view {view.id} is not the modal {user.id} sees")
        return view

    def _entry(self, element: JSON, value: Any, *, options: list[JSON] | None = None) -> JSON:
        return forms.entry_for(
            element,
            value,
            user_id=lambda ref: self.workspace.get_user(ref).id,
            channel_id=lambda ref: self.workspace.resolve_channel(ref).id,
            options=options,
        )

    # ---- interactions ------------------------------------------------------------------------

    async def command(
        self, user: UserRef, text: str = "", command: str = "/buy", *, channel: str | None = None
    ) -> BotResponse:
        """Type a slash command (in the user's IM with the bot unless a channel is given)."""
        ws = self.workspace
        person = self._user(user)
        where = ws.resolve_channel(channel) if channel else ws.open_im(person.id)
        trigger_id = ws.issue_trigger(person.id)
        target = ResponseTarget(user=person.id, channel=where.id)
        form = payloads.slash_command(
            ws,
            user=person,
            channel=where,
            command=command,
            text=text,
            token=self.verification_token,
            trigger_id=trigger_id,
            response_url=ws.issue_response_url(target),
        )
        response = await self._send_form(form, trigger_id=trigger_id)
        self._show_command_ack(target, response)
        return response

    def _show_command_ack(self, target: ResponseTarget, response: BotResponse) -> None:
        # Slack shows a non-empty ack to a command as a message (ephemeral unless in_channel).
        if response.status != 200 or not response.body:
            return
        body = response.json or {"text": str(response.body)}
        if body.get("text") or body.get("blocks"):
            self.workspace.apply_response(target, body)

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
        person = self._user(user)
        surface = self._surface(target)
        block, element = forms.find_element(
            surface.blocks, action_id, block_id=block_id, value=value
        )
        kind = element.get("type")
        entry = None if kind == "button" else self._entry(element, value)
        action_ts = f"{time.time():.6f}"
        actions = [forms.action_for(block, element, entry, action_ts=action_ts)]
        trigger_id = ws.issue_trigger(person.id)
        edits = (
            {}
            if entry is None or kind in forms.STATELESS
            else {block["block_id"]: {action_id: entry}}
        )
        if isinstance(surface, View):
            view = self._own_view(person, surface)
            if edits:
                ws.set_edits(view.id, edits)
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
            target_url = ws.issue_response_url(
                ResponseTarget(user=person.id, channel=surface.channel, message_ts=surface.ts)
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
        return await self._send_interaction(payload, trigger_id=trigger_id)

    async def fill(self, user: UserRef, view_id: Target, fields: Mapping[str, Any]) -> View:
        """Type into the open modal's inputs found by label: {"Amount": "45", "Category": ...}."""
        person = self._user(user)
        view = self._own_modal(person, view_id)
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
                element["action_id"]: self._entry(element, value, options=options)
            }
        return self.workspace.set_edits(view.id, edits)

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
        person = self._user(user)
        view = self._own_modal(person, view_id)
        if values:
            self.set_values(person, view, {b: {a: v} for b, (a, v) in values.items()})
        return await self._submit(person, view)

    def set_values(
        self, user: UserRef, view_id: Target, values: Mapping[str, Mapping[str, Any]]
    ) -> View:
        """Type or pick values in a view by id: {block_id: {action_id: value}}."""
        view = self._own_view(self._user(user), view_id)
        edits: dict[str, dict[str, JSON]] = {}
        for block_id, actions in values.items():
            for action_id, value in actions.items():
                _, element = forms.find_element(view.blocks, action_id, block_id=block_id)
                edits.setdefault(block_id, {})[action_id] = self._entry(element, value)
        return self.workspace.set_edits(view.id, edits)

    async def fill_and_submit(
        self, user: UserRef, view_id: Target, fields: Mapping[str, Any]
    ) -> BotResponse:
        """Fill the open modal by labels, then submit it."""
        person = self._user(user)
        view = await self.fill(person, view_id, fields)
        return await self._submit(person, view)

    async def _submit(self, person: User, view: View) -> BotResponse:
        ws = self.workspace
        problems = forms.validate(view.blocks, forms.state_values(view.blocks, view.edits))
        if problems:
            # Slack's client checks required and typed fields itself and sends nothing.
            view.errors = problems
            ws.bump()
            raise forms.ClientValidationError(problems)
        trigger_id = ws.issue_trigger(person.id)
        payload = payloads.view_submission(
            ws, user=person, view=view, token=self.verification_token, trigger_id=trigger_id
        )
        response = await self._send_interaction(payload, trigger_id=trigger_id)
        if response.status == 200:
            ws.apply_view_ack(view.id, response.body)
        return response

    async def close_view(
        self, user: UserRef, view_id: Target, *, clear: bool = False
    ) -> BotResponse | None:
        """Close the open modal (or the stack); view_closed goes out only with notify_on_close."""
        ws = self.workspace
        person = self._user(user)
        view = self._own_modal(person, view_id)
        is_cleared = clear or view.clear_on_close
        payload = payloads.view_closed(
            ws, user=person, view=view, token=self.verification_token, is_cleared=is_cleared
        )
        ws.close_modal(view.id, clear=is_cleared)
        if not view.notify_on_close:
            return None
        return await self._send_interaction(payload)

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
        person = self._user(user)
        surface = self._surface(target)
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
        return await self._send_interaction(payload)

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
        return await self._send_json(envelope)

    async def message(
        self, user: UserRef, text: str, *, channel: str | None = None, thread_ts: str | None = None
    ) -> BotResponse:
        """Write a message (in the IM with the bot unless a channel is given): message event."""
        ws = self.workspace
        person = self._user(user)
        where: Channel = ws.resolve_channel(channel) if channel else ws.open_im(person.id)
        posted = ws.post_message(
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
        person = self._user(user)
        event = payloads.app_home_opened(
            ws, user=person, channel=ws.open_im(person.id), tab=tab, event_ts=f"{time.time():.6f}"
        )
        return await self.event(event)

    async def url_verification(self, challenge: str = "fake-challenge") -> BotResponse:
        """The url_verification handshake; the bot must echo the challenge."""
        return await self._send_json(
            payloads.url_verification(token=self.verification_token, challenge=challenge)
        )


def _parse_body(text: str, content_type: str) -> Any:
    if not text:
        return None
    if content_type == "application/json" or text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text
