"""The weekly digest in Teams: a pure Adaptive Card renderer and the channel publisher.

A bot posts in a Teams channel by creating a conversation there (a new thread) through the
Bot Framework connector, at the service URL of the tenant's region, and replies in that
thread by sending to the conversation id the connector answered. A bot cannot upload a file
into a channel without Microsoft Graph, so the chart goes in the thread as an inline image
(a base64 data URI), which needs no extra permission.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from botframework.connector.aio import ConnectorClient
from msrest.exceptions import HttpOperationError

from adapters.teams import limits
from adapters.teams.app import card_activity
from adapters.teams.ids import PLATFORM
from adapters.teams.limits import clip_markdown, markdown
from adapters.teams.notifier import TRANSPORT_ERRORS, call_connector, translate
from adapters.teams.references import load_reference
from adapters.teams.render import _card, _text
from bot.app.ports import DeliveryDeferred, RecipientUnreachable
from bot.domain.digest import (
    RENEWAL_DAYS,
    Digest,
    Line,
    backlog_line,
    category_label,
    counts_rows,
    renewal_line,
)
from bot.domain.formatting import money
from bot.domain.model import Person

CHANNEL_ID = "msteams"  # the Bot Framework channel of Microsoft Teams


def digest_text(digest: Digest) -> str:
    """The notification text of the digest message (activity feed, screen readers)."""
    week = digest.this_week
    return (
        f"{digest.title}: {week.submitted} submitted, {week.approved + week.auto_approved} "
        f"approved, {money(week.approved_spend, digest.currency)} approved spend"
    )


def _heading(text: str) -> dict[str, Any]:
    return _text(text, weight="Bolder", spacing="Medium")


def _spend(
    title: str, lines: Sequence[Line], digest: Digest, *, limit: int, category: bool = False
) -> list[dict[str, Any]]:
    """A heading and one fact per label: this week's amount (count), the week before."""
    items = [_heading(title)]
    if not lines:
        items.append(_text("_nothing approved this week_", isSubtle=True, spacing="Small"))
        return items
    facts = []
    for line in lines:
        label = category_label(line.label) if category else line.label
        facts.append(
            {
                "title": clip_markdown(markdown(label), min(limits.FACT_TITLE, limit // 10)),
                "value": f"{money(line.amount, digest.currency)} ({line.count}) · week before "
                f"{money(line.previous, digest.currency)}",
            }
        )
    items.append({"type": "FactSet", "facts": facts, "spacing": "Small"})
    return items


def _lines(rows: Sequence[str], limit: int, *, more: int = 0, empty: str = "") -> dict[str, Any]:
    text = "\n".join(f"- {markdown(row)}" for row in rows) or f"_{empty}_"
    text = clip_markdown(text, limit)
    if more > 0:
        text += f"\n\n_… and {more} more_"  # a paragraph of its own, not a list item
    return _text(text, spacing="Small")


def render_digest(digest: Digest) -> dict[str, Any]:
    """The Adaptive Card of the weekly digest: the same numbers and sections as in Slack,
    its lists shortened until it fits Teams' message size."""
    for limit in _SECTIONS:
        card = _digest_card(digest, limit)
        if limits.fits(card):
            break
    return card


_SECTIONS = (limits.TEXT_BLOCK, 1000, 400)  # characters of each list of the digest


def _digest_card(digest: Digest, limit: int) -> dict[str, Any]:
    cur = digest.currency
    body: list[dict[str, Any]] = [
        _text(clip_markdown(markdown(digest.title)), size="Medium", weight="Bolder"),
        _text(
            f"Last 7 days against the 7 before · money in {cur}, yearly amounts",
            isSubtle=True,
            size="Small",
            spacing="None",
        ),
        {
            "type": "FactSet",
            "facts": [
                {"title": label, "value": f"{now} (week before {before}, {moved})"}
                for label, now, before, moved in counts_rows(digest)
            ],
        },
    ]
    body += _spend(
        "Approved spend by category", digest.by_category, digest, limit=limit, category=True
    )
    body += _spend("By department", digest.by_department, digest, limit=limit)
    body += _spend("Top vendors", digest.top_vendors, digest, limit=limit)
    body.append(_heading(f"Pending backlog: {digest.backlog_total} open"))
    body.append(
        _lines(
            limit=limit,
            rows=[
                backlog_line(item, now=digest.end, currency=cur, names=digest.names)
                for item in digest.backlog
            ],
            more=digest.backlog_total - len(digest.backlog),
            empty="nothing waiting",
        )
    )
    body.append(
        _heading(
            f"Cycle time per step (decided this week) · {digest.sla_breaches} over the "
            f"{digest.sla_hours}h SLA"
        )
    )
    body.append(
        _lines(
            limit=limit,
            rows=[
                f"{t.step}: median {t.median_hours:.1f}h, p90 {t.p90_hours:.1f}h "
                f"({t.decided} decided, {t.over_sla} late)"
                for t in digest.step_timings
            ],
            empty="no step decided this week",
        )
    )
    body.append(
        {
            "type": "FactSet",
            "spacing": "Medium",
            "facts": [
                {
                    "title": "New vendors in review",
                    "value": clip_markdown(
                        markdown(", ".join(digest.vendors_in_review) or "none"), limit
                    ),
                },
                {
                    "title": "Vendors approved",
                    "value": clip_markdown(
                        markdown(", ".join(digest.vendors_approved) or "none"), limit
                    ),
                },
            ],
        }
    )
    body.append(_heading(f"Renewals in the next {RENEWAL_DAYS} days: {digest.renewals_total}"))
    body.append(
        _lines(
            limit=limit,
            rows=[renewal_line(r, currency=cur, names=digest.names) for r in digest.renewals],
            more=digest.renewals_total - len(digest.renewals),
            empty="none",
        )
    )
    body.append(
        _text(
            "📊 The chart of the last 8 weeks is in the replies.",
            isSubtle=True,
            size="Small",
            spacing="Medium",
        )
    )
    return _card(body)


def chart_activity(*, data: bytes, filename: str, title: str) -> Activity:
    """A message with the chart PNG as an inline image (base64 data URI)."""
    encoded = base64.b64encode(data).decode("ascii")
    return Activity(
        type=ActivityTypes.message,
        text=title,
        attachments=[
            Attachment(
                content_type="image/png",
                content_url=f"data:image/png;base64,{encoded}",
                name=filename,
            )
        ],
    )


class TeamsChannelPublisher:
    """bot.app.ports.ChannelPublisher for Teams: a new thread in the channel with the digest
    card, the chart as a reply in it; people get the card in their chat with the bot."""

    platform = PLATFORM

    def __init__(
        self, *, adapter: CloudAdapter, app_id: str, service_url: str, tenant_id: str
    ) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._service_url = service_url
        self._tenant_id = tenant_id

    async def post(self, *, channel: str, view: Digest) -> str:
        """Start a thread in the channel with the digest card; returns the thread's
        conversation id ('19:…@thread.tacv2;messageid=…')."""
        if not self._tenant_id:
            raise RecipientUnreachable(
                f"cannot post the digest in the Teams channel {channel}: set "
                "MICROSOFT_APP_TENANT_ID to your Microsoft Entra tenant id"
            )
        activity = card_activity(render_digest(view), summary=digest_text(view))
        parameters = ConversationParameters(
            is_group=True,
            bot=ChannelAccount(id=self._app_id) if self._app_id else None,
            channel_data={"channel": {"id": channel}, "tenant": {"id": self._tenant_id}},
            activity=activity,
            tenant_id=self._tenant_id,
        )
        created: dict[str, str] = {}

        async def remember(context: TurnContext) -> None:
            created["thread"] = context.activity.conversation.id

        try:
            await self._adapter.create_conversation(
                self._app_id,
                remember,
                parameters,
                channel_id=CHANNEL_ID,
                service_url=self._service_url,
            )
        except HttpOperationError as error:
            failure = translate(error)
            if isinstance(failure, RecipientUnreachable):
                raise RecipientUnreachable(
                    f"cannot post the digest in the Teams channel {channel} ({failure}): "
                    "check digest.teams_channel in the policy and add procurebot to the team"
                ) from None
            raise failure from None
        except TRANSPORT_ERRORS as unreachable:
            raise DeliveryDeferred(f"Teams unreachable: {unreachable!r}") from None
        return created["thread"]

    async def attach(
        self, *, channel: str, thread: str, data: bytes, filename: str, title: str
    ) -> None:
        """Reply in the digest's thread with the chart as an inline image."""
        reference = ConversationReference(
            channel_id=CHANNEL_ID,
            service_url=self._service_url,
            bot=ChannelAccount(id=self._app_id),
            conversation=ConversationAccount(
                id=thread,
                is_group=True,
                conversation_type="channel",
                tenant_id=self._tenant_id,
            ),
        )
        activity = chart_activity(data=data, filename=filename, title=title)

        async def reply(connector: ConnectorClient, ref: ConversationReference) -> Any:
            TurnContext.apply_conversation_reference(activity, ref)
            return await connector.conversations.send_to_conversation(thread, activity)

        await call_connector(
            adapter=self._adapter, app_id=self._app_id, reference=reference, call=reply
        )

    async def direct(self, *, person: Person, view: Digest) -> None:
        """Send the digest card into the person's chat with the bot."""
        if not person.teams_reference:
            raise RecipientUnreachable(f"{person.email} has not talked to procurebot in Teams")
        reference = load_reference(person.teams_reference)
        activity = card_activity(render_digest(view), summary=digest_text(view))

        async def send(connector: ConnectorClient, ref: ConversationReference) -> Any:
            TurnContext.apply_conversation_reference(activity, ref)
            return await connector.conversations.send_to_conversation(ref.conversation.id, activity)

        await call_connector(
            adapter=self._adapter, app_id=self._app_id, reference=reference, call=send
        )
