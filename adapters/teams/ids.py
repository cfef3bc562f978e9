"""Every Teams verb, data key and input id procurebot uses, in one place."""

from __future__ import annotations

from bot.domain.workflow import Action

PLATFORM = "teams"

# Words a person types to the bot in a personal chat.
BUY = "buy"
STATUS = "status"
LIST = "list"
CANCEL = "cancel"
HELP = "help"

# Keys of the data every card button carries (Action.Execute data / Action.Submit data).
KIND = "pb"  # which of our buttons: a domain action's value or one of the verbs below
REQUEST = "r"  # request id
STEP = "s"  # the step the clicker would decide
CONFIRMED = "confirmed"  # the requester saw the vendor-history notice and submits anyway
RENEWS = "renews"  # on the intake form opened by Renew: the request id it renews

# Verbs that are not domain actions.
INTAKE_SUBMIT = "intake_submit"
EDIT_SUBMIT = "edit_submit"
KEEP = "keep"  # "Keep it" on a cancel confirmation
LIST_MORE = "list_more"  # "Show more" on the list card

# Keys of a "Show more" button's data: where each list of the next page starts.
WAITING_FROM = "w"
MINE_FROM = "m"

# Inputs
VENDOR_NEW = "vendor_new"  # free-text vendor beside the registry's choice set

# Invoke name and response content types of Universal Actions (Action.Execute).
ADAPTIVE_CARD_ACTION = "adaptiveCard/action"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
ERROR_CONTENT_TYPE = "application/vnd.microsoft.error"

# The vendor typeahead: its Data.Query dataset, and the invoke Teams sends as people type.
VENDOR_DATASET = "vendors"
SEARCH = "application/search"
SEARCH_CONTENT_TYPE = "application/vnd.microsoft.search.searchResponse"


def verb(action: Action) -> str:
    """The Action.Execute verb of a domain action's button."""
    return action.value


def reason_input(action: Action) -> str:
    """The id of the text input of a rejection, question, answer or PO number; one per action
    because input ids must be unique across a card and its show-cards."""
    return f"reason_{action.value}"


def action_from_verb(value: object) -> Action | None:
    """The domain action behind a verb, or None."""
    try:
        return Action(str(value))
    except ValueError:
        return None
