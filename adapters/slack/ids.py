"""Every Slack action, callback and block id procurebot uses, in one place."""

from __future__ import annotations

from bot.domain.workflow import Action

COMMAND = "/buy"

# Modals (callback ids)
INTAKE = "pb_intake"
EDIT = "pb_edit"
CONFIRM_EXISTING = "pb_confirm_existing"
REASON = "pb_reason"  # reject / ask / answer / record PO / cancel: one free-text field

# The free-text field of REASON modals
REASON_BLOCK = "pb_reason_block"
REASON_INPUT = "pb_reason_input"

# Card buttons: one action id per domain action, so the same Action is the same button
# whether it sits in a DM, in App Home or in an ephemeral message.
ACTION_PREFIX = "pb_"


def action_id(action: Action) -> str:
    """The Slack action_id of a domain action's button."""
    return f"{ACTION_PREFIX}{action.value}"


def action_from_id(value: str) -> Action | None:
    """The domain action behind a button's action_id, or None."""
    try:
        return Action(value.removeprefix(ACTION_PREFIX))
    except ValueError:
        return None


CARD_ACTIONS_BLOCK = "pb_actions"
KEEP = "pb_keep"  # "Keep it" on the cancel confirmation
LIST_MORE = "pb_more_list"  # "Show more" under /buy list
HOME_MORE = "pb_more_home"  # "Show more" in App Home (its value says which list where)
NOT_CARD_ACTIONS = "(?!keep$|more_)"  # the pb_ ids above are not card buttons
VENDOR_SUGGEST = "vendor"  # external_select action id for vendor typeahead
