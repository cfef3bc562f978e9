"""Block Kit rendering: pure functions from the neutral card (and form values) to Slack JSON.

Nothing here touches the network or the database, so it is tested by snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    ExternalDataSelectElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UrlInputElement,
)
from slack_sdk.models.views import View

from adapters.slack import ids, limits
from adapters.slack.limits import clip_mrkdwn, clip_plain, clip_value, mrkdwn
from bot.domain import intake
from bot.domain.cards import (
    CARD,
    HOME,
    TEXT_LIMITS,
    Card,
    CardAction,
    Detail,
    Page,
    earlier_events,
    more_steps,
)
from bot.domain.clipping import clip, pack
from bot.domain.model import Category, DataAccess, Recurrence, StepStatus, vendor_key
from bot.domain.workflow import Action

_STATUS_EMOJI = {
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


def _section(text: str) -> SectionBlock:
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


def _button(action: CardAction) -> ButtonElement:
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
    emoji = _STATUS_EMOJI.get(card.status.value, "")
    heading = f"{card.number} · {card.title}"
    header = clip_plain(heading, limits.HEADER_TEXT)
    status = f"{emoji} *{mrkdwn(card.status_text)}*"
    if header != heading:  # the header had to be cut: the whole title leads the card
        status = f"*{mrkdwn(card.title)}*\n{status}"
    blocks: list[Block] = [HeaderBlock(text=header), _section(status)]
    if card.headline:
        blocks.append(_section(f">{mrkdwn(card.headline)}"))
    short = [f for f in card.facts if len(f.value) <= _LONG_FACT]
    fields = [
        MarkdownTextObject(text=clip_mrkdwn(f"*{f.label}*\n{mrkdwn(f.value)}", limits.FIELD_TEXT))
        for f in short
    ]
    for start in range(0, len(fields), limits.FIELDS_PER_SECTION):
        blocks.append(SectionBlock(fields=fields[start : start + limits.FIELDS_PER_SECTION]))
    for fact in card.facts:
        if len(fact.value) > _LONG_FACT:
            blocks.append(_section(f"*{fact.label}*\n{mrkdwn(clip(fact.value, detail.text))}"))
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
        blocks += [_section(text) for text in _packed(lines, limits.SECTION_TEXT)]
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
                elements=[_button(a) for a in card.actions],
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
    return [_section(mrkdwn(text)).to_dict()]


# --------------------------------------------------------------------------- the intake modal

_CATEGORY_OPTIONS = [Option(value=c.value, text=c.label) for c in Category]
_RECURRENCE_OPTIONS = [Option(value=r.value, text=r.label) for r in Recurrence]
_DATA_OPTIONS = [Option(value=d.value, text=d.label) for d in DataAccess]


def _option(options: Sequence[Option], value: str | None) -> Option | None:
    return next((o for o in options if o.value == value), None)


def intake_modal(
    *,
    values: Mapping[str, str],
    currencies: Sequence[str],
    callback_id: str = ids.INTAKE,
    metadata: str = "",
    title: str = "New purchase request",
    submit: str = "Submit",
    notice: str | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """The /buy form, prefilled with `values`; fields the category doesn't need are hidden."""
    values = _prefill(values)
    category = values.get(intake.CATEGORY) or ""
    try:
        chosen = Category(category)
    except ValueError:
        chosen = None
    recurring = chosen is None or chosen in intake.RECURRING_CATEGORIES
    touches_data = chosen is None or chosen in intake.DATA_CATEGORIES
    currency_options = [Option(value=c, text=c) for c in currencies]

    def text_input(
        name: str,
        *,
        multiline: bool = False,
        placeholder: str = "",
        optional: bool = False,
        hint: str | None = None,
    ) -> InputBlock:
        return InputBlock(
            block_id=name,
            label=intake.LABELS[name],
            optional=optional,
            hint=hint,
            element=PlainTextInputElement(
                action_id=name,
                multiline=multiline,
                initial_value=values.get(name) or None,
                placeholder=placeholder or None,
                max_length=intake.MAX_LENGTH.get(name),
            ),
        )

    def date_input(name: str, *, hint: str | None = None) -> InputBlock:
        return InputBlock(
            block_id=name,
            label=intake.LABELS[name],
            optional=True,
            hint=hint,
            element=DatePickerElement(action_id=name, initial_date=values.get(name) or None),
        )

    blocks: list[Block] = []
    if notice:
        # The notice quotes other people's request titles: escaped so they cannot link or ping.
        blocks.append(_section(mrkdwn(notice)))
    blocks += [
        text_input(intake.TITLE, placeholder="e.g. 3 Figma Professional seats"),
        InputBlock(
            block_id=intake.CATEGORY,
            label=intake.LABELS[intake.CATEGORY],
            dispatch_action=True,
            element=StaticSelectElement(
                action_id=intake.CATEGORY,
                options=_CATEGORY_OPTIONS,
                initial_option=_option(_CATEGORY_OPTIONS, category),
                placeholder="Pick one",
            ),
        ),
        InputBlock(
            block_id=intake.VENDOR,
            label=intake.LABELS[intake.VENDOR],
            hint="Type to search the vendor registry, or add a new vendor.",
            element=ExternalDataSelectElement(
                action_id=ids.VENDOR_SUGGEST,
                placeholder="e.g. Figma",
                min_query_length=1,
                initial_option=_vendor_option(values.get(intake.VENDOR) or ""),
            ),
        ),
        InputBlock(
            block_id=intake.UNIT_PRICE,
            label=intake.LABELS[intake.UNIT_PRICE],
            element=NumberInputElement(
                action_id=intake.UNIT_PRICE,
                is_decimal_allowed=True,
                initial_value=values.get(intake.UNIT_PRICE) or None,
                placeholder="e.g. 45",
            ),
        ),
        InputBlock(
            block_id=intake.CURRENCY,
            label=intake.LABELS[intake.CURRENCY],
            element=StaticSelectElement(
                action_id=intake.CURRENCY,
                options=currency_options,
                initial_option=_option(
                    currency_options, values.get(intake.CURRENCY) or currencies[0]
                ),
            ),
        ),
        InputBlock(
            block_id=intake.QUANTITY,
            label=intake.LABELS[intake.QUANTITY],
            element=NumberInputElement(
                action_id=intake.QUANTITY,
                is_decimal_allowed=False,
                initial_value=values.get(intake.QUANTITY) or "1",
                min_value="1",
            ),
        ),
    ]
    if recurring:
        blocks.append(
            InputBlock(
                block_id=intake.RECURRENCE,
                label=intake.LABELS[intake.RECURRENCE],
                element=RadioButtonsElement(
                    action_id=intake.RECURRENCE,
                    options=_RECURRENCE_OPTIONS,
                    initial_option=_option(
                        _RECURRENCE_OPTIONS, values.get(intake.RECURRENCE) or "one_off"
                    ),
                ),
            )
        )
    blocks.append(text_input(intake.COST_CENTRE, placeholder="e.g. Design"))
    blocks.append(date_input(intake.NEEDED_BY))
    if touches_data:
        blocks.append(
            InputBlock(
                block_id=intake.DATA_ACCESS,
                label=intake.LABELS[intake.DATA_ACCESS],
                hint="Security reviews anything that touches confidential or personal data.",
                element=StaticSelectElement(
                    action_id=intake.DATA_ACCESS,
                    options=_DATA_OPTIONS,
                    initial_option=_option(_DATA_OPTIONS, values.get(intake.DATA_ACCESS) or "none"),
                ),
            )
        )
    blocks.append(
        text_input(
            intake.JUSTIFICATION,
            multiline=True,
            placeholder="Who needs it, for what, and what happens without it",
        )
    )
    blocks.append(
        InputBlock(
            block_id=intake.LINK,
            label=intake.LABELS[intake.LINK],
            optional=True,
            element=UrlInputElement(
                action_id=intake.LINK, initial_value=values.get(intake.LINK) or None
            ),
        )
    )
    if recurring:
        blocks.append(
            date_input(
                intake.RENEWAL_DATE,
                hint="For subscriptions: when it renews, so we remind you in time.",
            )
        )
    view = View(
        type="modal",
        callback_id=callback_id,
        title=clip_plain(title, limits.VIEW_TITLE),
        submit=submit,
        close="Cancel",
        private_metadata=metadata,
        blocks=blocks,
    )
    return view.to_dict()


