"""Clipping never breaks what a platform shows and says what it cut."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from adapters.slack.limits import clip_mrkdwn, mrkdwn
from adapters.teams.limits import clip_markdown, markdown
from bot.domain.clipping import atoms, clip, utf16_len


def test_a_text_that_fits_is_left_alone() -> None:
    assert clip("Figma", 5) == "Figma"


def test_the_marker_names_how_much_was_cut() -> None:
    clipped = clip("x" * 100, 40)
    assert clipped == "x" * 17 + "… (83 more characters)" and len(clipped) <= 40


def test_an_escape_a_mention_or_a_link_is_never_split() -> None:
    text = "&amp;" * 10 + "<@U123ABC>" + "<https://figma.com/pricing|Figma pricing>"
    for limit in range(22, len(text)):
        head = clip_mrkdwn(text, limit).split("…")[0]
        assert len(clip_mrkdwn(text, limit)) <= limit
        assert not re.search(r"&(?!amp;)|&a(?!mp;)|<[^>]*$", head), head


def test_graphemes_stay_whole() -> None:
    family = "👩\u200d👩\u200d👧"
    accented = "e\u0301"
    flag = "🇫🇷"
    assert list(atoms(family + accented + flag + flag)) == [family, accented, flag, flag]
    for limit in range(1, 40):
        head = clip(family * 3 + accented * 3 + flag * 3, limit + 22).split("…")[0]
        assert head.count("\u200d") == 2 * head.count("👧")  # no family cut in half
        assert not head.endswith("e") and head.count("🇫") == head.count("🇷")


def test_surrogate_pairs_count_twice_as_platforms_count_them() -> None:
    assert utf16_len("😀") == 2
    assert utf16_len(clip("😀" * 100, 50)) <= 50


def test_teams_escapes_and_date_functions_stay_whole() -> None:
    text = markdown("*_[]" * 50) + "{{DATE(2026-11-23T14:00:00Z, SHORT)}}"
    for limit in range(25, 60):
        head = clip_markdown(text, limit).split("…")[0]
        assert not re.search(r"(?<!\\)(\\\\)*\\$", head) and "{{" not in head


@given(st.text(alphabet="&<>*_~`ab é👩\u200d\u0301\n", max_size=300), st.integers(25, 400))
def test_slack_clips_stay_within_the_limit_and_unescape_cleanly(text: str, limit: int) -> None:
    clipped = clip_mrkdwn(mrkdwn(text), limit)
    assert utf16_len(clipped) <= limit
    head = clipped.split("… (")[0] if clipped != mrkdwn(text) else clipped
    assert re.fullmatch(r"(?:[^&<>]|&amp;|&lt;|&gt;)*", head), head
    assert mrkdwn(text).startswith(head.rstrip())
