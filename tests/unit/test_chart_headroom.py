"""The digest chart's tallest bar stays below the frame (read from the PNG's pixels)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from PIL import Image

from bot.app.chart import spend_chart

BLUE = (31, 119, 180)  # matplotlib's first colour: the only category here


def _rows(image: Image.Image, wanted: tuple[int, int, int], min_run: int) -> list[int]:
    """Rows holding at least `min_run` pixels of the colour `wanted`."""
    rgb = image.convert("RGB")
    width, height = rgb.size
    data = list(rgb.getdata())  # (r, g, b) tuples, row by row
    return [
        y
        for y in range(height)
        if sum(1 for x in range(width) if data[y * width + x] == wanted) >= min_run
    ]


def test_the_tallest_bar_has_headroom() -> None:
    start = datetime(2026, 11, 2, 14, tzinfo=UTC)
    weekly = [(start + timedelta(weeks=k), {"hardware": Decimal(1000 * (k + 1))}) for k in range(8)]
    png = spend_chart(weekly, currency="USD", timezone="America/New_York")
    image = Image.open(io.BytesIO(png))
    frame_top = _rows(image, (0, 0, 0), image.size[0] // 2)[0]  # the axes' top spine
    bar_top = _rows(image, BLUE, 40)[0]  # wider than the legend's swatch
    assert bar_top - frame_top >= 20, (frame_top, bar_top)
