"""The bot's @mention is taken out of what the person typed, whatever the entities hold."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.schema import Activity

from adapters.teams.mentions import typed_text

BOT = "28:procurebot"


def activity(text: Any, entities: list[dict[str, Any]] | None) -> Activity:
    return Activity().deserialize(
        {
            "type": "message",
            "text": text,
            "recipient": {"id": BOT, "name": "Procurebot"},
            "entities": entities,
        }
    )


def mention(who: str, name: str, text: str | None = None) -> dict[str, Any]:
    entity: dict[str, Any] = {"type": "mention", "mentioned": {"id": who, "name": name}}
    if text is not None:
        entity["text"] = text
    return entity


def test_the_bots_mention_goes_and_others_stay() -> None:
    typed = activity(
        "<at>Procurebot</at> buy a desk for <at>Ines</at>",
        [
            mention(BOT, "Procurebot", "<at>Procurebot</at>"),
            mention("29:ines", "Ines", "<at>Ines</at>"),
        ],
    )
    assert typed_text(typed) == " buy a desk for <at>Ines</at>"


def test_a_mention_without_its_text_is_found_by_name() -> None:
    typed = activity("<at>Procurebot</at> status PR-1001", [mention(BOT, "Procurebot")])
    assert typed_text(typed) == " status PR-1001"


def test_regex_characters_in_a_name_are_plain_text() -> None:
    name = "<at>Bot (test)+[*</at>"
    assert typed_text(activity(f"{name} help", [mention(BOT, "x", name)])) == " help"


@pytest.mark.parametrize(
    "entities",
    [
        None,
        [],
        [{"type": None}],  # botbuilder: 'NoneType' object has no attribute 'lower'
        [{"type": "mention"}],  # botbuilder: KeyError 'mentioned'
        [{"type": "mention", "mentioned": "Procurebot"}],
        [{"type": "mention", "mentioned": {"id": BOT}}],
        [{"type": "clientInfo", "locale": "en-US"}],
    ],
)
def test_odd_entities_leave_the_text_as_typed(entities: list[dict[str, Any]] | None) -> None:
    assert typed_text(activity("help", entities)) == "help"


def test_no_text_is_an_empty_line() -> None:
    assert typed_text(activity(None, [mention(BOT, "Procurebot")])) == ""
