"""The time zone a Teams client reports is the client's to fill: only a real IANA name counts."""

from __future__ import annotations

import pytest

from adapters.teams.people import _zone


@pytest.mark.parametrize(
    ("reported", "kept"),
    [
        ("Europe/Paris", "Europe/Paris"),
        ("America/Argentina/ComodRivadavia", "America/Argentina/ComodRivadavia"),
        (None, None),
        ("", None),
        ("Mars/Olympus_Mons", None),
        ("../../etc/passwd", None),
        ("Europe/" + "x" * 5000, None),  # raised OSError (file name too long) and failed the turn
        (3600, None),
        (["Europe/Paris"], None),
    ],
)
def test_only_a_real_zone_name_is_kept(reported: object, kept: str | None) -> None:
    assert _zone(reported) == kept
