"""The weekly digest as an Adaptive Card, by snapshot (UPDATE_SNAPSHOTS=1 rewrites it): the
same numbers and sections as the Slack rendering."""

from __future__ import annotations

import base64
import json
import re
from decimal import Decimal

from adapters.slack.digest import render_digest as slack_digest
from adapters.teams.digest import chart_activity, digest_text, render_digest
from bot.domain.digest import counts_rows
from bot.domain.savings import Consolidation, Savings, Share
from bot.domain.views import BacklogItem, WeekCounts
from tests.adapters.slack.test_digest_render import digest, savings
from tests.adapters.teams.test_render import check, valid_card
from tests.seed import at

D = Decimal


def shown(card: dict[str, object]) -> str:
    """Everything the card says, with markdown escapes removed."""
    return re.sub(r"\\(.)", r"\1", json.dumps(card, ensure_ascii=False))


def test_digest_card() -> None:
    card = render_digest(digest())
    valid_card(card)
    check("digest", card)
    text = shown(card)
    assert "Zoom <Business>" in text  # shown as typed, not formatted
    assert "waiting 10d 5h on Priya Procurement" in text
    assert "… and 11 more" in text and "… and 3 more" in text
    assert "1 over the 48h SLA" in text
    assert "Security: median 168.0h, p90 168.0h (1 decided, 1 late)" in text


def test_the_same_numbers_as_slack() -> None:
    view = digest()
    teams = shown(render_digest(view))
    slack = json.dumps(slack_digest(view), ensure_ascii=False).replace("&lt;", "<")
    slack = slack.replace("&gt;", ">")
    for label, now, before, moved in counts_rows(view):
        assert label in teams and f"{now} (week before {before}, {moved})" in teams
        assert label in slack and now in slack
    for number in re.findall(r"\$[\d,]+\.\d\d", slack):
        assert number in teams, number
    for section in (
        "Approved spend by category",
        "By department",
        "Top vendors",
        "Pending backlog: 12 open",
        "Cycle time per step",
        "New vendors in review",
        "Vendors approved",
        "Renewals in the next 30 days: 4",
        "PR-1001 Slack Grid (Slack) renews Tue 01 Dec 2026",
        "Savings",
        "Overlapping tools",
        "Consolidation candidates",
        "Renewals in the next 60 days: 6",
        "Price outliers approved this week",
        "Figma bought separately by 4 cost centres, $8,580.00/yr combined",
        "(PR-1001 and PR-1002)",
        "PR-1042 Figma seats (Sales) pays $60.00/unit/mo, 36 % above the Figma median",
        "… and 2 more",
        "… and 5 more",
    ):
        assert section in teams and section in slack, section


def test_digest_notification_text() -> None:
    assert digest_text(digest()) == (
        "Procurement digest · week of 16 Nov 2026: 4 submitted, 2 approved, "
        "$6,900.00 approved spend"
    )


def test_an_empty_week() -> None:
    empty = WeekCounts(0, 0, 0, 0, D("0.00"), D("0.00"))
    card = render_digest(
        digest(
            this_week=empty,
            last_week=empty,
            by_category=[],
            by_department=[],
            top_vendors=[],
            backlog_total=0,
            backlog=[],
            step_timings=[],
            renewals=[],
            renewals_total=0,
            savings=Savings(),
        )
    )
    valid_card(card)
    text = shown(card)
    assert "_nothing approved this week_" in text and "_no step decided this week_" in text
    assert "more_" not in text


def test_many_long_savings_lines_stay_within_teams_limits() -> None:
    share = Share("c" * 100, D("1"), 9, (1, 2))
    many = [Consolidation("v" * 200, 9, D("9"), [share] * 3) for _ in range(5)]
    card = render_digest(digest(savings=savings(consolidations=many, consolidations_total=99)))
    valid_card(card)  # under 28 KB
    assert "… and 94 more" in shown(card)


def test_a_huge_backlog_stays_within_teams_limits() -> None:
    many = [
        BacklogItem(i, "x" * 200, D("1"), at(1, 1), at(1, 1), ["a@x.example"]) for i in range(50)
    ]
    card = render_digest(digest(backlog=many, backlog_total=50))
    valid_card(card)  # under 28 KB
    assert all(len(b.get("text", "")) <= 3000 for b in card["body"])


def test_the_chart_is_an_inline_image() -> None:
    activity = chart_activity(data=b"\x89PNG\r\n...", filename="chart.png", title="Digest")
    (image,) = activity.attachments
    assert (image.content_type, image.name) == ("image/png", "chart.png")
    assert image.content_url == "data:image/png;base64," + base64.b64encode(
        b"\x89PNG\r\n..."
    ).decode("ascii")
