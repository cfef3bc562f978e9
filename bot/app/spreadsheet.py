"""CSV the bot writes, safe to open in a spreadsheet (OWASP "CSV Injection")."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

# A cell starting with one of these is read as a formula by Excel, LibreOffice and Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula, prefixed with a single quote so it
    reads as text; numbers the bot computed (int, Decimal) are left as numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return f"'{value}"
    return value


class Writer:
    """csv.writer whose rows pass through cell(); quoting stays the csv module's."""

    def __init__(self, stream: TextIO) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[object]) -> None:
        """Write one row, neutralising formula cells."""
        self._writer.writerow([cell(value) for value in row])
