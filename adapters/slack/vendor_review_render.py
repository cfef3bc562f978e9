"""Block Kit for vendor qualification: the proposal modal, the review card and its reason modal."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from adapters.slack import limits
from adapters.slack.limits import clip_mrkdwn, clip_plain, mrkdwn
from bot.app.vendor_qualification import CATEGORY, PURPOSE, WEBSITE
from bot.domain.clipping import pack
from bot.domain.model import Category
from bot.domain.questionnaire import NO, YES, Question, QuestionKind
from bot.domain.vendor_reviews import MAX_PURPOSE, MAX_WEBSITE, ReviewAction, VendorCard

# Ids of the vendor review surfaces (the pb_ ids of adapters/slack/ids.py are request cards).
PROPOSE = "pbv_propose"  # the proposal modal's callback id
REASON = "pbv_reason"  # reject / ask / answer modal
REASON_BLOCK = "pbv_reason_block"
INPUT = "pbv_input"  # the action id of every input of our modals
ACTION_PREFIX = "pbv_"
MAX_ANSWER_INPUT = 2000

_CATEGORIES = [Option(value=c.value, text=c.label) for c in Category]
_YES_NO = [Option(value=YES, text="Yes"), Option(value=NO, text="No")]
_BUTTONS = {
    ReviewAction.APPROVE: ("Approve", "primary"),
    ReviewAction.REJECT: ("Reject", "danger"),
    ReviewAction.ASK: ("Ask the proposer", None),
    ReviewAction.ANSWER: ("Answer", "primary"),
}
_REASONS = {
    ReviewAction.REJECT: ("Reject vendor", "Why reject {vendor}?", "Reject"),
    ReviewAction.ASK: ("Ask the proposer", "Your question about {vendor}", "Send question"),
    ReviewAction.ANSWER: ("Answer", "Your answer about {vendor}", "Send answer"),
}


def action_id(action: ReviewAction) -> str:
    """The button's action id."""
    return f"{ACTION_PREFIX}{action.value}"


def block_of(field: str) -> str:
    """The block id of a form field or a question (q_<id>)."""
    return field if field in (WEBSITE, CATEGORY, PURPOSE) else f"q_{field}"


def proposal_modal(*, vendor: str, questions: Sequence[Question]) -> dict[str, Any]:
    """The form: website, category, what it's for, and the policy's questionnaire."""
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=clip_mrkdwn(
                    f"Propose *{mrkdwn(vendor)}* as a vendor. IT and procurement review your "
                    "answers before anyone buys from it.",
                    limits.SECTION_TEXT,
                )
            )
        ),
        _text(WEBSITE, "Website", optional=True, max_length=MAX_WEBSITE),
        InputBlock(
            block_id=CATEGORY,
            label="Category",
            optional=True,
            element=StaticSelectElement(action_id=INPUT, options=_CATEGORIES),
        ),
        _text(PURPOSE, "What it's for", optional=False, max_length=MAX_PURPOSE, multiline=True),
    ]
    for question in questions:
        label = clip_plain(question.text, 2000)
        if question.kind is QuestionKind.TEXT:
            blocks.append(
                _text(
                    block_of(question.id),
                    label,
                    optional=not question.required,
                    max_length=MAX_ANSWER_INPUT,
                    multiline=True,
                )
            )
            continue
        options = (
            _YES_NO
            if question.kind is QuestionKind.YES_NO
            else [Option(value=clip_plain(c, 75), text=clip_plain(c, 75)) for c in question.choices]
        )
        blocks.append(
            InputBlock(
                block_id=block_of(question.id),
                label=label,
                optional=not question.required,
                element=StaticSelectElement(action_id=INPUT, options=options),
            )
        )
    view = View(
        type="modal",
        callback_id=PROPOSE,
        title="Propose a vendor",
        submit="Send for review",
        close="Cancel",
        private_metadata=json.dumps({"vendor": vendor}),
        blocks=blocks,
    )
    return view.to_dict()


def _text(
    block_id: str, label: str, *, optional: bool, max_length: int, multiline: bool = False
) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=label,
        optional=optional,
        element=PlainTextInputElement(action_id=INPUT, multiline=multiline, max_length=max_length),
    )


def form_values(view: dict[str, Any]) -> dict[str, str]:
    """What was typed or picked, by block id (q_ stripped from questions)."""
    values: dict[str, str] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        entry = actions.get(INPUT) or {}
        value = entry.get("value")
        if value is None and entry.get("selected_option"):
            value = entry["selected_option"].get("value")
        values[block_id.removeprefix("q_")] = str(value or "")
    return values


def card_blocks(card: VendorCard) -> list[dict[str, Any]]:
    """The review card: vendor, proposer, answers, the thread and this viewer's buttons."""
    blocks: list[Block] = [
        HeaderBlock(text=clip_plain(f"Vendor review: {card.vendor}", 150)),
        _section(f"*{mrkdwn(card.status_text)}*"),
    ]
    if card.notice:
        blocks.append(_section(f":warning: {mrkdwn(card.notice)}"))
    facts = [f"*{label}:* {mrkdwn(value)}" for label, value in card.facts]
    answers = [f"*{mrkdwn(q)}*\n{mrkdwn(a)}" for q, a in card.answers]
    for text in pack(["\n".join(facts), *answers], limits.SECTION_TEXT):
        blocks.append(_section(text))
    if card.question and ReviewAction.ANSWER in card.actions:
        blocks.append(_section(f"*Question for you:* {mrkdwn(card.question)}"))
    if card.thread:
        lines = [mrkdwn(line) for line in card.thread[-10:]]
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=clip_mrkdwn("\n".join(lines), 3000))])
        )
    if card.actions:
        value = json.dumps({"v": card.review_id, "g": card.group})
        blocks.append(
            ActionsBlock(
                block_id="pbv_actions",
                elements=[
                    ButtonElement(
                        text=_BUTTONS[a][0],
                        action_id=action_id(a),
                        value=value,
                        style=_BUTTONS[a][1],
                    )
                    for a in card.actions
                ],
            )
        )
    return [b.to_dict() for b in blocks]


def card_text(card: VendorCard) -> str:
    """The notification text of a review card."""
    return clip_plain(f"Vendor review: {card.vendor} · {card.status_text}", 3000)


def reason_modal(*, action: ReviewAction, vendor: str, metadata: str) -> dict[str, Any]:
    """One text field: why reject, the question, or the answer."""
    title, label, submit = _REASONS[action]
    view = View(
        type="modal",
        callback_id=REASON,
        title=title,
        submit=submit,
        close="Back",
        private_metadata=metadata,
        blocks=[
            _text(
                REASON_BLOCK,
                clip_plain(label.format(vendor=vendor), 2000),
                optional=False,
                max_length=MAX_PURPOSE,
                multiline=True,
            )
        ],
    )
    return view.to_dict()


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip_mrkdwn(text, limits.SECTION_TEXT)))
