"""Vendor names that look like a rejected vendor's (UTS #39 skeletons), and those that don't."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.lookalikes import Lookalike, find, skeleton_key
from bot.domain.model import Vendor, VendorStatus

SKETCHY = Vendor(
    name="Sketchy Ltd",
    status=VendorStatus.REJECTED,
    reviewed_at=datetime(2026, 1, 10, tzinfo=UTC),
    review_outcome="No SOC 2 report",
)
REJECTED = [
    SKETCHY,
    *(
        Vendor(name=name, status=VendorStatus.REJECTED)
        for name in ("Figma", "Slack", "Notion", "Miro", "Zoom", "Adobe", "Dropbox Inc.")
    ),
]


@pytest.mark.parametrize(
    "typed",
    [
        "Ѕketchy Ltd",  # Cyrillic capital dze
        "Skеtchy",  # Cyrillic small ie
        "ЅКЕТСНУ LTD",  # all Cyrillic
        "ＳＫＥＴＣＨＹ Ｌｔｄ",  # fullwidth
        "Sket\u200bchy\u200d Ltd",  # zero-width space and joiner
        "Sket\u00adchy Ltd",  # soft hyphen
        "SKETCHY LIMITED",
        "sketchy, inc.",
        "Sketchy LТD",  # a Cyrillic Т in the suffix
        "𝐒𝐤𝐞𝐭𝐜𝐡𝐲",  # mathematical bold
    ],
)
def test_a_name_that_looks_the_same_is_the_rejected_vendor(typed: str) -> None:
    assert find(typed, REJECTED) == Lookalike(vendor=SKETCHY, same=True)


@pytest.mark.parametrize(
    "typed",
    [
        "Sketchy Ltd.io",
        "sketchy.com",
        "https://www.sketchy.co.uk/",
        "sketchyltd.com",
        "Ѕketchy.io",  # a Cyrillic Ѕ as well
        "Sketchyy Ltd",  # a letter more
        "Skecthy",  # two letters swapped
        "Sketchi Ltd",  # one replaced
    ],
)
def test_a_near_name_warns_of_the_rejected_vendor(typed: str) -> None:
    found = find(typed, REJECTED)
    assert found == Lookalike(vendor=SKETCHY, same=False)
    assert found.warning(typed) == (
        f"{typed} looks like rejected vendor Sketchy Ltd (rejected 2026-01-10: No SOC 2 report)"
    )


@pytest.mark.parametrize(
    "typed",
    [
        "Fig",  # Figma starts with it: another company
        "Sketch",  # Sketchy starts with it
        "Stack",  # Slack: short names a letter apart are different companies
        "Motion",  # Notion: another first letter
        "Mira",  # Miro
        "Zoho",  # Zoom
        "Adobo",  # Adobe
        "Dropbear",
        "Stretchy Ltd",  # two letters from Sketchy
        "Sketchy Figments",
        "ѕкетсну",  # small Cyrillic letters: к, т, н read as small capitals, not as k, t, h
        "Figma Plugins Co",
        "Atlassian",
        "",
    ],
)
def test_a_legitimately_similar_name_does_not_warn(typed: str) -> None:
    assert find(typed, REJECTED) is None


def test_the_warning_says_what_the_registry_knows() -> None:
    bare = Vendor(name="Sketchy Ltd", status=VendorStatus.REJECTED)
    assert Lookalike(vendor=bare, same=False).warning("Sketchy.io") == (
        "Sketchy.io looks like rejected vendor Sketchy Ltd (rejected)"
    )


def test_the_closest_rejected_vendor_is_named() -> None:
    sketchi = Vendor(name="Sketchi Labs", status=VendorStatus.REJECTED)
    found = find("Sketchy Ltd.io", [sketchi, SKETCHY])
    assert found is not None and found.vendor is SKETCHY


def test_the_skeleton_key_keeps_every_script() -> None:
    assert skeleton_key("株式会社サイボウズ") == skeleton_key("株式会社サイボウズ")
    assert skeleton_key("Яндекс") != skeleton_key("Figma") != ""
