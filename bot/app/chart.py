"""The digest's chart: approved spend by category per week, as a PNG (matplotlib, no display)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

from bot.domain.digest import category_label


def spend_chart(
    weekly: Sequence[tuple[datetime, dict[str, Decimal]]], *, currency: str, timezone: str
) -> bytes:
    """A stacked bar chart of approved spend by category, one bar per week, as PNG bytes."""
    zone = ZoneInfo(timezone)
    labels = [f"{start.astimezone(zone):%d %b}" for start, _ in weekly]
    categories = sorted({c for _, amounts in weekly for c in amounts})
    figure, axes = plt.subplots(figsize=(8, 4), dpi=100)
    try:
        bottom = [0.0] * len(weekly)
        for category in categories:
            values = [float(amounts.get(category, 0)) for _, amounts in weekly]
            axes.bar(labels, values, bottom=bottom, label=category_label(category))
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        axes.set_title(f"Approved spend by category, last {len(weekly)} weeks ({currency})")
        axes.set_xlabel("Week starting")
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        if categories:
            axes.legend(loc="upper left", fontsize="small")
        else:
            axes.text(0.5, 0.5, "No approved spend", ha="center", transform=axes.transAxes)
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(figure)
