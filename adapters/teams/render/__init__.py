"""Adaptive Card 1.5 rendering: pure functions from the neutral card (and form values) to JSON.

Nothing here touches the network or the database, so it is tested by snapshot. Buttons are
Action.Execute (Universal Actions): Teams sends them as `adaptiveCard/action` invokes and
replaces the clicked card with the card the bot answers, so a decision shows at once.
One module a surface: cards (a request and its buttons), lists (and help), forms (intake).
"""

from adapters.teams.render.cards import (
    SCHEMA,
    VERSION,
    action_data,
    adaptive_card,
    cancel_confirmation,
    card_text,
    card_time,
    note_card,
    parse_action_data,
    render_card,
    text_block,
)
from adapters.teams.render.forms import (
    form_values,
    intake_card,
    vendor_choices,
    vendor_search_results,
)
from adapters.teams.render.lists import channel_text, help_text, list_card, list_offsets

__all__ = [
    "SCHEMA",
    "VERSION",
    "action_data",
    "adaptive_card",
    "cancel_confirmation",
    "card_text",
    "card_time",
    "channel_text",
    "form_values",
    "help_text",
    "intake_card",
    "list_card",
    "list_offsets",
    "note_card",
    "parse_action_data",
    "render_card",
    "text_block",
    "vendor_choices",
    "vendor_search_results",
]
