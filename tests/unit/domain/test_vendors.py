"""The registry's rules: review expiry, typeahead order, and checking a bootstrap CSV."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.model import Category, Vendor, VendorStatus
from bot.domain.vendors import (
    ImportProblems,
    apply_row,
    effective_status,
    parse_vendor_rows,
    review_valid_until,
    status_text,
    suggest,
)

REVIEWED = datetime(2025, 11, 30, 9, 0, tzinfo=UTC)


def approved(name: str = "Figma", reviewed: datetime | None = REVIEWED) -> Vendor:
    return Vendor(name=name, status=VendorStatus.APPROVED, reviewed_at=reviewed)


def test_an_approved_review_lasts_the_policy_s_months_to_the_day() -> None:
    assert review_valid_until(approved(), months=12) == datetime(2026, 11, 30, 9, tzinfo=UTC)
    # 30 November + 3 months: there is no 30 February, so the last day of February.
    assert review_valid_until(approved(), months=3) == datetime(2026, 2, 28, 9, tzinfo=UTC)
    assert review_valid_until(Vendor(name="New"), months=12) is None
    assert review_valid_until(approved(reviewed=None), months=12) is None


def test_an_expired_review_routes_like_a_new_vendor() -> None:
    before = datetime(2026, 11, 30, 8, 59, tzinfo=UTC)
    after = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert effective_status(approved(), now=before, months=12) is VendorStatus.APPROVED
    assert effective_status(approved(), now=after, months=12) is VendorStatus.NEW
    assert effective_status(None, now=after, months=12) is VendorStatus.NEW
    rejected = Vendor(name="X", status=VendorStatus.REJECTED, reviewed_at=REVIEWED)
    assert effective_status(rejected, now=after, months=1) is VendorStatus.REJECTED
    assert status_text(approved(), now=before, months=12) == "approved until 2026-11-30"
    assert status_text(approved(), now=after, months=12) == "approved (review expired 2026-11-30)"
    assert status_text(rejected, now=after, months=12) == "rejected"


def test_suggestions_match_forgivingly_with_approved_vendors_first() -> None:
    registry = [
        Vendor(name="Figjam Tools", status=VendorStatus.NEW),
        Vendor(name="Sketchy Figments Ltd", status=VendorStatus.REJECTED),
        approved("Figma, Inc."),
        Vendor(name="Miro", status=VendorStatus.APPROVED),
        Vendor(name="Big Figure", status=VendorStatus.UNDER_REVIEW),
    ]
    names = [v.name for v in suggest(registry, "fig")]
    assert names == ["Figma, Inc.", "Big Figure", "Figjam Tools", "Sketchy Figments Ltd"]
    assert [v.name for v in suggest(registry, "FIGMA INC")] == ["Figma, Inc."]
    assert [v.name for v in suggest(registry, "figma, inc.")] == ["Figma, Inc."]
    assert [v.name for v in suggest(registry, "tools figjam")] == ["Figjam Tools"]
    assert suggest(registry, "zoom") == []
    assert len(suggest(registry, "", limit=2)) == 2


HEADER = ["name", "status", "category", "website", "owner", "notes", "reviewed_at"]


def test_a_vendor_csv_is_checked_line_by_line() -> None:
    rows = [
        {
            "name": "Figma, Inc.",
            "status": "Approved",
            "category": "SaaS",
            "website": "figma.com",
            "owner": "Dana@acme.example",
            "notes": "DPA signed",
            "reviewed_at": "2026-03-01",
        },
        {
            "name": "",
            "status": "",
            "category": "",
            "website": "",
            "owner": "",
            "notes": "",
            "reviewed_at": "",
        },
        {
            "name": "Miro",
            "status": "under review",
            "category": "",
            "website": "",
            "owner": "",
            "notes": "",
            "reviewed_at": "",
        },
    ]
    parsed = parse_vendor_rows(rows, header=HEADER)
    assert [(r.line, r.name) for r in parsed] == [(2, "Figma, Inc."), (4, "Miro")]
    assert parsed[0].values == {
        "status": VendorStatus.APPROVED,
        "category": Category.SAAS,
        "reviewed_at": datetime(2026, 3, 1, tzinfo=UTC),
        "website": "https://figma.com",
        "owner": "dana@acme.example",
        "notes": "DPA signed",
    }
    assert parsed[1].values == {"status": VendorStatus.UNDER_REVIEW}


def test_every_wrong_line_is_reported_and_nothing_passes() -> None:
    rows = [
        {"name": "Figma", "status": "aproved", "category": "design", "reviewed_at": "soon"},
        {"name": "FIGMA INC", "status": "new"},
        {"name": "x" * 101},
        {"name": "Zoom", "status": "approved"},
    ]
    with pytest.raises(ImportProblems) as raised:
        parse_vendor_rows(rows, header=["name", "status", "category", "reviewed_at"])
    assert raised.value.problems == [
        "line 2: status 'aproved' is not one of new, under_review, approved, rejected",
        "line 2: category 'design' is not one of hardware, software, saas, services, other",
        "line 2: reviewed_at 'soon' is not a date; write YYYY-MM-DD",
        "line 3: 'FIGMA INC' is the same vendor as line 2",
        "line 4: the name is longer than 100 characters",
        "line 5: an approved vendor needs reviewed_at, so its review can expire",
    ]
    with pytest.raises(ImportProblems, match="line 1: no 'name' column"):
        parse_vendor_rows([], header=["vendor"])


def test_applying_the_same_row_twice_changes_nothing_the_second_time() -> None:
    (row,) = parse_vendor_rows(
        [{"name": "Figma", "status": "approved", "reviewed_at": "2026-03-01"}],
        header=["name", "status", "reviewed_at"],
    )
    vendor = Vendor(name="Figma, Inc.", owner="kept@acme.example")
    assert apply_row(vendor, row) is True
    assert apply_row(vendor, row) is False
    assert vendor.owner == "kept@acme.example"  # an empty cell keeps what was there
    assert vendor.status is VendorStatus.APPROVED
