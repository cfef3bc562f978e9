"""Block Kit for a request: its card, its one-line notes, and what its buttons open (the
cancel confirmation, the one-field reason modal). Pure functions, tested by snapshot."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from adapters.slack import ids, limits
from adapters.slack.limits import clip_mrkdwn, clip_plain, mrkdwn
from bot.domain.cards import (
    CARD,
    TEXT_LIMITS,
    Card,
    CardAction,
    Detail,
    earlier_events,
    more_steps,
)
from bot.domain.clipping import clip, pack
from bot.domain.model import StepStatus
from bot.domain.workflow import Action

STATUS_EMOJI = {
    "pending": ":hourglass_flowing_sand:",
    "changes_requested": ":speech_balloon:",
    "approved": ":white_check_mark:",
    "rejected": ":x:",
    "cancelled": ":no_entry_sign:",
    "ordered": ":package:",
    "received": ":tada:",
}
_STEP_EMOJI = {
    StepStatus.WAITING: ":white_circle:",
    StepStatus.ACTIVE: ":large_blue_circle:",
    StepStatus.APPROVED: ":white_check_mark:",
    StepStatus.REJECTED: ":x:",
    StepStatus.CLOSED: ":heavy_minus_sign:",
}
# A fact longer than this gets a section of its own (3,000 characters) instead of a field (2,000).
_LONG_FACT = 300
_ROUTE_LINE = 600  # one step of the route: its name, approvers and the policy's reason
_EVENT_LINE = 1000  # one event of the timeline (with its quoted comment)


def section(text: str) -> SectionBlock:
    """One mrkdwn section, clipped to what Slack accepts."""
    return SectionBlock(text=MarkdownTextObject(text=clip_mrkdwn(text, limits.SECTION_TEXT)))


def _packed(lines: list[str], limit: int) -> list[str]:
    """Lines joined into as few mrkdwn texts of at most `limit` characters as they fit in."""
    return pack([clip_mrkdwn(line, limit) for line in lines], limit)


def _status_command(card: Card, detail: Detail) -> str | None:
    return f"`{ids.COMMAND} status {card.number}`" if detail.points_to_status else None


def slack_time(moment: datetime) -> str:
    """A timestamp that Slack shows in each reader's own time zone."""
    epoch = int(moment.timestamp())
    fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{fallback}>"


def action_value(action: CardAction) -> str:
    """The button value: which request, and which step the clicker would decide."""
    return json.dumps({"r": action.request_id, "s": action.step}, separators=(",", ":"))


def parse_action_value(value: str | None) -> tuple[int, str | None] | None:
    """(request id, step) from a button value; None if it is not one of ours."""
    try:
        data = json.loads(value or "")
        request_id, step = int(data["r"]), data.get("s")
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
        return None
    if not 0 < request_id < 2**31:
        return None  # no such request; a forged value must not reach the database
    return request_id, (str(step) if step else None)


def button(action: CardAction) -> ButtonElement:
    """The button for one of a card's actions (a confirm dialog on Cancel)."""
    confirm = None
    if action.action is Action.CANCEL:
        # Cancelling cannot be undone, so Slack asks once more before sending the click.
        confirm = ConfirmObject(
            title="Cancel the request?",
            text="Its approvers will be told.",
            confirm="Cancel it",
            deny="Keep it",
        )
    elif action.action is Action.LET_LAPSE:
        confirm = ConfirmObject(
            title="Let it lapse?",
            text="It won't be renewed; its owner will be told.",
            confirm="Let it lapse",
            deny="Keep it",
        )
    return ButtonElement(
        text=action.label,
        action_id=ids.action_id(action.action),
        value=action_value(action),
        style=action.style,
        confirm=confirm,
    )


