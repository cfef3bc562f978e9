"""Block Kit for lists: `/buy list`, App Home and the help text."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
)
from slack_sdk.models.views import View

from adapters.slack import ids, limits
from adapters.slack.limits import clip_mrkdwn, mrkdwn
from adapters.slack.render.cards import STATUS_EMOJI, button, note_blocks, render_card, section
from bot.domain.cards import (
    HOME,
    Card,
    Page,
)

_LIST_LINE = 600  # one request in a list: number, title, where it is


def request_line(card: Card) -> str:
    """One mrkdwn line for lists: number, title, status."""
    emoji = STATUS_EMOJI.get(card.status.value, "")
    line = f"{emoji} *{card.number}* · {mrkdwn(card.title)} · {mrkdwn(card.status_text)}"
    return clip_mrkdwn(line, _LIST_LINE)


def more_value(*, waiting: int = 0, mine: int = 0) -> str:
    """The value of a "Show more" button: where each list of the page starts."""
    return json.dumps({"w": waiting, "m": mine}, separators=(",", ":"))


def parse_more_value(value: str | None) -> tuple[int, int]:
    """(waiting offset, my requests offset) from a "Show more" button; 0, 0 if not ours."""
    try:
        data = json.loads(value or "")
        offsets = (int(data.get("w", 0)), int(data.get("m", 0)))
    except (ValueError, TypeError, AttributeError, OverflowError):
        return 0, 0
    return (offsets[0], offsets[1]) if all(0 <= o < 2**31 for o in offsets) else (0, 0)


def _show_more(
    page: Page[Card], what: str, *, action_id: str, value: str | None, block_id: str = ""
) -> list[dict[str, Any]]:
    """'Showing 1–10 of 34 requests' and, unless it is the last page, a Show more button."""
    blocks: list[Block] = [ContextBlock(elements=[MarkdownTextObject(text=page.counted(what))])]
    if value is not None:
        button = ButtonElement(text="Show more", action_id=action_id, value=value)
        blocks.append(ActionsBlock(block_id=block_id or action_id, elements=[button]))
    return [b.to_dict() for b in blocks]


def list_blocks(page: Page[Card], *, empty: str) -> list[dict[str, Any]]:
    """`/buy list`: one line a request, a page at a time."""
    if not page.total:
        return [section(empty).to_dict()]  # our own words, with their `code`
    blocks = [section(request_line(c)).to_dict() for c in page.items]
    if page.total > len(page.items):
        more = None if page.next_offset is None else more_value(mine=page.next_offset)
        blocks += _show_more(page, "requests", action_id=ids.LIST_MORE, value=more)
    return blocks


def home_view(*, mine: Page[Card], waiting: Page[Card]) -> dict[str, Any]:
    """App Home: what waits for me (full cards with buttons) and my requests, a page of each,
    within Slack's 100 blocks whatever their size."""
    tail = [*_home_mine(mine, waiting=waiting.offset), _home_help()]
    blocks = [HeaderBlock(text="Waiting for you").to_dict()]
    if not waiting.total:
        blocks += note_blocks("Nothing waits for your approval.")
    shown = 0
    room = limits.VIEW_BLOCKS - len(tail) - 2  # and the count with its Show more
    for card in waiting.items:
        rendered = render_card(card, detail=HOME)
        if len(blocks) + len(rendered) > room:
            break
        blocks += rendered
        shown += 1
    if waiting.total > shown:
        page = Page(items=waiting.items[:shown], offset=waiting.offset, total=waiting.total)
        more = page.next_offset
        value = None if more is None else more_value(waiting=more, mine=mine.offset)
        blocks += _show_more(page, "waiting for you", action_id=ids.HOME_MORE, value=value)
    return View(type="home", blocks=[*blocks, *tail]).to_dict()


def _home_mine(mine: Page[Card], *, waiting: int) -> list[dict[str, Any]]:
    blocks = [HeaderBlock(text="My requests").to_dict()]
    if not mine.total:
        blocks += note_blocks(f"No requests yet. Type {ids.COMMAND} to ask for something.")
    for card in mine.items:
        blocks.append(section(request_line(card)).to_dict())
        if card.actions:
            blocks.append(
                ActionsBlock(
                    block_id=f"{ids.CARD_ACTIONS_BLOCK}:{card.request_id}",
                    elements=[button(a) for a in card.actions],
                ).to_dict()
            )
    if mine.total > len(mine.items):
        more = mine.next_offset
        value = None if more is None else more_value(waiting=waiting, mine=more)
        blocks += _show_more(
            mine, "of your requests", action_id=ids.HOME_MORE, value=value, block_id="mine_more"
        )
    return blocks


def _home_help() -> dict[str, Any]:
    return ContextBlock(
        elements=[
            MarkdownTextObject(
                text=f"`{ids.COMMAND}` new request · `{ids.COMMAND} list` · "
                f"`{ids.COMMAND} status PR-1042` · `{ids.COMMAND} help`"
            )
        ]
    ).to_dict()


HELP = (
    "*procurebot* takes IT purchase requests and routes them to the right approvers.\n"
    f"• `{ids.COMMAND}` opens the request form\n"
    f"• `{ids.COMMAND} 3 Figma Professional seats $45/mo` opens it prefilled\n"
    f"• `{ids.COMMAND} list` shows your requests\n"
    f"• `{ids.COMMAND} status PR-1042` shows one request\n"
    f"• `{ids.COMMAND} cancel PR-1042` withdraws a request that is not yet approved\n"
    f"• `{ids.COMMAND} vendor Acme` proposes a vendor for IT and procurement to qualify\n"
    "Approvers get a card in this DM; the Home tab lists what waits for you."
)
