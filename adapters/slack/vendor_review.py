"""Slack listeners of vendor qualification: `/buy vendor Acme`, the form, the review cards.

Registered on the SlackBot's Bolt app; every listener acks first and runs the use cases in a
worker thread, as the request listeners do.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError

from adapters.slack.listeners.context import Context, Surface
from adapters.slack.middleware import Tracker
from adapters.slack.vendor_review_render import (
    ACTION_PREFIX,
    PROPOSE,
    REASON,
    REASON_BLOCK,
    block_of,
    card_blocks,
    card_text,
    form_values,
    proposal_modal,
    reason_modal,
)
from bot.app.vendor_qualification import CATEGORY, PURPOSE, WEBSITE, Proposal, VendorReviews
from bot.domain.errors import DomainError, InvalidInput
from bot.domain.model import Channel
from bot.domain.vendor_reviews import ReviewAction

WORD = "vendor"  # /buy vendor Acme


class SlackVendorReviews(Surface):
    """The vendor review listeners of one SlackBot."""

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        service = context.service
        self.reviews = VendorReviews(uow=service._uow, policy=service.policy, clock=service.clock)

    def register(self, app: AsyncApp, tracker: Tracker) -> None:
        """Add the listeners to the Bolt app."""
        track = tracker.tracked
        app.view(PROPOSE)(track(self.on_propose_submit))
        app.view(REASON)(track(self.on_reason_submit))
        app.action(re.compile(f"^{ACTION_PREFIX}(approve|reject|ask|answer)$"))(
            track(self.on_card_action)
        )

    async def open_form(self, body: dict[str, Any], name: str, respond: AsyncRespond) -> None:
        """`/buy vendor Acme`: the form, or why this vendor cannot be proposed."""
        name = " ".join(name.split())
        try:
            await asyncio.to_thread(self.reviews.check_proposal, vendor=name)
        except InvalidInput as error:
            await respond(text=" ".join(error.fields.values()), response_type="ephemeral")
            return
        await self._client.views_open(
            trigger_id=body["trigger_id"],
            view=proposal_modal(vendor=name, questions=self.reviews.policy.vendors.questionnaire),
        )

    async def on_propose_submit(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """The proposal form: checked, then the review starts (errors shown on their fields)."""
        values = form_values(view)
        vendor = str(_metadata(view).get("vendor") or "")
        proposal = Proposal(
            vendor=vendor,
            website=values.get(WEBSITE, ""),
            category=values.get(CATEGORY, ""),
            purpose=values.get(PURPOSE, ""),
            answers=values,
        )
        problems = self.reviews.check_form(proposal)
        if problems:
            shown = {b.get("block_id") for b in view.get("blocks", [])}
            errors = {block_of(k): v for k, v in problems.items() if block_of(k) in shown}
            await ack(response_action="errors", errors=errors or {PURPOSE: "Check the form."})
            return
        # The form is right: close it within Slack's 3 s, then save (a vendor proposed by
        # someone else meanwhile is said in a DM).
        await ack()
        try:
            person = await self._people.person(body["user"]["id"])
            await asyncio.to_thread(
                self.reviews.propose,
                proposal=proposal,
                proposer=person.email,
                channel=Channel.SLACK,
            )
        except InvalidInput as error:
            await self._replies.dm(body, " ".join(error.fields.values()))
            return
        except DomainError as error:
            await self._replies.dm(body, str(error))
            return
        self._on_change()

    async def on_card_action(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        """Approve at once; Reject, Ask and Answer open a one-field modal."""
        await ack()
        kind = ReviewAction(action["action_id"].removeprefix(ACTION_PREFIX))
        target = _target(action.get("value"))
        if target is None:
            return
        review_id, group = target
        container = body.get("container") or {}
        where = {"c": container.get("channel_id"), "ts": container.get("message_ts")}
        try:
            person = await self._people.person(body["user"]["id"])
            if kind is ReviewAction.APPROVE:
                await asyncio.to_thread(
                    self.reviews.approve,
                    review_id=review_id,
                    actor=person.email,
                    group=group or "",
                    channel=Channel.SLACK,
                )
                self._on_change()
                await self._redraw(where, review_id, person.email)
                return
            card = await asyncio.to_thread(
                self.reviews.card, review_id=review_id, viewer=person.email
            )
            if kind not in card.actions:
                await self._replies.tell(
                    body, f"{card.vendor}: {card.status_text}. Nothing to do now."
                )
                return
            metadata = json.dumps({"v": review_id, "g": group, "a": kind.value, **where})
            await self._client.views_open(
                trigger_id=body["trigger_id"],
                view=reason_modal(action=kind, vendor=card.vendor, metadata=metadata),
            )
        except DomainError as error:
            await self._replies.tell(body, str(error))

    async def on_reason_submit(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """The rejection reason, the question or the answer."""
        metadata = _metadata(view)
        target = _target(json.dumps(metadata))
        try:
            kind = ReviewAction(str(metadata.get("a")))
        except ValueError:
            kind = None
        text = form_values(view).get(REASON_BLOCK, "").strip()
        if target is None or kind is None:
            await ack(response_action="errors", errors={REASON_BLOCK: "This form is out of date."})
            return
        if not text:
            await ack(response_action="errors", errors={REASON_BLOCK: "This can't be empty."})
            return
        review_id, group = target
        try:
            person = await self._people.person(body["user"]["id"])
            common: dict[str, Any] = {
                "review_id": review_id,
                "actor": person.email,
                "channel": Channel.SLACK,
            }
            if kind is ReviewAction.REJECT:
                call: Any = lambda: self.reviews.reject(reason=text, group=group or "", **common)  # noqa: E731
            elif kind is ReviewAction.ASK:
                call = lambda: self.reviews.ask(question=text, group=group or "", **common)  # noqa: E731
            else:
                call = lambda: self.reviews.answer(text=text, **common)  # noqa: E731
            await asyncio.to_thread(call)
        except DomainError as error:
            await ack(response_action="errors", errors={REASON_BLOCK: str(error)})
            return
        await ack()
        self._on_change()
        await self._redraw(metadata, review_id, person.email)

    async def _redraw(self, where: dict[str, Any], review_id: int, viewer: str) -> None:
        """Show the clicker's card as it is now, in place of the one they clicked."""
        channel, ts = where.get("c"), where.get("ts")
        if not channel or not ts:
            return
        card = await asyncio.to_thread(self.reviews.card, review_id=review_id, viewer=viewer)
        # The card may be gone meanwhile: the decision stands and the outbox told people.
        with contextlib.suppress(SlackApiError):
            await self._client.chat_update(
                channel=channel, ts=ts, blocks=card_blocks(card), text=card_text(card)
            )


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _target(value: object) -> tuple[int, str | None] | None:
    """(review id, group) from a button's value or a modal's metadata; None if mangled."""
    try:
        data = json.loads(str(value))
        review = int(data["v"])
    except (ValueError, TypeError, KeyError):
        return None
    group = data.get("g")
    return (review, group if isinstance(group, str) else None) if 0 < review < 2**31 else None
