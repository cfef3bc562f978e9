"""Cutting text to a platform's limit without breaking what it shows, and saying what was cut.

Chat platforms count limits on the text they receive, after escaping: a cut there must not
leave half an escape (`&am…`), half a link (`<https://x|Fi…`), half a surrogate pair or a
letter without its accent. So text is cut between *atoms*: a platform's markup tokens (given
as a pattern) and whole grapheme clusters, and the marker says how many were left out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

_ZWJ = "\u200d"
_ELLIPSIS = "…"


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as JavaScript (and so the platforms' checks) count it."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def more_characters(cut: int) -> str:
    """The marker of a clipped text: '… (1,234 more characters)'."""
    return f"{_ELLIPSIS} ({cut:,} more character{'s' if cut != 1 else ''})"


def ellipsis(cut: int) -> str:
    """The marker where only a short one fits (headers, button labels)."""
    return _ELLIPSIS


def _is_regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _extends(char: str, previous: str, regional_run: int) -> bool:
    """Whether `char` belongs to the grapheme cluster before it."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")  # accents, vowel signs, keycaps
        or char == _ZWJ
        or previous == _ZWJ  # 👩‍💻: the joiner binds the next emoji
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0xE0020 <= code <= 0xE007F  # tag characters of subdivision flags
        or 0xDC00 <= code <= 0xDFFF  # the low half of a surrogate pair that came in unpaired
        or (_is_regional(char) and regional_run % 2 == 1)  # the second letter of a flag
    )


def atoms(text: str, token: re.Pattern[str] | None = None) -> Iterator[str]:
    """The pieces text may be cut between: markup tokens whole, then grapheme clusters."""
    position = 0
    cluster = ""
    regional_run = 0
    while position < len(text):
        found = token.match(text, position) if token is not None else None
        if found and found.end() > position:
            if cluster:
                yield cluster
                cluster = ""
            regional_run = 0
            yield found.group()
            position = found.end()
            continue
        char = text[position]
        if cluster and _extends(char, cluster[-1], regional_run):
            cluster += char
        else:
            if cluster:
                yield cluster
            cluster = char
            regional_run = 0
        regional_run = regional_run + 1 if _is_regional(char) else 0
        position += 1
    if cluster:
        yield cluster


def clip(
    text: str,
    limit: int,
    *,
    token: re.Pattern[str] | None = None,
    length: Callable[[str], int] = utf16_len,
    marker: Callable[[int], str] = more_characters,
) -> str:
    """`text` if it fits in `limit` (as `length` counts), else its longest prefix of whole
    atoms followed by the marker of how many atoms were cut."""
    if length(text) <= limit:
        return text
    pieces = list(atoms(text, token))
    # The marker names at most every atom; with fewer cut it is never longer.
    room = limit - length(marker(len(pieces)))
    if room < 0:
        return marker(len(pieces))[: max(limit, 0)]
    kept: list[str] = []
    used = 0
    for piece in pieces:
        size = length(piece)
        if used + size > room:
            break
        kept.append(piece)
        used += size
    head = "".join(kept).rstrip()
    return head + marker(len(pieces) - len(kept))


def pack(
    lines: list[str],
    limit: int,
    *,
    separator: str = "\n",
    length: Callable[[str], int] = utf16_len,
) -> list[str]:
    """Lines (each already within `limit`) joined into as few texts of at most `limit`
    characters as they fit in, in order."""
    texts: list[str] = []
    for line in lines:
        if texts and length(texts[-1]) + length(separator) + length(line) <= limit:
            texts[-1] += separator + line
        else:
            texts.append(line)
    return texts
