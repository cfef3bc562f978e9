"""What a person acts on in the fake: themselves, a message or a view, and the values they pick."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import forms
from .model import JSON, Channel, Message, ResponseTarget, User, View, WorkspaceError
from .state import Workspace

Target = Message | View | Mapping[str, Any] | str
UserRef = User | str


def person(ws: Workspace, user: UserRef) -> User:
    """The user a reference (a User, an id, a name or an email) names."""
    return ws.directory.get_user(user.id if isinstance(user, User) else user)


def surface(ws: Workspace, target: Target) -> Message | View:
    """The message or view a target names: a record, a {"ts"}/{"id"} dict, a ts or a view id."""
    if isinstance(target, View):
        return ws.views.get_view(target.id)
    if isinstance(target, Message):
        return ws.messages.get(target.channel, target.ts)
    if isinstance(target, Mapping):
        if "ts" in target:
            return ws.messages.by_ts(str(target["ts"]))
        return ws.views.get_view(str(target.get("id")))
    return ws.views.get_view(target) if target.startswith("V") else ws.messages.by_ts(target)


def own_view(ws: Workspace, user: User, target: Target) -> View:
    """The view a target names, which must be this user's."""
    view = surface(ws, target)
    if not isinstance(view, View):
        raise WorkspaceError("not_found", "expected a view, got a message")
    if view.user != user.id:
        raise PermissionError(f"view {view.id} belongs to {view.user}, not {user.id}")
    return view


def own_modal(ws: Workspace, user: User, target: Target) -> View:
    """The view a target names, which must be the modal this user is looking at."""
    view = own_view(ws, user, target)
    current = ws.views.current_modal(user.id)
    if current is None or current.id != view.id:
        raise WorkspaceError("not_found", f"view {view.id} is not the modal {user.id} sees")
    return view


def entry(ws: Workspace, element: JSON, value: Any, *, options: list[JSON] | None = None) -> JSON:
    """The state entry for a value typed or picked in an element; people and channels by ref."""
    return forms.entry_for(
        element,
        value,
        user_id=lambda ref: ws.directory.get_user(ref).id,
        channel_id=lambda ref: ws.directory.resolve_channel(ref).id,
        options=options,
    )


def edits_by_id(
    ws: Workspace, view: View, values: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, JSON]]:
    """The state entries for values given as {block_id: {action_id: value}} in a view."""
    edits: dict[str, dict[str, JSON]] = {}
    for block_id, actions in values.items():
        for action_id, value in actions.items():
            _, element = forms.find_element(view.blocks, action_id, block_id=block_id)
            edits.setdefault(block_id, {})[action_id] = entry(ws, element, value)
    return edits


def place(ws: Workspace, user: User, channel: str | None) -> Channel:
    """Where a person acts: the channel named, else their IM with the bot."""
    return ws.directory.resolve_channel(channel) if channel else ws.directory.open_im(user.id)


def response_url(ws: Workspace, target: ResponseTarget) -> str:
    """A fresh response_url that posts to `target`."""
    return ws.interactions.response_url(target, server_url=ws.server_url)
