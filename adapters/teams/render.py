"""Adaptive Card 1.5 rendering: pure functions from the neutral card (and form values) to JSON.

Nothing here touches the network or the database, so it is tested by snapshot. Buttons are
Action.Execute (Universal Actions): Teams sends them as `adaptiveCard/action` invokes and
replaces the clicked card with the card the bot answers, so a decision shows at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.teams import ids
from bot import intake
from bot.cards import TEXT_LIMITS, Card, CardAction
from bot.model import Category, DataAccess, Recurrence, StepStatus
from bot.workflow import Action

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


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> dict:
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


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _escape(text: str) -> str:
    """Adaptive Card markdown would format user text ('**bold**', '[x](y)'): show it as typed."""
    for char in "\\*_[]":
        text = text.replace(char, "\\" + char)
    return text


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


def _execute(
    title: str,
    data: dict[str, Any],
    *,
    style: str | None = None,
    associated_inputs: str | None = None,
) -> dict[str, Any]:
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
                "actions": [_execute(send, data, style=style)],
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
                "body": [_text(question.format(number=number))],
                "actions": [_execute(button, data, style="destructive", associated_inputs="none")],
            },
        }
    return _execute(action.label, data, style=style, associated_inputs="none")


def render_card(card: Card, *, timeline: int = 6, notice: str | None = None) -> dict[str, Any]:
    """The Adaptive Card of a request; `notice` is a one-off line for the person who clicked."""
    body: list[dict[str, Any]] = []
    if notice:
        body.append(_text(_escape(notice), color="Attention", weight="Bolder"))
    body += [
        _text(_escape(f"{card.number} · {card.title}"), size="Medium", weight="Bolder"),
        _text(
            _escape(card.status_text),
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
                "items": [_text(_escape(card.headline))],
            }
        )
    body.append(
        {
            "type": "FactSet",
            "facts": [{"title": f.label, "value": _escape(f.value)} for f in card.facts],
        }
    )
    if card.route:
        lines = []
        for step in card.route:
            who = f"decided by {step.decided_by}" if step.decided_by else step.approvers
            lines.append(
                f"{_STEP_MARK[step.status]} **{_escape(step.step)}** · {_escape(who)} · "
                f"_{_escape(step.reason)}_"
            )
        body.append(_text("**Route**", spacing="Medium"))
        body.append(_text("\n\n".join(lines), spacing="Small"))
    if card.notice:
        body.append(_text("🔎 " + _escape(card.notice), isSubtle=True, size="Small"))
    if card.timeline:
        recent = card.timeline[-timeline:]
        lines = [f"{card_time(e.at)} {_escape(e.text)}" for e in recent]
        body.append(_text("\n\n".join(lines), isSubtle=True, size="Small", spacing="Medium"))
    actions = [_button(a, number=card.number) for a in card.actions]
    return _card(body, actions)


def card_text(card: Card) -> str:
    """Notification text (shown in the activity feed and by screen readers)."""
    return f"{card.number} · {card.title}: {card.status_text}"


def note_card(text: str) -> dict[str, Any]:
    """A short note as a card (used where Teams needs a card, e.g. an invoke answer)."""
    return _card([_text(_escape(text))])


def cancel_confirmation(card: Card) -> dict[str, Any]:
    """'Cancel PR-1042?' with Yes / Keep it, for the message `cancel PR-1042`."""
    cancel = next(a for a in card.actions if a.action is Action.CANCEL)
    return _card(
        [
            _text(
                f"Cancel **{card.number} · {_escape(card.title)}**? Its approvers will be told "
                "and it can't be reopened."
            )
        ],
        [
            _execute(
                f"Yes, cancel {card.number}",
                action_data(cancel),
                style="destructive",
                associated_inputs="none",
            ),
            _execute(
                "Keep it",
                {ids.KIND: ids.KEEP, ids.REQUEST: card.request_id},
                associated_inputs="none",
            ),
        ],
    )


def list_card(cards: Sequence[Card], *, empty: str, waiting: Sequence[Card] = ()) -> dict[str, Any]:
    """`list`: what waits for this person's decision, then their own requests, a line each."""
    if not cards and not waiting:
        return note_card(empty)

    def lines(of: Sequence[Card]) -> str:
        return "\n\n".join(
            f"**{c.number}** · {_escape(c.title)} · {_escape(c.status_text)}" for c in of
        )

    body: list[dict[str, Any]] = []
    if waiting:
        body += [_text("**Waiting for you**"), _text(lines(waiting))]
        hint = f"Type `{ids.STATUS} {waiting[0].number}` to open it with its buttons."
        body.append(_text(hint, isSubtle=True, size="Small"))
    body.append(_text("**Your requests**", spacing="Medium" if waiting else "Default"))
    body.append(_text(lines(cards) if cards else empty))
    return _card(body)


