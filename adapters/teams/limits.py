"""Teams' limits on what a card may hold, and text made safe to show within them.

Teams refuses a message past about 28 KB (413) and counts the whole activity, not just the
card. We count the card's JSON as the service holds it once parsed, a UTF-16 string: two
bytes a character (four for an emoji), twice the size of ASCII on the wire, as issue #13
measured. ENVELOPE keeps room for the rest of the activity (ids, service URL, the summary),
which tests/e2e measure on what the bot really posts.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.domain.clipping import clip

MESSAGE_BYTES = 28 * 1024
ENVELOPE_BYTES = 4 * 1024  # the activity around the card, in the same UTF-16 count
CARD_BYTES = MESSAGE_BYTES - ENVELOPE_BYTES
CHOICES_SHOWN = 15  # Teams shows at most 15 choices of a typeahead; a search answers as many
CHOICES_STATIC = 5  # choices the form carries before anyone types (searching finds the rest)
CHOICE_TITLE = 60  # the text a choice shows (its value is the whole vendor name)
TEXT_BLOCK = 3000  # characters per TextBlock we write (far below the budget, readable)
FACT_TITLE = 100

# Markup a cut must keep whole: a backslash escape, a {{DATE(…)}} or {{TIME(…)}} function.
_MARKDOWN_TOKEN = re.compile(r"\\.|\{\{[A-Z]+\([^)]*\)\}\}")
_MARKDOWN_CHARS = re.compile(r"([\\*_\[\]~`])")
# Line starts that would make a list, a quote or a heading of someone's text.
_LINE_START = re.compile(r"^(\s*)([-+>#]|\d+(?=\.))", re.MULTILINE)


def markdown(text: str) -> str:
    """Text someone typed, to show literally in a TextBlock or FactSet (which render a
    markdown subset): no bold, italics, links, lists, quotes or headings of its own."""
    text = _MARKDOWN_CHARS.sub(r"\\\1", text)

    def literal(found: re.Match[str]) -> str:
        lead, mark = found.group(1), found.group(2)
        return f"{lead}{mark}\\" if mark[0].isdigit() else f"{lead}\\{mark}"

    return _LINE_START.sub(literal, text)


def clip_markdown(text: str, limit: int = TEXT_BLOCK) -> str:
    """Card text within `limit`, cut between escapes and whole characters, naming the cut."""
    return clip(text, limit, token=_MARKDOWN_TOKEN, length=len)


def card_bytes(card: dict[str, Any]) -> int:
    """The card's size as budgeted against CARD_BYTES (see the module's docstring)."""
    return len(json.dumps(card, ensure_ascii=False).encode("utf-16-le"))


def fits(card: dict[str, Any]) -> bool:
    """Whether the card leaves room for its activity within Teams' message limit."""
    return card_bytes(card) <= CARD_BYTES
