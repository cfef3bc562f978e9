"""Block Kit checks and form state building, without any HTTP."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from workspace.blockkit import BlockKitError, check_blocks, check_view
from workspace.forms import (
    ElementNotFound,
    entry_for,
    find_input,
    initial_entry,
    pick_option,
    state_values,
    validate,
)

counter = itertools.count()


def new_id() -> str:
    return f"id{next(counter)}"


def option(text: str, value: str) -> dict:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def input_block(block_id: str, label: str, element: dict, **extra: object) -> dict:
    element = {"action_id": "value", **element}
    label_text = {"type": "plain_text", "text": label}
    return {"type": "input", "block_id": block_id, "label": label_text, "element": element, **extra}


def test_duplicate_block_ids_are_refused() -> None:
    divider = {"type": "divider", "block_id": "same"}
    with pytest.raises(BlockKitError) as raised:
        check_blocks([divider, divider], surface="message", new_id=new_id)
    assert "duplicate block_id" in raised.value.messages[0]


def test_modal_allows_100_blocks_and_message_50() -> None:
    blocks = [{"type": "divider"} for _ in range(60)]
    assert len(check_blocks(blocks, surface="modal", new_id=new_id)) == 60
    with pytest.raises(BlockKitError):
        check_blocks(blocks, surface="message", new_id=new_id)


def test_view_checks_title_length_and_type() -> None:
    with pytest.raises(BlockKitError):
        check_view({"type": "dialog", "blocks": []}, new_id=new_id)
    view = {"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": []}
    with pytest.raises(BlockKitError) as raised:
        check_view(view, new_id=new_id)
    assert "json-pointer:/view/title/text" in raised.value.messages[0]


def test_entries_for_each_element_type() -> None:
    select = {
        "type": "static_select",
        "options": [option("Hardware", "hw"), option("SaaS", "saas")],
    }
    assert entry_for(select, "saas")["selected_option"]["value"] == "saas"
    assert entry_for(select, "hardware")["selected_option"]["value"] == "hw"  # text, any case
    checkboxes = {"type": "checkboxes", "options": [option("A", "a"), option("B", "b")]}
    assert [o["value"] for o in entry_for(checkboxes, ["A", "b"])["selected_options"]] == ["a", "b"]
    date = entry_for({"type": "datepicker"}, dt.date(2026, 12, 1))
    assert date == {"type": "datepicker", "selected_date": "2026-12-01"}
    time = entry_for({"type": "timepicker"}, dt.time(9, 30))
    assert time == {"type": "timepicker", "selected_time": "09:30"}
    number = entry_for({"type": "number_input"}, 45)
    assert number == {"type": "number_input", "value": "45"}
    users = entry_for({"type": "multi_users_select"}, ["alice", "bob"], user_id=str.upper)
    assert users == {"type": "multi_users_select", "selected_users": ["ALICE", "BOB"]}
    rich = entry_for({"type": "rich_text_input"}, "hello")["rich_text_value"]
    assert rich["elements"][0]["elements"][0]["text"] == "hello"


def test_pick_option_accepts_an_unambiguous_part_only() -> None:
    options = [option("Adobe Inc.", "adobe"), option("Atlassian", "atl"), option("Asana", "asana")]
    assert pick_option(options, "adobe inc")["value"] == "adobe"
    with pytest.raises(ElementNotFound):
        pick_option(options, "a")


def test_initial_values_fill_untouched_state() -> None:
    blocks = [
        input_block("item", "Item", {"type": "plain_text_input", "initial_value": "Laptop"}),
        input_block("when", "When", {"type": "datepicker"}),
    ]
    values = state_values(blocks, {})
    assert values["item"]["value"] == {"type": "plain_text_input", "value": "Laptop"}
    assert values["when"]["value"] == initial_entry({"type": "datepicker"})


def test_validation_follows_element_rules() -> None:
    blocks = [
        input_block(
            "amount", "Amount", {"type": "number_input", "min_value": "1", "max_value": "10"}
        ),
        input_block("email", "Email", {"type": "email_text_input"}),
        input_block("url", "Link", {"type": "url_text_input"}, optional=True),
        input_block("name", "Name", {"type": "plain_text_input", "max_length": 3}),
    ]
    edits = {
        "amount": {"value": {"type": "number_input", "value": "2.5"}},
        "email": {"value": {"type": "email_text_input", "value": "x@example.com"}},
        "name": {"value": {"type": "plain_text_input", "value": "Bobby"}},
    }
    errors = validate(blocks, state_values(blocks, edits))
    assert set(errors) == {"amount", "name"}  # decimals not allowed; too long; link optional


def test_find_input_by_label_is_forgiving_about_case_and_asterisk() -> None:
    blocks = [input_block("amount", "Amount (USD) *", {"type": "number_input"})]
    assert find_input(blocks, "amount (usd)")["block_id"] == "amount"
    with pytest.raises(ElementNotFound):
        find_input(blocks, "Price")
