"""Block Kit forms as Slack's client handles them: find elements, build and check state."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .blockkit import interactive_elements

JSON = dict[str, Any]
Resolve = Callable[[str], str]

TEXT_INPUTS = {"plain_text_input", "number_input", "email_text_input", "url_text_input"}
SINGLE_SELECTS = {"static_select", "external_select", "radio_buttons", "overflow"}
MULTI_SELECTS = {"multi_static_select", "multi_external_select", "checkboxes"}
# Element type -> (state key, initial_* key) for the pickers whose value is a plain id or string.
PICKERS = {
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "channels_select": ("selected_channel", "initial_channel"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
}
STATELESS = {"button", "overflow", "workflow_button", "image"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://\S+$")


class ElementNotFound(LookupError):
    """No element (or more than one) in the blocks matches what a test or the page asked for."""


class ClientValidationError(ValueError):
    """Slack's client would refuse to submit: `errors` maps block_id to the message it shows."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def elements(blocks: list[JSON]) -> Iterator[tuple[JSON, JSON]]:
    """Every (block, interactive element) pair in blocks, in order."""
    for block in blocks:
        for element in interactive_elements(block):
            yield block, element


def find_element(
    blocks: list[JSON], action_id: str, *, block_id: str | None = None, value: str | None = None
) -> tuple[JSON, JSON]:
    """The one element with this action_id (and block_id, and button value when given)."""
    found = [
        (b, e)
        for b, e in elements(blocks)
        if e.get("action_id") == action_id and block_id in (None, b.get("block_id"))
    ]
    if value is not None:
        # A value only narrows buttons; for selects it is the choice, not a filter.
        buttons = [(b, e) for b, e in found if e.get("type") == "button"]
        if buttons:
            found = [(b, e) for b, e in buttons if e.get("value") == value]
    if len(found) != 1:
        where = f" in block {block_id!r}" if block_id else ""
        what = "no element" if not found else f"{len(found)} elements"
        raise ElementNotFound(f"{what} with action_id {action_id!r}{where} (value={value!r})")
    return found[0]


def find_input(blocks: list[JSON], label: str) -> JSON:
    """The input block whose label text is `label` (exactly, else ignoring case and a final '*')."""
    inputs = [b for b in blocks if b.get("type") == "input"]
    for exact in (True, False):
        for block in inputs:
            text = str((block.get("label") or {}).get("text", ""))
            if text == label or (not exact and _loose(text) == _loose(label)):
                return block
    labels = [str((b.get("label") or {}).get("text", "")) for b in inputs]
    raise ElementNotFound(f"no input labelled {label!r}; labels are {labels}")


def _loose(text: str) -> str:
    return text.strip().rstrip("*").strip().casefold()


def options_of(element: JSON) -> list[JSON]:
    """The options of a select, radio, checkbox or overflow element, groups flattened."""
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def option_text(option: JSON) -> str:
    """The visible text of an option."""
    return str((option.get("text") or {}).get("text", ""))


def pick_option(options: list[JSON], wanted: Any) -> JSON:
    """The option whose value or text is `wanted` (an option dict is taken as is)."""
    if isinstance(wanted, dict):
        return wanted
    wanted = str(wanted)
    folded = wanted.casefold()
    exact = [o for o in options if o.get("value") == wanted or option_text(o) == wanted]
    loose = [o for o in options if option_text(o).casefold() == folded]
    # A partial match counts only when it is unambiguous, as a person would judge it.
    partial = [o for o in options if folded in option_text(o).casefold()]
    for hits in (exact, loose):
        if hits:
            return hits[0]
    if len(partial) == 1:
        return partial[0]
    raise ElementNotFound(f"no option {wanted!r}; options are {[option_text(o) for o in options]}")


def initial_entry(element: JSON) -> JSON:
    """The state Slack reports for an element the user has not touched."""
    kind = str(element.get("type"))
    entry: JSON = {"type": kind}
    if kind in TEXT_INPUTS:
        entry["value"] = element.get("initial_value")
    elif kind in SINGLE_SELECTS:
        entry["selected_option"] = element.get("initial_option")
    elif kind in MULTI_SELECTS:
        entry["selected_options"] = list(element.get("initial_options") or [])
    elif kind in PICKERS:
        key, initial = PICKERS[kind]
        default: list[str] | None = [] if kind.startswith("multi_") else None
        entry[key] = element.get(initial, default)
    elif kind == "rich_text_input":
        entry["rich_text_value"] = element.get("initial_value")
    elif kind == "file_input":
        entry["files"] = []
    return entry


