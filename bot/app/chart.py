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
from bot.domain.spend import SpendLine


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
        if max(bottom, default=0) > 0:
            # Headroom: the tallest bar (and the legend above it) stays clear of the frame.
            axes.set_ylim(0, max(bottom) * 1.25)
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


def spend_bars(lines: Sequence[SpendLine], *, title: str, currency: str, top: int = 15) -> bytes:
    """A horizontal bar per line (the `top` largest, the rest as one "Others" bar), as PNG."""
    shown = list(lines[:top])
    labels = [line.shown_label for line in shown]
    values = [float(line.amount) for line in shown]
    rest = sum((line.amount for line in lines[top:]), Decimal(0))
    if rest:
        labels.append(f"{len(lines) - top} others")
        values.append(float(rest))
    figure, axes = plt.subplots(figsize=(8, max(2.5, 0.4 * len(values) + 1.2)), dpi=100)
    try:
        axes.barh(labels[::-1], values[::-1], color="#4a6fa5")
        axes.set_title(title)
        axes.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        axes.set_xlabel(currency)
        if values:
            axes.set_xlim(
                0, max(values) * 1.1
            )  # headroom: the longest bar stops short of the frame
        else:
            axes.text(0.5, 0.5, "No approved spend", ha="center", transform=axes.transAxes)
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(figure)
