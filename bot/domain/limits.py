"""How long each free-text field may be: one limit per field, enforced by the core (intake,
services, workflow) whatever the channel, and given to the Slack and Teams forms as theirs."""

from __future__ import annotations

from bot.domain.errors import InvalidInput, TooLong
from bot.domain.model import RequestDraft

MAX_LENGTH = {
    "title": 150,
    "vendor": 100,
    "cost_centre": 80,
    "justification": 3000,
    "link": 500,
    "reason": 2000,  # why an approver rejects
    "question": 2000,
    "answer": 2000,
    "po_number": 100,
    "cancel_reason": 500,
    "comment": 2000,  # an approver's note on an approval
}
_NAMES = {
    "title": "The title",
    "vendor": "The vendor name",
    "cost_centre": "The cost centre",
    "justification": "The justification",
    "link": "The link",
    "reason": "The reason",
    "question": "The question",
    "answer": "The answer",
    "po_number": "The PO number",
    "cancel_reason": "The reason for cancelling",
    "comment": "The comment",
}


def problem(field: str, text: str) -> str | None:
    """What is wrong with `text` as `field` when it is too long ('The reason is 9,000
    characters long; keep it to 2,000.'), else None."""
    limit = MAX_LENGTH[field]
    if len(text) <= limit:
        return None
    return f"{_NAMES[field]} is {len(text):,} characters long; keep it to {limit:,}."


def check(field: str, text: str) -> None:
    """Refuse text longer than its field allows, naming the field and the limit."""
    message = problem(field, text)
    if message is not None:
        raise TooLong(field, message)


def check_draft(draft: RequestDraft) -> None:
    """Refuse a draft with an over-long field, whoever built it (the form checks the same)."""
    texts = {
        "title": draft.title,
        "vendor": draft.vendor,
        "cost_centre": draft.cost_centre,
        "justification": draft.justification,
        "link": draft.link,
    }
    problems = {name: p for name, text in texts.items() if (p := problem(name, text))}
    if problems:
        raise InvalidInput(problems)