_NEW_VENDOR = "New vendor: "


def _vendor_option(name: str) -> Option | None:
    name = clip_value(name.strip(), intake.MAX_LENGTH[intake.VENDOR])
    return Option(value=name, text=clip_plain(name, limits.OPTION_TEXT)) if name else None


def vendor_options(*, typed: str, vendors: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """Typeahead options: registry vendors as (name, status) in the order given, then what
    was typed as a new vendor unless it already names one of them."""
    limit = intake.MAX_LENGTH[intake.VENDOR]  # what the form accepts, within Slack's 150
    options = [
        Option(
            value=clip_value(name, limit),
            text=clip_plain(f"{name} · {status}", limits.OPTION_TEXT),
        )
        for name, status in vendors
    ]
    typed = clip_value(" ".join(typed.split()), limit)
    key = vendor_key(typed)
    if key and all(vendor_key(name) != key for name, _ in vendors):
        options.append(
            Option(value=typed, text=clip_plain(f"{_NEW_VENDOR}{typed}", limits.OPTION_TEXT))
        )
    return [o.to_dict() for o in options[: limits.OPTIONS]]


def form_values(state_values: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, str]:
    """The intake field values (as strings) from a view's state.values."""
    values: dict[str, str] = {}
    for block_id, actions in state_values.items():
        for action in actions.values():
            if not isinstance(action, Mapping):
                continue
            kind = action.get("type")
            if kind in ("static_select", "radio_buttons", "external_select"):
                selected = action.get("selected_option") or {}
                value = selected.get("value") if isinstance(selected, Mapping) else None
            elif kind == "datepicker":
                value = action.get("selected_date")
            else:
                value = action.get("value")
            if value is not None:
                values[block_id] = str(value)
    return values


_DATES = (intake.NEEDED_BY, intake.RENEWAL_DATE)


def _prefill(values: Mapping[str, str]) -> dict[str, str]:
    """Values Slack accepts as initial values: ISO dates only, text within the field's limit.

    Prefills come from what people typed (a /buy one-liner, the modal's state), so a value
    Slack would refuse must not cost them the whole form.
    """
    cleaned: dict[str, str] = {}
    for name, value in values.items():
        if name in _DATES:
            try:
                date.fromisoformat(value)
            except ValueError:
                continue
            if len(value) != len("YYYY-MM-DD"):
                continue
        cleaned[name] = clip_value(value, intake.MAX_LENGTH.get(name, limits.INITIAL_VALUE))
    return cleaned


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
        blocks.append(_section(mrkdwn(prompt)))
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


_LIST_LINE = 600  # one request in a list: number, title, where it is


def request_line(card: Card) -> str:
    """One mrkdwn line for lists: number, title, status."""
    emoji = _STATUS_EMOJI.get(card.status.value, "")
    line = f"{emoji} *{card.number}* · {mrkdwn(card.title)} · {mrkdwn(card.status_text)}"
    return clip_mrkdwn(line, _LIST_LINE)


def more_value(*, waiting: int = 0, mine: int = 0) -> str:
    """The value of a "Show more" button: where each list of the page starts."""
    return json.dumps({"w": waiting, "m": mine}, separators=(",", ":"))


def parse_more_value(value: str | None) -> tuple[int, int]:
    """(waiting offset, my requests offset) from a "Show more" button; 0, 0 if not ours."""
    try:
        data = json.loads(value or "")
        offsets = (int(data.get("w", 0)), int(data.get("m", 0)))
    except (ValueError, TypeError, AttributeError, OverflowError):
        return 0, 0
    return (offsets[0], offsets[1]) if all(0 <= o < 2**31 for o in offsets) else (0, 0)


def _show_more(
    page: Page[Card], what: str, *, action_id: str, value: str | None, block_id: str = ""
) -> list[dict[str, Any]]:
    """'Showing 1–10 of 34 requests' and, unless it is the last page, a Show more button."""
    blocks: list[Block] = [ContextBlock(elements=[MarkdownTextObject(text=page.counted(what))])]
    if value is not None:
        button = ButtonElement(text="Show more", action_id=action_id, value=value)
        blocks.append(ActionsBlock(block_id=block_id or action_id, elements=[button]))
    return [b.to_dict() for b in blocks]


def list_blocks(page: Page[Card], *, empty: str) -> list[dict[str, Any]]:
    """`/buy list`: one line a request, a page at a time."""
    if not page.total:
        return [_section(empty).to_dict()]  # our own words, with their `code`
    blocks = [_section(request_line(c)).to_dict() for c in page.items]
    if page.total > len(page.items):
        more = None if page.next_offset is None else more_value(mine=page.next_offset)
        blocks += _show_more(page, "requests", action_id=ids.LIST_MORE, value=more)
    return blocks


def home_view(*, mine: Page[Card], waiting: Page[Card]) -> dict[str, Any]:
    """App Home: what waits for me (full cards with buttons) and my requests, a page of each,
    within Slack's 100 blocks whatever their size."""
    tail = [*_home_mine(mine, waiting=waiting.offset), _home_help()]
    blocks = [HeaderBlock(text="Waiting for you").to_dict()]
    if not waiting.total:
        blocks += note_blocks("Nothing waits for your approval.")
    shown = 0
    room = limits.VIEW_BLOCKS - len(tail) - 2  # and the count with its Show more
    for card in waiting.items:
        rendered = render_card(card, detail=HOME)
        if len(blocks) + len(rendered) > room:
            break
        blocks += rendered
        shown += 1
    if waiting.total > shown:
        page = Page(items=waiting.items[:shown], offset=waiting.offset, total=waiting.total)
        more = page.next_offset
        value = None if more is None else more_value(waiting=more, mine=mine.offset)
        blocks += _show_more(page, "waiting for you", action_id=ids.HOME_MORE, value=value)
    return View(type="home", blocks=[*blocks, *tail]).to_dict()


def _home_mine(mine: Page[Card], *, waiting: int) -> list[dict[str, Any]]:
    blocks = [HeaderBlock(text="My requests").to_dict()]
    if not mine.total:
        blocks += note_blocks(f"No requests yet. Type {ids.COMMAND} to ask for something.")
    for card in mine.items:
        blocks.append(_section(request_line(card)).to_dict())
        if card.actions:
            blocks.append(
                ActionsBlock(
                    block_id=f"{ids.CARD_ACTIONS_BLOCK}:{card.request_id}",
                    elements=[_button(a) for a in card.actions],
                ).to_dict()
            )
    if mine.total > len(mine.items):
        more = mine.next_offset
        value = None if more is None else more_value(waiting=waiting, mine=more)
        blocks += _show_more(
            mine, "of your requests", action_id=ids.HOME_MORE, value=value, block_id="mine_more"
        )
    return blocks


def _home_help() -> dict[str, Any]:
    return ContextBlock(
        elements=[
            MarkdownTextObject(
                text=f"`{ids.COMMAND}` new request · `{ids.COMMAND} list` · "
                f"`{ids.COMMAND} status PR-1042` · `{ids.COMMAND} help`"
            )
        ]
    ).to_dict()


HELP = (
    "*procurebot* takes IT purchase requests and routes them to the right approvers.\n"
    f"• `{ids.COMMAND}` opens the request form\n"
    f"• `{ids.COMMAND} 3 Figma Professional seats $45/mo` opens it prefilled\n"
    f"• `{ids.COMMAND} list` shows your requests\n"
    f"• `{ids.COMMAND} status PR-1042` shows one request\n"
    f"• `{ids.COMMAND} cancel PR-1042` withdraws a request that is not yet approved\n"
    "Approvers get a card in this DM; the Home tab lists what waits for you."
)
