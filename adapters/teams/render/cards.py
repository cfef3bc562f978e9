"""Adaptive Cards for a request: the card with its buttons and inline forms, notes, the
cancel confirmation. Pure functions, tested by snapshot."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from adapters.teams import ids, limits
from adapters.teams.limits import clip_markdown, markdown
from bot.domain.cards import CARD, TEXT_LIMITS, Card, CardAction, Detail, earlier_events, more_steps
from bot.domain.clipping import clip, ellipsis, pack
from bot.domain.model import StepStatus
from bot.domain.workflow import Action

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"

_STATUS_COLOR = {
    "pending": "Accent",
    "changes_requested": "Warning",
    "approved": "Good",
    "rejected": "Attention",
    "cancelled": "Default",
    "ordered": "Good",
    "received": "Good",
}
_STEP_MARK = {
    StepStatus.WAITING: "○",
    StepStatus.ACTIVE: "●",
    StepStatus.APPROVED: "✅",
    StepStatus.REJECTED: "❌",
    StepStatus.CLOSED: "–",
}
_BUTTON_STYLE = {"primary": "positive", "danger": "destructive"}
# What the inline form of an action asks for: (label, placeholder, send button, multiline).
_FORM_PROMPTS = {
    Action.REJECT: ("Why reject {number}?", "The reason goes to the requester", "Reject", True),
    Action.ASK: ("Your question about {number}", "", "Send question", True),
    Action.ANSWER: ("Your answer on {number}", "", "Send answer", True),
    Action.RECORD_PO: ("Purchase order number for {number}", "e.g. PO-2026-0042", "Record", False),
}

# Actions confirmed with one more click: (the question, the button that does it).
_CONFIRMS = {
    Action.CANCEL: ("Cancel {number}? Its approvers will be told.", "Cancel it"),
    Action.LET_LAPSE: (
        "Let {number} lapse? It won't be renewed; its owner will be told.",
        "Let it lapse",
    ),
}


def adaptive_card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> dict:
    """An Adaptive Card 1.5, full width, with this body and these buttons."""
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "msteams": {"width": "Full"},
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return card


def text_block(text: str, **style: Any) -> dict[str, Any]:
    """A wrapping TextBlock."""
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def escaped(text: str, limit: int = limits.TEXT_BLOCK) -> str:
    """Someone's text, shown as typed (no markdown of its own) within `limit`."""
    return clip_markdown(markdown(text), limit)


def card_time(moment: datetime) -> str:
    """A timestamp that Teams shows in each reader's own time zone and locale."""
    iso = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{{{{DATE({iso}, SHORT)}}}} {{{{TIME({iso})}}}}"


def action_data(action: CardAction) -> dict[str, Any]:
    """What a button sends back: which action, which request, which step."""
    return {
        ids.KIND: ids.verb(action.action),
        ids.REQUEST: action.request_id,
        ids.STEP: action.step,
    }


def parse_action_data(data: Mapping[str, Any] | None) -> tuple[Action, int, str | None] | None:
    """(action, request id, step) from a button's data; None if it is not one of ours."""
    if not isinstance(data, Mapping):
        return None
    action = ids.action_from_verb(data.get(ids.KIND))
    try:
        request_id = int(data[ids.REQUEST])
    except (KeyError, TypeError, ValueError):
        return None
    if action is None or request_id <= 0:
        return None
    step = data.get(ids.STEP)
    return action, request_id, str(step) if step else None


def execute(
    title: str,
    data: dict[str, Any],
    *,
    style: str | None = None,
    associated_inputs: str | None = None,
) -> dict[str, Any]:
    """An Action.Execute button sending `data` (its verb: our kind of button)."""
    button: dict[str, Any] = {
        "type": "Action.Execute",
        "title": title,
        "verb": str(data[ids.KIND]),
        "data": data,
    }
    if style:
        button["style"] = style
    if associated_inputs:
        button["associatedInputs"] = associated_inputs
    return button


def _button(action: CardAction, *, number: str) -> dict[str, Any]:
    style = _BUTTON_STYLE.get(action.style or "")
    data = action_data(action)
    prompt = _FORM_PROMPTS.get(action.action)
    if prompt is not None:
        label, placeholder, send, multiline = prompt
        field: dict[str, Any] = {
            "type": "Input.Text",
            "id": ids.reason_input(action.action),
            "label": label.format(number=number),
            "isRequired": True,
            "errorMessage": "This can't be empty.",
            "isMultiline": multiline,
            "maxLength": TEXT_LIMITS[action.action],
        }
        if placeholder:
            field["placeholder"] = placeholder
        return {
            "type": "Action.ShowCard",
            "title": action.label,
            "card": {
                "type": "AdaptiveCard",
                "body": [field],
                "actions": [execute(send, data, style=style)],
            },
        }
    confirm = _CONFIRMS.get(action.action)
    if confirm is not None:
        # Neither can be undone: one more click, as in Slack's confirm dialog.
        question, button = confirm
        return {
            "type": "Action.ShowCard",
            "title": action.label,
            "card": {
                "type": "AdaptiveCard",
                "body": [text_block(question.format(number=number))],
                "actions": [execute(button, data, style="destructive", associated_inputs="none")],
            },
        }
    return execute(action.label, data, style=style, associated_inputs="none")


