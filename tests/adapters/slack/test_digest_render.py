"""The weekly digest in Block Kit, by snapshot (UPDATE_SNAPSHOTS=1 rewrites it)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from adapters.slack.digest import digest_text, render_digest
from bot.domain.digest import Digest, Line
from bot.domain.savings import Consolidation, Outlier, Overlap, Savings, Share
from bot.domain.views import BacklogItem, Renewal, StepTiming, WeekCounts
from tests.adapters.slack.test_render import check
from tests.seed import END, at

D = Decimal


def digest(**overrides: object) -> Digest:
    values: dict[str, object] = {
        "start": END - timedelta(days=7),
        "end": END,
        "timezone": "America/New_York",
        "currency": "USD",
        "this_week": WeekCounts(4, 1, 1, 1, D("6900.00"), D("5400.00")),
        "last_week": WeekCounts(2, 1, 0, 0, D("1620.00"), D("1620.00")),
        "by_category": [
            Line("saas", 1, D("5400.00"), D("1620.00")),
            Line("hardware", 1, D("1500.00"), D("0.00")),
        ],
        "by_department": [Line("Design", 1, D("5400.00"), D("1620.00"))],
        "top_vendors": [Line("Figma", 1, D("5400.00"), D("1620.00"))],
        "backlog_total": 12,
        "backlog": [
            BacklogItem(3, "Zoom <Business>", D("3600.00"), at(12, 9), at(13, 9), ["p@x.example"])
        ],
        "step_timings": [
            StepTiming("IT review", 2, 5.0, 5.8, 0),
            StepTiming("Security", 1, 168, 168, 1),
        ],
        "sla_hours": 48,
        "vendors_in_review": ["Dell", "Miro"],
        "vendors_approved": [],
        "renewals_total": 4,
        "renewals": [
            Renewal(1, "Slack Grid", "Slack", "rita@x.example", D("12000"), date(2026, 12, 1))
        ],
        "names": {"p@x.example": "Priya Procurement"},
        "savings": savings(),
    }
    values.update(overrides)
    return Digest(**values)  # type: ignore[arg-type]


def savings(**overrides: object) -> Savings:
    """One line of each kind, and more of some than are shown."""
    values: dict[str, object] = {
        "overlaps": [
            Overlap(
                "saas",
                3,
                3,
                D("5670.00"),
                [
                    Share("Figma", D("5400.00"), 1, (7,)),
                    Share("Canva", D("150.00"), 2, (9, 10)),
                    Share("Sketch", D("120.00"), 1, (8,)),
                ],
            )
        ],
        "overlaps_total": 1,
        "consolidations": [
            Consolidation(
                "Figma",
                4,
                D("8580.00"),
                [
                    Share("Design", D("6480.00"), 2, (1, 2)),
                    Share("Marketing", D("1620.00"), 1, (3,)),
                    Share("Sales <EU>", D("480.00"), 1, (4,)),
                ],
            )
        ],
        "consolidations_total": 3,
        "renewals": [
            Renewal(1, "Slack Grid", "Slack", "rita@x.example", D("12000"), date(2026, 12, 1))
        ],
        "renewals_total": 6,
        "outliers": [
            Outlier(42, "Figma seats", "Figma", "Sales", True, D("60"), D("44"), 5, (12,))
        ],
        "outliers_total": 1,
        "names": {"rita@x.example": "Rita"},
    }
    values.update(overrides)
    return Savings(**values)  # type: ignore[arg-type]


def test_digest_blocks() -> None:
    blocks = render_digest(digest())
    check("digest", blocks)
    text = str(blocks)
    assert "Zoom &lt;Business&gt;" in text  # user text cannot ping or link
    assert "waiting 10d 5h on Priya Procurement" in text
    assert "… and 11 more" in text
    assert "1 over the 48h SLA" in text


def test_the_savings_section_names_its_requests() -> None:
    text = str(render_digest(digest()))
    assert "Savings" in text
    assert (
        "• Figma bought separately by 4 cost centres, $8,580.00/yr combined: Design $6,480.00 "
        "(PR-1001 and PR-1002), Marketing $1,620.00 (PR-1003), Sales &lt;EU&gt; $480.00 "
        "(PR-1004) and 1 more cost centre. One contract may cost less." in text
    )
    assert "_… and 2 more_" in text  # consolidation candidates beyond the first
    assert "*Renewals in the next 60 days: 6*" in text
    assert "PR-1001 Slack Grid (Slack) renews Tue 01 Dec 2026, $12,000.00/yr: ask Rita" in text
    assert (
        "PR-1042 Figma seats (Sales) pays $60.00/unit/mo, 36 % above the Figma median of "
        "$44.00 over 5 purchases (PR-1012): ask for the same price." in text
    )
    assert "SaaS subscription: 3 tools bought by 3 cost centres, $5,670.00/yr" in text


def test_no_savings_says_so() -> None:
    text = str(render_digest(digest(savings=Savings())))
    assert "_no vendor bought separately by several cost centres_" in text
    assert "*Renewals in the next 60 days: 0*" in text


def test_many_long_savings_lines_stay_within_slack_limits() -> None:
    share = Share("c" * 100, D("1"), 9, (1, 2))
    many = [Consolidation("v" * 200, 9, D("9"), [share] * 3) for _ in range(5)]
    blocks = render_digest(digest(savings=savings(consolidations=many, consolidations_total=99)))
    assert len(blocks) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    assert "_… and 94 more_" in str(blocks)


def test_digest_notification_text() -> None:
    assert digest_text(digest()) == (
        "Procurement digest · week of 16 Nov 2026: 4 submitted, 2 approved, "
        "$6,900.00 approved spend"
    )


def test_an_empty_week_stays_within_slack_limits() -> None:
    empty = WeekCounts(0, 0, 0, 0, D("0.00"), D("0.00"))
    blocks = render_digest(
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
    assert len(blocks) <= 50
    assert "_nothing approved this week_" in str(blocks)
    assert "_no step decided this week_" in str(blocks)


def test_a_huge_backlog_is_clipped_to_slack_limits() -> None:
    many = [
        BacklogItem(i, "x" * 200, D("1"), at(1, 1), at(1, 1), ["a@x.example"]) for i in range(50)
    ]
    blocks = render_digest(digest(backlog=many, backlog_total=50))
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)


def test_renewal_card_offers_renew_and_let_lapse() -> None:
    from adapters.slack import ids
    from adapters.slack.render import render_card
    from bot.domain.cards import build_card
    from bot.domain.model import RequestStatus
    from bot.domain.workflow import Action
    from tests.adapters.slack.test_render import request_in
    from tests.fakes import IT, PROCUREMENT, REQUESTER, START, example_policy

    request = request_in("pending")
    request.status = RequestStatus.APPROVED

    def card_of(viewer: str) -> list[dict[str, object]]:
        return render_card(
            build_card(
                request=request,
                viewer=viewer,
                now=START,
                purchasers=example_policy().purchasers,
                renewal_due=date(2026, 12, 30),
            )
        )

    blocks = card_of(REQUESTER)
    check("card_renewal_rita.req", blocks)
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]  # type: ignore[attr-defined]
    assert [b["action_id"] for b in buttons] == [
        ids.action_id(Action.RENEW),
        ids.action_id(Action.LET_LAPSE),
    ]
    assert buttons[1]["confirm"]["confirm"]["text"] == "Let it lapse"
    assert "Renews on Wed 30 Dec 2026: renew it or let it lapse." in str(blocks)
    assert "pb_renew" in str(card_of(PROCUREMENT))
    assert "pb_renew" not in str(card_of(IT[0]))
