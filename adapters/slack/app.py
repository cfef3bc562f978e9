"""The Slack side of procurebot: a Bolt AsyncApp that only translates.

Every listener acks first (Slack allows 3 s), then calls the domain services in a worker
thread so the database never blocks the event loop. Domain errors become a short message
to the person who clicked; nothing else is caught here (Bolt's error handler logs the rest).
"""

from __future__ import annotations

import asyncio
import enum
import functools
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import ids
from adapters.slack.render import (
    HELP,
    cancel_confirmation,
    form_values,
    home_view,
    intake_modal,
    list_blocks,
    note_blocks,
    note_text,
    parse_action_value,
    parse_more_value,
    reason_modal,
    render_card,
    vendor_options,
)
from bot.app.facade import Procurement
from bot.domain import intake
from bot.domain.cards import ACTIONS_WITH_FORM, LIST_MAX, LIST_PAGE, STATUS, Card, Page, page_of
from bot.domain.errors import DomainError, InvalidInput, NotAllowed, StorageUnavailable
from bot.domain.model import (
    Channel,
    Person,
    PurchaseRequest,
    RequestDraft,
    format_number,
    parse_number,
)
from bot.domain.workflow import Action

log = logging.getLogger(__name__)
T = TypeVar("T")

_PEOPLE_TTL_SECONDS = 300.0  # a changed name or time zone shows within five minutes
_PEOPLE_CACHE_SIZE = 10_000
# A first word that is clearly a subcommand attempt: '/buy stats PR-1042'.
_SUBCOMMAND_ATTEMPT = re.compile(r"^[a-z]+\s+(?:pr)?[-#\s]*\d{3,}\s*$", re.IGNORECASE)
# Slack closes a modal with an error after 3 s without an ack; answer well within that.
_ACK_BUDGET_SECONDS = 2.0
_LOOKUP_BUDGET_SECONDS = 0.5  # how long validation waits to learn the person's time zone
_NOTICE_MARGIN_SECONDS = 0.3
_SUGGEST_BUDGET_SECONDS = 1.5
_EARLIEST_ZONE = timezone(timedelta(hours=-12))
_HOME_CARDS = 4  # full cards of "Waiting for you" per page of App Home
_SORRY = "Something went wrong on our side and nothing was saved. Please try again in a minute."