def render_card(card: Card, *, detail: Detail = CARD) -> list[dict[str, Any]]:
    """The Block Kit blocks of a request card, within Slack's limits whatever its size."""
    emoji = STATUS_EMOJI.get(card.status.value, "")
    heading = f"{card.number} · {card.title}"
    header = clip_plain(heading, limits.HEADER_TEXT)
    status = f"{emoji} *{mrkdwn(card.status_text)}*"
    if header != heading:  # the header had to be cut: the whole title leads the card
        status = f"*{mrkdwn(card.title)}*\n{status}"
    blocks: list[Block] = [HeaderBlock(text=header), section(status)]
    if card.headline:
        blocks.append(section(f">{mrkdwn(card.headline)}"))
    short = [f for f in card.facts if len(f.value) <= _LONG_FACT]
    fields = [
        MarkdownTextObject(text=clip_mrkdwn(f"*{f.label}*\n{mrkdwn(f.value)}", limits.FIELD_TEXT))
        for f in short
    ]
    for start in range(0, len(fields), limits.FIELDS_PER_SECTION):
        blocks.append(SectionBlock(fields=fields[start : start + limits.FIELDS_PER_SECTION]))
    for fact in card.facts:
        if len(fact.value) > _LONG_FACT:
            blocks.append(section(f"*{fact.label}*\n{mrkdwn(clip(fact.value, detail.text))}"))
    status_command = _status_command(card, detail)
    route, hidden_steps = card.route_shown(detail)
    if route:
        lines = ["*Route*"]
        for step in route:
            who = f"decided by {step.decided_by}" if step.decided_by else step.approvers
            line = (
                f"{_STEP_EMOJI[step.status]} *{mrkdwn(step.step)}* · "
                f"{mrkdwn(who)} · _{mrkdwn(step.reason)}_"
            )
            lines.append(clip_mrkdwn(line, _ROUTE_LINE))
        if hidden_steps:
            lines.append(mrkdwn(more_steps(hidden_steps, status=None)) + _see(status_command))
        blocks += [section(text) for text in _packed(lines, limits.SECTION_TEXT)]
    if card.notice:
        notice = f":mag: {mrkdwn(clip(card.notice, detail.text))}"
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=clip_mrkdwn(notice, limits.CONTEXT_TEXT))]
            )
        )
    events, earlier = card.timeline_shown(detail)
    if events:
        lines = (
            [mrkdwn(earlier_events(earlier, status=None)) + _see(status_command)] if earlier else []
        )
        lines += [clip_mrkdwn(f"{slack_time(e.at)} {mrkdwn(e.text)}", _EVENT_LINE) for e in events]
        texts = _packed(lines, limits.CONTEXT_TEXT)[: limits.CONTEXT_ELEMENTS]
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t) for t in texts]))
    if card.actions:
        blocks.append(
            ActionsBlock(
                block_id=f"{ids.CARD_ACTIONS_BLOCK}:{card.request_id}",
                elements=[button(a) for a in card.actions],
            )
        )
    blocks.append(DividerBlock())
    return [b.to_dict() for b in blocks]


def _see(status_command: str | None) -> str:
    # Our own command in backticks: added after escaping, so it keeps its formatting.
    return f" (see {status_command})" if status_command else ""


def card_text(card: Card) -> str:
    """Notification text (shown in push notifications and by screen readers)."""
    return note_text(f"{card.number} · {card.title}: {card.status_text}")


def note_text(text: str) -> str:
    """The `text` of a message: the notification, escaped like the blocks it stands for."""
    return clip_mrkdwn(mrkdwn(text), limits.NOTIFICATION_TEXT)


def note_blocks(text: str) -> list[dict[str, Any]]:
    """A short note as one section."""
    return [section(mrkdwn(text)).to_dict()]


# --------------------------------------------------------------------------- the intake modal
def cancel_confirmation(card: Card) -> list[dict[str, Any]]:
    """'Cancel PR-1042?' with a confirm button, for `/buy cancel`."""
    cancel = next(a for a in card.actions if a.action is Action.CANCEL)
    blocks = [
        SectionBlock(
            text=MarkdownTextObject(
                text=clip_mrkdwn(
                    f"Cancel *{card.number} · {mrkdwn(card.title)}*? Its approvers will be told "
                    "and it can't be reopened.",
                    limits.SECTION_TEXT,
                )
            )
        ),
        ActionsBlock(
            block_id=f"{ids.CARD_ACTIONS_BLOCK}:{card.request_id}",
            elements=[
                ButtonElement(
                    text=f"Yes, cancel {card.number}",
                    style="danger",
                    action_id=ids.action_id(Action.CANCEL),
                    value=action_value(cancel),
                    confirm=ConfirmObject(
                        title="Cancel the request?",
                        text=f"{card.number} will be withdrawn.",
                        confirm="Cancel it",
                        deny="Keep it",
                    ),
                ),
                ButtonElement(text="Keep it", action_id=ids.KEEP, value=str(card.request_id)),
            ],
        ),
    ]
    return [b.to_dict() for b in blocks]


def reason_modal(
    *, action: Action, number: str, metadata: str, prompt: str | None = None
) -> dict[str, Any]:
    """A one-field modal: a reason to reject, a question, an answer, a PO number."""
    labels = {
        Action.REJECT: ("Reject", f"Why reject {number}?", "Reject", True),
        Action.ASK: ("Ask a question", f"Your question about {number}", "Send question", True),
        Action.ANSWER: ("Reply", f"Your answer on {number}", "Send answer", True),
        Action.RECORD_PO: ("Record PO", f"Purchase order number for {number}", "Record", False),
    }
    title, label, submit, multiline = labels[action]
    blocks: list[Block] = []
    if prompt:
        blocks.append(section(mrkdwn(prompt)))
    blocks.append(
        InputBlock(
            block_id=ids.REASON_BLOCK,
            label=label,
            optional=False,
            element=PlainTextInputElement(
                action_id=ids.REASON_INPUT, multiline=multiline, max_length=TEXT_LIMITS[action]
            ),
        )
    )
    view = View(
        type="modal",
        callback_id=ids.REASON,
        title=title,
        submit=submit,
        close="Back",
        private_metadata=metadata,
        blocks=blocks,
    )
    return view.to_dict()