def entry_for(
    element: JSON,
    value: Any,
    *,
    user_id: Resolve | None = None,
    channel_id: Resolve | None = None,
    options: list[JSON] | None = None,
) -> JSON:
    """The state entry for `value` typed or picked the way a person would, by element type."""
    kind = str(element.get("type"))
    entry: JSON = {"type": kind}
    if isinstance(value, dict) and value.get("type") == kind:
        return dict(value)  # already a raw state entry
    choices = options if options is not None else options_of(element)
    if value is None:
        return initial_entry({"type": kind})
    if kind in TEXT_INPUTS:
        entry["value"] = str(value)
    elif kind in SINGLE_SELECTS:
        entry["selected_option"] = pick_option(choices, value)
    elif kind in MULTI_SELECTS:
        wanted = value if isinstance(value, list | tuple | set) else [value]
        entry["selected_options"] = [pick_option(choices, w) for w in wanted]
    elif kind in PICKERS:
        key, _ = PICKERS[kind]
        entry[key] = _picker_value(kind, value, user_id=user_id, channel_id=channel_id)
    elif kind == "rich_text_input":
        entry["rich_text_value"] = _rich_text(str(value))
    else:
        raise ElementNotFound(f"cannot fill a {kind} element")
    return entry


def _picker_value(
    kind: str, value: Any, *, user_id: Resolve | None, channel_id: Resolve | None
) -> Any:
    if kind.startswith("multi_"):
        single = kind.removeprefix("multi_")
        items = value if isinstance(value, list | tuple) else [value]
        return [_picker_value(single, v, user_id=user_id, channel_id=channel_id) for v in items]
    if kind == "users_select":
        return user_id(str(value)) if user_id else str(value)
    if kind in ("conversations_select", "channels_select"):
        return channel_id(str(value)) if channel_id else str(value)
    if kind == "datepicker":
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if kind == "timepicker":
        return value.strftime("%H:%M") if isinstance(value, dt.time) else str(value)
    return int(value.timestamp()) if isinstance(value, dt.datetime) else int(value)


def _rich_text(text: str) -> JSON:
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return {"type": "rich_text", "elements": [section]}


def state_values(
    blocks: list[JSON], edits: Mapping[str, Mapping[str, JSON]]
) -> dict[str, dict[str, JSON]]:
    """view.state.values: every stateful element, with the user's edits over the initial values."""
    values: dict[str, dict[str, JSON]] = {}
    for block, element in elements(blocks):
        if element.get("type") in STATELESS:
            continue
        block_id, action_id = str(block.get("block_id")), str(element.get("action_id"))
        edited = edits.get(block_id, {}).get(action_id)
        values.setdefault(block_id, {})[action_id] = edited or initial_entry(element)
    return values


def is_empty(entry: JSON) -> bool:
    """Whether a state entry holds nothing (what Slack's client treats as a missing answer)."""
    return all(v in (None, "", []) for k, v in entry.items() if k != "type")


def validate(blocks: list[JSON], values: Mapping[str, Mapping[str, JSON]]) -> dict[str, str]:
    """The errors Slack's client shows before it lets a person submit the modal."""
    errors: dict[str, str] = {}
    for block in blocks:
        element = block.get("element")
        if block.get("type") != "input" or not isinstance(element, dict):
            continue
        block_id = str(block.get("block_id"))
        entry = values.get(block_id, {}).get(str(element.get("action_id"))) or initial_entry(
            element
        )
        if is_empty(entry):
            if not block.get("optional"):
                errors[block_id] = "Please complete this required field."
            continue
        problem = _check_entry(element, entry)
        if problem:
            errors[block_id] = problem
    return errors


def _check_entry(element: JSON, entry: JSON) -> str | None:
    kind = element.get("type")
    value = entry.get("value")
    if kind == "number_input":
        return _check_number(element, str(value))
    if kind == "email_text_input" and not _EMAIL.match(str(value)):
        return "Enter an email address."
    if kind == "url_text_input" and not _URL.match(str(value)):
        return "Enter a URL."
    if kind == "plain_text_input":
        length = len(str(value))
        if "min_length" in element and length < int(element["min_length"]):
            return f"Enter at least {element['min_length']} characters."
        if "max_length" in element and length > int(element["max_length"]):
            return f"Enter no more than {element['max_length']} characters."
    return None


def _check_number(element: JSON, text: str) -> str | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return "Enter a number."
    if not number.is_finite():
        return "Enter a number."
    if not element.get("is_decimal_allowed") and number != number.to_integral_value():
        return "Enter a whole number."
    if "min_value" in element and number < Decimal(str(element["min_value"])):
        return f"Enter a number of at least {element['min_value']}."
    if "max_value" in element and number > Decimal(str(element["max_value"])):
        return f"Enter a number no greater than {element['max_value']}."
    return None


def action_for(block: JSON, element: JSON, entry: JSON | None, *, action_ts: str) -> JSON:
    """One item of block_actions.actions, as Slack builds it for this element."""
    action: JSON = {
        "type": element.get("type"),
        "action_id": element.get("action_id"),
        "block_id": block.get("block_id"),
        "action_ts": action_ts,
    }
    if element.get("type") == "button":
        action["text"] = element.get("text")
        if "value" in element:
            action["value"] = element["value"]
        if "style" in element:
            action["style"] = element["style"]
        return action
    if "placeholder" in element:
        action["placeholder"] = element["placeholder"]
    for key, value in (entry or {}).items():
        if key != "type":
            action[key] = value
    return action
