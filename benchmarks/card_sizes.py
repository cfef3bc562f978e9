"""The largest card of each kind for the longest legal inputs, against each platform's limit.

30 steps of 25 approvers, every free-text field at its limit, long comments and timeline,
a registry of 500 vendors and 1,000 waiting requests (tests/adapters/longest.py). Teams:
the card in UTF-16 bytes against its budget (28 KB less the room kept for the activity);
Slack: blocks against the block limit and the longest text of a block against its limit.

    .venv/bin/python -m benchmarks.card_sizes
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from adapters.slack import limits as slack_limits
from adapters.slack import render as slack
from adapters.slack.digest import render_digest as slack_digest
from adapters.teams import limits as teams_limits
from adapters.teams import render as teams
from adapters.teams.digest import render_digest as teams_digest
from bot.domain import intake
from bot.domain.cards import CARD, STATUS, page_of
from tests.adapters import longest
from tests.adapters.test_limits import longest_digest


def _slack_size(blocks: list[dict[str, Any]]) -> tuple[int, int]:
    """(blocks, characters of the longest text) of a Block Kit payload."""
    longest_text = max((len(t.encode("utf-16-le")) // 2 for t in _texts(blocks)), default=0)
    return len(blocks), longest_text


def _texts(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        if isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def main() -> None:
    """Print a markdown table: kind, largest Teams card, largest Slack payload."""
    cards = [c for _, c in longest.every_card()]
    many = longest.waiting_cards()
    vendors = longest.vendor_names()
    values = intake.parse_text(longest.worst_text(5000)).values
    values |= {name: longest.worst_text(n) for name, n in longest.FIELD_LIMITS.items()}
    errors = {name: longest.worst_text(300) for name in intake.FIELDS}
    kinds: dict[str, tuple[list[dict[str, Any]], list[list[dict[str, Any]]], int]] = {
        "request card (DM)": (
            [teams.render_card(c, detail=CARD) for c in cards],
            [slack.render_card(c, detail=CARD) for c in cards],
            slack_limits.MESSAGE_BLOCKS,
        ),
        "status": (
            [teams.render_card(c, detail=STATUS) for c in cards],
            [slack.render_card(c, detail=STATUS) for c in cards],
            slack_limits.MESSAGE_BLOCKS,
        ),
        "list (1,000 waiting)": (
            [teams.list_card(page_of(many), empty="", waiting=page_of(many))],
            [slack.list_blocks(page_of(many), empty="")],
            slack_limits.MESSAGE_BLOCKS,
        ),
        "App Home (1,000 waiting)": (
            [],
            [slack.home_view(mine=page_of(many), waiting=page_of(many, size=4))["blocks"]],
            slack_limits.VIEW_BLOCKS,
        ),
        "request form (500 vendors)": (
            [
                teams.intake_card(
                    values=values,
                    currencies=["USD"],
                    vendors=vendors,
                    errors=errors,
                    notice=longest.worst_text(3000),
                )
            ],
            [
                slack.intake_modal(
                    values=values, currencies=["USD"], notice=longest.worst_text(3000)
                )["blocks"]
            ],
            slack_limits.VIEW_BLOCKS,
        ),
        "digest": (
            [teams_digest(longest_digest())],
            [slack_digest(longest_digest())],
            slack_limits.MESSAGE_BLOCKS,
        ),
    }
    print(
        "| card | Teams, largest (UTF-16 bytes) | Teams budget | Slack, most blocks | "
        "Slack block limit | Slack, longest text (chars) |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: |"
    )
    for kind, (teams_cards, slack_payloads, block_limit) in kinds.items():
        largest = max((teams_limits.card_bytes(c) for c in teams_cards), default=0)
        sizes = [_slack_size(p) for p in slack_payloads]
        teams_cell = f"{largest:,}" if teams_cards else "(no App Home)"
        print(
            f"| {kind} | {teams_cell} | {teams_limits.CARD_BYTES:,} | "
            f"{max(b for b, _ in sizes)} | {block_limit} | {max(t for _, t in sizes):,} |"
        )
    print(
        f"\nTeams budget: {teams_limits.MESSAGE_BYTES:,} bytes less "
        f"{teams_limits.ENVELOPE_BYTES:,} kept for the activity around the card. "
        f"Slack text limits: section 3,000, field 2,000, header 150, button 75."
    )


if __name__ == "__main__":
    main()
