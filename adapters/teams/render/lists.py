"""Adaptive Cards for lists (`list`: what waits for me, then my requests) and help texts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapters.teams import ids, limits
from adapters.teams.limits import clip_markdown, markdown
from adapters.teams.render.cards import adaptive_card, escaped, execute, note_card, text_block
from bot.domain.cards import Card, Page


def list_card(mine: Page[Card], *, empty: str, waiting: Page[Card] | None = None) -> dict[str, Any]:
    """`list`: what waits for this person's decision, then their own requests, a line each,
    a page of each with "Show more" for the next; lines shortened until the card fits."""
    waiting = waiting or Page(items=[], offset=0, total=0)
    if not mine.total and not waiting.total:
        return note_card(empty)
    for line in _LIST_LINES:
        listed = _list_card(mine, waiting, empty=empty, line=line)
        if limits.fits(listed):
            break
    return listed


def _list_card(mine: Page[Card], waiting: Page[Card], *, empty: str, line: int) -> dict[str, Any]:
    def lines(of: Sequence[Card]) -> list[dict[str, Any]]:
        return [
            text_block(
                clip_markdown(
                    f"**{c.number}** · {markdown(c.title)} · {markdown(c.status_text)}", line
                ),
                spacing="Small",
            )
            for c in of
        ]

    body: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    if waiting.total:
        body += [text_block("**Waiting for you**"), *lines(waiting.items)]
        body += _counted(waiting, "waiting for you")
        hint = f"Type `{ids.STATUS} {waiting.items[0].number}` to open it with its buttons."
        body.append(text_block(hint, isSubtle=True, size="Small"))
        if waiting.next_offset is not None:
            more = {ids.WAITING_FROM: waiting.next_offset, ids.MINE_FROM: mine.offset}
            actions.append(_show_more("Show more waiting", more))
    body.append(text_block("**Your requests**", spacing="Medium" if waiting.total else "Default"))
    body += lines(mine.items) if mine.total else [text_block(escaped(empty))]
    body += _counted(mine, "of your requests")
    if mine.next_offset is not None:
        more = {ids.WAITING_FROM: waiting.offset, ids.MINE_FROM: mine.next_offset}
        actions.append(_show_more("Show more of mine", more))
    return adaptive_card(body, actions)


_LIST_LINES = (600, 300, 150, 80)  # one request in a list, shortened until the list fits


def _counted(page: Page[Card], what: str) -> list[dict[str, Any]]:
    """'Showing 11–20 of 34 …' under a list that does not fit on one page."""
    if page.total <= len(page.items):
        return []
    return [text_block(page.counted(what), isSubtle=True, size="Small", spacing="Small")]


def _show_more(title: str, offsets: dict[str, int]) -> dict[str, Any]:
    return execute(title, {ids.KIND: ids.LIST_MORE, **offsets}, associated_inputs="none")


def list_offsets(data: Mapping[str, Any]) -> tuple[int, int]:
    """(waiting offset, my requests offset) a "Show more" button sent; 0, 0 if not ours."""
    try:
        offsets = (int(data.get(ids.WAITING_FROM, 0)), int(data.get(ids.MINE_FROM, 0)))
    except (TypeError, ValueError, OverflowError):
        return 0, 0
    return (offsets[0], offsets[1]) if all(0 <= o < 2**31 for o in offsets) else (0, 0)


def help_text() -> str:
    """What the bot understands, as a Teams message (markdown)."""
    return (
        "**procurebot** takes IT purchase requests and routes them to the right approvers.\n\n"
        f"- `{ids.BUY}` opens the request form\n"
        f"- `{ids.BUY} 3 Figma Professional seats $45/mo` opens it prefilled\n"
        f"- `{ids.LIST}` shows your requests\n"
        f"- `{ids.STATUS} PR-1042` shows one request\n"
        f"- `{ids.CANCEL} PR-1042` withdraws a request that is not yet approved\n"
        "- `vendor Acme` proposes a vendor for IT and procurement to qualify\n\n"
        "Approvers get a card in this chat with Approve, Reject and Ask a question."
    )


def channel_text(conversation_id: str) -> str:
    """What the bot says in a team's channel: what it does there, and the id the policy
    needs to post the weekly digest in this channel."""
    channel = conversation_id.split(";", 1)[0]  # a thread's id ends in ;messageid=...
    return (
        "In a team I only post the weekly procurement digest. To ask for something, open "
        f"a personal chat with procurebot and type `{ids.BUY}`.\n\n"
        f'To get the digest in this channel, set `digest.teams_channel: "{channel}"` in '
        "the purchasing policy."
    )
