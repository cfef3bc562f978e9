"""Block Kit rendering: pure functions from the neutral card (and form values) to Slack JSON.

Nothing here touches the network or the database, so it is tested by snapshot. One module a
surface: cards (and what their buttons open), forms (the intake modal), home (lists, App Home).
"""

from adapters.slack.render.cards import (
    action_value,
    cancel_confirmation,
    card_text,
    note_blocks,
    note_text,
    parse_action_value,
    reason_modal,
    render_card,
    slack_time,
)
from adapters.slack.render.forms import form_values, intake_modal, vendor_options
from adapters.slack.render.home import (
    HELP,
    home_view,
    list_blocks,
    more_value,
    parse_more_value,
    request_line,
)

__all__ = [
    "HELP",
    "action_value",
    "cancel_confirmation",
    "card_text",
    "form_values",
    "home_view",
    "intake_modal",
    "list_blocks",
    "more_value",
    "note_blocks",
    "note_text",
    "parse_action_value",
    "parse_more_value",
    "reason_modal",
    "render_card",
    "request_line",
    "slack_time",
    "vendor_options",
]
