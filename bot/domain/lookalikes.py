"""Vendor names that look like a rejected vendor's: 'Ѕketchy Ltd' (a Cyrillic Ѕ), 'Skеtchy',
'ＳＫＥＴＣＨＹ', 'Sket\u200bchy' are Sketchy Ltd; 'Sketchy Ltd.io' and 'Skecthy' look like it.

Names are compared by their Unicode confusable skeleton (UTS #39), which ICU's SpoofChecker
computes from Unicode's confusables data: two names with the same skeleton look the same.
The one module that uses ICU.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from icu import Char, SpoofChecker, UProperty

from bot.domain.model import COMPANY_SUFFIXES, Vendor, key_of, suffix_pattern
from bot.domain.wording import clause

_CHECKER = SpoofChecker()  # its skeleton is a const call, safe from any thread


def _skeleton(text: str) -> str:
    # Zero-width and other default-ignorable characters draw nothing: drop them first.
    visible = "".join(
        c for c in text if not Char.hasBinaryProperty(c, UProperty.DEFAULT_IGNORABLE_CODE_POINT)
    )
    # Case folded after, not before: 'ЅКЕТСНУ' looks like SKETCHY, but its small letters
    # 'ѕкетсну' do not look like sketchy (к, т and н are small capitals).
    return str(_CHECKER.getSkeleton(0, visible)).casefold()


# The suffixes as they read once skeletonised, in each case ('company' becomes 'cornpany').
_SUFFIXES = suffix_pattern(
    sorted(
        {
            _skeleton(spelling)
            for word in COMPANY_SUFFIXES.split("|")
            for spelling in (word, word.upper(), word.title())
        }
    )
)
_NO_SUFFIXES = re.compile(r"(?!)")
# A web address around a name: 'https://www.sketchy.co.uk/', 'Sketchy Ltd.io'.
_ADDRESS = re.compile(r"^(?:[a-z]+://)?(?:www\.)?(?P<name>.+?)(?:\.[a-z]{2,24})+/?$")


def skeleton_key(name: str, *, suffixes: re.Pattern[str] = _SUFFIXES) -> str:
    """vendor_key() over the name's confusable skeleton: equal for names that look the same."""
    return key_of(_skeleton(unicodedata.normalize("NFKC", name)), suffixes)


def _address_keys(name: str) -> set[str]:
    """The skeleton keys, with and without a company suffix, of the name inside a web address
    ('sketchyltd.com' is Sketchy Ltd's address); none when it is no address."""
    found = _ADDRESS.match(_skeleton(unicodedata.normalize("NFKC", name.strip())))
    if not found:
        return set()
    return {key_of(found.group("name"), suffixes) for suffixes in (_SUFFIXES, _NO_SUFFIXES)}


@dataclass(frozen=True, slots=True)
class Lookalike:
    """A rejected vendor a name looks like; `same` when it cannot be told apart from it."""

    vendor: Vendor
    same: bool

    def warning(self, name: str) -> str:
        """'Sketchy Ltd.io looks like rejected vendor Sketchy Ltd (rejected 2026-01-10: No SOC
        2 report)'."""
        when = f" {self.vendor.reviewed_at:%Y-%m-%d}" if self.vendor.reviewed_at else ""
        # The reason sits inside the brackets: its own full stop would read 'offer.).'
        why = f": {clause(self.vendor.review_outcome)}" if self.vendor.review_outcome else ""
        return f"{name} looks like rejected vendor {self.vendor.name} (rejected{when}{why})"


def find(name: str, rejected: Iterable[Vendor]) -> Lookalike | None:
    """The rejected vendor `name` looks like, if any: the same skeleton first, else a near one
    (the name inside a web address, or a letter or two away)."""
    key = skeleton_key(name)
    addresses = _address_keys(name)
    near: list[tuple[int, Vendor]] = []
    for vendor in rejected:
        theirs = skeleton_key(vendor.name)
        if not theirs:
            continue
        if key == theirs:
            return Lookalike(vendor=vendor, same=True)
        if addresses & {theirs, skeleton_key(vendor.name, suffixes=_NO_SUFFIXES)}:
            near.append((0, vendor))
        elif _close(key, theirs):
            near.append((_distance(key, theirs), vendor))
    if not near:
        return None
    return Lookalike(vendor=min(near, key=lambda pair: pair[0])[1], same=False)


def _close(key: str, theirs: str) -> bool:
    # Short names a letter apart are different companies (Slack, Stack; Miro, Mira), as are
    # names with another first letter (Notion, Motion) and a shorter name the other starts
    # with (Fig, Figma; Sketch, Sketchy).
    allowed = 2 if len(theirs) >= 10 else 1 if len(theirs) >= 6 else 0
    if not allowed or key[:1] != theirs[:1] or theirs.startswith(key):
        return False
    return _distance(key, theirs) <= allowed


def _distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) between two keys."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]