def help_text() -> str:
    """What the bot understands, as a Teams message (markdown)."""
    return (
        "**procurebot** takes IT purchase requests and routes them to the right approvers.\n\n"
        f"- `{ids.BUY}` opens the request form\n"
        f"- `{ids.BUY} 3 Figma Professional seats $45/mo` opens it prefilled\n"
        f"- `{ids.LIST}` shows your requests\n"
        f"- `{ids.STATUS} PR-1042` shows one request\n"
        f"- `{ids.CANCEL} PR-1042` withdraws a request that is not yet approved\n\n"
        "Approvers get a card in this chat with Approve, Reject and Ask a question."
    )


def channel_text(conversation_id: str) -> str:
    """What the bot says in a team's channel: what it does there, and the id the policy
    needs to post the weekly digest in this channel."""
    channel = conversation_id.split(";", 1)[0]  # a thread's id ends in ;messageid=...
    return (
        "In a team I only post the weekly procurement digest. To ask for something, open "
        f"a personal chat with procurebot and type `{ids.BUY}`.\n\n"
        f'To get the digest in this channel, set `digest.teams_channel: "{channel}"` in '
        "the purchasing policy."
    )


# --------------------------------------------------------------------------- the intake form

_CATEGORY_CHOICES = [{"title": c.label, "value": c.value} for c in Category]
_RECURRENCE_CHOICES = [{"title": r.label, "value": r.value} for r in Recurrence]
_DATA_CHOICES = [{"title": d.label, "value": d.value} for d in DataAccess]


