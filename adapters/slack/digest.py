"""The weekly digest in Slack: a pure Block Kit renderer and the channel publisher."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import limits
from adapters.slack.limits import clip_mrkdwn, clip_plain, mrkdwn
from adapters.slack.notifier import SlackNotifier
from bot.app.ports import RecipientUnreachable
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

PLATFORM = "slack"


def digest_text(digest: Digest) -> str:
    """The notification text of the digest message."""
    week = digest.this_week
    return (
        f"{digest.title}: {week.submitted} submitted, {week.approved + week.auto_approved} "
        f"approved, {money(week.approved_spend, digest.currency)} approved spend"
    )


def _lines(
    title: str,
    lines: Sequence[Line],
    digest: Digest,
    *,
    category: bool = False,
    limit: int = limits.SECTION_TEXT,
) -> str:
    rows = [f"*{title}*"]
    for line in lines:
        label = category_label(line.label) if category else line.label
        rows.append(
            f"• {mrkdwn(label)}: {money(line.amount, digest.currency)} ({line.count}) "
            f"_week before {money(line.previous, digest.currency)}_"
        )
    if not lines:
        rows.append("_nothing approved this week_")
    return clip_mrkdwn("\n".join(rows), limit)


def render_digest(digest: Digest) -> list[dict[str, Any]]:
    """The Block Kit blocks of the weekly digest."""
    names = digest.names
    cur = digest.currency
    counts = "\n".join(
        f"*{label}*: {now} _(week before {before}, {moved})_"
        for label, now, before, moved in counts_rows(digest)
    )
    blocks: list[Block] = [
        HeaderBlock(text=clip_plain(digest.title, limits.HEADER_TEXT)),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Last 7 days against the 7 before · money in {cur}, yearly amounts"
                )
            ]
        ),
        SectionBlock(text=MarkdownTextObject(text=counts)),
        DividerBlock(),
        SectionBlock(
            text=MarkdownTextObject(
                text=_lines("Approved spend by category", digest.by_category, digest, category=True)
            )
        ),
        SectionBlock(
            fields=[
                MarkdownTextObject(
                    text=_lines(
                        "By department", digest.by_department, digest, limit=limits.FIELD_TEXT
                    )
                ),
                MarkdownTextObject(
                    text=_lines("Top vendors", digest.top_vendors, digest, limit=limits.FIELD_TEXT)
                ),
            ]
        ),
        DividerBlock(),
    ]
    backlog = [f"*Pending backlog: {digest.backlog_total} open*"]
    backlog += [
        "• " + mrkdwn(backlog_line(item, now=digest.end, currency=cur, names=names))
        for item in digest.backlog
    ]
    if digest.backlog_total > len(digest.backlog):
        backlog.append(f"_… and {digest.backlog_total - len(digest.backlog)} more_")
    blocks.append(
        SectionBlock(
            text=MarkdownTextObject(text=clip_mrkdwn("\n".join(backlog), limits.SECTION_TEXT))
        )
    )
    timing = [
        f"*Cycle time per step* (decided this week) · "
        f"{digest.sla_breaches} over the {digest.sla_hours}h SLA"
    ]
    timing += [
        f"• {mrkdwn(t.step)}: median {t.median_hours:.1f}h, p90 {t.p90_hours:.1f}h "
        f"({t.decided} decided, {t.over_sla} late)"
        for t in digest.step_timings
    ] or ["_no step decided this week_"]
    blocks.append(
        SectionBlock(
            text=MarkdownTextObject(text=clip_mrkdwn("\n".join(timing), limits.SECTION_TEXT))
        )
    )
    vendors = (
        f"*New vendors in review*: {mrkdwn(', '.join(digest.vendors_in_review) or 'none')}\n"
        f"*Vendors approved*: {mrkdwn(', '.join(digest.vendors_approved) or 'none')}"
    )
    blocks.append(
        SectionBlock(text=MarkdownTextObject(text=clip_mrkdwn(vendors, limits.SECTION_TEXT)))
    )
    renewals = [f"*Renewals in the next {RENEWAL_DAYS} days: {digest.renewals_total}*"]
    renewals += ["• " + mrkdwn(renewal_line(r, currency=cur, names=names)) for r in digest.renewals]
    if digest.renewals_total > len(digest.renewals):
        renewals.append(f"_… and {digest.renewals_total - len(digest.renewals)} more_")
    blocks.append(
        SectionBlock(
            text=MarkdownTextObject(text=clip_mrkdwn("\n".join(renewals), limits.SECTION_TEXT))
        )
    )
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=":bar_chart: The chart of the last 8 weeks is in the thread."
                )
            ]
        )
    )
    return [b.to_dict() for b in blocks]


class SlackChannelPublisher:
    """bot.app.ports.ChannelPublisher for Slack: chat.postMessage, then files_upload_v2 in the
    message's thread; people get the digest by DM."""

    platform = PLATFORM

    def __init__(self, *, client: AsyncWebClient) -> None:
        self._client = client
        self._notifier = SlackNotifier(client=client)

    async def post(self, *, channel: str, view: Digest) -> str:
        """Post the digest to the channel; returns the message ts (the thread)."""
        try:
            response = await self._notifier.call(
                self._client.chat_postMessage,
                channel=channel,
                blocks=render_digest(view),
                text=digest_text(view),
                unfurl_links=False,
            )
        except RecipientUnreachable as error:
            raise RecipientUnreachable(
                f"cannot post the digest in {channel} ({error}): check digest.slack_channel "
                f"in the policy and invite the bot with /invite @procurebot in {channel}"
            ) from None
        # Slack answers with the channel id; files_upload_v2 needs the id, not '#name'.
        return f"{response['channel']}|{response['ts']}"

    async def attach(
        self, *, channel: str, thread: str, data: bytes, filename: str, title: str
    ) -> None:
        """Upload the chart into the digest's thread."""
        channel_id, ts = thread.split("|", 1)
        await self._notifier.call(
            self._client.files_upload_v2,
            channel=channel_id,
            thread_ts=ts,
            file=data,
            filename=filename,
            title=title,
        )

    async def direct(self, *, person: Person, view: Digest) -> None:
        """DM the digest to one person."""
        user_id = person.slack_user_id or await self._notifier.lookup(person)
        await self._notifier.call(
            self._client.chat_postMessage,
            channel=user_id,
            blocks=render_digest(view),
            text=digest_text(view),
            unfurl_links=False,
        )
