"""Every payload the bot can send, checked the way the platforms check it: Adaptive Cards and
the Teams manifest against Microsoft's JSON schemas, the Slack manifest against Slack's,
Block Kit through slack_sdk's models plus the limits Slack documents.

The schemas are copied unchanged into tests/schemas/ (its README says from where).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from adapters.slack import limits as slack

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


@cache
def validator(name: str) -> Validator:
    """A validator for the schema file `name`, of the draft the schema declares."""
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    # Not check_schema(): the official 1.6 schema itself has a `required: false` its
    # metaschema refuses; validating documents against it works.
    return validator_for(schema)(schema)


def _errors(name: str, document: Any) -> None:
    error = best_match(validator(name).iter_errors(document))
    if error is not None:
        raise AssertionError(f"{name}: {error.message} at {list(error.absolute_path)}")


def _uses_data_query(node: Any) -> bool:
    if isinstance(node, dict):
        return "choices.data" in node or any(_uses_data_query(v) for v in node.values())
    if isinstance(node, list):
        return any(_uses_data_query(v) for v in node)
    return False


def _without_teams_extensions(card: dict[str, Any], *, filtered: bool) -> dict[str, Any]:
    """The card without what Teams accepts beyond the schema: the top-level `msteams`
    (card width) on 1.5 and 1.6, and `style: filtered` on a 1.5 ChoiceSet (Teams renders it;
    the 1.5 schema only knows compact and expanded)."""
    card = copy.deepcopy(card)
    card.pop("msteams", None)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if (
                filtered
                and node.get("type") == "Input.ChoiceSet"
                and node.get("style") == "filtered"
            ):
                node["style"] = "compact"
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return card


def check_adaptive_card(card: dict[str, Any]) -> None:
    """Valid Adaptive Card 1.5, or 1.6 for a card with a Data.Query typeahead (Teams reads
    `choices.data` on the cards it renders as 1.5, as Microsoft's own samples do)."""
    if _uses_data_query(card):
        _errors("adaptive-card-1.6.0.json", _without_teams_extensions(card, filtered=False))
    else:
        _errors("adaptive-card-1.5.0.json", _without_teams_extensions(card, filtered=True))


def check_teams_manifest(manifest: dict[str, Any]) -> None:
    """Valid Teams app manifest v1.17."""
    _errors("teams-v1.17.schema.json", manifest)


def check_slack_manifest(manifest: dict[str, Any]) -> None:
    """Valid Slack app manifest (major version 1: manifest.yml has no _metadata)."""
    _errors("slack-manifest.schema.1.0.0.json", manifest)


def _length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _block_texts(block: dict[str, Any]) -> list[tuple[str, int]]:
    """(text, its limit) for every text of a block whose limit Slack documents."""
    kind = block["type"]
    found: list[tuple[str, int]] = []
    if kind == "section":
        if block.get("text"):
            found.append((block["text"]["text"], slack.SECTION_TEXT))
        found += [(f["text"], slack.FIELD_TEXT) for f in block.get("fields") or []]
    elif kind == "header":
        found.append((block["text"]["text"], slack.HEADER_TEXT))
    elif kind == "context":
        found += [(e["text"], slack.CONTEXT_TEXT) for e in block["elements"] if "text" in e]
    elif kind == "actions":
        found += [(e["text"]["text"], slack.BUTTON_TEXT) for e in block["elements"]]
    elif kind == "input":
        element = block["element"]
        found += [(o["text"]["text"], slack.OPTION_TEXT) for o in element.get("options") or []]
        if isinstance(element.get("initial_value"), str):
            found.append((element["initial_value"], slack.INITIAL_VALUE))
    return found


def check_blocks(blocks: list[dict[str, Any]], *, limit: int = slack.MESSAGE_BLOCKS) -> None:
    """Blocks slack_sdk's models accept, within the block count and text limits Slack
    documents (counted in UTF-16, never less than what Slack counts)."""
    assert len(blocks) <= limit, f"{len(blocks)} blocks, Slack allows {limit}"
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()
        assert parsed.to_dict() == block  # nothing the models would drop or change
        for text, most in _block_texts(block):
            assert _length(text) <= most, (block["type"], _length(text), most)


def check_view(view: dict[str, Any]) -> None:
    """A modal or App Home Slack accepts: the view's model, 100 blocks, private_metadata."""
    View(**view).validate_json()
    assert len(view.get("private_metadata") or "") <= slack.PRIVATE_METADATA
    check_blocks(view["blocks"], limit=slack.VIEW_BLOCKS)
