"""One full stop, never two, around text someone typed."""

from __future__ import annotations

import pytest

from bot.domain.wording import clause, ends_sentence, full_stop


@pytest.mark.parametrize(
    ("text", "stopped"),
    [
        ("“No DPA on offer.”", "“No DPA on offer.”"),
        ("“No DPA on offer”", "“No DPA on offer”."),
        ("Is it SOC 2?", "Is it SOC 2?"),
        ("(see the quote.)", "(see the quote.)"),
        ("Wait…", "Wait…"),
        ("", ""),
    ],
)
def test_full_stop(text: str, stopped: str) -> None:
    assert full_stop(text) == stopped
    assert ends_sentence(stopped) or not stopped


def test_clause_drops_only_a_single_final_full_stop() -> None:
    assert clause("no DPA on offer.") == "no DPA on offer"
    assert clause("No SOC 2 report") == "No SOC 2 report"
    assert clause("Really?") == "Really?"
    assert clause("and so on...") == "and so on..."
