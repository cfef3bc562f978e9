"""Checks on what arrives at /slack/events before Bolt and the listeners read it.

Bolt and our listeners read Slack's payloads as Slack shapes them (`body["user"]["id"]` is a
string, `actions` a list of objects ...). A body that is signed but shaped otherwise did not
come from Slack as documented; it gets a 400 naming the field, instead of an exception deep in
a listener (a 500, or a half-done action after the ack).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

_LOOSE = ConfigDict(extra="allow", strict=True)
# Slack user ids: U…, W… (Enterprise Grid) or B… (bots); we pass them back to Slack's API.
UserId = Annotated[str, StringConstraints(pattern=r"^[UWB][A-Z0-9]{1,31}$")]


class _User(BaseModel):
    model_config = _LOOSE
    id: UserId


class _Action(BaseModel):
    model_config = _LOOSE
    action_id: str
    value: str | None = None
    action_ts: str | None = None
    block_id: str | None = None
    selected_option: dict[str, Any] | None = None


class _Title(BaseModel):
    model_config = _LOOSE
    text: Annotated[str, StringConstraints(max_length=24)]  # Slack's limit for modal titles


class _State(BaseModel):
    model_config = _LOOSE
    values: dict[str, dict[str, dict[str, Any]]]


class _ClosedView(BaseModel):
    model_config = _LOOSE
    callback_id: str = ""


class _View(BaseModel):
    model_config = _LOOSE
    id: str
    callback_id: str = ""
    type: str  # Bolt's own view matching reads it unguarded
    private_metadata: Annotated[str, StringConstraints(max_length=3000)] = ""  # Slack's limit
    hash: str | None = None
    state: _State | None = None
    blocks: list[dict[str, Any]] = []
    title: _Title | None = None
    submit: _Title | None = None


class _Where(BaseModel):
    model_config = _LOOSE
    id: str | None = None


class _Container(BaseModel):
    model_config = _LOOSE
    channel_id: str | None = None
    message_ts: str | None = None
    view_id: str | None = None


class _BlockActions(BaseModel):
    model_config = _LOOSE
    user: _User
    actions: Annotated[list[_Action], Field(min_length=1)]  # Bolt matches on the first
    trigger_id: str | None = None
    container: _Container | None = None
    channel: _Where | None = None
    view: _View | None = None


class _AttachmentActions(BaseModel):
    """A legacy message-attachment click: no listener of ours, but Bolt matches on it."""

    model_config = _LOOSE
    actions: Annotated[list[dict[str, Any]], Field(min_length=1)]


class _SubmittedView(_View):
    state: _State  # Slack always sends the state of a submitted view


class _ViewSubmission(BaseModel):
    model_config = _LOOSE
    user: _User
    view: _SubmittedView


class _Command(BaseModel):
    model_config = _LOOSE
    user_id: UserId
    trigger_id: str
    command: str
    response_url: str


class _Event(BaseModel):
    model_config = _LOOSE
    type: str
    user: str | None = None
    channel: str | None = None
    tab: str | None = None


class _Envelope(BaseModel):
    """What Bolt itself reads of any body, whatever its type: the ids it puts in the
    context and the keys its listener matchers compare (a dict where it looks inside, a
    string where it matches a pattern)."""

    model_config = _LOOSE
    type: str | None = None
    callback_id: str | None = None
    action_id: str | None = None
    user: dict[str, Any] | str | None = None
    team: dict[str, Any] | str | None = None
    enterprise: dict[str, Any] | str | None = None
    channel: dict[str, Any] | str | None = None
    authorizations: list[dict[str, Any]] | None = None
    # Bolt looks inside these once the key is there, so null is as bad as a wrong type.
    event: dict[str, Any] = {}
    view: _ClosedView = _ClosedView()
    response_url: str | None = None


class _BlockSuggestion(BaseModel):
    model_config = _LOOSE
    user: _User
    action_id: str
    value: str = ""


class _EventCallback(BaseModel):
    model_config = _LOOSE
    event: _Event
    event_id: str | None = None


_SHAPES: dict[str, type[BaseModel]] = {
    "block_actions": _BlockActions,
    "view_submission": _ViewSubmission,
    "block_suggestion": _BlockSuggestion,
    "interactive_message": _AttachmentActions,
    "event_callback": _EventCallback,
}


def problem(body: Any) -> str | None:
    """What is wrong with the shape of a parsed Slack body, or None when it is fine to read."""
    if not isinstance(body, dict):
        return "the body is not an object"
    try:
        _Envelope.model_validate(body)  # first: it makes `type` safe to look up
        shape = _Command if "command" in body else _SHAPES.get(body.get("type") or "")
        # Other kinds go to Bolt, which ignores what it doesn't handle once it can read them.
        if shape is not None:
            shape.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{where}: {first['msg']}"
    return None