class SlackBot:
    """Wires Bolt listeners to the domain services."""

    def __init__(
        self,
        *,
        service: Procurement,
        client: AsyncWebClient,
        signing_secret: str,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.service = service
        self.client = client
        self._on_change = on_change
        self.app = AsyncApp(
            client=client, signing_secret=signing_secret, process_before_response=False
        )
        self.busy = 0  # listeners still at work after their ack
        self._people: dict[str, tuple[float, Person]] = {}
        self._register()

    # ------------------------------------------------------------------ helpers

    async def _run(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, **kwargs)

    async def person(self, user_id: str) -> Person:
        """The person behind a Slack user id: cached in storage, else asked of Slack."""
        cached = self._people.get(user_id)
        if cached is not None and time.monotonic() - cached[0] < _PEOPLE_TTL_SECONDS:
            return replace(cached[1])
        person = await self._run(self.service.person_by_slack_id, user_id=user_id)
        if person is not None and person.preferred_channel is Channel.SLACK:
            self._remember(user_id, person)
            return person
        if person is None:
            try:
                info = (await self.client.users_info(user=user_id))["user"]
            except SlackApiError as error:
                code = error.response.get("error") if isinstance(error.response.data, dict) else ""
                if code in ("user_not_found", "users_not_found", "account_inactive"):
                    raise NotAllowed(
                        "Slack doesn't know your account, so I can't tell who you are."
                    ) from error
                raise DomainError(
                    f"I couldn't look you up in Slack just now (Slack said {code or 'no'}). "
                    "Please try again in a minute."
                ) from error
            email = (info.get("profile") or {}).get("email")
            if not email:
                raise NotAllowed(
                    "I can't see your email address in Slack, so I can't tell who "
                    "you are. Ask your Slack admin to grant users:read.email."
                )
            person = await self._run(self.service.person, email=email)
            person.slack_user_id = user_id
            person.name = info.get("real_name") or person.name or info.get("name", "")
            person.tz = info.get("tz") or person.tz
        person.preferred_channel = Channel.SLACK
        await self._run(self.service.remember_person, person=person)
        self._remember(user_id, person)
        return person

    def _lookup(self, user_id: str) -> asyncio.Future[Person]:
        """Start finding the person now; a modal's handler awaits it only when it must."""
        lookup = asyncio.ensure_future(self.person(user_id))
        # If the form turns out invalid nobody awaits it; retrieve its error so asyncio
        # doesn't log it as never retrieved (the submit path re-raises it on await).
        lookup.add_done_callback(lambda f: f.cancelled() or f.exception())
        return lookup

    def _remember(self, user_id: str, person: Person) -> None:
        # Every click and submission starts with this lookup, before the ack; under load a
        # database read there waits behind the saves of earlier requests.
        if len(self._people) >= _PEOPLE_CACHE_SIZE:
            self._people.clear()
        self._people[user_id] = (time.monotonic(), replace(person))

    async def _tell(self, body: dict[str, Any], text: str) -> None:
        """Answer the clicker privately where they clicked (or in their DM from App Home)."""
        user = body["user"]["id"]
        channel = (body.get("container") or {}).get("channel_id") or (
            body.get("channel") or {}
        ).get("id")
        if channel:
            try:
                await self.client.chat_postEphemeral(
                    channel=channel, user=user, text=note_text(text), blocks=note_blocks(text)
                )
                return
            except SlackApiError:
                pass  # e.g. a forwarded card in a conversation they are not in: DM instead
        await self.client.chat_postMessage(
            channel=user, text=note_text(text), blocks=note_blocks(text)
        )

    async def publish_home(
        self, user_id: str, person: Person | None = None, *, waiting: int = 0, mine: int = 0
    ) -> None:
        """Refresh the user's App Home, its lists from the given offsets."""
        person = person or await self.person(user_id)
        mine_page = await self._page(
            await self._run(self.service.my_requests, requester=person.email, limit=LIST_MAX),
            person,
            offset=mine,
        )
        waiting_page = await self._page(
            await self._run(self.service.waiting_for, approver=person.email),
            person,
            offset=waiting,
            size=_HOME_CARDS,
        )
        await self.client.views_publish(
            user_id=user_id, view=home_view(mine=mine_page, waiting=waiting_page)
        )

    async def _page(
        self, requests: list[PurchaseRequest], person: Person, *, offset: int, size: int = LIST_PAGE
    ) -> Page[Card]:
        """The cards of one page of a list (only that page's cards are built)."""
        page = page_of(requests, offset=offset, size=size)
        cards = await self._run(
            self.service.cards_for, requests=list(page.items), viewer=person.email
        )
        return Page(items=cards, offset=page.offset, total=page.total)

    # ------------------------------------------------------------------ listeners

    async def skip_retried_events(
        self, body: dict[str, Any], next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        """Slack resends an event it thinks we missed; Bolt can't tell, so remember event ids
        in the database (shared by every process) and ack repeats without acting."""
        event_id = body.get("event_id")
        if event_id and not await self._run(self.service.claim_once, key=f"slack:event:{event_id}"):
            return BoltResponse(status=200, body="")
        return await next()

    def _tracked(self, listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """Count listeners still at work after their ack (for shutdown and tests)."""

        @functools.wraps(listener)  # Bolt reads the wrapped signature to pick arguments
        async def run(**kwargs: Any) -> None:
            self.busy += 1
            try:
                await listener(**kwargs)
            except Exception:
                ack = kwargs.get("ack")
                if ack is not None and ack.response is None:
                    raise  # before the ack: Bolt logs it and answers 500
                # After the ack, Bolt (1.30, asyncio_runner) would log it too but also drop the
                # answer it holds (ack.response = None) when it has not sent it yet, and Slack
                # would get a 404 three seconds later instead. So log it here, traceback and all.
                log.exception("Slack listener %s failed after its ack", listener.__name__)
            finally:
                self.busy -= 1

        return run

    def _register(self) -> None:
        app = self.app
        track = self._tracked
        app.middleware(self.skip_retried_events)
        app.command(ids.COMMAND)(track(self.on_buy))
        app.view(ids.INTAKE)(track(self.on_intake_submit))
        app.view(ids.EDIT)(track(self.on_edit_submit))
        app.view(ids.REASON)(track(self.on_reason_submit))
        app.action(intake.CATEGORY)(track(self.on_category_change))
        app.options(ids.VENDOR_SUGGEST)(self.on_vendor_suggest)
        app.action(re.compile(f"^{ids.ACTION_PREFIX}{ids.NOT_CARD_ACTIONS}"))(
            track(self.on_card_action)
        )
        app.action(ids.KEEP)(track(self.on_keep))
        app.action(ids.LIST_MORE)(track(self.on_list_more))
        app.action(ids.HOME_MORE)(track(self.on_home_more))
        app.event("app_home_opened")(track(self.on_home_opened))
        app.event("message")(track(self.on_message))

    async def on_buy(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """/buy, /buy <one-line request>, /buy list | status N | cancel N | help."""
        await ack()
        text = " ".join((body.get("text") or "").split())
        word, _, rest = text.partition(" ")
        word = word.lower()
        user = body["user_id"]
        try:
            if word == "help":
                await respond(text=HELP, response_type="ephemeral")
            elif word == "list" and not rest:
                await self._list(user, respond)
            elif word in ("status", "cancel"):
                await self._status_or_cancel(word, rest, user, respond)
            elif _SUBCOMMAND_ATTEMPT.match(text):
                await respond(
                    text=f"I don't know `{ids.COMMAND} {word}`. Try `{ids.COMMAND} "
                    f"status {rest}`, `{ids.COMMAND} cancel {rest}` or "
                    f"`{ids.COMMAND} help`.",
                    response_type="ephemeral",
                )
            else:
                await self._open_intake(body, text)
        except DomainError as error:
            await respond(text=str(error), response_type="ephemeral")

    async def _open_intake(self, body: dict[str, Any], text: str) -> None:
        if not text:
            await self.client.views_open(trigger_id=body["trigger_id"], view=self._blank_form)
            return
        vendors = await self._run(self.service.known_vendors)
        values = intake.parse_text(text, known_vendors=vendors).values
        await self.client.views_open(
            trigger_id=body["trigger_id"],
            view=intake_modal(values=values, currencies=self.service.policy.currencies),
        )

    @functools.cached_property
    def _blank_form(self) -> dict[str, Any]:
        """The empty /buy form, built once (read only): building it takes ~4 ms of CPU, which
        was most of what a plain /buy cost under load."""
        return intake_modal(values={}, currencies=self.service.policy.currencies)

    async def _list(self, user: str, respond: AsyncRespond, *, offset: int = 0) -> None:
        person = await self.person(user)
        mine = await self._run(self.service.my_requests, requester=person.email, limit=LIST_MAX)
        page = await self._page(mine, person, offset=offset)
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

    async def on_home_more(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        """ "Show more" in App Home: publish it again from the next page of that list."""
        await ack()
        waiting, mine = parse_more_value(action.get("value"))
        await self.publish_home(body["user"]["id"], waiting=waiting, mine=mine)

    async def _status_or_cancel(
        self, word: str, rest: str, user: str, respond: AsyncRespond
    ) -> None:
        request_id = parse_number(rest)
        if request_id is None:
            await respond(
                text=f"Which request? Type `{ids.COMMAND} {word} PR-1042`.",
                response_type="ephemeral",
            )
            return
        person = await self.person(user)
        card = await self._run(
            self.service.card_for, request_id=request_id, viewer=person.email, check_visible=True
        )
        if word == "status":
            await respond(
                blocks=render_card(card, detail=STATUS),
                text=note_text(card.status_text),
                response_type="ephemeral",
            )
        elif Action.CANCEL in {a.action for a in card.actions}:
            await respond(
                blocks=cancel_confirmation(card),
                text=f"Cancel {card.number}?",
                response_type="ephemeral",
            )
        elif card.viewer_role != "requester":
            await respond(
                text=f"Only the requester can cancel {card.number}.", response_type="ephemeral"
            )
        else:
            await respond(
                text=f"{card.number} is {card.status.label.lower()} and can no longer "
                "be cancelled.",
                response_type="ephemeral",
            )

    async def on_category_change(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """Show only the fields the chosen category needs, keeping what was typed."""
        await ack()
        view = body.get("view")
        if not view or view.get("type") != "modal" or not view.get("state"):
            return  # the category select lives in our modals only
        values = form_values(view["state"]["values"])
        updated = intake_modal(
            values=values,
            currencies=self.service.policy.currencies,
            callback_id=view["callback_id"],
            metadata=view.get("private_metadata", ""),
            title=(view.get("title") or {}).get("text") or "New purchase request",
            submit=(view.get("submit") or {}).get("text") or "Submit",
        )
        await self.client.views_update(view_id=view["id"], hash=view.get("hash"), view=updated)

    async def on_vendor_suggest(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """Typeahead for the vendor field: the registry's matches, approved ones first, and
        what was typed as a new vendor. Answered in the ack itself, as Slack requires."""
        typed = str(body.get("value") or "")
        try:
            found = await asyncio.wait_for(
                self._run(self.service.registry.vendor_suggestions, text=typed),
                _SUGGEST_BUDGET_SECONDS,
            )
        except (TimeoutError, StorageUnavailable):
            # A slow or absent database: offer what was typed (submit matches it forgivingly).
            found = []
        await ack(
            options=vendor_options(
                typed=typed, vendors=[(vendor.name, status) for vendor, status in found]
            )
        )

    async def _validated(
        self, ack: AsyncAck, view: dict[str, Any], lookup: asyncio.Future[Person]
    ) -> tuple[RequestDraft, dict[str, str]] | None:
        values = form_values(view["state"]["values"])
        try:
            draft = intake.parse_form(
                values, currencies=self.service.policy.currencies, today=await _today(lookup)
            )
        except InvalidInput as invalid:
            await ack(response_action="errors", errors=_visible_errors(invalid.fields, view))
            return None
        return draft, values

    async def on_intake_submit(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """Validate, warn about existing purchases once, then save and route."""
        deadline = _deadline()
        lookup = self._lookup(body["user"]["id"])
        checked = await self._validated(ack, view, lookup)
        if checked is None:
            return
        draft, values = checked
        metadata = _metadata(view)
        confirmed = bool(metadata.get("confirmed"))
        renews = _request_id(metadata, key="renews")

        async def check() -> str | None:
            person = await lookup
            if confirmed:
                return None
            return await self._preview_notice(person, draft, renews=renews, deadline=deadline)

        async def save() -> None:
            person = await lookup
            await self._run(
                self.service.submit,
                requester=person.email,
                draft=draft,
                channel=Channel.SLACK,
                idempotency_key=f"slack:view:{view['id']}",
                renews=renews,
            )

        def notice_view(notice: str) -> dict[str, Any]:
            return intake_modal(
                values=values,
                currencies=self.service.policy.currencies,
                metadata=json.dumps({"confirmed": True, "renews": renews}),
                submit="Submit anyway",
                notice=f":information_source: {notice}",
            )

        # The save comes after the ack: the checks that can refuse a valid form (a rejected
        # vendor, a blocked budget) ran in the preview, and holding every modal open for a
        # queued write would cap submissions at the database's pace (BENCHMARKS.md).
        await self._finish(
            ack,
            body,
            check(),
            what=f"“{_clip(draft.title)}”",
            deadline=deadline,
            notice_view=notice_view,
            then=save,
        )

    async def _preview_notice(
        self, person: Person, draft: RequestDraft, *, renews: int | None, deadline: float
    ) -> str | None:
        """What the requester should read before the request is saved (existing purchases,
        an overrun of the budget), or None to submit at once."""
        # Skipped when the database is slow (submit enforces the same rules), and ended before
        # the ack deadline so that a notice never arrives after the modal has closed.
        budget = deadline - asyncio.get_running_loop().time() - _NOTICE_MARGIN_SECONDS
        if budget <= 0:
            return None
        try:
            preview = await asyncio.wait_for(
                self._run(self.service.preview, requester=person.email, draft=draft, renews=renews),
                budget,
            )
        except TimeoutError:
            return None  # a slow database must not cost the requester their form
        return preview.to_confirm

    async def _finish(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        work: Awaitable[object],
        *,
        what: str,
        deadline: float,
        notice_view: Callable[[str], dict[str, Any]] | None = None,
        error_block: str | None = None,
        then: Callable[[], Awaitable[None]] | None = None,
    ) -> bool:
        """Ack a modal with the outcome of `work` if it ends before the deadline (errors on
        the form, a notice, or closing it); otherwise close the modal at the deadline and
        report a refusal by DM, naming `what` was submitted. Slack allows 3 s and the
        database or Slack may be slow. `then` runs after the ack (a save that need not hold
        the form open), its refusals by DM too. True when everything was done."""
        task = asyncio.ensure_future(work)
        timeout = max(0.0, deadline - asyncio.get_running_loop().time())
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if done:
            error = task.exception()
            if isinstance(error, DomainError):
                field = error_block or intake.field_for(error)
                await ack(response_action="errors", errors={field: str(error)})
                return False
            if error is not None:
                # The form stays open with what they typed. Not re-raised: Bolt's error
                # handler would reset the ack it has not sent yet and Slack would see none.
                await ack(response_action="errors", errors={error_block or intake.TITLE: _SORRY})
                log.error("A modal submission failed", exc_info=error)
                return False
            notice = task.result()  # a str is a notice to read before submitting
            if isinstance(notice, str) and notice and notice_view is not None:
                await ack(response_action="update", view=notice_view(notice))
                return False
            await ack()
            return await self._after_ack(body, None, then, what=what)
        await ack()
        return await self._after_ack(body, task, then, what=what)

    async def _after_ack(
        self,
        body: dict[str, Any],
        pending: Awaitable[object] | None,
        then: Callable[[], Awaitable[None]] | None,
        *,
        what: str,
    ) -> bool:
        try:
            if pending is not None:
                await pending
            if then is not None:
                await then()
        except DomainError as error:
            await self._dm(body, f"{what} was not submitted: {error}")
            return False
        except Exception:
            # The form is gone already: they must hear that nothing was saved.
            await self._dm(body, f"{what} was not submitted: {_SORRY}")
            raise
        self._on_change()
        return True

    async def _dm(self, body: dict[str, Any], text: str) -> None:
        await self.client.chat_postMessage(
            channel=body["user"]["id"], text=note_text(text), blocks=note_blocks(text)
        )

    async def on_edit_submit(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """The requester resubmits an edited request."""
        deadline = _deadline()
        lookup = self._lookup(body["user"]["id"])
        checked = await self._validated(ack, view, lookup)
        if checked is None:
            return
        draft, _ = checked
        request_id = _request_id(_metadata(view))
        if request_id is None:
            await ack(response_action="errors", errors={intake.TITLE: _STALE_FORM})
            return

        async def save() -> None:
            person = await lookup
            await self._run(
                self.service.edit,
                request_id=request_id,
                actor=person.email,
                draft=draft,
                channel=Channel.SLACK,
                idempotency_key=f"slack:view:{view['id']}",
            )

        await self._finish(
            ack,
            body,
            lookup,
            what=f"Your changes to {format_number(request_id)}",
            deadline=deadline,
            then=save,
        )

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
            person = await self.person(user)
            if kind is Action.EDIT:
                await self._open_edit(body, request_id, person)
                return
            if kind is Action.RENEW:
                await self._open_renewal(body, request_id, person)
                return
            if kind in ACTIONS_WITH_FORM:
                await self._open_reason(body, kind, request_id, step, person)
                return
            key = f"slack:{user}:{action.get('action_ts')}"
            common: dict[str, Any] = {
                "request_id": request_id,
                "actor": person.email,
                "channel": Channel.SLACK,
                "idempotency_key": key,
            }
            if kind is Action.APPROVE:
                await self._run(self.service.approve, step=step, **common)
            elif kind is Action.CANCEL:
                await self._run(self.service.cancel, **common)
            elif kind is Action.MARK_RECEIVED:
                await self._run(self.service.mark_received, **common)
            elif kind is Action.LET_LAPSE:
                await self._run(self.service.let_lapse, **common)
        except DomainError as error:
            await self._tell(body, str(error))
            return
        self._on_change()
        if (body.get("view") or {}).get("type") == "home":
            await self.publish_home(user, person)

    async def _open_reason(
        self, body: dict[str, Any], kind: Action, request_id: int, step: str | None, person: Person
    ) -> None:
        card = await self._run(self.service.card_for, request_id=request_id, viewer=person.email)
        if kind not in {a.action for a in card.actions}:
            await self._tell(
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
        await self.client.views_open(
            trigger_id=body["trigger_id"],
            view=reason_modal(action=kind, number=card.number, metadata=metadata, prompt=prompt),
        )

    async def _open_edit(self, body: dict[str, Any], request_id: int, person: Person) -> None:
        request = await self._run(self.service.get, request_id=request_id)
        if request.requester != person.email:
            await self._tell(body, f"Only the requester can edit {request.number}.")
            return
        await self.client.views_open(
            trigger_id=body["trigger_id"],
            view=intake_modal(
                values=intake.draft_values(request.as_draft()),
                currencies=self.service.policy.currencies,
                callback_id=ids.EDIT,
                metadata=json.dumps({"r": request_id}),
                title=f"Edit {request.number}",
                submit="Resubmit",
                notice=f"“{request.open_question.text}”" if request.open_question else None,
            ),
        )

    async def _open_renewal(self, body: dict[str, Any], request_id: int, person: Person) -> None:
        """Renew: the /buy form prefilled from the subscription, remembering what it renews."""
        draft = await self._run(
            self.service.renewal_draft, request_id=request_id, actor=person.email
        )
        await self.client.views_open(
            trigger_id=body["trigger_id"],
            view=intake_modal(
                values=intake.draft_values(draft),
                currencies=self.service.policy.currencies,
                metadata=json.dumps({"renews": request_id}),
                title="Renew a subscription",
            ),
        )

    async def on_reason_submit(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """Reject / ask / answer / record PO, with the text from the modal."""
        deadline = _deadline()
        metadata = _metadata(view)
        kind = _enum(Action, metadata.get("a"))
        request_id = _request_id(metadata)
        if kind is None or kind not in _REASON_ACTIONS or request_id is None:
            await ack(response_action="errors", errors={ids.REASON_BLOCK: _STALE_FORM})
            return
        field = view["state"]["values"].get(ids.REASON_BLOCK, {}).get(ids.REASON_INPUT, {})
        text = str(field.get("value") or "").strip()
        if not text:
            await ack(response_action="errors", errors={ids.REASON_BLOCK: "This can't be empty."})
            return
        user = body["user"]["id"]
        step = metadata.get("s") if isinstance(metadata.get("s"), str) else None

        async def work() -> None:
            person = await self.person(user)
            common: dict[str, Any] = {
                "request_id": request_id,
                "actor": person.email,
                "channel": Channel.SLACK,
                "idempotency_key": f"slack:view:{view['id']}",
            }
            calls: dict[Action, Callable[[], PurchaseRequest]] = {
                Action.REJECT: lambda: self.service.reject(reason=text, step=step, **common),
                Action.ASK: lambda: self.service.ask(question=text, step=step, **common),
                Action.ANSWER: lambda: self.service.answer(text=text, **common),
                Action.RECORD_PO: lambda: self.service.record_po(po_number=text, **common),
            }
            await asyncio.to_thread(calls[kind])

        done = await self._finish(
            ack,
            body,
            work(),
            what=f"{_REASON_ACTIONS[kind]} on {format_number(request_id)}",
            deadline=deadline,
            error_block=ids.REASON_BLOCK,
        )
        if done and metadata.get("home"):
            await self.publish_home(user)

    async def on_keep(self, ack: AsyncAck, respond: AsyncRespond, action: dict[str, Any]) -> None:
        """'Keep it' on a cancel confirmation."""
        await ack()
        await respond(text="OK, nothing changed.", replace_original=True, response_type="ephemeral")

    async def on_home_opened(self, event: dict[str, Any]) -> None:
        """Render App Home whenever it is opened."""
        if event.get("tab") == "home":
            await self.publish_home(event["user"])

    async def on_message(self, event: dict[str, Any], say: Callable[..., Awaitable[Any]]) -> None:
        """A DM typed to the bot: point to the command."""
        if (
            event.get("channel_type") == "im"
            and not event.get("bot_id")
            and not event.get("subtype")
        ):
            await say(text=HELP)


def _deadline() -> float:
    return asyncio.get_running_loop().time() + _ACK_BUDGET_SECONDS


async def _today(lookup: asyncio.Future[Person]) -> date:
    """Today where the person is, if we know them in time; else the earliest date anywhere
    on Earth, so that a date which is still today somewhere is never called past."""
    done, _ = await asyncio.wait({lookup}, timeout=_LOOKUP_BUDGET_SECONDS)
    if done and lookup.exception() is None:
        return datetime.now(ZoneInfo(lookup.result().tz or "UTC")).date()
    return datetime.now(_EARLIEST_ZONE).date()


_STALE_FORM = "This form is out of date. Close it and use the button on the card again."
_REASON_ACTIONS = {  # the modals with one text field, and what a late refusal calls them
    Action.REJECT: "Your rejection",
    Action.ASK: "Your question",
    Action.ANSWER: "Your answer",
    Action.RECORD_PO: "The PO number",
}
E = TypeVar("E", bound=enum.Enum)


def _enum(kind: type[E], value: Any) -> E | None:
    try:
        return kind(value)
    except ValueError:
        return None


def _request_id(metadata: dict[str, Any], key: str = "r") -> int | None:
    """The request id our own private_metadata carries, if it is a sane one."""
    value = metadata.get(key)
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 0 < number < 2**31 else None


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _visible_errors(errors: dict[str, str], view: dict[str, Any]) -> dict[str, str]:
    """Slack rejects errors for blocks the modal doesn't show: attach those to the title."""
    shown = {b.get("block_id") for b in view.get("blocks", [])}
    visible = {k: v for k, v in errors.items() if k in shown}
    hidden = [v for k, v in errors.items() if k not in shown]
    if hidden:
        visible[intake.TITLE] = " ".join([visible.get(intake.TITLE, ""), *hidden]).strip()
    return visible
