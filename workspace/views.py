"""Modals and home tabs: views.open, views.push, views.update, views.publish and closing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import forms
from .blockkit import BlockKitError, check_view
from .changes import ChangeFeed
from .directory import Directory
from .ids import Ids
from .model import JSON, View, WorkspaceError

MAX_VIEW_STACK = 3


class ViewStore:
    """Every view, each user's stack of open modals, and each user's home tab."""

    def __init__(self, *, directory: Directory, ids: Ids, feed: ChangeFeed) -> None:
        self._directory = directory
        self._ids = ids
        self._feed = feed
        self.clear()

    def clear(self) -> None:
        """No views."""
        self.by_id: dict[str, View] = {}
        self.modal_stacks: dict[str, list[str]] = {}
        self.home_views: dict[str, str] = {}

    def _checked_view(self, payload: Any, *, kind: str) -> JSON:
        try:
            view = check_view(payload, new_id=self._ids.short_id)
        except BlockKitError as error:
            raise WorkspaceError("invalid_arguments", *error.messages) from None
        if view["type"] != kind:
            raise WorkspaceError("invalid_arguments", f"[ERROR] view type must be {kind}")
        return view

    def _ensure_unique_external_id(self, external_id: str, *, own_id: str | None = None) -> None:
        if not external_id:
            return
        for view in self.by_id.values():
            if view.external_id == external_id and view.id != own_id and not view.closed:
                raise WorkspaceError("duplicate_external_id")

    def _new_view(
        self, user_id: str, payload: JSON, *, root: str | None, previous: str | None
    ) -> View:
        self._ensure_unique_external_id(str(payload.get("external_id") or ""))
        view_id = self._ids.next_id("V")
        view = View(id=view_id, user=user_id, type=payload["type"], blocks=[], hash="")
        self._fill_view(view, payload)
        view.root_view_id = root or view_id
        view.previous_view_id = previous
        self.by_id[view_id] = view
        return view

    def _fill_view(self, view: View, payload: JSON) -> None:
        old_edits = view.edits
        view.blocks = payload["blocks"]
        view.title = payload.get("title")
        view.submit = payload.get("submit")
        view.close = payload.get("close")
        view.callback_id = str(payload.get("callback_id") or "")
        view.private_metadata = str(payload.get("private_metadata") or "")
        # An update without external_id keeps the one the view had.
        view.external_id = str(payload.get("external_id") or view.external_id)
        view.clear_on_close = bool(payload.get("clear_on_close"))
        view.notify_on_close = bool(payload.get("notify_on_close"))
        view.submit_disabled = bool(payload.get("submit_disabled"))
        view.hash = self._ids.view_hash()
        view.errors = {}
        # Slack keeps what was typed into inputs whose block_id and action_id survive an update.
        present = forms.state_values(view.blocks, {})
        view.edits = {
            block_id: {a: entry for a, entry in actions.items() if a in present[block_id]}
            for block_id, actions in old_edits.items()
            if block_id in present
        }

    def modal_stack(self, user_ref: str) -> list[View]:
        """The user's open modals, bottom first."""
        user = self._directory.get_user(user_ref)
        return [self.by_id[v] for v in self.modal_stacks.get(user.id, [])]

    def current_modal(self, user_ref: str) -> View | None:
        """The modal the user is looking at, if any."""
        stack = self.modal_stack(user_ref)
        return stack[-1] if stack else None

    def home_view(self, user_ref: str) -> View | None:
        """The user's published home tab, if any."""
        view_id = self.home_views.get(self._directory.get_user(user_ref).id)
        return self.by_id.get(view_id) if view_id else None

    def get_view(self, view_id: str) -> View:
        """The view with this id, raising not_found (Slack's code for an unknown view)."""
        view = self.by_id.get(view_id)
        if view is None or view.closed:
            raise WorkspaceError("not_found")
        return view

    def open_modal(self, user_id: str, payload: Any) -> View:
        """Open a modal for a user (views.open), replacing any modal stack they had."""
        checked = self._checked_view(payload, kind="modal")
        for view in self.modal_stack(user_id):
            view.closed = True
        view = self._new_view(user_id, checked, root=None, previous=None)
        self.modal_stacks[user_id] = [view.id]
        self._feed.bump()
        return view

    def push_modal(self, user_id: str, payload: Any) -> View:
        """Push a modal on the user's stack (views.push); Slack allows three deep."""
        checked = self._checked_view(payload, kind="modal")
        stack = self.modal_stacks.setdefault(user_id, [])
        if len(stack) >= MAX_VIEW_STACK:
            raise WorkspaceError("push_limit_reached")
        root = stack[0] if stack else None
        view = self._new_view(user_id, checked, root=root, previous=stack[-1] if stack else None)
        stack.append(view.id)
        self._feed.bump()
        return view

    def update_view(
        self,
        payload: Any,
        *,
        view_id: str | None = None,
        external_id: str | None = None,
        hash: str | None = None,
    ) -> View:
        """Replace a view's content in place (views.update); a stale hash gives hash_conflict."""
        if view_id:
            view = self.get_view(view_id)
        elif external_id:
            found = [
                v for v in self.by_id.values() if v.external_id == external_id and not v.closed
            ]
            if not found:
                raise WorkspaceError("not_found")
            view = found[0]
        else:
            raise WorkspaceError("invalid_arguments", "[ERROR] view_id or external_id is required")
        if hash and hash != view.hash:
            raise WorkspaceError("hash_conflict")
        checked = self._checked_view(payload, kind=view.type)
        self._ensure_unique_external_id(str(checked.get("external_id") or ""), own_id=view.id)
        self._fill_view(view, checked)
        self._feed.bump()
        return view

    def publish_home(self, user_id: str, payload: Any, *, hash: str | None = None) -> View:
        """Set a user's home tab (views.publish)."""
        user = self._directory.get_user(user_id)
        checked = self._checked_view(payload, kind="home")
        current = self.home_view(user.id)
        if current is None:
            view = self._new_view(user.id, checked, root=None, previous=None)
            self.home_views[user.id] = view.id
        else:
            if hash and hash != current.hash:
                raise WorkspaceError("hash_conflict")
            view = current
            self._fill_view(view, checked)
        self._feed.bump()
        return view

    def close_modal(self, view_id: str, *, clear: bool = False) -> None:
        """Close the top modal (back to the one below), or the whole stack with clear=True."""
        view = self.get_view(view_id)
        stack = self.modal_stacks.get(view.user, [])
        if clear:
            closing = list(stack)
        elif view_id in stack:
            # Closing a view also closes anything pushed above it.
            closing = stack[stack.index(view_id) :]
        else:
            closing = []
        for closed_id in closing:
            self.by_id[closed_id].closed = True
            stack.remove(closed_id)
        self._feed.bump()

    def set_edits(self, view_id: str, edits: Mapping[str, Mapping[str, JSON]]) -> View:
        """Record what a person typed or picked in a view (raw state entries)."""
        view = self.get_view(view_id)
        for block_id, actions in edits.items():
            view.edits.setdefault(block_id, {}).update(actions)
        self._feed.bump()
        return view

    def apply_view_ack(self, view_id: str, ack: Any) -> None:
        """Act on a view_submission ack as Slack does: errors, update, push, clear or close."""
        view = self.get_view(view_id)
        body = ack if isinstance(ack, dict) else {}
        action = body.get("response_action")
        if action == "errors":
            errors = body.get("errors") or {}
            inputs = {b.get("block_id") for b in view.blocks if b.get("type") == "input"}
            unknown = sorted(set(errors) - inputs)
            if unknown:
                # Slack refuses the whole ack and shows a generic error in this case.
                raise WorkspaceError(
                    "invalid_arguments", f"errors for unknown input blocks {unknown}"
                )
            view.errors = {str(k): str(v) for k, v in errors.items()}
            self._feed.bump()
        elif action == "update":
            self._fill_view(view, self._checked_view(body.get("view"), kind="modal"))
            self._feed.bump()
        elif action == "push":
            self.push_modal(view.user, body.get("view"))
        elif action == "clear":
            self.close_modal(view_id, clear=True)
        else:
            self.close_modal(view_id)
