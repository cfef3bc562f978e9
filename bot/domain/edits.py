"""What an edit of a request changes, field by field, and whether its decisions still stand.

Routing and every reviewer look at the vendor, the amounts (price, currency, quantity, billing),
the category, the data it touches and the cost centre; a change to any of them re-routes the
request and re-opens every decision. Wording (title, justification, link, dates) keeps them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.domain.budgets import cost_centre_key
from bot.domain.formatting import day, money
from bot.domain.model import PurchaseRequest, RequestDraft, vendor_key

_SHOWN = 80  # characters of a long old or new value shown in the audit and on cards


@dataclass(frozen=True, slots=True)
class Change:
    """One field the edit changed."""

    field: str
    old: str
    new: str
    reroutes: bool  # routing or a reviewer's decision depends on it

    def __str__(self) -> str:
        return f"{self.field}: {_short(self.old)} → {_short(self.new)}"


def changes(request: PurchaseRequest, draft: RequestDraft) -> list[Change]:
    """The fields `draft` changes on `request`, in the form's order. A vendor or cost centre
    spelt differently but matching the same one ('figma' for 'Figma, Inc.') is no change."""
    old = request.as_draft()
    price = (money(old.unit_price, old.currency), money(draft.unit_price, draft.currency))
    fields: list[tuple[str, str, str, bool]] = [
        ("title", old.title, draft.title, False),
        ("category", old.category.label, draft.category.label, True),
        ("vendor", *_same_as(old.vendor, draft.vendor, vendor_key), True),
        ("price", *price, True),
        ("quantity", str(old.quantity), str(draft.quantity), True),
        ("billing", old.recurrence.label, draft.recurrence.label, True),
        ("cost centre", old.cost_centre, draft.cost_centre, _moved(old, draft)),
        ("needed by", day(old.needed_by), day(draft.needed_by), False),
        ("data access", old.data_access.label, draft.data_access.label, True),
        ("justification", old.justification, draft.justification, False),
        ("link", old.link, draft.link, False),
        ("renewal date", day(old.renewal_date), day(draft.renewal_date), False),
    ]
    return [Change(f, before, after, r) for f, before, after, r in fields if before != after]


def reroutes(edit: Sequence[Change]) -> bool:
    """Whether the edit changes something routing or a reviewer depends on."""
    return any(change.reroutes for change in edit)


def describe(edit: Sequence[Change]) -> str:
    """'vendor: Figma → Canva; price: $45.00 → $60.00', or 'No field changed.'"""
    return "; ".join(map(str, edit)) or "No field changed."


def _same_as(old: str, new: str, key: Callable[[str], str]) -> tuple[str, str]:
    return (old, old) if key(old) == key(new) else (old, new)


def _moved(old: RequestDraft, new: RequestDraft) -> bool:
    """Whether the cost centre is another one ('design' for 'Design' is the same)."""
    return cost_centre_key(old.cost_centre) != cost_centre_key(new.cost_centre)


def _short(text: str) -> str:
    text = text or "—"
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