_ROUTE_LINE = 600  # one step of the route: its name, approvers and the policy's reason
_EVENT_LINE = 1000  # one event of the timeline (with its quoted comment)
_SUMMARY = 300  # the activity's summary: a line in the activity feed


def render_card(card: Card, *, detail: Detail = CARD, notice: str | None = None) -> dict[str, Any]:
    """The Adaptive Card of a request, within Teams' message size: with less of the route,
    the timeline and long texts when the whole would not fit; `notice` is a one-off line for
    the person who clicked."""
    for smaller in detail.fallbacks():
        rendered = _request_card(card, smaller, notice)
        if limits.fits(rendered):
            break
    return rendered


def _request_card(card: Card, detail: Detail, notice: str | None) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    if notice:
        body.append(
            text_block(escaped(clip(notice, detail.text)), color="Attention", weight="Bolder")
        )
    body += [
        text_block(escaped(f"{card.number} · {card.title}"), size="Medium", weight="Bolder"),
        text_block(
            escaped(card.status_text),
            color=_STATUS_COLOR.get(card.status.value, "Default"),
            weight="Bolder",
            spacing="Small",
        ),
    ]
    if card.headline:
        body.append(
            {
                "type": "Container",
                "style": "emphasis",
                "items": [text_block(escaped(clip(card.headline, detail.text)))],
            }
        )
    body.append(
        {
            "type": "FactSet",
            "facts": [
                {"title": f.label, "value": escaped(clip(f.value, detail.text))} for f in card.facts
            ],
        }
    )
    status = f"`{ids.STATUS} {card.number}`" if detail.points_to_status else None
    route, hidden_steps = card.route_shown(detail)
    if route:
        lines = []
        for step in route:
            who = f"decided by {step.decided_by}" if step.decided_by else step.approvers
            line = (
                f"{_STEP_MARK[step.status]} **{markdown(step.step)}** · {markdown(who)} · "
                f"_{markdown(step.reason)}_"
            )
            lines.append(clip_markdown(line, _ROUTE_LINE))
        if hidden_steps:
            lines.append(_see(markdown(more_steps(hidden_steps, status=None)), status))
        body.append(text_block("**Route**", spacing="Medium"))
        body += [text_block(t, spacing="Small") for t in _packed(lines)]
    if card.notice:
        body.append(
            text_block("🔎 " + escaped(clip(card.notice, detail.text)), isSubtle=True, size="Small")
        )
    events, earlier = card.timeline_shown(detail)
    if events:
        lines = [_see(markdown(earlier_events(earlier, status=None)), status)] if earlier else []
        lines += [
            clip_markdown(f"{card_time(e.at)} {markdown(e.text)}", _EVENT_LINE) for e in events
        ]
        texts = _packed(lines)
        body.append(text_block(texts[0], isSubtle=True, size="Small", spacing="Medium"))
        body += [text_block(t, isSubtle=True, size="Small", spacing="Small") for t in texts[1:]]
    actions = [_button(a, number=card.number) for a in card.actions]
    return adaptive_card(body, actions)


def _see(text: str, status: str | None) -> str:
    # Our own command in backticks: added after escaping, so it keeps its formatting.
    return f"{text} (type {status})" if status else text


def _packed(lines: list[str]) -> list[str]:
    """Lines as few TextBlock texts as they fit in (a blank line between: a paragraph each)."""
    return pack(lines, limits.TEXT_BLOCK, separator="\n\n", length=len)


def card_text(card: Card) -> str:
    """Notification text (shown in the activity feed and by screen readers)."""
    return clip(f"{card.number} · {card.title}: {card.status_text}", _SUMMARY, marker=ellipsis)


def note_card(text: str) -> dict[str, Any]:
    """A short note as a card (used where Teams needs a card, e.g. an invoke answer)."""
    return adaptive_card([text_block(escaped(text))])


def cancel_confirmation(card: Card) -> dict[str, Any]:
    """'Cancel PR-1042?' with Yes / Keep it, for the message `cancel PR-1042`."""
    cancel = next(a for a in card.actions if a.action is Action.CANCEL)
    return adaptive_card(
        [
            text_block(
                f"Cancel **{card.number} · {escaped(card.title)}**? Its approvers will be "
                "told and it can't be reopened."
            )
        ],
        [
            execute(
                f"Yes, cancel {card.number}",
                action_data(cancel),
                style="destructive",
                associated_inputs="none",
            ),
            execute(
                "Keep it",
                {ids.KIND: ids.KEEP, ids.REQUEST: card.request_id},
                associated_inputs="none",
            ),
        ],
    )
