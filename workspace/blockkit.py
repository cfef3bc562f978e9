"""Block Kit checks the way Slack applies them when a message or view arrives."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any, Literal

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

JSON = dict[str, Any]
Surface = Literal["message", "modal", "home"]

MAX_BLOCKS: dict[Surface, int] = {"message": 50, "modal": 100, "home": 100}
MAX_TEXT = 40_000
VIEW_TEXT_LIMITS = {"title": 24, "submit": 24, "close": 24}
MAX_PRIVATE_METADATA = 3000
MAX_ID = 255


class BlockKitError(ValueError):
    """Blocks or a view Slack would refuse; `messages` are Slack's response_metadata lines."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def interactive_elements(block: JSON) -> Iterator[JSON]:
    """The elements of a block that can carry an action_id."""
    kind = block.get("type")
    if kind == "actions":
        yield from (e for e in block.get("elements") or [] if isinstance(e, dict))
    elif kind == "input" and isinstance(block.get("element"), dict):
        yield block["element"]
    elif kind == "section" and isinstance(block.get("accessory"), dict):
        yield block["accessory"]


def check_blocks(blocks: Any, *, surface: Surface, new_id: Callable[[], str]) -> list[JSON]:
    """Validate blocks and return a copy with the block_id/action_id Slack fills in when absent."""
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise BlockKitError(["[ERROR] blocks must be an array of objects [json-pointer:/blocks]"])
    problems: list[str] = []
    limit = MAX_BLOCKS[surface]
    if len(blocks) > limit:
        problems.append(f"[ERROR] no more than {limit} items allowed [json-pointer:/blocks]")
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        problems.extend(_check_block(block, f"/blocks/{index}", seen))
    if problems:
        raise BlockKitError(problems)
    checked = copy.deepcopy(blocks)
    for block in checked:
        # Slack invents ids for blocks and elements that have none, so state keys always exist.
        block.setdefault("block_id", new_id())
        for element in interactive_elements(block):
            if element.get("type") not in {"image", "overflow_image"}:
                element.setdefault("action_id", new_id())
    return checked


def _check_block(block: JSON, pointer: str, seen: set[str]) -> list[str]:
    problems: list[str] = []
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str) or not block_id or len(block_id) > MAX_ID:
            problems.append(f"[ERROR] invalid block_id [json-pointer:{pointer}/block_id]")
        elif block_id in seen:
            problems.append(f"[ERROR] duplicate block_id {block_id!r} [json-pointer:{pointer}]")
        else:
            seen.add(block_id)
    action_ids = [e.get("action_id") for e in interactive_elements(block) if e.get("action_id")]
    if len(action_ids) != len(set(action_ids)):
        problems.append(f"[ERROR] action_id must be unique in a block [json-pointer:{pointer}]")
    try:
        parsed = Block.parse(block)
        if parsed is not None:
            parsed.validate_json()
    except (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError) as error:
        # slack_sdk's models know Slack's per-block limits; malformed input trips them here.
        problems.append(f"[ERROR] {error} [json-pointer:{pointer}]")
    return problems


def check_view(view: Any, *, new_id: Callable[[], str]) -> JSON:
    """Validate a view payload (modal or home) and return a normalised copy."""
    if not isinstance(view, dict):
        raise BlockKitError(["[ERROR] view must be an object [json-pointer:/view]"])
    kind = view.get("type")
    if kind not in ("modal", "home"):
        raise BlockKitError(["[ERROR] type must be modal or home [json-pointer:/view/type]"])
    problems: list[str] = []
    if kind == "modal" and not _text_of(view.get("title")):
        problems.append("[ERROR] missing required field: title [json-pointer:/view/title]")
    for key, limit in VIEW_TEXT_LIMITS.items():
        text = _text_of(view.get(key))
        if len(text) > limit:
            problems.append(
                f"[ERROR] must be less than {limit + 1} characters [json-pointer:/view/{key}/text]"
            )
    if len(str(view.get("private_metadata") or "")) > MAX_PRIVATE_METADATA:
        problems.append(
            "[ERROR] must be at most 3000 characters [json-pointer:/view/private_metadata]"
        )
    for key in ("callback_id", "external_id"):
        if len(str(view.get(key) or "")) > MAX_ID:
            problems.append(f"[ERROR] must be at most 255 characters [json-pointer:/view/{key}]")
    blocks = view.get("blocks", [])
    if kind == "modal" and not view.get("submit") and _has_inputs(blocks):
        problems.append(
            "[ERROR] submit is required when an input block is present [json-pointer:/view]"
        )
    if problems:
        raise BlockKitError(problems)
    try:
        checked_blocks = check_blocks(blocks, surface=kind, new_id=new_id)
    except BlockKitError as error:
        raise BlockKitError(
            [m.replace("json-pointer:/", "json-pointer:/view/") for m in error.messages]
        ) from None
    return {**view, "blocks": checked_blocks}


def _text_of(obj: Any) -> str:
    return str(obj.get("text") or "") if isinstance(obj, dict) else ""


def _has_inputs(blocks: Any) -> bool:
    return isinstance(blocks, list) and any(
        isinstance(b, dict) and b.get("type") == "input" for b in blocks
    )
