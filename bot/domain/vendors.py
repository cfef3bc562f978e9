"""The vendor registry's rules: review expiry, typeahead suggestions and bootstrap imports."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from bot.domain import limits
from bot.domain.model import Category, Vendor, VendorStatus, vendor_key

# Registry order for people picking a vendor: the ones they can buy from without a review first.
_STATUS_ORDER = {
    VendorStatus.APPROVED: 0,
    VendorStatus.UNDER_REVIEW: 1,
    VendorStatus.NEW: 2,
    VendorStatus.REJECTED: 3,
}


def review_valid_until(vendor: Vendor, *, months: int) -> datetime | None:
    """When an approved vendor's review runs out (same day, `months` later); None if never
    reviewed or not approved."""
    if vendor.status is not VendorStatus.APPROVED or vendor.reviewed_at is None:
        return None
    reviewed = vendor.reviewed_at
    month = reviewed.month - 1 + months
    year, month = reviewed.year + month // 12, month % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return reviewed.replace(year=year, month=month, day=min(reviewed.day, last_day))


def effective_status(vendor: Vendor | None, *, now: datetime, months: int) -> VendorStatus:
    """The status routing uses: an approved vendor whose review expired needs review again."""
    if vendor is None:
        return VendorStatus.NEW
    until = review_valid_until(vendor, months=months)
    if until is not None and now >= until:
        return VendorStatus.NEW
    return vendor.status


def status_text(vendor: Vendor, *, now: datetime, months: int) -> str:
    """'approved until 2027-11-23', 'approved (review expired 2026-10-01)', 'rejected'..."""
    until = review_valid_until(vendor, months=months)
    if until is None:
        return vendor.status.label.lower()
    if now >= until:
        return f"approved (review expired {until:%Y-%m-%d})"
    return f"approved until {until:%Y-%m-%d}"


def suggest(vendors: Iterable[Vendor], text: str, *, limit: int = 20) -> list[Vendor]:
    """Registry vendors matching what someone typed, forgivingly: approved ones first, then
    names starting with the text before names merely containing it."""
    typed = vendor_key(text)
    words = text.casefold().split()
    found: list[tuple[tuple[int, int, str], Vendor]] = []
    for vendor in vendors:
        key = vendor.key
        if typed and typed in key:
            closeness = 0 if key.startswith(typed) else 1
        elif words and all(w in vendor.name.casefold() for w in words):
            closeness = 1
        elif not typed:
            closeness = 2  # nothing typed yet: show the registry
        else:
            continue
        found.append(((_STATUS_ORDER[vendor.status], closeness, vendor.name.casefold()), vendor))
    return [v for _, v in sorted(found, key=lambda pair: pair[0])][:limit]


# --------------------------------------------------------------------------- CSV bootstrap

MAX_NAME = limits.MAX_LENGTH["vendor"]  # what the request form accepts
CSV_COLUMNS = (
    "name",
    "status",
    "category",
    "website",
    "owner",
    "notes",
    "reviewed_at",
    "reviewed_by",
    "review_outcome",
)


@dataclass(frozen=True, slots=True)
class VendorRow:
    """One valid line of a vendor import; fields left empty keep what the registry has."""

    line: int
    name: str
    values: Mapping[str, object]


class ImportProblems(ValueError):
    """Lines of an import file that are wrong; nothing was imported."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def parse_vendor_rows(
    rows: Sequence[Mapping[str, str | None]], *, header: Sequence[str]
) -> list[VendorRow]:
    """Check every line of a vendor CSV; ImportProblems lists each wrong one by line number."""
    problems: list[str] = []
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if "name" not in header:
        problems.append(f"line 1: no 'name' column; columns are {', '.join(CSV_COLUMNS)}")
    if unknown:
        problems.append(
            f"line 1: unknown column {', '.join(map(repr, unknown))}; "
            f"columns are {', '.join(CSV_COLUMNS)}"
        )
    if problems:
        raise ImportProblems(problems)
    parsed: list[VendorRow] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        line = index + 2  # the header is line 1
        cells = {k: (v or "").strip() for k, v in row.items() if k in CSV_COLUMNS}
        if not any(cells.values()):
            continue  # blank lines are common at the end of exported sheets
        values, errors = _vendor_values(cells)
        name = cells.get("name", "")
        key = vendor_key(name)
        if not key:
            errors.append("the name is empty")
        elif len(name) > MAX_NAME:
            errors.append(f"the name is longer than {MAX_NAME} characters")
        elif key in seen:
            errors.append(f"{name!r} is the same vendor as line {seen[key]}")
        else:
            seen[key] = line
        if errors:
            problems.extend(f"line {line}: {e}" for e in errors)
        else:
            parsed.append(VendorRow(line=line, name=name, values=values))
    if problems:
        raise ImportProblems(problems)
    return parsed


def _vendor_values(cells: Mapping[str, str]) -> tuple[dict[str, object], list[str]]:
    values: dict[str, object] = {}
    errors: list[str] = []
    status = cells.get("status", "").lower().replace(" ", "_").replace("-", "_")
    if status:
        try:
            values["status"] = VendorStatus(status)
        except ValueError:
            errors.append(
                f"status {cells['status']!r} is not one of "
                f"{', '.join(s.value for s in VendorStatus)}"
            )
    category = cells.get("category", "").lower()
    if category:
        try:
            values["category"] = Category(category)
        except ValueError:
            errors.append(
                f"category {cells['category']!r} is not one of "
                f"{', '.join(c.value for c in Category)}"
            )
    reviewed = cells.get("reviewed_at", "")
    if reviewed:
        try:
            values["reviewed_at"] = _moment(reviewed)
        except ValueError:
            errors.append(f"reviewed_at {reviewed!r} is not a date; write YYYY-MM-DD")
    website = cells.get("website", "")
    if website and not website.startswith(("http://", "https://")):
        website = f"https://{website}"
    for name, value in (
        ("website", website),
        ("owner", cells.get("owner", "").lower()),
        ("notes", cells.get("notes", "")),
        ("reviewed_by", cells.get("reviewed_by", "").lower()),
        ("review_outcome", cells.get("review_outcome", "")),
    ):
        if value:
            values[name] = value
    if values.get("status") is VendorStatus.APPROVED and "reviewed_at" not in values:
        errors.append("an approved vendor needs reviewed_at, so its review can expire")
    return values, errors


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = datetime.combine(date.fromisoformat(text), time())
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def apply_row(vendor: Vendor, row: VendorRow) -> bool:
    """Copy a row's non-empty fields onto the vendor; True if anything changed."""
    changed = False
    for name, value in row.values.items():
        if getattr(vendor, name) != value:
            setattr(vendor, name, value)
            changed = True
    return changed
