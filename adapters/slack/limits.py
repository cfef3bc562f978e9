"""Slack's limits on what a message or view may hold, and text made safe to show within them.

Limits from Slack's Block Kit reference (also checked by slack_sdk's models); lengths are
counted in UTF-16 code units, which is never less than what Slack counts.
"""

from __future__ import annotations

import re

from bot.domain.clipping import clip, ellipsis

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100  # a modal or App Home
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
CONTEXT_TEXT = 3000  # each element of a context block
CONTEXT_ELEMENTS = 10
HEADER_TEXT = 150
BUTTON_TEXT = 75
OPTION_TEXT = 75
OPTION_VALUE = 150
OPTIONS = 100  # options an external_select answer may hold
INITIAL_VALUE = 3000  # a plain-text input's initial value
PRIVATE_METADATA = 3000
VIEW_TITLE = 24
NOTIFICATION_TEXT = 3000  # the `text` of a message with blocks: the notification, kept short

# Markup of our own that a cut must keep whole: &amp; &lt; &gt;, <@U123>, <url|text>, <!date…>
_MRKDWN_TOKEN = re.compile(r"&(?:amp|lt|gt);|<[^<>\n]*>")
# Lookalikes that cannot format: Slack mrkdwn has no escape for * _ ~ ` (formatting by user
# text could fake a bot line such as "✅ *Finance* · approved").
_FORMATTING = str.maketrans({"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"})
_QUOTE_AT_LINE_START = re.compile(r"^(\s*)>", re.MULTILINE)


def mrkdwn(text: str) -> str:
    """Text someone typed, to show literally in mrkdwn: it cannot ping, link, format or
    quote (&, < and > escaped; * _ ~ ` and a leading > replaced by lookalikes)."""
    text = _QUOTE_AT_LINE_START.sub(r"\1›", text).translate(_FORMATTING)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip_mrkdwn(text: str, limit: int) -> str:
    """mrkdwn within `limit`, cut between escapes and links, naming how much was cut."""
    return clip(text, limit, token=_MRKDWN_TOKEN)


def clip_plain(text: str, limit: int) -> str:
    """Plain text (headers, buttons, options, input values) within `limit`, ending in '…'
    when cut."""
    return clip(text, limit, marker=ellipsis)


def clip_value(text: str, limit: int) -> str:
    """A prefill or option value within `limit`: cut between whole characters, no marker
    (the value is what gets submitted)."""
    return clip(text, limit, marker=lambda _: "")
