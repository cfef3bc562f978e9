"""The spend report: approved spend over a period by vendor, category or cost centre, each
line naming the requests it adds up, so every figure can be traced."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from bot.domain.digest import category_label
from bot.domain.model import format_number

DIMENSIONS = ("vendor", "category", "cost_centre")
CSV_HEADER: list[object] = [
    "dimension",
    "label",
    "requests",
    "amount",
    "currency",
    "request_numbers",
]


@dataclass(frozen=True, slots=True)
class SpendLine:
    """Approved spend for one vendor, category or cost centre, and the requests behind it."""

    dimension: str
    label: str
    amount: Decimal
    request_ids: tuple[int, ...]

    @property
    def shown_label(self) -> str:
        """'SaaS subscription' rather than 'saas' for a category; other labels as stored."""
        return category_label(self.label) if self.dimension == "category" else self.label


class SpendQueries(Protocol):
    """Approved spend aggregated by the database."""

    def spend(self, *, by: str, start: datetime, end: datetime) -> list[SpendLine]:
        """Spend of the requests approved in [start, end) by `by`, largest first."""


def csv_rows(lines: Sequence[SpendLine], *, currency: str) -> Iterator[list[object]]:
    """The report's rows, header first; amounts in the policy's base currency."""
    yield list(CSV_HEADER)
    for line in lines:
        numbers = " ".join(format_number(i) for i in line.request_ids)
        row = [line.dimension, line.shown_label, len(line.request_ids), line.amount, currency]
        yield [*row, numbers]
