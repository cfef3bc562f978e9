"""Only a near miss of a budgeted cost centre is flagged."""

from __future__ import annotations

from bot.app.cost_centres import misspelt, warning

KNOWN = ["Berlin office", "Design", "Engineering", "IT"]


def test_a_near_miss_is_named() -> None:
    assert misspelt("Desgin", KNOWN) == "Design"
    assert misspelt("Enginering", KNOWN) == "Engineering"
    assert warning(" Desgin ", KNOWN) == "No budget for Desgin — did you mean Design?"


def test_known_or_unrelated_cost_centres_are_not_flagged() -> None:
    assert misspelt("design", KNOWN) is None
    assert misspelt("  DESIGN ", KNOWN) is None
    assert misspelt("Marketing", KNOWN) is None
    assert misspelt("Sales", KNOWN) is None
    assert misspelt("", KNOWN) is None
    assert warning("Marketing", KNOWN) is None
