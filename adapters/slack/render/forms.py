"""Block Kit for the modals: the intake form, its vendor typeahead, the one-field reason form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    ExternalDataSelectElement,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
    UrlInputElement,
)
from slack_sdk.models.views import View

from adapters.slack import ids, limits
from adapters.slack.limits import clip_plain, clip_value, mrkdwn
from adapters.slack.render.cards import section
from bot.domain import intake
from bot.domain.model import Category, DataAccess, Recurrence, vendor_key

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

    blocks: list[Block] = [
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
            # Slack keeps no typed text in an external select: only a picked option counts.
            hint='Type to search the vendor registry; for a new vendor pick "New vendor: …".',
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
    if notice:
        # Last, just above Submit (which now says "Submit anyway"), where the person looks.
        # It quotes other people's request titles: escaped so they cannot link or ping (the
        # emoji outside the escape, which would turn its underscore into a lookalike).
        blocks.append(section(f":information_source: {mrkdwn(notice)}"))
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
