"""Reading a platform's Retry-After: whatever it says, a sane wait or none (then backoff)."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime

import pytest

from bot.app.outbox import MAX_RETRY_AFTER_SECONDS, retry_delay
from tests.fakes import START

IN_TWO_MINUTES = format_datetime(START + timedelta(minutes=2), usegmt=True)


@pytest.mark.parametrize(
    ("retry_after", "seconds"),
    [
        ("30", 30.0),
        (" 1.5 ", 1.5),
        (12, 12.0),
        (IN_TWO_MINUTES, 120.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # a date gone by: now
        ("0", 0.0),
        ("inf", MAX_RETRY_AFTER_SECONDS),
        ("1e308", MAX_RETRY_AFTER_SECONDS),
        ("86400000", MAX_RETRY_AFTER_SECONDS),
        (float("inf"), MAX_RETRY_AFTER_SECONDS),
        ("Fri, 31 Dec 9999 23:59:59 GMT", MAX_RETRY_AFTER_SECONDS),
        (None, None),
        ("nan", None),
        (float("nan"), None),
        ("-1", None),
        (-5.0, None),
        ("abc", None),
        ("", None),
        ("Fri, 31 Dec 99999 23:59:59 GMT", None),
    ],
)
def test_retry_after_is_read_clamped_or_refused(
    retry_after: float | str | None, seconds: float | None
) -> None:
    assert retry_delay(retry_after, now=START) == seconds
