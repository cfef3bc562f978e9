"""What an edit changes, and which changes routing or a reviewer depends on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from bot.domain import edits
from bot.domain.edits import Change
from bot.domain.model import Category, DataAccess, Recurrence
from tests.unit.builders import make_request

REQUEST = make_request(needed_by=date(2026, 12, 1), link="https://figma.com/pricing")


def _changes(**fields: Any) -> list[Change]:
    draft = REQUEST.as_draft()
    for name, value in fields.items():
        setattr(draft, name, value)
    return edits.changes(REQUEST, draft)


@pytest.mark.parametrize(
    ("fields", "shown", "reroutes"),
    [
        ({"vendor": "Canva"}, "vendor: Figma → Canva", True),
        ({"unit_price": Decimal("60.00")}, "price: $45.00 → $60.00", True),
        ({"currency": "EUR"}, "price: $45.00 → €45.00", True),
        ({"quantity": 4}, "quantity: 3 → 4", True),
        ({"recurrence": Recurrence.ANNUAL}, "billing: Monthly → Annual", True),
        ({"category": Category.SOFTWARE}, "category: SaaS subscription → Software licence", True),
        ({"data_access": DataAccess.PERSONAL}, "data access: Internal data → Personal data", True),
        ({"cost_centre": "Marketing"}, "cost centre: Design → Marketing", True),
        ({"cost_centre": " design "}, "cost centre: Design →  design ", False),
        ({"title": "Figma seats"}, "title: 3 Figma Professional seats → Figma seats", False),
        ({"needed_by": date(2026, 12, 8)}, "needed by: Tue 01 Dec 2026 → Tue 08 Dec 2026", False),
        ({"link": ""}, "link: https://figma.com/pricing → —", False),
        ({"renewal_date": date(2027, 1, 1)}, "renewal date: — → Fri 01 Jan 2027", False),
    ],
)
def test_each_field_change_is_shown_and_marked_by_whether_it_reroutes(
    fields: dict[str, Any], shown: str, reroutes: bool
) -> None:
    changed = _changes(**fields)
    assert [str(c) for c in changed] == [shown]
    assert edits.reroutes(changed) is reroutes


def test_the_same_vendor_spelt_otherwise_is_no_change() -> None:
    assert _changes(vendor="FIGMA, Inc.") == []


def test_a_long_justification_is_shortened_in_the_description() -> None:
    changed = _changes(justification="x" * 3000)
    assert not edits.reroutes(changed)
    assert edits.describe(changed) == (
        f"justification: The design team moves off Sketch this quarter. → {'x' * 79}…"
    )
    assert edits.describe([]) == "No field changed."
