"""Modals: the intake and edit forms (validated, previewed, saved after the ack), the
one-field reason form, and what changes inside an open form (category, vendor typeahead)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from slack_bolt.async_app import AsyncAck

from adapters.slack import acks, ids
from adapters.slack.listeners.context import Context, Surface
from adapters.slack.listeners.home import Home
from adapters.slack.render import form_values, intake_modal, vendor_options
from bot.app.commands import Resubmit, Submit, for_action, handle
from bot.domain import intake
from bot.domain.errors import InvalidInput, StorageUnavailable
from bot.domain.model import Channel, Person, RequestDraft, format_number
from bot.domain.workflow import Action

_NOTICE_MARGIN_SECONDS = 0.3
_SUGGEST_BUDGET_SECONDS = 1.5
_REASON_ACTIONS = {  # the modals with one text field, and what a late refusal calls them
    Action.REJECT: "Your rejection",
    Action.ASK: "Your question",
    Action.ANSWER: "Your answer",
    Action.RECORD_PO: "The PO number",
}


class Views(Surface):
    """Listeners for our modals' submissions and for the controls inside them."""

    def __init__(self, context: Context, *, home: Home) -> None:
        super().__init__(context)
        self._home = home

    @property
    def _currencies(self) -> list[str]:
        return self._service.policy.currencies

    async def on_intake_submit(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """Validate, warn about existing purchases once, then save and route."""
        deadline = acks.deadline()
        lookup = self._people.lookup(body["user"]["id"])
        checked = await self._validated(ack, view, lookup)
        if checked is None:
            return
        draft, values = checked
        metadata = acks.metadata(view)
        confirmed = bool(metadata.get("confirmed"))
        renews = acks.request_id(metadata, key="renews")

        async def check() -> str | None:
            person = await lookup
            if confirmed:
                return None
            return await self._preview_notice(person, draft, renews=renews, deadline=deadline)

        async def save() -> None:
            submit = Submit(
                actor=await lookup,
                channel=Channel.SLACK,
                draft=draft,
                idempotency_key=f"slack:view:{view['id']}",
                renews=renews,
            )
            await asyncio.to_thread(handle, self._service, submit)

        def notice_view(notice: str) -> dict[str, Any]:
            return intake_modal(
                values=values,
                currencies=self._currencies,
                metadata=json.dumps({"confirmed": True, "renews": renews}),
                submit="Submit anyway",
                notice=notice,
            )

        # The save comes after the ack: the checks that can refuse a valid form (a rejected
        # vendor, a blocked budget) ran in the preview, and holding every modal open for a
        # queued write would cap submissions at the database's pace (BENCHMARKS.md).
        await self._replies.finish(
            ack,
            body,
            check(),
            what=f"“{acks.clip_title(draft.title)}”",
            deadline=deadline,
            notice_view=notice_view,
            then=save,
        )

    async def _validated(
        self, ack: AsyncAck, view: dict[str, Any], lookup: asyncio.Future[Person]
    ) -> tuple[RequestDraft, dict[str, str]] | None:
        values = form_values(view["state"]["values"])
        try:
            draft = intake.parse_form(
                values, currencies=self._currencies, today=await acks.today(lookup)
            )
        except InvalidInput as invalid:
            await ack(response_action="errors", errors=acks.visible_errors(invalid.fields, view))
            return None
        return draft, values

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
                asyncio.to_thread(
                    self._service.preview, requester=person.email, draft=draft, renews=renews
                ),
                budget,
            )
        except TimeoutError:
            return None  # a slow database must not cost the requester their form
        return preview.to_confirm

    async def on_edit_submit(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """The requester resubmits an edited request."""
        deadline = acks.deadline()
        lookup = self._people.lookup(body["user"]["id"])
        checked = await self._validated(ack, view, lookup)
        if checked is None:
            return
        draft, _ = checked
        request_id = acks.request_id(acks.metadata(view))
        if request_id is None:
            await ack(response_action="errors", errors={intake.TITLE: acks.STALE_FORM})
            return

        async def save() -> None:
            resubmit = Resubmit(
                request_id=request_id,
                actor=await lookup,
                channel=Channel.SLACK,
                draft=draft,
                idempotency_key=f"slack:view:{view['id']}",
            )
            await asyncio.to_thread(handle, self._service, resubmit)

        await self._replies.finish(
            ack,
            body,
            lookup,
            what=f"Your changes to {format_number(request_id)}",
            deadline=deadline,
            then=save,
        )

    async def on_reason_submit(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """Reject / ask / answer / record PO, with the text from the modal."""
        deadline = acks.deadline()
        metadata = acks.metadata(view)
        kind = acks.enum_of(Action, metadata.get("a"))
        request_id = acks.request_id(metadata)
        if kind is None or kind not in _REASON_ACTIONS or request_id is None:
            await ack(response_action="errors", errors={ids.REASON_BLOCK: acks.STALE_FORM})
            return
        field = view["state"]["values"].get(ids.REASON_BLOCK, {}).get(ids.REASON_INPUT, {})
        text = str(field.get("value") or "").strip()
        if not text:
            await ack(response_action="errors", errors={ids.REASON_BLOCK: "This can't be empty."})
            return
        user = body["user"]["id"]
        step = metadata.get("s") if isinstance(metadata.get("s"), str) else None

        async def work() -> None:
            command = for_action(
                kind,
                request_id=request_id,
                actor=await self._people.person(user),
                channel=Channel.SLACK,
                step=step,
                text=text,
                idempotency_key=f"slack:view:{view['id']}",
            )
            await asyncio.to_thread(handle, self._service, command)

        done = await self._replies.finish(
            ack,
            body,
            work(),
            what=f"{_REASON_ACTIONS[kind]} on {format_number(request_id)}",
            deadline=deadline,
            error_block=ids.REASON_BLOCK,
        )
        if done and metadata.get("home"):
            await self._home.publish(user)

    async def on_category_change(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """Show only the fields the chosen category needs, keeping what was typed."""
        await ack()
        view = body.get("view")
        if not view or view.get("type") != "modal" or not view.get("state"):
            return  # the category select lives in our modals only
        updated = intake_modal(
            values=form_values(view["state"]["values"]),
            currencies=self._currencies,
            callback_id=view["callback_id"],
            metadata=view.get("private_metadata", ""),
            title=(view.get("title") or {}).get("text") or "New purchase request",
            submit=(view.get("submit") or {}).get("text") or "Submit",
        )
        await self._client.views_update(view_id=view["id"], hash=view.get("hash"), view=updated)

    async def on_vendor_suggest(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """Typeahead for the vendor field: the registry's matches, approved ones first, and
        what was typed as a new vendor. Answered in the ack itself, as Slack requires."""
        typed = str(body.get("value") or "")
        try:
            found = await asyncio.wait_for(
                asyncio.to_thread(self._service.registry.vendor_suggestions, text=typed),
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