def intake_card(
    *,
    values: Mapping[str, str],
    currencies: Sequence[str],
    vendors: Sequence[str],
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
    verb: str = ids.INTAKE_SUBMIT,
    data: Mapping[str, Any] | None = None,
    title: str = "New purchase request",
    submit: str = "Submit",
) -> dict[str, Any]:
    """The request form, prefilled with `values`, each error shown under its field.

    The same fields and rules as the Slack modal (bot/intake.py). Every field is shown
    whatever the category: Adaptive Cards cannot react to a choice before submit, and the
    rules ignore billing and data access where the category does not need them.
    """
    errors = dict(errors or {})
    body: list[dict[str, Any]] = [_text(title, size="Medium", weight="Bolder")]
    if notice:
        body.append({"type": "Container", "style": "emphasis", "items": [_text(notice)]})
    if errors:
        body.append(_text("Please fix the fields marked below.", color="Attention"))
    known = {v.casefold(): v for v in vendors}
    vendor_value = values.get(intake.VENDOR) or ""
    chosen_vendor = known.get(vendor_value.casefold(), "")
    new_vendor = values.get(ids.VENDOR_NEW) or ("" if chosen_vendor else vendor_value)

    def add(field: dict[str, Any], name: str, *, hint: str | None = None) -> None:
        field.setdefault("id", name)
        field.setdefault("label", intake.LABELS[name])
        body.append(field)
        if hint:
            body.append(_text(hint, isSubtle=True, size="Small", spacing="None"))
        if name in errors:
            body.append(
                _text(
                    errors[name],
                    color="Attention",
                    size="Small",
                    spacing="None",
                    id=f"{name}_error",
                )
            )

    def text_input(name: str, *, placeholder: str = "", multiline: bool = False) -> dict:
        field: dict[str, Any] = {"type": "Input.Text", "value": values.get(name) or ""}
        if placeholder:
            field["placeholder"] = placeholder
        if multiline:
            field["isMultiline"] = True
        if name in intake.MAX_LENGTH:
            field["maxLength"] = intake.MAX_LENGTH[name]
        return field

    def choice(name: str, choices: list[dict[str, str]], default: str, **extra: Any) -> dict:
        return {
            "type": "Input.ChoiceSet",
            "choices": choices,
            "value": values.get(name) or default,
            **extra,
        }

    add(text_input(intake.TITLE, placeholder="e.g. 3 Figma Professional seats"), intake.TITLE)
    add(
        choice(intake.CATEGORY, _CATEGORY_CHOICES, "", style="compact", placeholder="Pick one"),
        intake.CATEGORY,
    )
    add(
        {
            "type": "Input.ChoiceSet",
            "style": "filtered",
            "choices": [{"title": v, "value": v} for v in vendors],
            "value": chosen_vendor,
            "placeholder": "Pick a vendor we already use",
        },
        intake.VENDOR,
    )
    body.append(
        {
            "type": "Input.Text",
            "id": ids.VENDOR_NEW,
            "label": "Or a new vendor",
            "placeholder": "e.g. Figma",
            "value": new_vendor,
            "maxLength": intake.MAX_LENGTH[intake.VENDOR],
            "spacing": "Small",
        }
    )
    add(_number_input(values.get(intake.UNIT_PRICE), minimum=0), intake.UNIT_PRICE)
    currency_choices = [{"title": c, "value": c} for c in currencies]
    add(choice(intake.CURRENCY, currency_choices, currencies[0], style="compact"), intake.CURRENCY)
    add(_number_input(values.get(intake.QUANTITY) or "1", minimum=1), intake.QUANTITY)
    add(
        choice(intake.RECURRENCE, _RECURRENCE_CHOICES, "one_off", style="expanded"),
        intake.RECURRENCE,
        hint="Hardware is always one-off.",
    )
    add(text_input(intake.COST_CENTRE, placeholder="e.g. Design"), intake.COST_CENTRE)
    add({"type": "Input.Date", "value": values.get(intake.NEEDED_BY) or ""}, intake.NEEDED_BY)
    add(
        choice(intake.DATA_ACCESS, _DATA_CHOICES, "none", style="compact"),
        intake.DATA_ACCESS,
        hint="Security reviews anything that touches confidential or personal data.",
    )
    add(
        text_input(
            intake.JUSTIFICATION,
            placeholder="Who needs it, for what, and what happens without it",
            multiline=True,
        ),
        intake.JUSTIFICATION,
    )
    link = text_input(intake.LINK)
    link["style"] = "Url"
    add(link, intake.LINK)
    add(
        {"type": "Input.Date", "value": values.get(intake.RENEWAL_DATE) or ""},
        intake.RENEWAL_DATE,
        hint="For subscriptions: when it renews, so we remind you in time.",
    )
    payload = {ids.KIND: verb, **(data or {})}
    return _card(body, [_execute(submit, payload, style="positive")])


def _number_input(raw: str | None, *, minimum: int) -> dict[str, Any]:
    """An Input.Number; its value must be a JSON number, so text that is none is left out."""
    field: dict[str, Any] = {"type": "Input.Number", "min": minimum}
    try:
        number = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return field
    if number.is_finite():
        field["value"] = int(number) if number == number.to_integral_value() else float(number)
    return field


def _as_text(value: Any) -> str:
    # Clients may send an Input.Number as a JSON number: 3.0 must read as '3', not '3.0'.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def form_values(data: Mapping[str, Any]) -> dict[str, str]:
    """The intake field values (as strings) from what a form submit sent."""
    values = {name: _as_text(data.get(name)) for name in intake.FIELDS}
    values = {name: value for name, value in values.items() if value}
    new_vendor = str(data.get(ids.VENDOR_NEW) or "").strip()
    if new_vendor:
        values[intake.VENDOR] = new_vendor  # typed beats picked: the list only offers old ones
    return values
