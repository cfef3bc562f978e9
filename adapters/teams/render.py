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

from adapters.teams import ids, limits
from adapters.teams.limits import clip_markdown, markdown
from bot.domain import intake
from bot.domain.cards import (
    CARD,
    TEXT_LIMITS,
    Card,
    CardAction,
    Detail,
    Page,
    earlier_events,
    more_steps,
)
from bot.domain.clipping import clip, ellipsis, pack
from bot.domain.model import Category, DataAccess, Recurrence, StepStatus, vendor_key
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


def _escaped(text: str, limit: int = limits.TEXT_BLOCK) -> str:
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
        body.append(_text(_escaped(clip(notice, detail.text)), color="Attention", weight="Bolder"))
    body += [
        _text(_escaped(f"{card.number} · {card.title}"), size="Medium", weight="Bolder"),
        _text(
            _escaped(card.status_text),
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
                "items": [_text(_escaped(clip(card.headline, detail.text)))],
            }
        )
    body.append(
        {
            "type": "FactSet",
            "facts": [
                {"title": f.label, "value": _escaped(clip(f.value, detail.text))}
                for f in card.facts
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
        body.append(_text("**Route**", spacing="Medium"))
        body += [_text(t, spacing="Small") for t in _packed(lines)]
    if card.notice:
        body.append(
            _text("🔎 " + _escaped(clip(card.notice, detail.text)), isSubtle=True, size="Small")
        )
    events, earlier = card.timeline_shown(detail)
    if events:
        lines = [_see(markdown(earlier_events(earlier, status=None)), status)] if earlier else []
        lines += [
            clip_markdown(f"{card_time(e.at)} {markdown(e.text)}", _EVENT_LINE) for e in events
        ]
        texts = _packed(lines)
        body.append(_text(texts[0], isSubtle=True, size="Small", spacing="Medium"))
        body += [_text(t, isSubtle=True, size="Small", spacing="Small") for t in texts[1:]]
    actions = [_button(a, number=card.number) for a in card.actions]
    return _card(body, actions)


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
    return _card([_text(_escaped(text))])


def cancel_confirmation(card: Card) -> dict[str, Any]:
    """'Cancel PR-1042?' with Yes / Keep it, for the message `cancel PR-1042`."""
    cancel = next(a for a in card.actions if a.action is Action.CANCEL)
    return _card(
        [
            _text(
                f"Cancel **{card.number} · {_escaped(card.title)}**? Its approvers will be "
                "told and it can't be reopened."
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


def list_card(mine: Page[Card], *, empty: str, waiting: Page[Card] | None = None) -> dict[str, Any]:
    """`list`: what waits for this person's decision, then their own requests, a line each,
    a page of each with "Show more" for the next; lines shortened until the card fits."""
    waiting = waiting or Page(items=[], offset=0, total=0)
    if not mine.total and not waiting.total:
        return note_card(empty)
    for line in _LIST_LINES:
        listed = _list_card(mine, waiting, empty=empty, line=line)
        if limits.fits(listed):
            break
    return listed


def _list_card(mine: Page[Card], waiting: Page[Card], *, empty: str, line: int) -> dict[str, Any]:
    def lines(of: Sequence[Card]) -> list[dict[str, Any]]:
        return [
            _text(
                clip_markdown(
                    f"**{c.number}** · {markdown(c.title)} · {markdown(c.status_text)}", line
                ),
                spacing="Small",
            )
            for c in of
        ]

    body: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    if waiting.total:
        body += [_text("**Waiting for you**"), *lines(waiting.items)]
        body += _counted(waiting, "waiting for you")
        hint = f"Type `{ids.STATUS} {waiting.items[0].number}` to open it with its buttons."
        body.append(_text(hint, isSubtle=True, size="Small"))
        if waiting.next_offset is not None:
            more = {ids.WAITING_FROM: waiting.next_offset, ids.MINE_FROM: mine.offset}
            actions.append(_show_more("Show more waiting", more))
    body.append(_text("**Your requests**", spacing="Medium" if waiting.total else "Default"))
    body += lines(mine.items) if mine.total else [_text(_escaped(empty))]
    body += _counted(mine, "of your requests")
    if mine.next_offset is not None:
        more = {ids.WAITING_FROM: waiting.offset, ids.MINE_FROM: mine.next_offset}
        actions.append(_show_more("Show more of mine", more))
    return _card(body, actions)


_LIST_LINES = (600, 300, 150, 80)  # one request in a list, shortened until the list fits


def _counted(page: Page[Card], what: str) -> list[dict[str, Any]]:
    """'Showing 11–20 of 34 …' under a list that does not fit on one page."""
    if page.total <= len(page.items):
        return []
    return [_text(page.counted(what), isSubtle=True, size="Small", spacing="Small")]


def _show_more(title: str, offsets: dict[str, int]) -> dict[str, Any]:
    return _execute(title, {ids.KIND: ids.LIST_MORE, **offsets}, associated_inputs="none")


def list_offsets(data: Mapping[str, Any]) -> tuple[int, int]:
    """(waiting offset, my requests offset) a "Show more" button sent; 0, 0 if not ours."""
    try:
        offsets = (int(data.get(ids.WAITING_FROM, 0)), int(data.get(ids.MINE_FROM, 0)))
    except (TypeError, ValueError, OverflowError):
        return 0, 0
    return (offsets[0], offsets[1]) if all(0 <= o < 2**31 for o in offsets) else (0, 0)


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

    The same fields and rules as the Slack modal (bot/domain/intake.py). Every field is shown
    whatever the category: Adaptive Cards cannot react to a choice before submit, and the
    rules ignore billing and data access where the category does not need them. `vendors`
    are approved vendors: the first few are the vendor field's choices, and typing searches
    all of them (an `application/search` invoke); with none, only the new-vendor field shows.
    What the person typed is kept whole; the notice and the errors are shortened until the
    form fits Teams' message size.
    """
    for said in _FORM_NOTES:
        form = _intake_card(
            values=values,
            currencies=currencies,
            vendors=vendors,
            errors={name: clip(text, said) for name, text in (errors or {}).items()},
            notice=clip(notice, said) if notice else None,
            verb=verb,
            data=data,
            title=title,
            submit=submit,
        )
        if limits.fits(form):
            break
    return form


_FORM_NOTES = (limits.TEXT_BLOCK, 600, 200, 100)  # characters of the form's notice and errors


def _intake_card(
    *,
    values: Mapping[str, str],
    currencies: Sequence[str],
    vendors: Sequence[str],
    errors: Mapping[str, str],
    notice: str | None,
    verb: str,
    data: Mapping[str, Any] | None,
    title: str,
    submit: str,
) -> dict[str, Any]:
    errors = dict(errors)
    body: list[dict[str, Any]] = [_text(_escaped(title), size="Medium", weight="Bolder")]
    if notice:
        # The notice quotes other people's request titles: shown as typed.
        body.append({"type": "Container", "style": "emphasis", "items": [_text(_escaped(notice))]})
    if errors:
        body.append(_text("Please fix the fields marked below.", color="Attention"))
    values = _prefill(values)
    known = {vendor_key(v): v for v in vendors}
    vendor_value = values.get(intake.VENDOR) or ""
    chosen_vendor = known.get(vendor_key(vendor_value), "") if vendor_value else ""
    new_vendor = values.get(ids.VENDOR_NEW) or ("" if chosen_vendor else vendor_value)

    def add_error(name: str) -> None:
        if name in errors:
            body.append(
                _text(
                    _escaped(errors[name]),
                    color="Attention",
                    size="Small",
                    spacing="None",
                    id=f"{name}_error",
                )
            )

    def add(field: dict[str, Any], name: str, *, hint: str | None = None) -> None:
        field.setdefault("id", name)
        field.setdefault("label", intake.LABELS[name])
        body.append(field)
        if hint:
            body.append(_text(hint, isSubtle=True, size="Small", spacing="None"))
        add_error(name)

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
    if vendors:
        add(vendor_choices(vendors, chosen=chosen_vendor), intake.VENDOR)
    body.append(
        {
            "type": "Input.Text",
            "id": ids.VENDOR_NEW,
            "label": "Or a new vendor" if vendors else intake.LABELS[intake.VENDOR],
            "placeholder": "e.g. Figma",
            "value": new_vendor,
            "maxLength": intake.MAX_LENGTH[intake.VENDOR],
            "spacing": "Small" if vendors else "Default",
        }
    )
    if not vendors and intake.VENDOR in errors:
        # No choice set to hang the vendor's error under: the new-vendor field takes it.
        add_error(intake.VENDOR)
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


def vendor_choices(vendors: Sequence[str], *, chosen: str = "") -> dict[str, Any]:
    """The vendor field: a typeahead over approved vendors (Adaptive Cards 1.6 `Data.Query`,
    answered by the bot's `application/search`), the first few as its initial choices."""
    shown = list(vendors[: limits.CHOICES_STATIC])
    if chosen and chosen not in shown:
        shown.append(chosen)
    return {
        "type": "Input.ChoiceSet",
        "style": "filtered",
        "choices": [_choice(v) for v in shown],
        "choices.data": {
            "type": "Data.Query",
            "dataset": ids.VENDOR_DATASET,
            "count": limits.CHOICES_SHOWN,
        },
        "value": chosen,
        "placeholder": "Search approved vendors",
    }


def _choice(vendor: str) -> dict[str, str]:
    return {"title": clip(vendor, limits.CHOICE_TITLE, marker=ellipsis), "value": vendor}


def vendor_search_results(vendors: Sequence[str]) -> dict[str, Any]:
    """The value of an `application/search` answer: the vendors found, as choices."""
    return {"results": [_choice(v) for v in vendors[: limits.CHOICES_SHOWN]]}


def _prefill(values: Mapping[str, str]) -> dict[str, str]:
    """Values within each field's maxLength: a prefill from `buy <long text>` may be longer,
    and Teams would show what the field then refuses to submit."""
    return {
        name: clip(value, intake.MAX_LENGTH[name], length=len, marker=lambda _: "")
        if name in intake.MAX_LENGTH
        else value
        for name, value in values.items()
    }


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
